"""The one place that decides what a user may see and change (least privilege).

Every read that reaches a page, an export or the API goes through a ``*_visible_to`` function
here; every write checks a ``can_*`` predicate.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeAlias, TypeVar

from kitaplan.web.core.roles import CITY_STAFF_ROLES, DATA_STEWARD_ROLES, STAFF_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import Model, QuerySet

    _M = TypeVar("_M", bound=Model)

_P = ParamSpec("_P")

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
        cached = frozenset(Role(row[0]) for row in _assignments(user))
        if getattr(user, "is_superuser", False):
            cached = cached | {Role.ADMIN}
        user._kitaplan_roles = cached  # type: ignore[union-attr]
    return cached


def _assignments(user: AnyUser) -> list[tuple[str, int | None, int | None, int | None]]:
    """(role, territory, provider's territory, facility's territory) of each of the user's role
    assignments: one query, cached on the user object for the request."""
    cached: list[tuple[str, int | None, int | None, int | None]] | None = getattr(
        user, "_kitaplan_assignments", None
    )
    if cached is None:
        cached = list(
            user.role_assignments.values_list(  # type: ignore[union-attr]
                "role", "territory_id", "provider__territory_id", "facility__territory_id"
            )
        )
        user._kitaplan_assignments = cached  # type: ignore[union-attr]
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


# --------------------------------------------------------------------------- territory scope


def territory_ids_of(user: AnyUser) -> frozenset[int] | None:
    """The territories a user works in (de: Gebietszuständigkeit); ``None``: every territory.

    A role assignment's territory is its own, else that of its provider or facility (a facility
    manager); the territories are the union over the user's staff roles (the roles hold in each
    of them). One staff role without a territory (city-wide), the administrator role, a
    superuser and the command line mean every territory. The personal roles (parent,
    childminder) count only for a user who holds nothing else: they see their own records,
    wherever those are (every territory), and never widen a staff role's scope. A user without
    any role has none. Cached on the user object for the request.
    """
    if getattr(user, "is_system", False) or getattr(user, "is_superuser", False):
        return None
    if not user.is_authenticated:
        return None  # public pages only; every staff page asks for a login first
    cached: tuple[frozenset[int] | None] | None = getattr(user, "_kitaplan_territories", None)
    if cached is None:
        rows = _assignments(user)
        staff = [row for row in rows if row[0] not in _PERSONAL_ROLES]
        ids: set[int] = set()
        every = bool(rows) and not staff
        for role, *territories in staff:
            found = next((pk for pk in territories if pk is not None), None)
            if role == Role.ADMIN.value or found is None:
                every = True
                break
            ids.add(found)
        cached = (None if every else frozenset(ids),)
        user._kitaplan_territories = cached  # type: ignore[union-attr]
    return cached[0]


#: Roles over one's own records (own applications, own childminder record): not territorial.
_PERSONAL_ROLES = frozenset({Role.PARENT.value, Role.CHILDMINDER.value})


def may_see_territory(user: AnyUser, territory_id: int | None) -> bool:
    ids = territory_ids_of(user)
    return ids is None or territory_id in ids


def within_territories(
    queryset: QuerySet[_M], user: AnyUser, path: str = "territory", *, or_none: bool = False
) -> QuerySet[_M]:
    """``queryset`` limited to the user's territories; ``path`` leads from the model to its
    territory (``""``: the territories themselves; ``"round__territory"`` …). ``or_none`` keeps
    the rows without a territory (a job of no territory). Unchanged for every territory."""
    from django.db.models import Q

    ids = territory_ids_of(user)
    if ids is None:
        return queryset
    condition: Any = Q(**{f"{path}__in" if path else "pk__in": ids})
    if or_none and path:
        condition |= Q(**{f"{path}__isnull": True})
    return queryset.filter(condition)


def scoped_to_territories(
    path: str = "territory", *, or_none: bool = False
) -> Callable[
    [Callable[Concatenate[AnyUser, _P], QuerySet[_M]]],
    Callable[Concatenate[AnyUser, _P], QuerySet[_M]],
]:
    """Decorate a ``*_visible_to(user, …)`` selector: its rows limited to the user's territories
    (:func:`within_territories` with ``path``), so every page, export and API list that reads
    through it keeps to the user's scope."""

    def decorate(
        selector: Callable[Concatenate[AnyUser, _P], QuerySet[_M]],
    ) -> Callable[Concatenate[AnyUser, _P], QuerySet[_M]]:
        @functools.wraps(selector)
        def scoped(user: AnyUser, /, *args: _P.args, **kwargs: _P.kwargs) -> QuerySet[_M]:
            return within_territories(selector(user, *args, **kwargs), user, path, or_none=or_none)

        return scoped

    return decorate


#: The user a web request acts for, while it runs (``TerritoryScopeMiddleware`` sets it): only
#: for what cannot be handed the user, the territory choosers of forms declared at class level
#: (``territory.forms.TerritoryChoiceField``). Every check still takes the user explicitly.
_request_user: ContextVar[AnyUser | None] = ContextVar("kitaplan_request_user", default=None)


def request_user() -> AnyUser | None:
    return _request_user.get()


@contextmanager
def acting_for(user: AnyUser | None) -> Iterator[None]:
    token = _request_user.set(user)
    try:
        yield
    finally:
        _request_user.reset(token)
