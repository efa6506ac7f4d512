"""Reading networks: who may see and manage them, and who may see members' personal data.

Everyone with a staff role reads networks, meetings and action items; only planners and
administrators manage them and see members' names and e-mail addresses (others see counts by
role, programme and organisation). Parents and childminders see nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from kitaplan.web.core import access
from kitaplan.web.core.access import scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.networks.models import Attendance, Meeting, Member, Network

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser


def can_view(user: AnyUser) -> bool:
    return access.is_staff_user(user)


def can_manage(user: AnyUser) -> bool:
    """Manage networks and see members' personal data."""
    return access.has_any_role(user, {Role.PLANNER, Role.ADMIN}) or getattr(
        user, "is_system", False
    )


@scoped_to_territories()
def networks_visible_to(user: AnyUser) -> QuerySet[Network]:
    return Network.objects.all() if can_view(user) else Network.objects.none()


@scoped_to_territories("network__territory")
def meetings_visible_to(user: AnyUser) -> QuerySet[Meeting]:
    return Meeting.objects.filter(network__in=networks_visible_to(user))


@scoped_to_territories("network__territory")
def members_visible_to(user: AnyUser) -> QuerySet[Member]:
    """Members whose personal data the user may see (managers only)."""
    return (
        Member.objects.filter(network__in=networks_visible_to(user))
        if can_manage(user)
        else Member.objects.none()
    )


def network_list(user: AnyUser) -> QuerySet[Network]:
    return (
        networks_visible_to(user)
        .select_related("territory")
        .annotate(
            n_members=Count("members", filter=Q(members__erased_at__isnull=True), distinct=True),
            n_meetings=Count("meetings", distinct=True),
        )
        .order_by("territory__name", "name")
    )


def active_members(network: Network) -> QuerySet[Member]:
    return (
        network.members.filter(erased_at__isnull=True)
        .select_related("organisation", "facility")
        .prefetch_related("working_groups")
        .order_by("name", "pk")
    )


def member_counts(network: Network) -> dict[str, list[tuple[str, int]]]:
    """Members (without erased ones) counted by role, programme and organisation."""
    members = list(network.members.filter(erased_at__isnull=True).select_related("organisation"))
    roles = dict(Member.ROLE_CHOICES)
    programmes = dict(Member.PROGRAMME_CHOICES)
    by_role = Counter(str(roles[m.role]) for m in members)
    by_programme = Counter(str(programmes[m.programme]) for m in members if m.programme)
    by_organisation = Counter(m.organisation.name for m in members if m.organisation)
    return {
        "role": sorted(by_role.items()),
        "programme": sorted(by_programme.items()),
        "organisation": sorted(by_organisation.items()),
    }


def attendance_counts(meeting: Meeting) -> dict[str, int]:
    counts = Counter(meeting.attendance.values_list("status", flat=True))
    return {status: counts.get(status, 0) for status, _label in Attendance.STATUS_CHOICES}
