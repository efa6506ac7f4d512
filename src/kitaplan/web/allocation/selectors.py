"""Who may see and change what in the Platzvergabe (least privilege).

- The allocation office and administrators run rounds and see every application.
- Facility managers see the rounds of their territory, release their facilities' places, publish
  their own criteria and see the applicants of their own facilities (waiting lists), never the
  rank a family gave them.
- Parents see and change only their own applications.
- Planners see aggregate statistics, never a single child.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from kitaplan.web.allocation.models import AllocationRound, Application
from kitaplan.web.core.access import has_any_role, roles_of
from kitaplan.web.core.roles import STAFF_ROLES, Role
from kitaplan.web.facilities.selectors import facilities_visible_to

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

OFFICE_ROLES = frozenset({Role.ALLOCATION_OFFICE, Role.ADMIN})


def is_office(user: AnyUser) -> bool:
    return has_any_role(user, OFFICE_ROLES)


def is_parent(user: AnyUser) -> bool:
    return Role.PARENT in roles_of(user)


def can_view_statistics(user: AnyUser) -> bool:
    return has_any_role(user, STAFF_ROLES)


def rounds_visible_to(user: AnyUser) -> QuerySet[AllocationRound]:
    rounds = AllocationRound.objects.select_related("territory")
    if has_any_role(user, STAFF_ROLES - {Role.FACILITY_MANAGER}):
        return rounds.all()
    scope = Q(pk__in=[])
    if Role.FACILITY_MANAGER in roles_of(user):
        # Every round of their territory: a facility releases places before it takes part.
        scope |= Q(territory__facilities__in=facilities_visible_to(user))
    if is_parent(user):
        scope |= Q(applications__parent=user)
    ids = AllocationRound.objects.filter(scope).values("pk")
    return rounds.filter(pk__in=ids)


def rounds_open_to_parents(user: AnyUser) -> QuerySet[AllocationRound]:
    """Rounds a parent may register a child for today (window open)."""
    from django.utils import timezone

    today = timezone.localdate()
    return AllocationRound.objects.filter(
        applications_open__lte=today, applications_close__gte=today
    ).select_related("territory")


def applications_visible_to(user: AnyUser) -> QuerySet[Application]:
    """Single applications: the office all, facility managers those naming their facilities,
    parents their own, everyone else none."""
    applications = Application.objects.select_related("round", "home_area")
    if is_office(user):
        return applications.all()
    scope = Q(pk__in=[])
    if Role.FACILITY_MANAGER in roles_of(user):
        scope |= Q(choices__facility__in=facilities_visible_to(user))
    if is_parent(user) and getattr(user, "pk", None) is not None:
        scope |= Q(parent=user)
    ids = Application.objects.filter(scope).values("pk")
    return applications.filter(pk__in=ids)


def own_applications(user: AnyUser) -> QuerySet[Application]:
    if getattr(user, "pk", None) is None:
        return Application.objects.none()
    return Application.objects.filter(parent=user).select_related("round", "home_area")
