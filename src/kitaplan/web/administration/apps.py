from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """Setting up a Jugendamt without the Django admin: territories with their area levels,
    users with their roles and scopes (pages and ``kitaplan territory|user``)."""

    name = "kitaplan.web.administration"
    label = "administration"
    verbose_name = _("Administration")

    def ready(self) -> None:
        from kitaplan.web.administration.selectors import can_administer
        from kitaplan.web.core.navigation import NavEntry, register

        register(
            NavEntry(
                "administration:territory-list", _("Administration"), 115, visible=can_administer
            )
        )
