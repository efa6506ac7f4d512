"""Administration of users, their roles and second-factor devices, every change audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitaplan.web.accounts.login import admin_login
from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.audit.services import AuditAction, record_audit_event
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


admin.site.unregister(User)
admin.site.unregister(Group)

# UserAdmin is generic in the stubs only: it cannot be subscripted at run time.
if TYPE_CHECKING:
    _UserAdmin = UserAdmin[User]
else:
    _UserAdmin = UserAdmin


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, _UserAdmin):
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """An administrator sets another user's password: audited (who, whose; no password)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            record_audit_event(
                actor=request.user,
                action=AuditAction.PASSWORD_CHANGED,
                target=user,
                details={"by": "administrator" if user != request.user else "self"},
            )
        return response
