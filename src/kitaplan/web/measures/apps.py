from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "kitaplan.web.measures"
    label = "measures"
    verbose_name = _("Action plan")

    def ready(self) -> None:
        from kitaplan.web.core.access import is_city_staff
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("measures:plan-list", _("Action plan"), 70, visible=is_city_staff))
