from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinderConfig(AppConfig):
    name = "kitaplan.web.finder"
    label = "finder"
    verbose_name = _("Kita-Finder")

    def ready(self) -> None:
        from kitaplan.web.core.access import AnyUser, roles_of
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.core.roles import Role
        from kitaplan.web.finder.imports import register_address_register

        register_address_register()

        def is_parent(user: AnyUser) -> bool:
            # The finder is public; a logged-in family finds it in the menu too (issue 17).
            return Role.PARENT in roles_of(user)

        register(NavEntry("finder:search", _("Kita-Finder"), 85, visible=is_parent))
