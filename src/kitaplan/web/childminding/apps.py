from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildmindingConfig(AppConfig):
    name = "kitaplan.web.childminding"
    label = "childminding"
    verbose_name = _("Childminding")

    def ready(self) -> None:
        from kitaplan.web.childminding.selectors import can_use_registry
        from kitaplan.web.core.navigation import NavEntry, register

        register(
            NavEntry(
                "childminding:childminder-list", _("Childminding"), 90, visible=can_use_registry
            )
        )
