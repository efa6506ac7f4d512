"""Authentication events in the audit trail: logins, failed logins and logouts.

Django sends these signals for every login path (the login page, the admin's login page, a test
client's ``login``), so one receiver each covers them all. The address is kept for security
reviews (a legitimate interest, GDPR Art. 6(1)(f)); passwords never reach the signal.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction, record_audit_event


def _address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    try:
        from axes.helpers import get_client_ip_address

        return str(get_client_ip_address(request) or "")
    except Exception:  # noqa: BLE001 - a missing address must not stop a login
        return str(request.META.get("REMOTE_ADDR", ""))


def _path(request: HttpRequest | None) -> str:
    return str(getattr(request, "path", ""))[:200]


@receiver(user_logged_in, dispatch_uid="kitaplan.audit.login")
def audit_login(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    # no target id: the actor is the user (a target id would mix with other records' ids)
    record_audit_event(
        actor=user,
        action=AuditAction.LOGIN,
        target_type="auth.user",
        details={"address": _address(request), "path": _path(request)},
    )


@receiver(user_logged_out, dispatch_uid="kitaplan.audit.logout")
def audit_logout(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser | None, **kwargs: Any
) -> None:
    if user is None:
        return
    record_audit_event(actor=user, action=AuditAction.LOGOUT, target_type="auth.user")


@receiver(user_login_failed, dispatch_uid="kitaplan.audit.login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    attempted = str(credentials.get("username", ""))[:150]
    AuditEvent.objects.create(
        actor=None,
        actor_label=attempted or "?",
        action=AuditAction.LOGIN_FAILED.value,
        target_type="auth.user",
        details={
            "address": _address(request),
            "path": _path(request),
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )
