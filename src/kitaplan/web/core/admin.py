from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.core.models import RoleAssignment


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "provider", "facility")
    list_filter = ("role",)
    autocomplete_fields = ("user", "provider", "facility")
