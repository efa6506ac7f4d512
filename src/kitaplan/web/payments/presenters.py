"""What the payment pages show, as plain dicts for the templates and the statement PDF (de:
Aufbereitung): a run's totals per childminder and component, its corrections and issues, one
childminder's statement, actual-hours rows, insurance proofs and the parent-fee result.

Presenters read what a view already found (scoped by :mod:`kitaplan.web.payments.selectors`)
and only arrange and word it; they decide nothing about who may see it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from kitaplan.domain.childminding.payments import format_exact
from kitaplan.domain.childminding.payments_rules import FeeTable, parent_fee
from kitaplan.domain.common.money import format_euros
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.validity import valid_on
from kitaplan.web.payments import selectors, services
from kitaplan.web.payments.models import (
    ActualHours,
    FeeTableRecord,
    InsuranceProofRecord,
    PaymentLineRecord,
    PaymentRun,
    PaymentRunFile,
    RateTableRecord,
)
from kitaplan.web.payments.texts import (
    BASIS_LABELS,
    ISSUE_LABELS,
    UNIT_LABELS,
    component_label,
    issue_expectation,
    line_note,
    number_text,
)

# --------------------------------------------------------------------------- lines


def settlement_hours(run: PaymentRun) -> dict[tuple[int, str, str], str]:
    """(childminder, child, month) → reported hours, for the actual hours the run used."""
    contracts = {c["contract_id"]: c for c in run.inputs.get("contracts", [])}
    result: dict[tuple[int, str, str], str] = {}
    for entry in run.inputs.get("actual_hours", []):
        contract = contracts.get(entry["contract_id"])
        if contract is not None:
            key = (int(contract["childminder_id"]), contract["child_id"], entry["month"])
            result[key] = number_text(entry["hours"])
    return result


def _settlement_key(line: PaymentLineRecord) -> tuple[int, str, str]:
    return (line.childminder_id, line.child_reference, line.corrects_month)


def line_texts(line: PaymentLineRecord) -> dict[str, str]:
    return {
        "label": component_label(line.component),
        "quantity": number_text(line.quantity),
        "unit": str(UNIT_LABELS.get(line.unit, line.unit)),
        "rate": number_text(line.rate),
        "amount": format_euros(line.amount_cents),
        "note": line_note(line),
    }


# --------------------------------------------------------------------------- one run


def _sums(lines: list[PaymentLineRecord]) -> tuple[dict[int, dict[str, int]], dict[str, Any]]:
    """Regular and correction cents per childminder, and per component (with a line count)."""
    per_cm: dict[int, dict[str, int]] = defaultdict(lambda: {"regular": 0, "correction": 0})
    components: dict[str, dict[str, int]] = defaultdict(
        lambda: {"regular": 0, "correction": 0, "count": 0}
    )
    for line in lines:
        part = "correction" if line.is_correction else "regular"
        per_cm[line.childminder_id][part] += line.amount_cents
        components[line.component][part] += line.amount_cents
        components[line.component]["count"] += 1
    return per_cm, components


def _money(regular: int, correction: int) -> dict[str, str]:
    return {
        "regular": format_euros(regular),
        "correction": format_euros(correction) if correction else "",
        "total": format_euros(regular + correction),
    }


def _total_rows(
    run: PaymentRun, lines: list[PaymentLineRecord], cms: dict[int, Childminder]
) -> dict[str, Any]:
    per_cm, components = _sums(lines)
    accounts = set(services.run_accounts(run, per_cm))
    ordered = sorted(per_cm.items(), key=lambda kv: (cms[kv[0]].number, kv[0]))
    regular_total = sum(v["regular"] for v in per_cm.values())
    correction_total = sum(v["correction"] for v in per_cm.values())
    return {
        "cm_rows": [
            {
                "cm": cms[pk],
                **_money(v["regular"], v["correction"]),
                "total_cents": v["regular"] + v["correction"],
                "account": pk in accounts,
            }
            for pk, v in ordered
        ],
        "component_rows": [
            {
                "code": code,
                "label": component_label(code),
                "count": v["count"],
                **_money(v["regular"], v["correction"]),
            }
            for code, v in sorted(components.items())
        ],
        "regular_total": format_euros(regular_total),
        "correction_total": format_euros(correction_total),
    }


def _corrections(
    run: PaymentRun, lines: list[PaymentLineRecord], cms: dict[int, Childminder]
) -> dict[str, Any]:
    settled = settlement_hours(run)
    corrections: list[dict[str, Any]] = [
        {
            "line": line,
            "cm": cms[line.childminder_id],
            **line_texts(line),
            "settlement": settled.get(_settlement_key(line)),
        }
        for line in lines
        if line.is_correction
    ]
    settlement_total = sum(c["line"].amount_cents for c in corrections if c["settlement"])
    return {
        "corrections": corrections,
        "settlement_total": format_euros(settlement_total) if settlement_total else "",
    }


def run_issues(run: PaymentRun) -> list[dict[str, Any]]:
    """The run's issues with the childminder, the reason and the expectation worded."""
    cms = Childminder.objects.in_bulk(
        {i["childminder_id"] for i in run.issues if i.get("childminder_id")}
    )
    return [
        {
            **i,
            "cm": cms.get(i.get("childminder_id")),
            "reason": str(ISSUE_LABELS.get(i["code"], i["code"])),
            "expected_text": issue_expectation(i),
            "contract_pk": int(i["contract_id"]) if str(i["contract_id"]).isdigit() else None,
        }
        for i in run.issues
    ]


def run_page(run: PaymentRun) -> dict[str, Any]:
    """Everything the run page shows: totals, components, corrections, issues, release state."""
    lines = list(run.lines.order_by("position"))
    cms = Childminder.objects.in_bulk({line.childminder_id for line in lines})
    draft = not run.is_released
    return {
        "run": run,
        "can_manage": True,
        "can_release": draft,
        "stale": draft and services.stale(run),
        "hours_changed": draft and services.hours_changed(run),
        "settled_reports": len(run.inputs.get("actual_hours", [])),
        "total": format_euros(run.total_cents),
        **_total_rows(run, lines, cms),
        **_corrections(run, lines, cms),
        "issues": run_issues(run),
        "not_payable": [
            {
                "cm": t.childminder,
                "total": format_euros(t.amount_cents),
                "account": t.account is not None,
            }
            for t in services.transfers(run)[1]
        ],
        "tables": RateTableRecord.objects.filter(
            territory=run.territory, code__in=run.inputs.get("tables", [])
        ),
        "contract_count": len(run.inputs.get("contracts", [])),
        "line_count": len(lines),
        "debtor_missing": draft and services.debtor_of(run.territory) is None,
        "sepa_file": PaymentRunFile.objects.filter(run=run).first(),
    }


def run_rows(runs: Iterable[PaymentRun]) -> list[dict[str, Any]]:
    return [{"run": r, "total": format_euros(r.total_cents)} for r in runs]


# --------------------------------------------------------------------------- statements


def statement_data(run: PaymentRun, cm: Childminder) -> dict[str, Any]:
    """Everything a statement shows: lines per child, corrections, totals, rate sources."""
    lines = list(run.lines.filter(childminder=cm).order_by("position"))
    if not lines:
        raise Http404("no lines for this childminder in this run")
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    own: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    settled = settlement_hours(run)
    for line in lines:
        row = {"line": line, **line_texts(line)}
        if line.is_correction:
            hours = settled.get(_settlement_key(line))
            if hours is not None:
                row["label"] = _("%(component)s – settlement on actual hours (%(hours)s h)") % {
                    "component": row["label"],
                    "hours": hours,
                }
            corrections.append(row)
        elif line.child_reference:
            children[line.child_reference].append(row)
        else:
            own.append(row)
    codes = sorted({line.table_code for line in lines})
    regular = sum(line.amount_cents for line in lines if not line.is_correction)
    correction = sum(line.amount_cents for line in lines if line.is_correction)
    return {
        "run": run,
        "cm": cm,
        "child_groups": [
            {"child": child, "rows": rows, "total": _sum_of(rows)}
            for child, rows in children.items()
        ],
        "own_rows": own,
        "own_total": _sum_of(own),
        "corrections": corrections,
        "regular_total": format_euros(regular),
        "correction_total": format_euros(correction),
        "total": format_euros(regular + correction),
        "total_cents": regular + correction,
        "tables": list(RateTableRecord.objects.filter(territory=run.territory, code__in=codes)),
        "account": services.run_accounts(run, [cm.pk]).get(cm.pk),
    }


def _sum_of(rows: list[dict[str, Any]]) -> str:
    return format_euros(sum(r["line"].amount_cents for r in rows))


# --------------------------------------------------------------------------- parent fees


def fee_result(record: FeeTableRecord, data: dict[str, Any]) -> dict[str, Any]:
    """The parent fee for the calculator's valid input, with the rule that gave it."""
    table: FeeTable = selectors.fee_table(record)
    income = data["yearly_income"]
    fee = parent_fee(
        table,
        weekly_hours=Fraction(data["weekly_hours"]),
        age_group=data["age_group"] or None,
        yearly_income=None if income is None else Fraction(income),
    )
    bracket = table.brackets[fee.bracket] if fee.bracket is not None else None
    return {
        "record": record,
        "table": table,
        "basis": BASIS_LABELS[table.basis],
        "fee": None if fee.amount_cents is None else format_euros(fee.amount_cents),
        "quantity": number_text(format_exact(fee.quantity)),
        "rate": format_euros(fee.rate * 100),
        "bracket_number": None if fee.bracket is None else fee.bracket + 1,
        "bracket": bracket,
        "bracket_from": None if bracket is None else number_text(format_exact(bracket.over)),
        "bracket_to": None
        if bracket is None or bracket.up_to is None
        else number_text(format_exact(bracket.up_to)),
    }


# --------------------------------------------------------------------------- hours, proofs


def hours_rows(rows: Iterable[ActualHours]) -> list[dict[str, Any]]:
    return [
        {
            "report": h,
            "contract": h.contract,
            "cm": h.contract.childminder,
            "hours": number_text(format_exact(Fraction(h.hours))),
        }
        for h in rows
    ]


def proof_rows(proofs: list[InsuranceProofRecord], today: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "proof": p,
            "kind": p.get_kind_display(),
            "amount": format_euros(p.monthly_amount_cents),
            "current": p.valid_from <= today and (p.valid_to is None or p.valid_to >= today),
        }
        for p in proofs
    ]


def childminder_items(
    childminders: list[Childminder], user: AnyUser, today: dt.date
) -> list[dict[str, Any]]:
    """The list's rows: each childminder with the proofs valid today and the account."""
    current: dict[int, list[dict[str, str]]] = defaultdict(list)
    for proof in (
        InsuranceProofRecord.objects.filter(childminder__in=[cm.pk for cm in childminders])
        .filter(valid_on(today, open_start=False))
        .order_by("kind", "valid_from")
    ):
        current[proof.childminder_id].append(
            {"kind": proof.get_kind_display(), "amount": format_euros(proof.monthly_amount_cents)}
        )
    items: list[dict[str, Any]] = []
    for cm in childminders:
        account = getattr(cm, "payee_account", None)
        items.append(
            {
                "cm": cm,
                "proofs": current.get(cm.pk, []),
                "account": account,
                "iban": selectors.iban_text(account, user),
            }
        )
    return items
