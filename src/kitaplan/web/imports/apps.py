from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kitaplan.web.imports"
    label = "imports"

    def ready(self) -> None:
        from kitaplan.web.core.access import can_import_data
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("imports:import-list", _("Imports"), 110, visible=can_import_data))
