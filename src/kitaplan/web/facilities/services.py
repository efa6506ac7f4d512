"""Changing a facility's data: one transaction, one audit event with before and after."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.facilities.selectors import facilities_editable_by

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

EDITABLE_FIELDS = (
    "name",
    "street",
    "house_number",
    "postcode",
    "city",
    "opening_time",
    "closing_time",
    "step_free_entrance",
    "accessible_toilet",
    "lift",
    "accessible_outdoor_area",
    "inclusion_profile",
)


@transaction.atomic(durable=True)
def update_facility(
    *,
    facility: Facility,
    actor: AnyUser,
    values: dict[str, Any],
    places: dict[str, int] | None = None,
    places_valid_from: dt.date | None = None,
) -> Facility:
    """Change a facility's master data and, when given, its places from ``places_valid_from`` on.

    Places are never overwritten silently: a change from a later day closes the current record
    and opens a new one, so the places on any earlier day stay answerable. A change dated on the
    current record's first day corrects that record.
    """
    if not facilities_editable_by(actor).filter(pk=facility.pk).exists():
        raise PermissionDenied
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = snapshot(facility, list(values))
    for name, value in values.items():
        setattr(facility, name, value)
    facility.full_clean()
    if values:
        facility.save(update_fields=list(values))
    after = snapshot(facility, list(values))
    if before != after:
        record_audit_event(
            actor=actor,
            action=AuditAction.FACILITY_UPDATED,
            target=facility,
            before=before,
            after=after,
        )
    if places is not None:
        _change_places(
            facility=facility,
            actor=actor,
            places=places,
            valid_from=places_valid_from or timezone.localdate(),
        )
    return facility


def _change_places(
    *, facility: Facility, actor: AnyUser, places: dict[str, int], valid_from: dt.date
) -> None:
    current = facility.places_history.filter(valid_to__isnull=True).order_by("-valid_from").first()
    fields = list(FacilityPlaces.PLACE_FIELDS)
    # A kind of place the caller leaves out keeps its current value (0 for a first record).
    places = {
        f: places[f] if f in places else (getattr(current, f) if current else 0) for f in fields
    }
    if current is not None and all(getattr(current, f) == places[f] for f in fields):
        return
    before = snapshot(current, ["valid_from", "valid_to", *fields]) if current else None
    if current is not None and valid_from < current.valid_from:
        raise ValueError("places_valid_from_before_current_record")
    if current is not None and valid_from == current.valid_from:
        for f in fields:
            setattr(current, f, places[f])
        current.full_clean()
        current.save()
        record = current
    else:
        if current is not None:
            current.valid_to = valid_from - dt.timedelta(days=1)
            current.save(update_fields=["valid_to"])
        record = FacilityPlaces(
            facility=facility, valid_from=valid_from, **{f: places[f] for f in fields}
        )
        record.full_clean()
        record.save()
    record_audit_event(
        actor=actor,
        action=AuditAction.FACILITY_PLACES_CHANGED,
        target=facility,
        before=before,
        after=snapshot(record, ["valid_from", "valid_to", *fields]),
    )
