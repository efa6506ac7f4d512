from django.contrib import admin
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.core.login import admin_login
from kitaplan.web.core.models import RoleAssignment

# One login page for everyone (throttled, with the second factor): the admin's sends there.
admin.site.login = admin_login  # type: ignore[method-assign]


class AuditedTOTPDeviceAdmin(AuditedAdmin, TOTPDeviceAdmin):  # type: ignore[misc]
    """Second-factor devices: an administrator removes a lost phone's device, audited (the
    secret key is never recorded, ``audit.personal``; settings hide it in the admin)."""


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, AuditedTOTPDeviceAdmin)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "provider", "facility")
    list_filter = ("role",)
    autocomplete_fields = ("user", "provider", "facility")
