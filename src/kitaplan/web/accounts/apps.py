from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Login (throttled, with the second factor), the security page and the administration of
    users and their roles. The models stay where they are (``core.RoleAssignment``,
    ``auth.User``, django-otp's devices)."""

    name = "kitaplan.web.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
