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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitaplan.web.accounts import services
from kitaplan.web.accounts.login import confirmed_device, otp_required_for


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
        code: str = self.cleaned_data["code"].replace(" ", "")
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                _("The code is wrong or no longer valid. Try the next one.")
            )
        return code


def _qr_svg(device: TOTPDevice) -> str:
    """The otpauth URI as an inline SVG QR code (segno: pure Python, no image library)."""
    return str(
        segno.make(device.config_url, error="m").svg_inline(scale=4, title=gettext("QR code"))
    )


def _group(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _forms(
    request: HttpRequest, action: str | None
) -> tuple[PasswordChangeForm, TOTPDevice | None, TOTPDevice | None, CodeForm | None]:
    """The password form, the confirmed and the pending device, and the code form for the one
    there is (bound to the POST of the action it belongs to)."""
    user = request.user
    device = confirmed_device(user)
    password_form = PasswordChangeForm(user, request.POST if action == "password" else None)
    password_form.fields["old_password"].widget.attrs.pop("autofocus", None)  # not the page's aim
    pending = (
        None
        if device is not None
        else TOTPDevice.objects.filter(user=user, confirmed=False).first()
    )
    if action == "otp-start" and device is None:
        pending = services.pending_device(user)
    code_form = None
    if device is not None:
        code_form = CodeForm(request.POST if action == "otp-remove" else None, device=device)
    elif pending is not None:
        code_form = CodeForm(request.POST if action == "otp-confirm" else None, device=pending)
    return password_form, device, pending, code_form


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("accounts:security")


def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    password_form, device, pending, code_form = _forms(request, action)
    code_ok = code_form is not None and code_form.is_valid()
    if action == "password" and password_form.is_valid():
        services.change_own_password(actor=user, form=password_form)
        update_session_auth_hash(request, password_form.user)
        return _done(request, gettext("Your password has been changed."))
    if action == "otp-confirm" and pending is not None and code_ok:
        services.confirm_second_factor(actor=user, device=pending)
        django_otp.login(request, pending)
        return _done(request, gettext("Two-factor login is set up. You will be asked for a code."))
    if action == "otp-remove" and device is not None and code_ok:
        try:
            services.remove_second_factor(actor=user)
        except services.SecondFactorRequired:
            messages.error(
                request, gettext("Your role requires two-factor login; it cannot be removed.")
            )
            return redirect("accounts:security")
        return _done(request, gettext("Two-factor login is switched off."))
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
