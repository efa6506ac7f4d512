from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.territory.models import AreaLevel, IndicatorDefinition, Territory


class AreaLevelInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AreaLevel
    extra = 0


@admin.register(Territory)
class TerritoryAdmin(AuditedAdmin):
    list_display = ("name", "code", "official_code")
    inlines = [AreaLevelInline]


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(AuditedAdmin):
    list_display = ("code", "name", "unit", "direction")
    search_fields = ("code", "name")
