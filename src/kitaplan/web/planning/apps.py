from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "kitaplan.web.planning"
    label = "planning"

    def ready(self) -> None:
        from kitaplan.web.core.access import can_view_areas
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("planning:balance", _("Demand planning"), 40, visible=can_view_areas))
