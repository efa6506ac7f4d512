from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kitaplan.web.imports"
    label = "imports"

    def ready(self) -> None:
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.imports.persisters import register_territorial_kinds
        from kitaplan.web.imports.registry import kinds_for

        register_territorial_kinds()
        register(
            NavEntry("imports:import-list", _("Imports"), 110, visible=lambda u: bool(kinds_for(u)))
        )
