from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kitaplan.web.audit"
    label = "audit"

    def ready(self) -> None:
        from kitaplan.web.audit import signals  # noqa: F401 - connects the receivers
        from kitaplan.web.core.access import can_view_audit
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("audit:event-list", _("Audit trail"), 120, visible=can_view_audit))
