"""Reads of Sozialräume (:class:`~kitaplan.web.territory.models.AreaGroup`): which a page offers,
the one a request names, and which areas of a level they cover.

Groups are aggregate statistics like the areas themselves: every role that may view areas sees
them (``access.can_view_areas``); planners and administrators change them (:func:`can_edit_groups`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest

from kitaplan.domain.territory.hierarchy import covered_by
from kitaplan.web.core import access
from kitaplan.web.core.access import scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import Area, AreaGroup, AreaLevel, Territory


def can_edit_groups(user: access.AnyUser) -> bool:
    return access.has_any_role(user, {Role.PLANNER, Role.ADMIN})


@scoped_to_territories()
def groups_visible_to(user: access.AnyUser) -> QuerySet[AreaGroup]:
    if not access.can_view_areas(user):
        return AreaGroup.objects.none()
    return AreaGroup.objects.all()


def group_list(user: access.AnyUser, territory: Territory | None) -> QuerySet[AreaGroup]:
    """The groups of ``territory`` (all when None) with their areas, for the list page."""
    groups = groups_visible_to(user).select_related("territory")
    if territory is not None:
        groups = groups.filter(territory=territory)
    return (
        groups.annotate(area_count=Count("areas"))
        .prefetch_related(
            Prefetch(
                "areas",
                queryset=Area.objects.select_related("level").defer("geometry", "bbox"),
            )
        )
        .order_by("territory__name", "name")
    )


def open_groups(territory: Territory | None) -> list[AreaGroup]:
    """The groups a page offers for choice: the territory's groups not closed, by name."""
    if territory is None:
        return []
    return list(AreaGroup.objects.filter(territory=territory, closed_on__isnull=True))


def group_from_request(
    request: HttpRequest, territory: Territory | None, *, name: str = "group"
) -> AreaGroup | None:
    """The group named by ``?group=<id>`` in ``territory`` (404 when unknown), else None."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    if territory is None or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Http404
    group = AreaGroup.objects.filter(territory=territory, pk=int(raw)).first()
    if group is None:
        raise Http404
    return group


def member_paths(group: AreaGroup) -> list[str]:
    return [a.path or a.official_code for a in group.areas.all()]


def covered_areas(group: AreaGroup, areas: Iterable[Area]) -> list[Area]:
    """Those of ``areas`` that are members of ``group`` or lie below one of its members."""
    listed = list(areas)
    keys = covered_by({a.pk: a.path or a.official_code for a in listed}, member_paths(group))
    return [a for a in listed if a.pk in keys]


def covered_ids_at(group: AreaGroup, level: AreaLevel) -> set[int]:
    """The ids of the areas of ``level`` the group covers."""
    areas = Area.objects.filter(level=level).only("pk", "path", "official_code")
    return {a.pk for a in covered_areas(group, areas)}
