"""The "login and security" page: change one's password, set up or remove the second factor."""

from __future__ import annotations

import base64
from typing import Any

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitaplan.web.accounts.login import confirmed_device, otp_required_for
from kitaplan.web.audit.services import AuditAction, record_audit_event


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, device: TOTPDevice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                _("The code is wrong or no longer valid. Try the next one.")
            )
        return code


def _pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being set up (one per user; a new secret when there is none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="kitaplan", confirmed=False)
    return device


def _qr_svg(device: TOTPDevice) -> str:
    """The otpauth URI as an inline SVG QR code (segno: pure Python, no image library)."""
    return str(
        segno.make(device.config_url, error="m").svg_inline(scale=4, title=gettext("QR code"))
    )


def _group(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = confirmed_device(user)
    action = request.POST.get("action") if request.method == "POST" else None
    password_form = PasswordChangeForm(user, request.POST if action == "password" else None)
    password_form.fields["old_password"].widget.attrs.pop("autofocus", None)  # not the page's aim
    pending = (
        None
        if device is not None
        else TOTPDevice.objects.filter(user=user, confirmed=False).first()
    )
    if action == "otp-start" and device is None:
        pending = _pending_device(user)
    code_form = None
    if device is not None:
        code_form = CodeForm(request.POST if action == "otp-remove" else None, device=device)
    elif pending is not None:
        code_form = CodeForm(request.POST if action == "otp-confirm" else None, device=pending)

    if action == "password" and password_form.is_valid():
        with transaction.atomic():
            password_form.save()
            record_audit_event(
                actor=user,
                action=AuditAction.PASSWORD_CHANGED,
                target=user,
                details={"by": "self"},
            )
        update_session_auth_hash(request, password_form.user)
        messages.success(request, gettext("Your password has been changed."))
        return redirect("accounts:security")
    if action == "otp-confirm" and pending is not None and code_form and code_form.is_valid():
        with transaction.atomic():
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            record_audit_event(
                actor=user,
                action=AuditAction.SECOND_FACTOR_CHANGED,
                target=user,
                details={"operation": "set_up"},
            )
        django_otp.login(request, pending)
        messages.success(
            request, gettext("Two-factor login is set up. You will be asked for a code.")
        )
        return redirect("accounts:security")
    if action == "otp-remove" and device is not None and code_form and code_form.is_valid():
        if otp_required_for(user):
            messages.error(
                request, gettext("Your role requires two-factor login; it cannot be removed.")
            )
            return redirect("accounts:security")
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()
            record_audit_event(
                actor=user,
                action=AuditAction.SECOND_FACTOR_CHANGED,
                target=user,
                details={"operation": "removed"},
            )
        messages.success(request, gettext("Two-factor login is switched off."))
        return redirect("accounts:security")
    context = {
        "password_form": password_form,
        "device": device,
        "pending": pending,
        "code_form": code_form,
        "required": otp_required_for(user),
        "qr_svg": _qr_svg(pending) if pending is not None else "",
        "secret": _group(base64.b32encode(pending.bin_key).decode()) if pending is not None else "",
    }
    # a refused form answers 400 (as the other pages do), the setup step's first view 200
    status = 400 if action in ("password", "otp-confirm", "otp-remove") else 200
    return render(request, "accounts/security.html", context, status=status)
