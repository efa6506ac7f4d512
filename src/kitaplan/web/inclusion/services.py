"""Changes to the checklist, confirmations and the resource pool: one transaction and one audit
event (``inclusion.changed``) each. Kita staff enrolments go through the qualification app's
:func:`kitaplan.web.qualification.services.save_enrolment` (audited as ``qualification.changed``).

Each service checks what its keyword-only ``actor`` may do and raises ``PermissionDenied``
otherwise: planners and administrators keep the checklist and the pool and lend
(:func:`~kitaplan.web.inclusion.selectors.can_configure`); whoever may edit a facility confirms
its items, books for it and cancels its own requests
(:func:`~kitaplan.web.inclusion.selectors.confirmable_facilities`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kitaplan.domain.inclusion import pool
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event, snapshot
from kitaplan.web.facilities.models import Facility
from kitaplan.web.inclusion.models import (
    HOLDING_STATUSES,
    Booking,
    ChecklistItem,
    FacilityConfirmation,
    PoolItem,
)
from kitaplan.web.inclusion.selectors import can_configure, confirmable_facilities

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser


class InclusionError(Exception):
    """A change that breaks a rule; ``code`` names it, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def can_act_for(user: AnyUser, facility_id: int) -> bool:
    """Confirm items of, book for and cancel the requests of this facility."""
    return confirmable_facilities(user).filter(pk=facility_id).exists()


def can_set_booking_status(user: AnyUser, booking: Booking, status: str) -> bool:
    """Planners and administrators lend and take back; the booking facility's editors may
    cancel their own request."""
    if can_configure(user):
        return True
    own_cancel = status == "cancelled" and booking.status == "requested"
    return own_cancel and can_act_for(user, booking.facility_id)


def save_checklist_item(*, item: ChecklistItem, actor: AnyUser) -> ChecklistItem:
    _require(can_configure(actor))
    if item.kind == "feature":
        if not item.feature:
            raise InclusionError("feature_needed")
        item.programme = None
    elif item.kind == "staff_qualification":
        if item.programme is None:
            raise InclusionError("programme_needed")
        if item.programme.territory_id != item.territory_id:
            raise InclusionError("other_territory")
        if item.min_completions < 1:
            raise InclusionError("completions_positive")
        item.feature = ""
    else:
        item.feature = ""
        item.programme = None
    twin = ChecklistItem.objects.filter(territory_id=item.territory_id, code=item.code)
    if twin.exclude(pk=item.pk).exists():
        raise InclusionError("code_taken")
    with transaction.atomic():
        old = ChecklistItem.objects.filter(pk=item.pk).first() if item.pk else None
        before = snapshot(old) if old is not None else None
        item.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.INCLUSION_CHANGED,
            target=item,
            before=before,
            after=snapshot(item),
        )
    return item


def confirm_item(
    *,
    facility: Facility,
    item: ChecklistItem,
    confirmed: bool,
    date: dt.date,
    actor: AnyUser,
    note: str = "",
) -> FacilityConfirmation:
    """Confirm (or withdraw) a manual item for a facility the actor may edit."""
    _require(can_act_for(actor, facility.pk))
    if item.kind != "confirmation":
        raise InclusionError("not_confirmable")
    if item.territory_id != facility.territory_id:
        raise InclusionError("other_territory")
    with transaction.atomic():
        row = FacilityConfirmation.objects.create(
            facility=facility,
            item=item,
            confirmed=confirmed,
            date=date,
            confirmed_by=actor_user(actor),
            note=note,
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.INCLUSION_CHANGED,
            target=facility,
            target_label=f"{facility}: {item.code}",
            after={"confirmation": snapshot(row)},
        )
    return row


def save_pool_item(*, item: PoolItem, actor: AnyUser) -> PoolItem:
    _require(can_configure(actor))
    if not item.owner_name.strip() and item.owner_facility_id is None:
        raise InclusionError("owner_needed")
    if item.owner_facility is not None and item.owner_facility.territory_id != item.territory_id:
        raise InclusionError("other_territory")
    with transaction.atomic():
        old = PoolItem.objects.filter(pk=item.pk).first() if item.pk else None
        before = snapshot(old) if old is not None else None
        item.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.INCLUSION_CHANGED,
            target=item,
            before=before,
            after=snapshot(item),
        )
    return item


def book(
    *,
    item: PoolItem,
    facility: Facility,
    start: dt.date,
    end: dt.date,
    actor: AnyUser,
    note: str = "",
) -> Booking:
    """Request an item for a facility and period; refused when the item is not available, lies
    in another territory or a requested or lent booking overlaps the period."""
    _require(can_act_for(actor, facility.pk))
    if end < start:
        raise InclusionError("dates_reversed")
    if item.territory_id != facility.territory_id:
        raise InclusionError("other_territory")
    with transaction.atomic():
        locked = PoolItem.objects.select_for_update().get(pk=item.pk)
        if not locked.available:
            raise InclusionError("not_available")
        clash = (
            Booking.objects.filter(
                item=locked, status__in=HOLDING_STATUSES, start__lte=end, end__gte=start
            )
            .order_by("start")
            .first()
        )
        if clash is not None:
            raise InclusionError("conflict", start=clash.start, end=clash.end)
        booking = Booking.objects.create(
            item=locked,
            facility=facility,
            start=start,
            end=end,
            booked_by=actor_user(actor),
            note=note,
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.INCLUSION_CHANGED,
            target=booking,
            target_label=f"{locked.name}: {facility}",
            after=snapshot(booking),
        )
    return booking


def set_booking_status(*, booking: Booking, status: str, actor: AnyUser, day: dt.date) -> Booking:
    """Lend (requested → lent), take back (lent → returned) or cancel a requested booking."""
    _require(can_set_booking_status(actor, booking, status))
    if not pool.may_change(booking.status, status):
        raise InclusionError("transition")
    with transaction.atomic():
        before = snapshot(booking)
        booking.status = status
        if status == "lent":
            booking.lent_on = day
        elif status == "returned":
            booking.returned_at = day
        booking.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.INCLUSION_CHANGED,
            target=booking,
            target_label=f"{booking.item.name}: {booking.facility}",
            before=before,
            after=snapshot(booking),
        )
    return booking
