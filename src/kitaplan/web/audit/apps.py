from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kitaplan.web.audit"
    label = "audit"
