"""Writes of one's own account: the password and the second factor, each audited.

Each service takes the keyword-only ``actor`` (the user changing their own account) and refuses
what the actor may not do (``PermissionDenied``).
"""

from __future__ import annotations

from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitaplan.web.accounts.login import otp_required_for
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.access import AnyUser


class SecondFactorRequired(PermissionDenied):
    """The actor's role requires two-factor login: the device stays."""


def pending_device(user: AnyUser) -> TOTPDevice:
    """The unconfirmed device being set up (one per user; a new secret when there is none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="kitaplan", confirmed=False)
    return device


def change_own_password(*, actor: AnyUser, form: PasswordChangeForm) -> None:
    """Save a valid password form of the actor's own account."""
    if not isinstance(actor, User) or form.user != actor:
        raise PermissionDenied
    with transaction.atomic():
        form.save()
        record_audit_event(
            actor=actor, action=AuditAction.PASSWORD_CHANGED, target=actor, details={"by": "self"}
        )


def confirm_second_factor(*, actor: AnyUser, device: TOTPDevice) -> None:
    """Confirm the actor's pending device (its code was checked by the form)."""
    if not isinstance(actor, User) or device.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record_audit_event(
            actor=actor,
            action=AuditAction.SECOND_FACTOR_CHANGED,
            target=actor,
            details={"operation": "set_up"},
        )


def remove_second_factor(*, actor: AnyUser) -> None:
    """Remove the actor's devices, unless a role of the actor requires the second factor."""
    if not isinstance(actor, User):
        raise PermissionDenied
    if otp_required_for(actor):
        raise SecondFactorRequired
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).delete()
        record_audit_event(
            actor=actor,
            action=AuditAction.SECOND_FACTOR_CHANGED,
            target=actor,
            details={"operation": "removed"},
        )
