from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kitaplan.web.imports"
    label = "imports"

    def ready(self) -> None:
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.imports.expectations import register_parameter_wording
        from kitaplan.web.imports.geometry_reasons import word_geometry_reason
        from kitaplan.web.imports.jobs import register_import_jobs
        from kitaplan.web.imports.persisters import register_territorial_kinds
        from kitaplan.web.imports.registry import kinds_for

        register_territorial_kinds()
        register_import_jobs()
        register_parameter_wording("geometry_reason", word_geometry_reason)
        register(
            NavEntry("imports:import-list", _("Imports"), 110, visible=lambda u: bool(kinds_for(u)))
        )
