"""Logging in: the login page (KERN form), the optional second factor and the lockout page.

Throttling and lockout are django-axes' (settings ``AXES_*``); the second factor is a TOTP
device of django-otp. A user with a confirmed device must enter its current code; a wrong or
missing code counts as a failed login for the lockout, like a wrong password. The admin's own
login page sends everyone to this one (:func:`admin_login`), so there is one way in, with one
throttle and one second factor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_otp
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitaplan.web.core.access import AnyUser, roles_of
from kitaplan.web.core.roles import Role


def confirmed_device(user: AnyUser | None) -> TOTPDevice | None:
    if getattr(user, "pk", None) is None:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class SecondFactorMixin(AuthenticationForm):
    """Asks for the authenticator code of a user who has set one up (after the password)."""

    otp_token = forms.CharField(
        label=_("Code from the authenticator app"),
        required=False,
        max_length=8,
        help_text=_("Only if you have set up two-factor login: the six digits shown in the app."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    request: HttpRequest | None
    otp_device: TOTPDevice | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # authenticates; a wrong password stops here
        user = self.get_user()
        device = confirmed_device(user)
        if device is None:
            return cleaned
        token = (cleaned.get("otp_token") or "").replace(" ", "")
        if not token or not device.verify_token(token):
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
            raise ValidationError(
                _("The code from the authenticator app is missing or wrong."), code="otp"
            )
        self.otp_device = device  # the view marks the session as verified after the login
        return cleaned


class LoginForm(SecondFactorMixin, AuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if form.otp_device is not None:
            # after auth's login: django-otp marks the session of the logged-in user only
            django_otp.login(self.request, form.otp_device)
        return response


login_view = LoginView.as_view()


@login_not_required
def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """``/admin/login/``: the one login page, then back to the admin (or where ``next`` says)."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def otp_required_for(user: AnyUser) -> bool:
    """Whether the deployment requires a second factor for one of this user's roles."""
    required = set(settings.KITAPLAN_OTP_REQUIRED_ROLES)
    if not required or not getattr(user, "is_authenticated", False):
        return False
    roles = {str(r) for r in roles_of(user)}
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN.value)
    return bool(roles & required)


class SecondFactorRequiredMiddleware:
    """Sends users of the roles in ``KITAPLAN_OTP_REQUIRED_ROLES`` without a verified second
    factor to the security page, where they set it up; nothing else is reachable until then."""

    ALLOWED_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/logout/", "/login/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and otp_required_for(user)
            and not user.is_verified()
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and request.path != reverse("accounts:security")
        ):
            return redirect("accounts:security")
        return self.get_response(request)
