from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "kitaplan.web.budget"
    label = "budget"
    verbose_name = _("Area budget")

    def ready(self) -> None:
        from kitaplan.web.core.access import is_staff_user
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("budget:overview", _("Area budget"), 60, visible=is_staff_user))
