"""Writing Sozialräume (:class:`~kitaplan.web.territory.models.AreaGroup`): create, change its
name and areas, close, delete. Planners and administrators only; one transaction and one audit
event each (names and area codes only: a group holds no personal data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kitaplan.domain.territory.hierarchy import nested_pairs
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.access import AnyUser
from kitaplan.web.territory.groups import can_edit_groups
from kitaplan.web.territory.models import Area, AreaGroup, Territory


def _require(actor: AnyUser) -> None:
    if not can_edit_groups(actor):
        raise PermissionDenied


def _state(group: AreaGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "areas": sorted(a.official_code for a in group.areas.all()),
        "closed_on": group.closed_on.isoformat() if group.closed_on else None,
    }


def _check_areas(territory: Territory, areas: list[Area]) -> None:
    """At least one area, all of ``territory``, none inside another (counted twice)."""
    if not areas:
        raise ValidationError({"areas": _("Choose at least one area.")})
    if any(a.territory_id != territory.pk for a in areas):
        raise ValidationError({"areas": _("Every area must belong to the group's territory.")})
    by_path = {a.path or a.official_code: a for a in areas}
    pairs = nested_pairs([a.path or a.official_code for a in areas])
    if pairs:
        outer, inner = by_path[pairs[0][0]], by_path[pairs[0][1]]
        raise ValidationError(
            {
                "areas": _(
                    "%(inner)s lies in %(outer)s: choose either the whole area or its parts, "
                    "so that nothing is counted twice."
                )
                % {"inner": f"{inner.official_code} {inner.name}", "outer": outer.name}
            }
        )


def _save(group: AreaGroup, areas: list[Area]) -> None:
    try:
        with transaction.atomic():
            group.full_clean(exclude=["territory"], validate_unique=False)
            group.save()
    except IntegrityError as error:
        raise ValidationError(
            {"name": _("The territory already has a Sozialraum of this name.")}
        ) from error
    group.areas.set(areas)


@transaction.atomic(durable=True)
def create_group(
    *, territory: Territory, name: str, description: str = "", areas: Iterable[Area], actor: AnyUser
) -> AreaGroup:
    _require(actor)
    chosen = list(areas)
    _check_areas(territory, chosen)
    group = AreaGroup(territory=territory, name=name.strip(), description=description.strip())
    _save(group, chosen)
    record_audit_event(
        actor=actor, action=AuditAction.AREA_GROUP_CHANGED, target=group, after=_state(group)
    )
    return group


@transaction.atomic(durable=True)
def update_group(
    *, group: AreaGroup, name: str, description: str = "", areas: Iterable[Area], actor: AnyUser
) -> AreaGroup:
    _require(actor)
    group = AreaGroup.objects.select_for_update().get(pk=group.pk)
    before = _state(group)
    chosen = list(areas)
    _check_areas(group.territory, chosen)
    group.name, group.description = name.strip(), description.strip()
    _save(group, chosen)
    after = _state(group)
    if after != before:
        record_audit_event(
            actor=actor,
            action=AuditAction.AREA_GROUP_CHANGED,
            target=group,
            before=before,
            after=after,
        )
    return group


@transaction.atomic(durable=True)
def close_group(*, group: AreaGroup, on: dt.date | None, actor: AnyUser) -> AreaGroup:
    """Keep the group for the record, but offer it no longer for choice (reopen: ``on=None``)."""
    _require(actor)
    group = AreaGroup.objects.select_for_update().get(pk=group.pk)
    before = _state(group)
    group.closed_on = on
    group.save(update_fields=["closed_on"])
    record_audit_event(
        actor=actor,
        action=AuditAction.AREA_GROUP_CHANGED,
        target=group,
        before=before,
        after=_state(group),
    )
    return group


@transaction.atomic(durable=True)
def delete_group(*, group: AreaGroup, actor: AnyUser) -> None:
    _require(actor)
    group = AreaGroup.objects.select_for_update().get(pk=group.pk)
    before = _state(group)
    record_audit_event(
        actor=actor,
        action=AuditAction.AREA_GROUP_CHANGED,
        target=group,
        before=before,
        details={"deleted": True},
    )
    group.delete()
