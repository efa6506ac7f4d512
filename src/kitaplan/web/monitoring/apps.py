from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "kitaplan.web.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from kitaplan.web.core.access import can_view_areas
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.monitoring.jobs import register_monitoring_jobs

        register(NavEntry("monitoring:index", _("Social monitoring"), 50, visible=can_view_areas))
        register_monitoring_jobs()  # the development report as a job
