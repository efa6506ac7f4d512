from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinderConfig(AppConfig):
    name = "kitaplan.web.finder"
    label = "finder"
    verbose_name = _("Kita-Finder")

    def ready(self) -> None:
        from kitaplan.web.finder.imports import register_address_register

        register_address_register()
