"""The one place that decides what a user may see and change (least privilege).

Every read that reaches a page, an export or the API goes through a ``*_visible_to`` function
here; every write checks a ``can_*`` predicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from kitaplan.web.core.roles import CITY_STAFF_ROLES, DATA_STEWARD_ROLES, STAFF_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

#: Whoever a read is scoped for or a write is made by: a request's user (possibly anonymous)
#: or the command line's :data:`SYSTEM`. Services take it as the keyword-only ``actor``.
AnyUser: TypeAlias = "AbstractBaseUser | AnonymousUser | SystemActor"


class SystemActor:
    """The operator at the command line (``kitaplan import|export|check``): sees everything.

    Only the CLI creates it; the web layer always acts for a logged-in user.
    """

    is_authenticated = True
    is_system = True
    is_superuser = True
    pk = None

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def roles_of(user: AnyUser) -> frozenset[Role]:
    """The roles a user holds (cached on the user object for the request)."""
    if getattr(user, "is_system", False):
        return frozenset(Role)
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, "_kitaplan_roles", None)
    if cached is None:
        cached = frozenset(
            Role(value)
            for value in user.role_assignments.values_list("role", flat=True)  # type: ignore[union-attr]
        )
        if getattr(user, "is_superuser", False):
            cached = cached | {Role.ADMIN}
        user._kitaplan_roles = cached  # type: ignore[union-attr]
    return cached


def has_any_role(user: AnyUser, roles: frozenset[Role] | set[Role]) -> bool:
    return bool(roles_of(user) & set(roles))


def is_city_staff(user: AnyUser) -> bool:
    return has_any_role(user, CITY_STAFF_ROLES)


def is_staff_user(user: AnyUser) -> bool:
    return has_any_role(user, STAFF_ROLES)


def can_import_data(user: AnyUser) -> bool:
    return has_any_role(user, DATA_STEWARD_ROLES)


def can_view_audit(user: AnyUser) -> bool:
    return has_any_role(user, {Role.ADMIN, Role.PLANNER})


def can_view_areas(user: AnyUser) -> bool:
    """Areas, population and indicators are aggregate statistics: every staff role sees them."""
    return is_staff_user(user)
