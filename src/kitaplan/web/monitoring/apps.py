from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "kitaplan.web.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from kitaplan.web.core.access import can_view_areas
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.jobs.reports import register_report_kind
        from kitaplan.web.monitoring.jobs import DISTRICT_PDF
        from kitaplan.web.monitoring.trend_views import district_pdf

        register(NavEntry("monitoring:index", _("Social monitoring"), 50, visible=can_view_areas))
        register_report_kind(  # the development report as a job
            code=DISTRICT_PDF,
            label=_("Development report (PDF)"),
            build=district_pdf,
            download="monitoring:report-pdf-file",
        )
