from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "kitaplan.web.allocation"
    label = "allocation"
    verbose_name = _("Allocation of places")

    def ready(self) -> None:
        from kitaplan.web.core.access import is_staff_user, roles_of
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.core.roles import Role

        def is_parent_only(user: Any) -> bool:
            return not is_staff_user(user) and Role.PARENT in roles_of(user)

        register(
            NavEntry("allocation:round-list", _("Allocation of places"), 80, visible=is_staff_user)
        )
        register(
            NavEntry("allocation:my-applications", _("My applications"), 80, visible=is_parent_only)
        )
