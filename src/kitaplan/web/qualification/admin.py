from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.qualification.models import (
    EducationProvider,
    Programme,
    ProgrammePart,
    TrainingMinimum,
)


class ProgrammePartInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ProgrammePart
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "territory", "courses_per_year")
    list_filter = ("territory", "kind")
    inlines = [ProgrammePartInline]


@admin.register(EducationProvider)
class EducationProviderAdmin(AuditedAdmin):
    list_display = ("name", "territory")


@admin.register(TrainingMinimum)
class TrainingMinimumAdmin(AuditedAdmin):
    list_display = ("territory", "year", "hours")
