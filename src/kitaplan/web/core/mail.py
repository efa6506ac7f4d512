"""Whether this installation can send e-mail (de: E-Mail-Versand eingerichtet)."""

from __future__ import annotations

from django.conf import global_settings, settings


def email_configured() -> bool:
    """Whether e-mail is set up: a backend other than Django's SMTP default, or SMTP with a
    host named in the settings (Django's default, SMTP on localhost, is not assumed to work)."""
    if settings.EMAIL_BACKEND != global_settings.EMAIL_BACKEND:
        return True
    # The stubs' LazySettings lacks is_overridden (it reaches Settings.is_overridden at run time).
    overridden: bool = settings.is_overridden("EMAIL_HOST")  # type: ignore[misc]
    return overridden or settings.EMAIL_HOST != global_settings.EMAIL_HOST
