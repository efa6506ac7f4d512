"""Data subject rights in Kindertagespflege: erase the personal data of a childminder who left,
export a childminder's own records, and the retention rule for childminders.

Erasure (advisers of her service and administrators, only once her status is "left"): name
("gelöscht"), street, postcode, coordinates, the times of her own children, the link to her
login (a login that has no other role is deactivated and loses its name and e-mail address),
the e-mail address for substitute notices, her payee account (IBAN, holder, BIC), the parents'
e-mail addresses of her contracts and the free-text notes of her status history and proofs.

Kept, because payments law requires it (:func:`kitaplan.web.core.retention.payment_retention_reason`):
the row itself with its number, so payment lines stay attributable; her contracts (references
of children, periods, hours: the basis of the lines); insurance proofs; every payment run and
its lines, and the bank details frozen into released runs at release. Released runs are never
changed. When a released run holds no frozen bank details (released before they were frozen),
the payee account is kept as well: its SEPA file still reads it.

The records of the apps above the registry (substitute e-mail address and parents' contacts,
the payee account, payments) are erased, exported and dated by those apps, through the signals
of :mod:`kitaplan.web.childminding.signals` (``substitutes.erasure``, ``payments.erasure``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.common.calendar import months_before
from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.childminding import selectors, signals
from kitaplan.web.childminding.models import Childminder, Proof, StatusChange
from kitaplan.web.core import retention
from kitaplan.web.core.access import roles_of
from kitaplan.web.core.roles import Role

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

REASONS = [
    ("own_request", _("request of the childminder (Art. 17 GDPR)")),
    ("no_longer_needed", _("she left; the data are no longer needed")),
]
RETENTION = "retention"
REASON_CODES = frozenset(code for code, _label in REASONS) | {RETENTION}

ERASED_FIELDS = ["name", "street", "postcode", "lat", "lon", "own_children_slots", "user_id"]


class ErasureError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ErasureNotAllowed(ErasureError, PermissionDenied):
    """The actor may not erase this childminder (a ``PermissionDenied`` too)."""

    def __init__(self) -> None:
        super().__init__("not_allowed")


def may_erase(user: AnyUser, childminder: Childminder) -> bool:
    """Advisers of her service and administrators (those who keep the registry)."""
    return (
        selectors.can_edit_registry(user)
        and selectors.childminders_visible_to(user).filter(pk=childminder.pk).exists()
    )


def kept_records(childminder: Childminder) -> dict[str, int]:
    """Counts of the records an erasure keeps, by the apps that keep them (e.g.
    ``released_payment_runs``)."""
    return signals.merged(signals.childminder_kept_records, childminder)


def erase_childminder(*, childminder: Childminder, actor: AnyUser, reason: str) -> Childminder:
    """Erase the personal data of a childminder who left (see the module); idempotent.
    Refused (:class:`ErasureNotAllowed`) unless :func:`may_erase`."""
    if reason not in REASON_CODES:
        raise ErasureError("unknown_reason")
    if not may_erase(actor, childminder):
        raise ErasureNotAllowed
    with transaction.atomic():
        cm = Childminder.objects.select_for_update().get(pk=childminder.pk)
        if cm.erased_at is not None:
            return cm
        if cm.status != "left":
            raise ErasureError("not_left")
        before = snapshot(cm, ERASED_FIELDS)
        login = cm.user
        cm.name = retention.ERASED_NAME
        cm.street = ""
        cm.postcode = ""
        cm.lat = None
        cm.lon = None
        cm.own_children_slots = []
        cm.user = None
        cm.erased_at = timezone.now()
        cm.save()
        login_deactivated = False
        if login is not None and roles_of(login) <= {Role.CHILDMINDER}:
            login.is_active = False
            login.email = ""
            login.first_name = ""
            login.last_name = ""
            login.save(update_fields=["is_active", "email", "first_name", "last_name"])
            login_deactivated = True
        erased_elsewhere = signals.merged(signals.childminder_erasing, cm, actor=actor)
        StatusChange.objects.filter(childminder=cm).exclude(note="").update(note="")
        Proof.objects.filter(childminder=cm).exclude(note="").update(note="")
        record_audit_event(
            actor=actor,
            action=AuditAction.PERSONAL_DATA_ERASED,
            target=cm,
            before=before,
            after=snapshot(cm, ERASED_FIELDS),
            details={
                "reason": reason,
                "erasure": "anonymised",
                "login_deactivated": login_deactivated,
                **erased_elsewhere,
            },
        )
    return cm


# --- retention ------------------------------------------------------------------------------


def last_payment_day(childminder: Childminder) -> dt.date | None:
    """The last day of the last month paid to her (answered by the payments app), or None."""
    return signals.latest_day(signals.childminder_last_paid, childminder)


def reference_day(childminder: Childminder) -> dt.date | None:
    """From when her retention period runs: the last payment, else the day she left."""
    paid = last_payment_day(childminder)
    if paid is not None:
        return paid
    left = childminder.status_history.filter(status="left").order_by("-valid_from").first()
    return left.valid_from if left is not None else None


@dataclass
class RetentionReport:
    anonymised: list[str] = field(default_factory=list)
    undated: list[str] = field(default_factory=list)  # left, but no payment and no leaving day


def apply_retention(
    *, actor: AnyUser, today: dt.date | None = None, dry_run: bool = False
) -> RetentionReport:
    """Erase childminders who left the configured number of years after the last payment
    (``KITAPLAN_RETENTION_CHILDMINDER_YEARS``); a dry run only reports."""
    day = today or timezone.localdate()
    cutoff = months_before(day, 12 * retention.periods().childminder_years)
    report = RetentionReport()
    for cm in Childminder.objects.filter(status="left", erased_at__isnull=True).order_by(
        "territory_id", "number"
    ):
        start = reference_day(cm)
        label = cm.number
        if start is None:
            report.undated.append(label)
            continue
        if start > cutoff:
            continue
        if not dry_run:
            erase_childminder(childminder=cm, actor=actor, reason=RETENTION)
        report.anonymised.append(label)
    return report


# --- a childminder's own records ------------------------------------------------------------


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def may_export_own_records(user: AnyUser, childminder: Childminder) -> bool:
    """Only she herself, through her own login."""
    return childminder.user_id is not None and childminder.user_id == getattr(user, "pk", None)


def export_own_records(childminder: Childminder, *, actor: AnyUser) -> dict[str, Any]:
    """Her registry data and what the other apps hold about her (payments, substitute care) as
    JSON-ready data (GDPR Art. 15/20), logged as a read. Only for herself
    (:func:`may_export_own_records`, else ``PermissionDenied``)."""
    if not may_export_own_records(actor, childminder):
        raise PermissionDenied
    cm = childminder
    data = {
        "exported_at": timezone.now().isoformat(),
        "childminder": {
            "number": cm.number,
            "name": cm.name,
            "street": cm.street,
            "postcode": cm.postcode,
            "city": cm.city,
            "lat": cm.lat,
            "lon": cm.lon,
            "area": cm.area.name if cm.area is not None else None,
            "care_location": cm.care_location,
            "group_practice": cm.group_practice.name if cm.group_practice is not None else None,
            "advisory_service": cm.service.name if cm.service is not None else None,
            "languages": cm.languages,
            "inclusion_skills": cm.inclusion_skills,
            "qualification": cm.qualification,
            "pay_stage": cm.experience_group,
            "status": cm.status,
            "own_children_slots": cm.own_children_slots,
        },
        "status_history": [
            {"status": s.status, "from": _iso(s.valid_from), "note": s.note}
            for s in cm.status_history.order_by("valid_from")
        ],
        "permits": [
            {
                "file_number": p.reference,
                "valid_from": _iso(p.valid_from),
                "valid_to": _iso(p.valid_to),
                "conditions": p.conditions,
            }
            for p in cm.permits.order_by("valid_from")
        ],
        "proofs": [
            {
                "kind": p.kind,
                "issued_on": _iso(p.issued_on),
                "valid_until": _iso(p.valid_until),
                "note": p.note,
            }
            for p in cm.proofs.order_by("kind", "issued_on")
        ],
        "contracts": [
            {
                "child_reference": c.child_reference,
                "valid_from": _iso(c.valid_from),
                "valid_to": _iso(c.valid_to),
                "weekly_hours": str(c.weekly_hours),
                "schedule": c.slots,
                "funded": c.funded,
                "rate_scheme": c.rate_scheme,
                "supplements": c.supplements,
            }
            for c in cm.contracts.order_by("valid_from", "pk")
        ],
        **signals.merged(signals.childminder_exporting, cm),
    }
    record_audit_event(
        actor=actor,
        action=AuditAction.OWN_DATA_EXPORTED,
        target=cm,
        details={
            "payment_lines": len(data.get("payments", [])),
            "contracts": len(data["contracts"]),
        },
    )
    return data
