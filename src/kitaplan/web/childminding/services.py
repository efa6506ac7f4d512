"""Changes to the childminder registry: one transaction and one audit event each.

Only those who keep the registry (administrators; advisers for the childminders they see, see
:mod:`kitaplan.web.childminding.selectors`) may change it: every service takes a keyword-only
``actor`` and raises ``PermissionDenied`` for anyone else.

A contract is stored only when, on every day and in every time slot of its validity, the
childminder has no more children present (own young children included) than her valid permit
allows, and, in a group practice, the practice stays within its limit.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kitaplan.domain.childminding.capacity import (
    CareSchedule,
    capacity_violations,
    free_places,
    parse_slots,
)
from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.childminding.models import (
    AdvisoryService,
    CareContract,
    Childminder,
    Permit,
    Proof,
    StatusChange,
)
from kitaplan.web.childminding.selectors import can_edit_registry, childminders_visible_to
from kitaplan.web.core.access import has_any_role
from kitaplan.web.core.roles import Role

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

#: How far ahead an open-ended contract is checked.
OPEN_END_DAYS = 730


class RegistryError(Exception):
    """A change that breaks a rule; ``code`` names it, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def require_editor(actor: AnyUser, childminder: Childminder) -> None:
    """``PermissionDenied`` unless the actor keeps the registry and sees this childminder (a new
    one: keeps the registry)."""
    if not can_edit_registry(actor):
        raise PermissionDenied
    if childminder.pk is not None and not (
        childminders_visible_to(actor).filter(pk=childminder.pk).exists()
    ):
        raise PermissionDenied


def contract_schedule(contract: CareContract) -> CareSchedule:
    """A contract as the capacity checker sees it (one place to build it)."""
    return CareSchedule(
        contract_id=str(contract.pk or "new"),
        child_id=contract.child_reference,
        valid_from=contract.valid_from,
        valid_to=contract.valid_to,
        slots=parse_slots(contract.slots),
    )


def own_children(childminder: Childminder) -> list[CareSchedule]:
    return [
        CareSchedule(
            contract_id=f"own-{k}",
            child_id=f"own-{k}",
            valid_from=dt.date.min,
            valid_to=None,
            slots=parse_slots(slots),
        )
        for k, slots in enumerate(childminder.own_children_slots or [])
    ]


def free_places_on(childminder: Childminder, day: dt.date) -> int | None:
    """Free places of a childminder on ``day`` (permit limit − the day's peak of children present,
    own young children included); ``None`` without a valid permit. On a weekend nobody is
    present, so the next Monday counts."""
    permit = next((p for p in childminder.permits.all() if p.valid_from <= day <= p.valid_to), None)
    if permit is None:
        return None
    if day.weekday() >= 5:
        day += dt.timedelta(days=7 - day.weekday())
    schedules = [contract_schedule(c) for c in childminder.contracts.all()]
    return free_places(schedules, permit.max_children, day, extra_present=own_children(childminder))


def check_capacity(contract: CareContract) -> None:
    """Raise :class:`RegistryError` when the contract would break a permit or practice limit."""
    cm = contract.childminder
    start = contract.valid_from
    end = contract.valid_to or start + dt.timedelta(days=OPEN_END_DAYS)
    others = [
        contract_schedule(c)
        for c in cm.contracts.exclude(pk=contract.pk)
        if c.valid_to is None or c.valid_to >= start
    ]
    schedules = [*others, contract_schedule(contract)]
    permits = sorted(
        (p for p in cm.permits.all() if p.valid_to >= start and p.valid_from <= end),
        key=lambda p: p.valid_from,
    )
    # A valid permit is needed when care starts; beyond the permit's end the due list asks for
    # its renewal (a contract until the child turns three often outlives the permit).
    if not any(p.valid_from <= start <= p.valid_to for p in permits):
        raise RegistryError("no_permit", day=start)
    for permit in permits:
        violations = capacity_violations(
            schedules,
            limit=permit.max_children,
            period_start=max(start, permit.valid_from),
            period_end=min(end, permit.valid_to),
            extra_present=own_children(cm),
        )
        if violations:
            first = violations[0]
            raise RegistryError(
                "over_permit",
                day=first.day,
                start=first.start,
                end=first.end,
                count=first.count,
                limit=permit.max_children,
            )
    practice = cm.group_practice
    if practice is not None:
        members = CareContract.objects.filter(childminder__group_practice=practice).exclude(
            pk=contract.pk
        )
        combined = [
            contract_schedule(c) for c in members if c.valid_to is None or c.valid_to >= start
        ] + [contract_schedule(contract)]
        violations = capacity_violations(
            combined, limit=practice.max_children, period_start=start, period_end=end
        )
        if violations:
            first = violations[0]
            raise RegistryError(
                "over_practice",
                day=first.day,
                start=first.start,
                end=first.end,
                count=first.count,
                limit=practice.max_children,
            )


def save_contract(*, contract: CareContract, actor: AnyUser) -> CareContract:
    require_editor(actor, contract.childminder)
    if contract.valid_to is not None and contract.valid_to < contract.valid_from:
        raise RegistryError("dates_reversed")
    try:
        parse_slots(contract.slots)
    except ValueError as error:
        raise RegistryError("bad_schedule", detail=str(error)) from error
    with transaction.atomic():
        Childminder.objects.select_for_update().get(pk=contract.childminder_id)
        check_capacity(contract)
        before = snapshot(CareContract.objects.get(pk=contract.pk)) if contract.pk else None
        contract.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.CHILDMINDING_CHANGED,
            target=contract,
            before=before,
            after=snapshot(contract),
        )
    return contract


def save_childminder(
    *, childminder: Childminder, actor: AnyUser, status_note: str = ""
) -> Childminder:
    require_editor(actor, childminder)
    with transaction.atomic():
        old = Childminder.objects.filter(pk=childminder.pk).first() if childminder.pk else None
        before = snapshot(old) if old else None
        childminder.save()
        if old is None or old.status != childminder.status:
            StatusChange.objects.create(
                childminder=childminder,
                status=childminder.status,
                valid_from=timezone.localdate(),
                note=status_note,
            )
        record_audit_event(
            actor=actor,
            action=AuditAction.CHILDMINDING_CHANGED,
            target=childminder,
            before=before,
            after=snapshot(childminder),
        )
    return childminder


def save_permit(*, permit: Permit, actor: AnyUser) -> Permit:
    require_editor(actor, permit.childminder)
    if permit.max_children > 5:
        raise RegistryError("permit_above_five")
    if permit.valid_to < permit.valid_from:
        raise RegistryError("dates_reversed")
    with transaction.atomic():
        permit.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.CHILDMINDING_CHANGED,
            target=permit.childminder,
            after={"permit": snapshot(permit)},
        )
    return permit


def save_proof(*, proof: Proof, actor: AnyUser) -> Proof:
    require_editor(actor, proof.childminder)
    if proof.valid_until is not None and proof.valid_until < proof.issued_on:
        raise RegistryError("dates_reversed")
    with transaction.atomic():
        proof.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.CHILDMINDING_CHANGED,
            target=proof.childminder,
            after={"proof": snapshot(proof)},
        )
    return proof


def can_set_up_services(user: AnyUser) -> bool:
    """Administrators set up the advisory services and who works in them."""
    return has_any_role(user, {Role.ADMIN})


def save_advisory_service(
    *, service: AdvisoryService, advisers: list[int], actor: AnyUser
) -> AdvisoryService:
    """Create or change an advisory service (Fachberatung) and its advisers (user ids).

    An adviser sees and keeps only the childminders of her services, so a new territory needs
    its services before the advisers can work. The audit names advisers as ``user #<id>``.
    """
    if not can_set_up_services(actor):
        raise PermissionDenied
    with transaction.atomic():
        old = AdvisoryService.objects.filter(pk=service.pk).first() if service.pk else None
        before = (
            {"name": old.name, "advisers": sorted(old.advisers.values_list("pk", flat=True))}
            if old is not None
            else None
        )
        service.save()
        service.advisers.set(advisers)
        record_audit_event(
            actor=actor,
            action=AuditAction.CHILDMINDING_CHANGED,
            target=service,
            before=before,
            after={"name": service.name, "advisers": sorted(advisers)},
        )
    return service
