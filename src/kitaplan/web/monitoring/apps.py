from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "kitaplan.web.monitoring"
    label = "monitoring"
