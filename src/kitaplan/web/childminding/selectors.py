"""Who sees which childminder (least privilege), and the lists built from the registry.

- Administrators and the payment office see every childminder.
- Advisers (Fachberatung) see the childminders of the advisory services they work in.
- A childminder sees only her own record.
- Planners see childminder places only as totals on the planning pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from kitaplan.domain.childminding import due
from kitaplan.web.childminding.models import (
    REQUIRED_PROOFS,
    CareContract,
    Childminder,
    Permit,
)
from kitaplan.web.core.access import has_any_role, roles_of, scoped_to_territories
from kitaplan.web.core.roles import Role

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

ALL_CHILDMINDERS = frozenset({Role.ADMIN, Role.PAYMENT_OFFICE})


def can_use_registry(user: AnyUser) -> bool:
    return has_any_role(user, ALL_CHILDMINDERS | {Role.CHILDMINDER_ADVISER, Role.CHILDMINDER})


def can_edit_registry(user: AnyUser) -> bool:
    """Advisers and administrators keep the registry; the payment office only reads it."""
    return has_any_role(user, {Role.ADMIN, Role.CHILDMINDER_ADVISER})


@scoped_to_territories()
def childminders_visible_to(user: AnyUser) -> QuerySet[Childminder]:
    childminders = Childminder.objects.select_related("area", "service", "group_practice")
    if has_any_role(user, ALL_CHILDMINDERS):
        return childminders.all()
    scope = Q(pk__in=[])
    roles = roles_of(user)
    if Role.CHILDMINDER_ADVISER in roles and getattr(user, "pk", None) is not None:
        scope |= Q(service__advisers=user)
    if Role.CHILDMINDER in roles and getattr(user, "pk", None) is not None:
        scope |= Q(user=user)
    ids = Childminder.objects.filter(scope).values("pk")
    return childminders.filter(pk__in=ids)


def valid_permit(childminder: Childminder, day: dt.date) -> Permit | None:
    return next((p for p in childminder.permits.all() if p.valid_from <= day <= p.valid_to), None)


def active_contracts(childminder: Childminder, day: dt.date) -> list[CareContract]:
    return [
        c
        for c in childminder.contracts.all()
        if c.valid_from <= day and (c.valid_to is None or c.valid_to >= day)
    ]


@dataclass(frozen=True)
class DueItem:
    childminder: Childminder
    kind: str  # permit_expiring, permit_missing, proof_expiring, proof_missing, turns_three
    due: dt.date | None
    detail: str
    extra: Any = None


def _due_items(cm: Childminder, *, today: dt.date, limit: dt.date) -> list[DueItem]:
    contracts = {c.pk: c for c in cm.contracts.all()}
    found = due.due_items(
        permits=[due.PermitSpan(p.reference, p.valid_from, p.valid_to) for p in cm.permits.all()],
        proofs=[due.ProofRecord(p.kind, p.issued_on, p.valid_until) for p in cm.proofs.all()],
        contracts=[
            due.ContractSpan(c.pk, c.child_reference, c.child_birth_date, c.valid_from, c.valid_to)
            for c in contracts.values()
        ],
        required_proofs=REQUIRED_PROOFS,
        today=today,
        limit=limit,
    )
    return [
        DueItem(
            cm,
            item.kind,
            item.due,
            item.detail,
            contracts[item.contract] if item.contract is not None else None,
        )
        for item in found
    ]


def due_list(
    childminders: QuerySet[Childminder], *, today: dt.date, horizon_days: int = 180
) -> list[DueItem]:
    """Permits to renew, proofs expiring or missing, and children turning three (move to a Kita)
    within the horizon, for active childminders, soonest first (the rules:
    :mod:`kitaplan.domain.childminding.due`)."""
    limit = today + dt.timedelta(days=horizon_days)
    rows = childminders.filter(status="active").prefetch_related("permits", "proofs", "contracts")
    items = [item for cm in rows for item in _due_items(cm, today=today, limit=limit)]
    far = dt.date.max
    return sorted(
        items,
        key=lambda i: (
            i.due or dt.date.min,
            i.childminder.name,
            i.kind,
            i.detail if i.due else far.isoformat(),
        ),
    )
