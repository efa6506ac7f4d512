from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.facilities.models import Facility, Provider


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin):
    list_display = ("name", "official_number", "provider_type", "territory")
    list_filter = ("provider_type", "territory")
    search_fields = ("name", "official_number")


@admin.register(Facility)
class FacilityAdmin(AuditedAdmin):
    """Read-mostly: facilities change through imports and the facility pages (dated places)."""

    list_display = ("name", "official_number", "provider", "territory")
    search_fields = ("name", "official_number")
    list_filter = ("territory",)
    readonly_fields = ("area", "lat", "lon")
    raw_id_fields = ("provider",)
