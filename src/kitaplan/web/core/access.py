"""The one place that decides what a user may see and change (least privilege).

Every read that reaches a page, an export or the API goes through a ``*_visible_to`` function
here; every write checks a ``can_*`` predicate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kitaplan.web.core.roles import CITY_STAFF_ROLES, DATA_STEWARD_ROLES, STAFF_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from kitaplan.web.facilities.models import Facility, Provider

    AnyUser = AbstractBaseUser | AnonymousUser | "SystemActor"


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


def facilities_visible_to(user: AnyUser) -> QuerySet[Facility]:
    """The only way pages, exports and the API obtain facilities."""
    from kitaplan.web.facilities.models import Facility

    if is_city_staff(user):
        return Facility.objects.all()
    if Role.FACILITY_MANAGER in roles_of(user):
        scope = Q(
            provider__role_assignments__user=user,
            provider__role_assignments__role=Role.FACILITY_MANAGER,
        )
        scope |= Q(role_assignments__user=user, role_assignments__role=Role.FACILITY_MANAGER)
        ids = Facility.objects.filter(scope).values("pk")
        return Facility.objects.filter(pk__in=ids)
    return Facility.objects.none()


def facilities_editable_by(user: AnyUser) -> QuerySet[Facility]:
    """Facilities whose data (places, features, hours) the user may change."""
    from kitaplan.web.facilities.models import Facility

    if has_any_role(user, DATA_STEWARD_ROLES):
        return Facility.objects.all()
    if Role.FACILITY_MANAGER in roles_of(user):
        return facilities_visible_to(user)
    return Facility.objects.none()


def providers_visible_to(user: AnyUser) -> QuerySet[Provider]:
    from kitaplan.web.facilities.models import Provider

    if is_city_staff(user):
        return Provider.objects.all()
    return Provider.objects.filter(facilities__in=facilities_visible_to(user)).distinct()


def can_view_areas(user: AnyUser) -> bool:
    """Areas, population and indicators are aggregate statistics: every staff role sees them."""
    return is_staff_user(user)
