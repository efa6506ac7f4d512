from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.core.login import admin_login
from kitaplan.web.core.models import RoleAssignment

# One login page for everyone (throttled, with the second factor): the admin's sends there.
admin.site.login = admin_login  # type: ignore[method-assign]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "provider", "facility")
    list_filter = ("role",)
    autocomplete_fields = ("user", "provider", "facility")
