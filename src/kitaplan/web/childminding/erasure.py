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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.childminding import selectors
from kitaplan.web.childminding.models import Childminder, Proof, StatusChange
from kitaplan.web.core import retention
from kitaplan.web.core.access import roles_of
from kitaplan.web.core.roles import Role

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


def may_erase(user: Any, childminder: Childminder) -> bool:
    """Advisers of her service and administrators (those who keep the registry)."""
    return (
        selectors.can_edit_registry(user)
        and selectors.childminders_visible_to(user).filter(pk=childminder.pk).exists()
    )


def released_runs(childminder: Childminder) -> Any:
    from kitaplan.web.payments.models import PaymentRun

    return PaymentRun.objects.filter(
        status=PaymentRun.RELEASED, lines__childminder=childminder
    ).distinct()


def _payee_account_still_read(childminder: Childminder) -> bool:
    """Does a released run without frozen bank details still read her current account?"""
    return any(
        "accounts" not in (run.payees or {}) or str(childminder.pk) not in run.payees["accounts"]
        for run in released_runs(childminder).only("pk", "payees")
    )


def erase_childminder(*, childminder: Childminder, actor: Any, reason: str) -> Childminder:
    """Erase the personal data of a childminder who left (see the module); idempotent."""
    from kitaplan.web.payments.models import PayeeAccount
    from kitaplan.web.substitutes.models import ParentContact, SubstituteProfile

    if reason not in REASON_CODES:
        raise ErasureError("unknown_reason")
    if not may_erase(actor, childminder):
        raise ErasureError("not_allowed")
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
        SubstituteProfile.objects.filter(childminder=cm).update(email="", available=False)
        account_kept = _payee_account_still_read(cm)
        accounts = 0 if account_kept else PayeeAccount.objects.filter(childminder=cm).delete()[0]
        contacts = ParentContact.objects.filter(contract__childminder=cm).delete()[0]
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
                "payee_account_deleted": bool(accounts),
                "payee_account_kept_for_released_runs": account_kept,
                "parent_contacts_deleted": contacts,
                "released_payment_runs_kept": released_runs(cm).count(),
            },
        )
    return cm


# --- retention ------------------------------------------------------------------------------


def last_payment_day(childminder: Childminder) -> dt.date | None:
    """The last day of the last month a released run paid her, or None."""
    month = released_runs(childminder).aggregate(m=Max("month"))["m"]
    if not month:
        return None
    year, number = (int(part) for part in month.split("-"))
    first_of_next = dt.date(year + number // 12, number % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


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
    *, actor: Any, today: dt.date | None = None, dry_run: bool = False
) -> RetentionReport:
    """Erase childminders who left the configured number of years after the last payment
    (``KITAPLAN_RETENTION_CHILDMINDER_YEARS``); a dry run only reports."""
    day = today or timezone.localdate()
    cutoff = retention.months_before(day, 12 * retention.periods().childminder_years)
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


def _iso(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def export_own_records(childminder: Childminder, *, actor: Any) -> dict[str, Any]:
    """Her registry and payment data as JSON-ready data (GDPR Art. 15/20), logged as a read."""
    from kitaplan.web.payments.models import (
        ActualHours,
        InsuranceProofRecord,
        PayeeAccount,
        PaymentLineRecord,
        PaymentRun,
    )
    from kitaplan.web.substitutes.models import SubstituteProfile

    cm = childminder
    account = PayeeAccount.objects.filter(childminder=cm).first()
    profile = SubstituteProfile.objects.filter(childminder=cm).first()
    lines = (
        PaymentLineRecord.objects.filter(childminder=cm, run__status=PaymentRun.RELEASED)
        .select_related("run")
        .order_by("run__month", "position")
    )
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
            "area": cm.area.name if cm.area_id else None,
            "care_location": cm.care_location,
            "group_practice": cm.group_practice.name if cm.group_practice_id else None,
            "advisory_service": cm.service.name if cm.service_id else None,
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
        "substitute_notice_email": profile.email if profile is not None else "",
        "payee_account": (
            {"holder": account.holder, "iban": account.iban, "bic": account.bic}
            if account is not None
            else None
        ),
        "insurance_proofs": [
            {
                "kind": i.kind,
                "monthly_amount_cents": i.monthly_amount_cents,
                "valid_from": _iso(i.valid_from),
                "valid_to": _iso(i.valid_to),
            }
            for i in InsuranceProofRecord.objects.filter(childminder=cm).order_by("valid_from")
        ],
        "actual_hours": [
            {
                "child_reference": h.contract.child_reference,
                "month": h.month,
                "hours": str(h.hours),
            }
            for h in ActualHours.objects.filter(contract__childminder=cm)
            .select_related("contract")
            .order_by("month", "pk")
        ],
        "payments": [
            {
                "month": line.run.month,
                "child_reference": line.child_reference,
                "component": line.component,
                "quantity": line.quantity,
                "rate": line.rate,
                "unit": line.unit,
                "amount_cents": line.amount_cents,
                "corrects_month": line.corrects_month,
            }
            for line in lines
        ],
    }
    record_audit_event(
        actor=actor,
        action=AuditAction.OWN_DATA_EXPORTED,
        target=cm,
        details={"payment_lines": len(data["payments"]), "contracts": len(data["contracts"])},
    )
    return data
