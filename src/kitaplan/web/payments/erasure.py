"""What the payments app holds about a childminder when the registry erases or exports her
(answers to :mod:`kitaplan.web.childminding.signals`, connected in ``PaymentsConfig.ready()``).

Erasure deletes her payee account (IBAN, holder, BIC) unless a released run without frozen bank
details still reads it (released before they were frozen: its SEPA file still reads the
account). Every payment run and its lines, insurance proofs and the bank details frozen into
released runs stay (payments law, :func:`kitaplan.web.core.retention.payment_retention_reason`);
released runs are never changed. Her retention period runs from the last month paid.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet

from kitaplan.domain.common.calendar import month_bounds
from kitaplan.web.childminding import signals
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.payments.models import (
    ActualHours,
    InsuranceProofRecord,
    PayeeAccount,
    PaymentLineRecord,
    PaymentRun,
)


def released_runs(childminder: Childminder) -> QuerySet[PaymentRun]:
    return PaymentRun.objects.filter(
        status=PaymentRun.RELEASED, lines__childminder=childminder
    ).distinct()


def _payee_account_still_read(childminder: Childminder) -> bool:
    """Does a released run without frozen bank details still read her current account?"""
    return any(
        "accounts" not in (run.payees or {}) or str(childminder.pk) not in run.payees["accounts"]
        for run in released_runs(childminder).only("pk", "payees")
    )


def erase_payee_records(childminder: Childminder, **_kwargs: Any) -> dict[str, Any]:
    """Delete her payee account unless a released run still reads it (see the module)."""
    account_kept = _payee_account_still_read(childminder)
    deleted = (
        0 if account_kept else PayeeAccount.objects.filter(childminder=childminder).delete()[0]
    )
    return {
        "payee_account_deleted": bool(deleted),
        "payee_account_kept_for_released_runs": account_kept,
        "released_payment_runs_kept": released_runs(childminder).count(),
    }


def kept_records(childminder: Childminder, **_kwargs: Any) -> dict[str, int]:
    return {"released_payment_runs": released_runs(childminder).count()}


def last_paid(childminder: Childminder, **_kwargs: Any) -> dt.date | None:
    """The last day of the last month a released run paid her, or None."""
    month = released_runs(childminder).aggregate(m=Max("month"))["m"]
    return month_bounds(month)[1] if month else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_payee_records(childminder: Childminder, **_kwargs: Any) -> dict[str, Any]:
    """Her payee account, insurance proofs, actual hours and released payment lines."""
    cm = childminder
    account = PayeeAccount.objects.filter(childminder=cm).first()
    lines = (
        PaymentLineRecord.objects.filter(childminder=cm, run__status=PaymentRun.RELEASED)
        .select_related("run")
        .order_by("run__month", "position")
    )
    return {
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


def connect() -> None:
    """Answer the registry's signals (called once from ``PaymentsConfig.ready()``)."""
    uid = "payments.erasure"
    signals.childminder_erasing.connect(erase_payee_records, dispatch_uid=f"{uid}.erase")
    signals.childminder_kept_records.connect(kept_records, dispatch_uid=f"{uid}.kept")
    signals.childminder_last_paid.connect(last_paid, dispatch_uid=f"{uid}.last_paid")
    signals.childminder_exporting.connect(export_payee_records, dispatch_uid=f"{uid}.export")
