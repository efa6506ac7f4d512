from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports that combine several capabilities (the top layer of the web apps)."""

    name = "kitaplan.web.reports"
    label = "reports"
    verbose_name = _("Reports")
