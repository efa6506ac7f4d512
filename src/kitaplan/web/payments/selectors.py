"""Who sees which run and statement, and the registry as the payment engine's inputs.

- The payment office and administrators see and do everything (upload tables, compute, release,
  exports).
- Advisers (Fachberatung) see the statements of released runs for the childminders of their
  advisory services (:func:`kitaplan.web.childminding.selectors.childminders_visible_to`).
- A childminder sees only her own statements of released runs.

**Registry → engine.** A :class:`CareContract` becomes a domain :class:`Contract`: the pay stage
is the childminder's ``experience_group``, the care location hers (a group practice is care in
rented rooms), the daily hours are the longest day of the weekly schedule and the days per week
the number of distinct weekdays in it. The contract's ``rate_scheme`` (empty: the territory's
only scheme) and its ``supplements`` (marks such as ``inclusion``) go to the engine as they are.

**Insurance proofs and payee accounts** (master data of the payment): the payment office and
administrators change them; advisers read those of their advisory services' childminders, a
childminder her own (:func:`payment_childminders_visible_to`). Only the office sees a full IBAN;
every other reader sees its last four characters (:func:`iban_text`).

**Actual hours.** A childminder reports the hours of her own contracts, advisers those of the
childminders of their advisory services, the payment office and administrators those of every
contract (:func:`contracts_visible_to`, :func:`can_report_hours`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.db.models import Q, QuerySet

from kitaplan.domain.childminding.capacity import parse_slots
from kitaplan.domain.childminding.payments import (
    Absence,
    Contract,
    InsuranceKind,
    InsuranceProof,
    LineNote,
    LineUnit,
    NoteCode,
    PaymentLine,
)
from kitaplan.domain.childminding.payments_rules import CareLocation, FeeTable, RateTable
from kitaplan.domain.common.calendar import month_bounds
from kitaplan.domain.common.problems import ImportProblem
from kitaplan.exchange.childminding_payments import read_fee_table, read_rate_table
from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.access import AnyUser, has_any_role, roles_of, scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.core.validity import valid_from_on
from kitaplan.web.payments.models import (
    ActualHours,
    FeeTableRecord,
    InsuranceProofRecord,
    PaymentLineRecord,
    PaymentRun,
    RateTableRecord,
    group_iban,
    mask_iban,
)
from kitaplan.web.substitutes.models import Absence as AbsenceRecord
from kitaplan.web.territory.models import Territory

OFFICE = frozenset({Role.PAYMENT_OFFICE, Role.ADMIN})
READERS = OFFICE | {Role.CHILDMINDER_ADVISER, Role.CHILDMINDER}
#: The registry's care locations in the engine's terms (Großtagespflege: rented rooms).
LOCATIONS = {
    "own_home": CareLocation.OWN_HOME,
    "parents_home": CareLocation.PARENTS_HOME,
    "rented_rooms": CareLocation.RENTED_ROOMS,
    "group_practice": CareLocation.RENTED_ROOMS,
}

T = TypeVar("T")


def can_manage(user: AnyUser) -> bool:
    """Upload tables, compute and release runs, export: the payment office and administrators."""
    return has_any_role(user, OFFICE)


def can_use_payments(user: AnyUser) -> bool:
    """See the payments pages at all (runs or at least one's own or advised statements)."""
    return has_any_role(user, READERS)


@scoped_to_territories()
def runs_visible_to(user: AnyUser) -> QuerySet[PaymentRun]:
    if can_manage(user):
        return PaymentRun.objects.all()
    if has_any_role(user, {Role.CHILDMINDER_ADVISER, Role.CHILDMINDER}):
        return PaymentRun.objects.filter(status=PaymentRun.RELEASED)
    return PaymentRun.objects.none()


def statement_childminders(user: AnyUser, run: PaymentRun) -> QuerySet[Childminder]:
    """The childminders whose statement of ``run`` the user may open."""
    if not runs_visible_to(user).filter(pk=run.pk).exists():
        return Childminder.objects.none()
    if can_manage(user):
        return Childminder.objects.filter(territory_id=run.territory_id)
    return childminders_visible_to(user).filter(territory_id=run.territory_id)


def own_statements(user: AnyUser) -> list[tuple[PaymentRun, Childminder]]:
    """(run, childminder) pairs of released runs for an adviser's or a childminder's list."""
    if can_manage(user) or not has_any_role(user, {Role.CHILDMINDER_ADVISER, Role.CHILDMINDER}):
        return []
    visible = childminders_visible_to(user)
    pairs = (
        PaymentLineRecord.objects.filter(
            run__status=PaymentRun.RELEASED, childminder__in=visible.values("pk")
        )
        .values_list("run_id", "childminder_id")
        .distinct()
    )
    wanted = set(pairs)
    runs = PaymentRun.objects.in_bulk({r for r, _c in wanted})
    cms = Childminder.objects.in_bulk({c for _r, c in wanted})
    result = [(runs[r], cms[c]) for r, c in wanted]
    return sorted(result, key=lambda p: (p[0].month, p[1].name), reverse=False)[::-1]


def is_childminder_only(user: AnyUser) -> bool:
    return roles_of(user) == frozenset({Role.CHILDMINDER})


# --------------------------------------------------------------------------- contracts, hours


@scoped_to_territories("childminder__territory")
def contracts_visible_to(user: AnyUser) -> QuerySet[CareContract]:
    """The care contracts whose payment terms and actual hours the user may see: all for the
    payment office and administrators, those of the advised childminders for advisers, her own
    for a childminder."""
    if not can_use_payments(user):
        return CareContract.objects.none()
    contracts = CareContract.objects.select_related("childminder", "childminder__territory")
    if can_manage(user):
        return contracts.all()
    return contracts.filter(childminder__in=childminders_visible_to(user).values("pk"))


def can_report_hours(user: AnyUser) -> bool:
    """Report or correct actual hours (each within :func:`contracts_visible_to`)."""
    return can_use_payments(user)


def can_edit_terms(user: AnyUser) -> bool:
    """Set a contract's rate scheme and supplements: the office, administrators, advisers."""
    return has_any_role(user, OFFICE | {Role.CHILDMINDER_ADVISER})


@scoped_to_territories("contract__childminder__territory")
def hours_visible_to(user: AnyUser) -> QuerySet[ActualHours]:
    return ActualHours.objects.filter(contract__in=contracts_visible_to(user).values("pk"))


# --------------------------------------------------------------------------- master data


def hours_contract_choices(
    user: AnyUser, territory: Territory | None, contract: CareContract | None, today: dt.date
) -> QuerySet[CareContract]:
    """The contracts the user may report hours for: funded ones that ran in the last 13 months
    (and the one asked for), of the territory when one is chosen."""
    visible = contracts_visible_to(user)
    if territory is not None:
        visible = visible.filter(childminder__territory=territory)
    recent = Q(funded=True) & valid_from_on(today - dt.timedelta(days=400))
    if contract is not None:
        recent |= Q(pk=contract.pk)
    return visible.filter(recent).order_by("childminder__number", "child_reference", "pk")


def hours_reports(user: AnyUser, territory: Territory | None, month: str) -> QuerySet[ActualHours]:
    """The reports the user may see, of the territory and the month when they are chosen."""
    reports = hours_visible_to(user).select_related(
        "contract", "contract__childminder", "reported_by", "settled_in"
    )
    if territory is not None:
        reports = reports.filter(contract__childminder__territory=territory)
    if month:
        reports = reports.filter(month=month)
    return reports.order_by("-month", "contract__childminder__number", "contract__child_reference")


def can_edit_master_data(user: AnyUser) -> bool:
    """Add or end insurance proofs, set payee accounts: the payment office and administrators."""
    return can_manage(user)


def sees_full_iban(user: AnyUser) -> bool:
    return can_manage(user)


class HasIban(Protocol):
    """A payee account, stored (``PayeeAccount``) or frozen in a run (``AccountDetails``)."""

    @property
    def iban(self) -> str: ...


def iban_text(account: HasIban | None, user: AnyUser) -> str:
    """The IBAN of an account (stored or frozen in a run) as this user may read it: whole for
    the payment office, else masked."""
    if account is None:
        return ""
    return group_iban(account.iban) if sees_full_iban(user) else mask_iban(account.iban)


@scoped_to_territories()
def payment_childminders_visible_to(user: AnyUser) -> QuerySet[Childminder]:
    """The childminders whose insurance proofs and payee account the user may read: all for
    the payment office and administrators, the advised ones for advisers, her own record for a
    childminder."""
    if not can_use_payments(user):
        return Childminder.objects.none()
    return childminders_visible_to(user)


def overlapping_proof(
    childminder: Childminder,
    kind: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    *,
    exclude: int | None = None,
) -> InsuranceProofRecord | None:
    """The first proof of the same kind whose validity shares a day with ``valid_from`` –
    ``valid_to`` (open end: ``None``)."""
    rows = InsuranceProofRecord.objects.filter(childminder=childminder, kind=kind).filter(
        valid_from_on(valid_from)
    )
    if valid_to is not None:
        rows = rows.filter(valid_from__lte=valid_to)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.order_by("valid_from", "pk").first()


def runs_of(territory: Territory | None) -> list[PaymentRun]:
    """The territory's runs, the latest month and version first (none without a territory)."""
    if territory is None:
        return []
    return list(PaymentRun.objects.filter(territory=territory).order_by("-month", "-version"))


def released_month_reached(
    territory: Territory, start: dt.date, ends: list[dt.date | None]
) -> str | None:
    """The latest released month when a proof from ``start`` reaches into released months with
    one of these ends (a new proof: its end; an ended proof: its end before and after), else
    ``None``."""
    latest = latest_released_month(territory)
    if latest is None:
        return None
    last_day = month_bounds(latest)[1]
    if start > last_day:
        return None
    if len(ends) == 1:  # a new proof: paid in released months from its start
        return latest
    # An end moved: the days between the earlier end and the last released day change.
    if min(end or dt.date.max for end in ends) < last_day:
        return latest
    return None


def latest_released_month(territory: Territory) -> str | None:
    """The latest month of the territory with a released run (changes up to its last day become
    corrections of the next run)."""
    return (
        PaymentRun.objects.filter(territory=territory, status=PaymentRun.RELEASED)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def schemes_of(territory: Territory) -> list[str]:
    """The rate-table schemes stored for a territory, sorted."""
    return sorted(
        set(RateTableRecord.objects.filter(territory=territory).values_list("scheme", flat=True))
    )


def funded_in(contract: CareContract, month: str) -> bool:
    """Whether the contract is funded on at least one day of ``month``."""
    first, last = month_bounds(month)
    return (
        contract.funded
        and contract.valid_from <= last
        and (contract.valid_to is None or contract.valid_to >= first)
    )


def used_actual_hours(territory: Territory, month: str) -> list[ActualHours]:
    """The reports a run of ``month`` uses: those of ``month`` itself (a month computed after
    it ended) and those of every released month before it (their settlement)."""
    released = set(released_runs_before(territory, month).values_list("month", flat=True))
    return list(
        ActualHours.objects.filter(
            contract__childminder__territory=territory, month__in=released | {month}
        )
        .select_related("contract")
        .order_by("month", "contract_id")
    )


# --------------------------------------------------------------------------- tables


def parse_toml(
    text: str, file_name: str, reader: Callable[[Path], tuple[T | None, list[ImportProblem]]]
) -> tuple[T | None, list[ImportProblem]]:
    """Run an exchange reader on TOML text (the readers read files; the name stays in problems)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(file_name).name or "table.toml")
        path.write_text(text, encoding="utf-8")
        return reader(path)


def rate_table(record: RateTableRecord) -> RateTable:
    table, problems = parse_toml(record.toml_text, record.file_name, read_rate_table)
    if table is None:  # stored tables were read without problems when uploaded
        raise ValueError(f"stored rate table {record.code} no longer reads: {problems}")
    return table


def fee_table(record: FeeTableRecord) -> FeeTable:
    table, problems = parse_toml(record.toml_text, record.file_name, read_fee_table)
    if table is None:
        raise ValueError(f"stored fee table {record.code} no longer reads: {problems}")
    return table


def rate_tables(territory: Territory) -> list[tuple[RateTableRecord, RateTable]]:
    return [
        (r, rate_table(r))
        for r in RateTableRecord.objects.filter(territory=territory).order_by(
            "scheme", "valid_from"
        )
    ]


# --------------------------------------------------------------------------- registry → engine


def schedule_hours(slots: Any) -> tuple[Fraction | None, int | None]:
    """(longest day in hours, number of distinct weekdays) of a weekly schedule."""
    try:
        parsed = parse_slots(slots or [])
    except ValueError:
        return None, None
    minutes: dict[int, int] = defaultdict(int)
    for slot in parsed:
        minutes[slot.weekday] += slot.end - slot.start
    if not minutes:
        return None, None
    return Fraction(max(minutes.values()), 60), len(minutes)


def to_contract(contract: CareContract, childminder: Childminder) -> Contract:
    daily, days = schedule_hours(contract.slots)
    return Contract(
        contract_id=str(contract.pk),
        childminder_id=str(childminder.pk),
        child_id=contract.child_reference,
        funded_from=contract.valid_from,
        funded_to=contract.valid_to,
        weekly_hours=Fraction(Decimal(contract.weekly_hours)),
        care_location=LOCATIONS[childminder.care_location],
        daily_hours=daily,
        days_per_week=days,
        stage=childminder.experience_group.strip() or None,
        settling_in_from=contract.settling_in_from,
        settling_in_to=contract.settling_in_to,
        funded=contract.funded,
        scheme=contract.rate_scheme.strip() or None,
        supplements=frozenset(contract.supplements or ()),
    )


def registry_contracts(territory: Territory) -> list[Contract]:
    rows = CareContract.objects.filter(childminder__territory=territory).select_related(
        "childminder"
    )
    return [to_contract(c, c.childminder) for c in rows.order_by("pk")]


def insurance_proofs(territory: Territory) -> list[InsuranceProof]:
    return [
        InsuranceProof(
            childminder_id=str(p.childminder_id),
            kind=InsuranceKind(p.kind),
            monthly_amount=Fraction(p.monthly_amount_cents, 100),
            valid_from=p.valid_from,
            valid_to=p.valid_to,
        )
        for p in InsuranceProofRecord.objects.filter(childminder__territory=territory).order_by(
            "pk"
        )
    ]


def released_runs_before(territory: Territory, month: str) -> QuerySet[PaymentRun]:
    return PaymentRun.objects.filter(
        territory=territory, status=PaymentRun.RELEASED, month__lt=month
    ).order_by("month")


def to_domain_lines(
    lines: Iterable[PaymentLineRecord], month_of: dict[int, str]
) -> list[PaymentLine]:
    return [
        PaymentLine(
            month=month_of[line.run_id],
            childminder_id=str(line.childminder_id),
            child_id=line.child_reference or None,
            component=line.component,
            quantity=Fraction(line.quantity),
            unit=LineUnit(line.unit),
            rate=Fraction(line.rate),
            amount_cents=line.amount_cents,
            table=line.table_code,
            note=line.note,
            contract_id=line.contract_id or None,
            corrects_month=line.corrects_month or None,
            notes=line_notes(line) or (),
        )
        for line in lines
    ]


def notes_json(notes: Iterable[LineNote]) -> list[dict[str, Any]]:
    """A line's notes as :attr:`PaymentLineRecord.notes` stores them."""
    return [{"code": note.code.value, "params": note.values} for note in notes]


def line_notes(line: PaymentLineRecord) -> tuple[LineNote, ...] | None:
    """The stored line's notes as codes (``None``: a line stored before notes had codes)."""
    if line.notes is None:
        return None
    return tuple(
        LineNote(NoteCode(note["code"]), tuple(note["params"].items())) for note in line.notes
    )


def previous_lines(territory: Territory, month: str) -> tuple[list[int], list[PaymentLine]]:
    """The released runs before ``month`` and all their lines (corrections included)."""
    runs = list(released_runs_before(territory, month))
    month_of = {r.pk: r.month for r in runs}
    lines = PaymentLineRecord.objects.filter(run__in=runs).order_by("run_id", "position")
    return [r.pk for r in runs], to_domain_lines(lines, month_of)


def contract_json(c: Contract) -> dict[str, Any]:
    def text(value: Any) -> Any:
        if isinstance(value, Fraction):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return {
        "contract_id": c.contract_id,
        "childminder_id": c.childminder_id,
        "child_id": c.child_id,
        "from": text(c.funded_from),
        "to": text(c.funded_to),
        "weekly_hours": text(c.weekly_hours),
        "daily_hours": text(c.daily_hours),
        "days_per_week": c.days_per_week,
        "care_location": c.care_location.value,
        "stage": c.stage,
        "settling_in_from": text(c.settling_in_from),
        "settling_in_to": text(c.settling_in_to),
        "funded": c.funded,
        "scheme": c.scheme,
        "supplements": sorted(c.supplements),
    }


def registry_absences(territory: Territory, month: str) -> tuple[Absence, ...]:
    """The childminders' absences reported in the substitutes app, from 1 January of the month's
    year to its last day: they count against the yearly quota of the rate table (what happens
    beyond it is the table's rule)."""
    last = month_bounds(month)[1]
    first = dt.date(last.year, 1, 1)
    rows = AbsenceRecord.objects.filter(
        childminder__territory=territory, start__lte=last, end__gte=first
    ).order_by("start", "pk")
    return tuple(
        Absence(str(row.childminder_id), max(row.start, first), min(row.end, last)) for row in rows
    )
