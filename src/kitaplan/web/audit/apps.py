from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kitaplan.web.audit"
    label = "audit"

    def ready(self) -> None:
        from kitaplan.web.audit import signals  # noqa: F401 - connects the receivers
