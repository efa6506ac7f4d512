from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.planning.models import CareRateSet, TargetRule


@admin.register(TargetRule)
class TargetRuleAdmin(AuditedAdmin):
    list_display = (
        "code",
        "name",
        "territory",
        "level",
        "metric",
        "comparison",
        "threshold",
        "tolerance",
    )
    list_filter = ("territory", "metric")


@admin.register(CareRateSet)
class CareRateSetAdmin(AuditedAdmin):
    list_display = ("territory", "valid_from_year", "integration_rate", "source")
