"""Who sees which run and statement, and the registry as the payment engine's inputs.

- The payment office and administrators see and do everything (upload tables, compute, release,
  exports).
- Advisers (Fachberatung) see the statements of released runs for the childminders of their
  advisory services (:func:`kitaplan.web.childminding.selectors.childminders_visible_to`).
- A childminder sees only her own statements of released runs.

**Registry → engine.** A :class:`CareContract` becomes a domain :class:`Contract`: the pay stage
is the childminder's ``experience_group``, the care location hers (a group practice is care in
rented rooms), the daily hours are the longest day of the weekly schedule and the days per week
the number of distinct weekdays in it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from django.db.models import QuerySet

from kitaplan.domain.childminding.capacity import parse_slots
from kitaplan.domain.childminding.payments import (
    Absence,
    Contract,
    InsuranceKind,
    InsuranceProof,
    LineUnit,
    PaymentLine,
)
from kitaplan.domain.childminding.payments_rules import CareLocation, FeeTable, RateTable
from kitaplan.domain.common.problems import ImportProblem
from kitaplan.exchange.childminding_payments import read_fee_table, read_rate_table
from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.access import has_any_role, roles_of
from kitaplan.web.core.roles import Role
from kitaplan.web.payments.models import (
    FeeTableRecord,
    InsuranceProofRecord,
    PaymentLineRecord,
    PaymentRun,
    RateTableRecord,
)
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


def can_manage(user: Any) -> bool:
    """Upload tables, compute and release runs, export: the payment office and administrators."""
    return has_any_role(user, OFFICE)


def can_use_payments(user: Any) -> bool:
    """See the payments pages at all (runs or at least one's own or advised statements)."""
    return has_any_role(user, READERS)


def runs_visible_to(user: Any) -> QuerySet[PaymentRun]:
    if can_manage(user):
        return PaymentRun.objects.all()
    if has_any_role(user, {Role.CHILDMINDER_ADVISER, Role.CHILDMINDER}):
        return PaymentRun.objects.filter(status=PaymentRun.RELEASED)
    return PaymentRun.objects.none()


def statement_childminders(user: Any, run: PaymentRun) -> QuerySet[Childminder]:
    """The childminders whose statement of ``run`` the user may open."""
    if not runs_visible_to(user).filter(pk=run.pk).exists():
        return Childminder.objects.none()
    if can_manage(user):
        return Childminder.objects.filter(territory_id=run.territory_id)
    return childminders_visible_to(user).filter(territory_id=run.territory_id)


def own_statements(user: Any) -> list[tuple[PaymentRun, Childminder]]:
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


def is_childminder_only(user: Any) -> bool:
    return roles_of(user) == frozenset({Role.CHILDMINDER})


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
        )
        for line in lines
    ]


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
    }


def registry_absences(territory: Territory, month: str) -> tuple[Absence, ...]:
    """The childminders' absences reported in the substitutes app, from 1 January of the month's
    year to its last day: they count against the yearly quota of the rate table (what happens
    beyond it is the table's rule)."""
    from kitaplan.web.substitutes.models import Absence as AbsenceRecord

    year, number = (int(part) for part in month.split("-"))
    first = dt.date(year, 1, 1)
    last = (dt.date(year + number // 12, number % 12 + 1, 1)) - dt.timedelta(days=1)
    rows = AbsenceRecord.objects.filter(
        childminder__territory=territory, start__lte=last, end__gte=first
    ).order_by("start", "pk")
    return tuple(
        Absence(str(row.childminder_id), max(row.start, first), min(row.end, last)) for row in rows
    )
