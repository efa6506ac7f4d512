"""Changing payment data: one transaction and one audit event each (upload a table, compute a
month, release a run, report actual hours, set a contract's rate scheme and supplements, add or
end an insurance proof, set a payee account), plus the run's exports (payment-lines CSV, SEPA
credit transfer XML).

A month is computed from the registry as it is today; the lines of every earlier *released* run
go to the engine as ``previous_lines``, so a change to a past month becomes correction lines of
this run and never touches the released run. Reported actual hours of a released month reach
the engine as ``actual_hours``: the difference to the hours paid in advance is such a correction
(settlement on actual hours). Releasing a run settles the reports it used; they are frozen then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors

from kitaplan.domain.childminding.payments import (
    MonthResult,
    PaymentLine,
    compute_month,
    format_exact,
    month_key,
    parse_month,
)
from kitaplan.domain.common.problems import ExpectationCode, ImportProblem, ProblemCode, expectation
from kitaplan.exchange.childminding_payments import (
    read_fee_table,
    read_rate_table,
    read_rate_tables,
    write_payment_lines,
)
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event, snapshot
from kitaplan.web.childminding.models import SUPPLEMENTS, CareContract, Childminder
from kitaplan.web.core.access import AnyUser
from kitaplan.web.payments import selectors
from kitaplan.web.payments.models import (
    INSURANCE_KINDS,
    MAX_MONTH_HOURS,
    ActualHours,
    FeeTableRecord,
    FrozenRunError,
    InsuranceProofRecord,
    PayeeAccount,
    PaymentDebtor,
    PaymentLineRecord,
    PaymentRun,
    PaymentRunFile,
    RateTableRecord,
    mask_iban,
)
from kitaplan.web.territory.models import Territory


class PaymentError(Exception):
    """A change that breaks a rule of the runs; ``code`` names it, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


@dataclass
class UploadResult:
    record: Any = None
    problems: list[ImportProblem] = field(default_factory=list)


def _require_office(actor: AnyUser) -> None:
    if not selectors.can_manage(actor):
        raise PermissionDenied


# --------------------------------------------------------------------------- tables


def save_rate_table(
    *, territory: Territory, text: str, file_name: str, actor: AnyUser
) -> UploadResult:
    """Store an uploaded rate-table version, or return every problem and store nothing.

    Beyond the file itself, the table must not reuse a code of the territory nor overlap another
    version of its scheme (the exchange layer's checks across files, run on all stored tables).
    """
    _require_office(actor)
    table, problems = selectors.parse_toml(text, file_name, read_rate_table)
    if table is None:
        return UploadResult(None, problems)
    stored = list(RateTableRecord.objects.filter(territory=territory).order_by("pk"))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, record in enumerate(stored):
            folder = Path(tmp) / f"stored-{k}"
            folder.mkdir()
            path = folder / Path(record.file_name).name
            path.write_text(record.toml_text, encoding="utf-8")
            paths.append(path)
        folder = Path(tmp) / "new"
        folder.mkdir()
        new_path = folder / (Path(file_name).name or "table.toml")
        new_path.write_text(text, encoding="utf-8")
        _tables, problems = read_rate_tables([*paths, new_path])
    if problems:
        return UploadResult(None, problems)
    with transaction.atomic():
        record = RateTableRecord.objects.create(
            territory=territory,
            scheme=table.scheme,
            code=table.code,
            name=table.name,
            valid_from=table.valid_from,
            valid_to=table.valid_to,
            source=table.source,
            file_name=Path(file_name).name,
            toml_text=text,
            created_by=actor_user(actor),
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.PAYMENT_RATES_SAVED,
            target=record,
            after={
                "kind": "rate_table",
                "territory": territory.code,
                "scheme": table.scheme,
                "code": table.code,
                "valid_from": table.valid_from,
                "valid_to": table.valid_to,
                "source": table.source,
                "file": record.file_name,
            },
        )
    return UploadResult(record, [])


def save_fee_table(
    *, territory: Territory, text: str, file_name: str, actor: AnyUser
) -> UploadResult:
    """Store an uploaded parent-fee table, or return every problem and store nothing."""
    _require_office(actor)
    table, problems = selectors.parse_toml(text, file_name, read_fee_table)
    if table is None:
        return UploadResult(None, problems)
    same_code = FeeTableRecord.objects.filter(territory=territory, code=table.code).first()
    if same_code is not None:
        problems = [
            ImportProblem(
                ProblemCode.DUPLICATE_KEY,
                Path(file_name).name,
                0,
                "code",
                table.code,
                expectation(ExpectationCode.TABLE_CODE_ONCE, file=same_code.file_name),
            )
        ]
        return UploadResult(None, problems)
    with transaction.atomic():
        record = FeeTableRecord.objects.create(
            territory=territory,
            code=table.code,
            name=table.name,
            basis=table.basis.value,
            valid_from=table.valid_from,
            valid_to=table.valid_to,
            source=table.source,
            file_name=Path(file_name).name,
            toml_text=text,
            created_by=actor_user(actor),
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.PAYMENT_RATES_SAVED,
            target=record,
            after={
                "kind": "fee_table",
                "territory": territory.code,
                "code": table.code,
                "basis": table.basis.value,
                "valid_from": table.valid_from,
                "source": table.source,
            },
        )
    return UploadResult(record, [])


# --------------------------------------------------------------------------- runs


def compute(territory: Territory, month: str) -> tuple[MonthResult, dict[str, Any]]:
    """The engine on today's registry, with the released runs before ``month`` as history."""
    tables = [t for _r, t in selectors.rate_tables(territory)]
    contracts = selectors.registry_contracts(territory)
    proofs = selectors.insurance_proofs(territory)
    released, previous = selectors.previous_lines(territory, month)
    absences = selectors.registry_absences(territory, month)
    hours = selectors.used_actual_hours(territory, month)
    result = compute_month(
        tables,
        contracts,
        month,
        insurance=proofs,
        absences=absences,
        previous_lines=previous,
        actual_hours={(str(h.contract_id), h.month): Fraction(h.hours) for h in hours},
    )
    inputs = {
        "tables": [t.code for t in tables],
        "released_runs": released,
        "contracts": [selectors.contract_json(c) for c in contracts],
        "insurance": [
            {
                "childminder_id": p.childminder_id,
                "kind": p.kind.value,
                "monthly_amount": format_exact(p.monthly_amount),
                "valid_from": p.valid_from.isoformat(),
                "valid_to": p.valid_to.isoformat() if p.valid_to else None,
            }
            for p in proofs
        ],
        "absences": [
            {
                "childminder_id": a.childminder_id,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
            }
            for a in absences
        ],
        "actual_hours": hours_json(hours),
    }
    return result, inputs


def hours_json(rows: Iterable[ActualHours]) -> list[dict[str, Any]]:
    """Actual-hours reports as a run's inputs record them (``hours`` exact, e.g. ``120.5``)."""
    return [
        {
            "id": h.pk,
            "contract_id": str(h.contract_id),
            "month": h.month,
            "hours": format_exact(Fraction(h.hours)),
        }
        for h in rows
    ]


def _line_record(run: PaymentRun, position: int, line: PaymentLine) -> PaymentLineRecord:
    return PaymentLineRecord(
        run=run,
        position=position,
        childminder_id=int(line.childminder_id),
        child_reference=line.child_id or "",
        contract_id=line.contract_id or "",
        component=line.component,
        quantity=format_exact(line.quantity),
        rate=format_exact(line.rate),
        unit=line.unit.value,
        amount_cents=line.amount_cents,
        table_code=line.table,
        corrects_month=line.corrects_month or "",
        note=line.note[:500],
        notes=selectors.notes_json(line.notes),
    )


@transaction.atomic(durable=True)
def create_run(
    *,
    territory: Territory,
    month: str,
    actor: AnyUser,
    on_created: Callable[[PaymentRun], None] | None = None,
) -> PaymentRun:
    """Compute ``month`` as a new draft version; refused for a month already released or
    earlier than the latest released month (changes to those appear as corrections).

    ``on_created`` is called with the stored run inside the same transaction (the payment-run
    job marks itself succeeded there, so the run, its lines and the job's status commit
    together)."""
    _require_office(actor)
    try:
        month = month_key(*parse_month(month))
    except ValueError as error:
        raise PaymentError("bad_month", month=month) from error
    territory = Territory.objects.select_for_update().get(pk=territory.pk)
    if not RateTableRecord.objects.filter(territory=territory).exists():
        raise PaymentError("no_tables")
    latest = PaymentRun.objects.filter(territory=territory, status=PaymentRun.RELEASED).aggregate(
        m=Max("month")
    )["m"]
    if latest is not None and month <= latest:
        raise PaymentError("month_released", month=month, latest=latest)
    result, inputs = compute(territory, month)
    version = (
        PaymentRun.objects.filter(territory=territory, month=month).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    children = {c["contract_id"]: (c["childminder_id"], c["child_id"]) for c in inputs["contracts"]}
    issues = [
        {
            "code": i.code.value,
            "contract_id": i.contract_id,
            "field": i.field,
            "value": i.value,
            "expected": i.expected.to_json(),
            "childminder_id": int(children[i.contract_id][0])
            if i.contract_id in children
            else None,
            "child": children.get(i.contract_id, ("", ""))[1],
        }
        for i in result.issues
    ]
    run = PaymentRun.objects.create(
        territory=territory,
        month=month,
        version=version,
        inputs=inputs,
        issues=issues,
        total_cents=result.total_cents,
        created_by=actor_user(actor),
    )
    PaymentLineRecord.objects.bulk_create(
        (_line_record(run, k, line) for k, line in enumerate(result.lines, start=1)),
        batch_size=1000,
    )
    corrections = sum(1 for line in result.lines if line.corrects_month)
    record_audit_event(
        actor=actor,
        action=AuditAction.PAYMENT_RUN_CREATED,
        target=run,
        after={
            "territory": territory.code,
            "month": month,
            "version": version,
            "tables": inputs["tables"],
            "released_runs": inputs["released_runs"],
            "lines": len(result.lines),
            "corrections": corrections,
            "issues": len(issues),
            "total_cents": result.total_cents,
        },
    )
    if on_created is not None:
        on_created(run)
    return run


def stale(run: PaymentRun) -> bool:
    """True when runs were released since this draft was computed (its corrections are old)."""
    current = [r.pk for r in selectors.released_runs_before(run.territory, run.month)]
    return current != list(run.inputs.get("released_runs", []))


def hours_changed(run: PaymentRun) -> bool:
    """True when actual hours the draft would use were reported or corrected after it was
    computed (releasing it would settle hours it did not pay)."""
    current = hours_json(selectors.used_actual_hours(run.territory, run.month))
    return current != list(run.inputs.get("actual_hours", []))


@transaction.atomic(durable=True)
def release_run(*, run: PaymentRun, actor: AnyUser) -> PaymentRun:
    """Freeze the run: from now on neither it nor its lines can change. Needs the territory's
    paying account (:class:`PaymentDebtor`); the SEPA file is written and stored in the same
    transaction (:class:`PaymentRunFile`), so every download is the same file."""
    _require_office(actor)
    Territory.objects.select_for_update().get(pk=run.territory_id)
    run = PaymentRun.objects.select_for_update().get(pk=run.pk)
    if run.is_released:
        raise FrozenRunError(f"payment run {run.pk} is released")
    released = PaymentRun.objects.filter(territory=run.territory, status=PaymentRun.RELEASED)
    if released.filter(month=run.month).exists():
        raise PaymentError("month_released", month=run.month, latest=run.month)
    later = released.filter(month__gt=run.month).aggregate(m=Max("month"))["m"]
    if later is not None:
        raise PaymentError("month_released", month=run.month, latest=later)
    if stale(run):
        raise PaymentError("stale", month=run.month)
    if hours_changed(run):
        raise PaymentError("hours_changed", month=run.month)
    debtor = require_debtor(run.territory)
    run.status = PaymentRun.RELEASED
    run.released_at = timezone.now()
    run.released_by = actor_user(actor)
    run.payees = payee_snapshot(run)
    run.save(update_fields=["status", "released_at", "released_by", "payees"])
    settled = ActualHours.objects.filter(
        pk__in=[h["id"] for h in run.inputs.get("actual_hours", [])], settled_in__isnull=True
    ).update(settled_in=run)
    stored = _store_file(run, debtor)
    record_audit_event(
        actor=actor,
        action=AuditAction.PAYMENT_RUN_RELEASED,
        target=run,
        before={"status": PaymentRun.DRAFT},
        after={
            "status": PaymentRun.RELEASED,
            "released_at": run.released_at,
            "total_cents": run.total_cents,
            "settled_hours": settled,
            "sepa_message_id": stored.message_id,
            "sepa_sha256": stored.sha256,
        },
    )
    return run


# --------------------------------------------------------------------------- actual hours


def _visible_contract(contract: CareContract, actor: AnyUser) -> CareContract:
    found = selectors.contracts_visible_to(actor).filter(pk=contract.pk).first()
    if found is None:
        raise PermissionDenied
    return found


def save_actual_hours(
    *,
    contract: CareContract,
    month: str,
    hours: Decimal,
    actor: AnyUser,
    note: str = "",
    today: dt.date | None = None,
) -> ActualHours:
    """Store (or correct) the hours actually cared in ``month`` under ``contract``.

    Refused: a month that has not ended yet, a month in which the contract is not funded,
    hours below 0 or above a month's hours, and a report a released run has settled already.
    """
    contract = _visible_contract(contract, actor)
    try:
        month = month_key(*parse_month(month))
    except ValueError as error:
        raise PaymentError("bad_month", month=month) from error
    today = today or timezone.localdate()
    if month >= month_key(today.year, today.month):
        raise PaymentError("future_month", month=month)
    if not selectors.funded_in(contract, month):
        raise PaymentError("not_funded", month=month, child=contract.child_reference)
    if hours < 0 or hours > MAX_MONTH_HOURS or hours != hours.quantize(Decimal("0.01")):
        raise PaymentError("bad_hours", hours=hours, limit=MAX_MONTH_HOURS)
    with transaction.atomic():
        # The territory lock orders this with compute and release (both take it).
        Territory.objects.select_for_update().get(pk=contract.childminder.territory_id)
        row = (
            ActualHours.objects.select_for_update(of=("self",))
            .select_related("settled_in")
            .filter(contract=contract, month=month)
            .first()
        )
        if row is not None and row.settled_in is not None:
            raise PaymentError("hours_settled", month=month, run_month=row.settled_in.month)
        before = None if row is None else snapshot(row, ["hours", "note", "reported_by_id"])
        if row is None:
            row = ActualHours(contract=contract, month=month)
        row.hours = hours.quantize(Decimal("0.01"))
        row.note = note.strip()[:500]
        row.reported_by = actor_user(actor)
        row.reported_at = timezone.now()
        row.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.PAYMENT_HOURS_REPORTED,
            target=row,
            before=before,
            after={
                "contract": contract.pk,
                "child": contract.child_reference,
                "childminder": contract.childminder.number,
                "month": month,
                "hours": row.hours,
                "note": row.note,
                "reported_by_id": row.reported_by_id,
            },
        )
    return row


# --------------------------------------------------------------------------- contract terms


def save_contract_terms(
    *, contract: CareContract, rate_scheme: str, supplements: Iterable[str], actor: AnyUser
) -> CareContract:
    """Set the rate scheme (empty: the territory's only scheme) and the supplements of a
    contract; audited like every change to a contract."""
    if not selectors.can_edit_terms(actor):
        raise PermissionDenied
    contract = _visible_contract(contract, actor)
    scheme = (rate_scheme or "").strip()
    if any(ch.isspace() for ch in scheme):
        raise PaymentError("bad_scheme", scheme=scheme)
    marks = sorted(set(supplements))
    unknown = [m for m in marks if m not in dict(SUPPLEMENTS)]
    if unknown:
        raise PaymentError("unknown_supplement", supplement=", ".join(unknown))
    with transaction.atomic():
        contract = CareContract.objects.select_for_update().get(pk=contract.pk)
        before = snapshot(contract)
        contract.rate_scheme = scheme
        contract.supplements = marks
        contract.save(update_fields=["rate_scheme", "supplements"])
        record_audit_event(
            actor=actor,
            action=AuditAction.CHILDMINDING_CHANGED,
            target=contract,
            before=before,
            after=snapshot(contract),
        )
    return contract


# --------------------------------------------------------------------------- master data

#: The largest proven monthly insurance contribution accepted (euros).
MAX_PROOF_AMOUNT = Decimal("99999.99")


def _require_master_data(actor: AnyUser) -> None:
    if not selectors.can_edit_master_data(actor):
        raise PermissionDenied


def _proof_audit(proof: InsuranceProofRecord, childminder: Childminder) -> dict[str, Any]:
    return {
        "childminder": childminder.number,
        "kind": proof.kind,
        "monthly_amount_cents": proof.monthly_amount_cents,
        "valid_from": proof.valid_from,
        "valid_to": proof.valid_to,
    }


def check_proof_period(valid_from: dt.date, valid_to: dt.date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise PaymentError("bad_period", valid_from=valid_from, valid_to=valid_to)


def refuse_overlap(
    childminder: Childminder,
    kind: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    exclude: int | None = None,
) -> None:
    other = selectors.overlapping_proof(childminder, kind, valid_from, valid_to, exclude=exclude)
    if other is not None:
        raise PaymentError(
            "proof_overlap",
            kind=other.kind,
            valid_from=other.valid_from,
            valid_to=other.valid_to,
            amount_cents=other.monthly_amount_cents,
            proof=other.pk,
        )


def add_insurance_proof(
    *,
    childminder: Childminder,
    kind: str,
    monthly_amount: Decimal,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    actor: AnyUser,
) -> InsuranceProofRecord:
    """Store a proven monthly insurance contribution of a childminder.

    Refused: an unknown kind, an amount below 0 or with more than two decimal places, an end
    before the start, and a period that shares a day with another proof of the same kind.
    A proof valid in a released month is paid as correction lines of the next run.
    """
    _require_master_data(actor)
    if kind not in dict(INSURANCE_KINDS):
        raise PaymentError("unknown_kind", kind=kind)
    if (
        not monthly_amount.is_finite()
        or monthly_amount < 0
        or monthly_amount > MAX_PROOF_AMOUNT
        or monthly_amount != monthly_amount.quantize(Decimal("0.01"))
    ):
        raise PaymentError("bad_amount", limit=MAX_PROOF_AMOUNT)
    check_proof_period(valid_from, valid_to)
    with transaction.atomic():
        # The childminder's row lock orders concurrent changes to her proofs (overlap check).
        childminder = Childminder.objects.select_for_update().get(pk=childminder.pk)
        refuse_overlap(childminder, kind, valid_from, valid_to)
        proof = InsuranceProofRecord.objects.create(
            childminder=childminder,
            kind=kind,
            monthly_amount_cents=int(monthly_amount * 100),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.PAYMENT_MASTER_DATA_CHANGED,
            target=proof,
            after={"record": "insurance_proof", **_proof_audit(proof, childminder)},
        )
    return proof


def end_insurance_proof(
    *, proof: InsuranceProofRecord, valid_to: dt.date, actor: AnyUser
) -> InsuranceProofRecord:
    """Set the last day of a proof (or move it); refused before its first day and where the new
    period would overlap another proof of the same kind."""
    _require_master_data(actor)
    with transaction.atomic():
        childminder = Childminder.objects.select_for_update().get(pk=proof.childminder_id)
        proof = InsuranceProofRecord.objects.select_for_update().get(pk=proof.pk)
        check_proof_period(proof.valid_from, valid_to)
        refuse_overlap(childminder, proof.kind, proof.valid_from, valid_to, exclude=proof.pk)
        before = {"record": "insurance_proof", **_proof_audit(proof, childminder)}
        proof.valid_to = valid_to
        proof.save(update_fields=["valid_to"])
        record_audit_event(
            actor=actor,
            action=AuditAction.PAYMENT_MASTER_DATA_CHANGED,
            target=proof,
            before=before,
            after={"record": "insurance_proof", **_proof_audit(proof, childminder)},
        )
    return proof


def _account_audit(account: PayeeAccount, childminder: Childminder) -> dict[str, Any]:
    """What the audit keeps of an account: never the full IBAN."""
    return {
        "record": "payee_account",
        "childminder": childminder.number,
        "holder": account.holder,
        "iban": mask_iban(account.iban),
        "bic": account.bic,
    }


def clean_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


def save_payee_account(
    *, childminder: Childminder, holder: str, iban: str, bic: str = "", actor: AnyUser
) -> PayeeAccount:
    """Set or replace the account a childminder's payment is transferred to.

    Refused: an empty holder, an IBAN that :func:`checked_iban` refuses, a BIC that
    :func:`checked_bic` refuses. The audit keeps the IBAN masked.
    """
    _require_master_data(actor)
    holder = " ".join(holder.split())
    if not holder or len(holder) > 70:
        raise PaymentError("bad_holder")
    iban = checked_iban(iban)
    bic = checked_bic(bic)
    with transaction.atomic():
        childminder = Childminder.objects.select_for_update().get(pk=childminder.pk)
        account = PayeeAccount.objects.select_for_update().filter(childminder=childminder).first()
        before = None if account is None else _account_audit(account, childminder)
        if account is None:
            account = PayeeAccount(childminder=childminder)
        account.holder = holder
        account.iban = iban
        account.bic = bic
        account.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.PAYMENT_MASTER_DATA_CHANGED,
            target=account,
            target_label=f"{childminder.number}: {account}",
            before=before,
            after=_account_audit(account, childminder),
        )
    return account


# --------------------------------------------------------------------------- exports


def totals_by_childminder(run: PaymentRun) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for cm, cents in run.lines.values_list("childminder_id", "amount_cents"):
        totals[cm] += cents
    return dict(totals)


def lines_csv(
    run: PaymentRun, *, word_note: Callable[[PaymentLineRecord], str] | None = None
) -> bytes:
    """The exchange writer's format (one line per childminder, child, component and table
    version); ``childminder_id`` is the registry number of the childminder. ``word_note``
    words each line's note (the page's wording); without it the note is the engine's trace."""
    numbers = dict(
        Childminder.objects.filter(payment_lines__run=run).distinct().values_list("pk", "number")
    )
    records = list(run.lines.order_by("position"))
    lines = selectors.to_domain_lines(records, {run.pk: run.month})
    named = [
        replace(
            line,
            childminder_id=numbers[int(line.childminder_id)],
            note=line.note if word_note is None else word_note(record),
        )
        for record, line in zip(records, lines, strict=True)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.csv"
        write_payment_lines(path, named)
        return path.read_bytes()


@dataclass(frozen=True)
class AccountDetails:
    """A payee account as frozen in a released run (see :func:`payee_snapshot`)."""

    holder: str
    iban: str
    bic: str


def payee_snapshot(run: PaymentRun) -> dict[str, Any]:
    """The accounts of the run's childminders and the execution date, as of now (release)."""
    totals = totals_by_childminder(run)
    return {
        "execution_date": execution_date(run).isoformat(),
        "accounts": {
            str(a.childminder_id): {"holder": a.holder, "iban": a.iban, "bic": a.bic}
            for a in PayeeAccount.objects.filter(childminder_id__in=totals)
        },
    }


def run_accounts(
    run: PaymentRun, childminder_ids: Iterable[int]
) -> dict[int, AccountDetails | PayeeAccount]:
    """The accounts a run pays to: frozen at release, else (drafts, and runs released before
    the snapshot existed) the accounts stored today."""
    wanted = set(childminder_ids)
    frozen = run.payees.get("accounts") if run.is_released else None
    if frozen is not None:
        return {
            int(pk): AccountDetails(**details)
            for pk, details in frozen.items()
            if int(pk) in wanted
        }
    return {a.childminder_id: a for a in PayeeAccount.objects.filter(childminder_id__in=wanted)}


@dataclass
class Transfer:
    childminder: Childminder
    amount_cents: int
    account: AccountDetails | PayeeAccount | None


def transfers(run: PaymentRun) -> tuple[list[Transfer], list[Transfer]]:
    """(payable, not payable): a childminder's total > 0 with an account goes into the SEPA
    file; a total ≤ 0 (corrections reclaiming money) or a missing account does not."""
    totals = totals_by_childminder(run)
    cms = Childminder.objects.in_bulk(list(totals))
    accounts = run_accounts(run, totals)
    payable: list[Transfer] = []
    other: list[Transfer] = []
    for pk in sorted(totals, key=lambda p: (cms[p].number, p)):
        item = Transfer(cms[pk], totals[pk], accounts.get(pk))
        (payable if item.amount_cents > 0 and item.account is not None else other).append(item)
    return payable, other


def execution_date(run: PaymentRun) -> dt.date:
    """Paid in advance: the first day of the month, or today when that has passed."""
    year, month = parse_month(run.month)
    return max(dt.date(year, month, 1), timezone.localdate())


def sepa_xml(run: PaymentRun, debtor: PaymentDebtor) -> tuple[bytes, str]:
    """The run as a SEPA credit transfer (pain.001.001.03), validated against the schema, and
    its message id. Released runs only; a new message id and creation time on every call, so
    it is called once per run (:func:`release_run`, :func:`run_file`), never per download.

    Written with the ``sepaxml`` library (MIT, maintained; it validates the file against the
    ISO 20022 XSD it ships, through ``xmlschema``).
    """
    from sepaxml import SepaTransfer

    if not run.is_released:
        raise PaymentError("not_released")
    config = {
        "name": debtor.holder,
        "IBAN": debtor.iban,
        "batch": True,
        "currency": "EUR",
    }
    if debtor.bic:
        config["BIC"] = debtor.bic
    transfer = SepaTransfer(config, clean=True)
    payable, _other = transfers(run)
    frozen_date = run.payees.get("execution_date")
    when = dt.date.fromisoformat(frozen_date) if frozen_date else execution_date(run)
    for item in payable:
        assert item.account is not None
        payment: dict[str, Any] = {
            "name": item.account.holder,
            "IBAN": item.account.iban.replace(" ", ""),
            "amount": item.amount_cents,
            "execution_date": when,
            "description": f"Geldleistung Kindertagespflege {run.month} {item.childminder.number}",
            "endtoend_id": f"KP{run.pk}-{run.month}-{item.childminder.pk}"[:35],
        }
        if item.account.bic:
            payment["BIC"] = item.account.bic
        transfer.add_payment(payment)
    return transfer.export(validate=True), str(transfer.msg_id)


def _store_file(run: PaymentRun, debtor: PaymentDebtor) -> PaymentRunFile:
    content, message_id = sepa_xml(run, debtor)
    return PaymentRunFile.objects.create(
        run=run,
        message_id=message_id,
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def run_file(run: PaymentRun) -> PaymentRunFile:
    """The stored SEPA file of a released run. Runs released before files were stored get
    theirs written and stored now, once (with the territory's paying account of today)."""
    if not run.is_released:
        raise PaymentError("not_released")
    stored: PaymentRunFile | None = PaymentRunFile.objects.filter(run=run).first()
    if stored is not None:
        return stored
    with transaction.atomic():
        # The run's row lock orders two first downloads at once: the second reads the first's.
        PaymentRun.objects.select_for_update().get(pk=run.pk)
        stored = PaymentRunFile.objects.filter(run=run).first()
        if stored is None:
            stored = _store_file(run, require_debtor(run.territory))
    return stored


def file_bytes(stored: PaymentRunFile) -> bytes:
    return bytes(stored.content)


# --------------------------------------------------------------------------- paying account


def debtor_of(territory: Territory) -> PaymentDebtor | None:
    return PaymentDebtor.objects.filter(territory=territory).first()


def require_debtor(territory: Territory) -> PaymentDebtor:
    debtor = debtor_of(territory)
    if debtor is None:
        raise PaymentError("no_debtor", territory=territory.name)
    return debtor


#: A SEPA creditor identifier: country, check digits, business code, national identifier
#: (e.g. ``DE98ZZZ09999999999``).
CREDITOR_ID_PATTERN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")
DEBTOR_AUDIT_FIELDS = ["holder", "iban", "bic", "creditor_id", "valid_from"]


def _debtor_audit(debtor: PaymentDebtor) -> dict[str, Any]:
    """The record's fields; the audit drops the values of holder, IBAN and BIC (names only)."""
    return {"territory": debtor.territory.code, **snapshot(debtor, DEBTOR_AUDIT_FIELDS)}


def save_debtor(
    *,
    territory: Territory,
    holder: str,
    iban: str,
    bic: str = "",
    creditor_id: str = "",
    valid_from: dt.date,
    actor: AnyUser,
) -> PaymentDebtor:
    """Set or replace the account ``territory`` pays from (the payment office). Refused: an
    empty holder, an IBAN or BIC that :func:`checked_iban`/:func:`checked_bic` refuse, a
    creditor identifier of another form. A run released earlier keeps its stored file."""
    _require_office(actor)
    holder = " ".join(holder.split())
    if not holder or len(holder) > 70:
        raise PaymentError("bad_holder")
    iban = checked_iban(iban)
    bic = checked_bic(bic)
    creditor_id = clean_iban(creditor_id)
    if creditor_id and not CREDITOR_ID_PATTERN.match(creditor_id):
        raise PaymentError("bad_creditor_id", creditor_id=creditor_id)
    with transaction.atomic():
        territory = Territory.objects.select_for_update().get(pk=territory.pk)
        debtor = PaymentDebtor.objects.select_for_update().filter(territory=territory).first()
        before = None if debtor is None else _debtor_audit(debtor)
        if debtor is None:
            debtor = PaymentDebtor(territory=territory)
        debtor.holder = holder
        debtor.iban = iban
        debtor.bic = bic
        debtor.creditor_id = creditor_id
        debtor.valid_from = valid_from
        debtor.changed_by = actor_user(actor)
        debtor.changed_at = timezone.now()
        debtor.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.PAYMENT_MASTER_DATA_CHANGED,
            target=debtor,
            target_label=f"{territory.code}: paying account",
            before=before,
            after={"record": "payment_debtor", **_debtor_audit(debtor)},
        )
    return debtor


# --------------------------------------------------------------------------- IBAN and BIC


def make_iban(bank_code: str, account: str) -> str:
    """A German IBAN from a bank code and an account number (synthetic demo and test data)."""
    return str(IBAN.generate("DE", bank_code=bank_code, account_code=account))


def checked_iban(text: str) -> str:
    """The IBAN in compact form, checked by ``schwifty``: a country of the SEPA area, the
    country's length and structure, the check digits and, for a German IBAN, a bank code of the
    Bundesbank's register. Refused with a :class:`PaymentError` naming the reason."""
    compact = clean_iban(text)
    if not compact:
        raise PaymentError("bad_iban")
    try:
        iban = IBAN(compact)
    except schwifty_errors.InvalidCountryCode as error:
        raise PaymentError("iban_country", country=compact[:2]) from error
    except schwifty_errors.InvalidLength as error:
        raise PaymentError("iban_length", country=compact[:2]) from error
    except schwifty_errors.InvalidStructure as error:
        raise PaymentError("iban_structure", country=compact[:2]) from error
    except (schwifty_errors.SchwiftyException, ValueError) as error:
        raise PaymentError("bad_iban") from error
    if not iban.in_sepa_zone:
        raise PaymentError("iban_country", country=iban.country_code)
    if iban.country_code == "DE" and iban.bank is None:
        raise PaymentError("iban_bank_code", bank_code=iban.bank_code)
    return str(iban.compact)


def checked_bic(text: str) -> str:
    """The BIC in compact form (empty stays empty), checked by ``schwifty``: 8 or 11
    characters, bank code, a known country, location and branch."""
    compact = clean_iban(text)
    if not compact:
        return ""
    try:
        bic = BIC(compact)
    except (schwifty_errors.SchwiftyException, ValueError) as error:
        raise PaymentError("bad_bic", bic=compact) from error
    return str(bic.compact)
