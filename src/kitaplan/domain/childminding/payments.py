"""The monthly payment to childminders (de: laufende Geldleistung, § 23 SGB VIII).

:func:`compute_month` applies dated :class:`RateTable` versions (rules in
:mod:`kitaplan.domain.childminding.payments_rules`) to care contracts and returns one
:class:`PaymentLine` per childminder, child, component and table version, plus childminder-level
insurance lines and correction lines for earlier, released months. Model, rounding and
pro-rata rules: ``docs/domain/childminding-payments.md``.

1. **Days.** A contract is paid for the days of the month inside its funded period. Each day is
   paid under the table version of the contract's scheme valid on that day, so a table change
   mid-month splits the month; days beyond the childminder's yearly absence quota are dropped
   when the table says pay ``stops`` there. The days paid under one version become a share of
   the month by that version's pro-rata rule (calendar days, 30-day month, working days).
2. **Full-month quantity × rate.** The hours rule turns granted weekly hours into billed hours
   (exact, 5-h band top, corridor top) × ``weeks_per_month``, or into a class (daily-hours
   class, care scope) that picks a monthly amount. The rate is the most specific one matching
   the stage, care location and class.
3. **Lines.** quantity = full-month quantity × share; amount = quantity × rate, rounded by the
   component's rounding (half up to the cent by default). A ``percent`` component is a
   percentage of its base component's *rounded* line amount. ``amount_cents`` always equals
   the rounded ``quantity × rate`` of its own line, so every line can be recomputed alone.
4. **Insurance** (childminder level, no child): proven monthly contributions × the share of the
   month the proof is valid × the childminder's funded share (children with a contract funded
   by this Jugendamt / all children with a contract of that childminder in the month) × the
   legal share (accident 1, pension ½, health and care ½).
5. **Corrections.** Released months are never rewritten: for each earlier month found in
   ``previous_lines`` the month is recomputed with today's inputs and every difference per
   (childminder, child, component) becomes one correction line of this run naming that month.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from kitaplan.domain.childminding.payments_rules import (
    AbsenceBeyond,
    CareLocation,
    Component,
    RateTable,
    RateUnit,
    Rounding,
    SettlingInMode,
    billed_hours,
    day_factor,
)
from kitaplan.domain.common.calendar import month_key, parse_month
from kitaplan.domain.common.money import plain_euros
from kitaplan.domain.common.problems import Expectation, ExpectationCode

__all__ = [
    "Absence",
    "Contract",
    "InsuranceKind",
    "InsuranceProof",
    "IssueCode",
    "LineNote",
    "LineUnit",
    "MonthResult",
    "NoteCode",
    "PaymentIssue",
    "PaymentLine",
    "compute_month",
    "corrections",
    "format_exact",
    "month_key",
    "parse_month",
]


@dataclass(frozen=True, slots=True)
class Contract:
    """A care contract (Betreuungsvertrag / Bewilligung) of one child with one childminder.

    ``funded`` is False for children the childminder cares for without funding by this
    Jugendamt (other Jugendamt, private): they get no lines but lower the insurance share.
    ``supplements`` are marks such as ``inclusion`` that components may require. ``scheme``
    picks the rate-table series; it may be left out when only one scheme is loaded.
    """

    contract_id: str
    childminder_id: str
    child_id: str
    funded_from: date
    funded_to: date | None
    weekly_hours: Fraction
    care_location: CareLocation
    daily_hours: Fraction | None = None
    days_per_week: int | None = None
    stage: str | None = None
    training_units: int | None = None
    settling_in_from: date | None = None
    settling_in_to: date | None = None
    funded: bool = True
    scheme: str | None = None
    supplements: frozenset[str] = frozenset()

    @property
    def effective_daily_hours(self) -> Fraction | None:
        if self.daily_hours is not None:
            return self.daily_hours
        if self.days_per_week:
            return self.weekly_hours / self.days_per_week
        return None


class InsuranceKind(StrEnum):
    ACCIDENT = "accident"  # Unfallversicherung: reimbursed in full
    PENSION = "pension"  # Alterssicherung: half
    HEALTH_CARE = "health_care"  # Kranken- und Pflegeversicherung: half


@dataclass(frozen=True, slots=True)
class InsuranceProof:
    """A proven monthly contribution of a childminder (exact euros), valid for a period."""

    childminder_id: str
    kind: InsuranceKind
    monthly_amount: Fraction
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class Absence:
    """A childminder absence (illness, vacation, training), ``start``–``end`` inclusive.

    Mondays to Fridays count against the yearly quota, in date order from 1 January.
    """

    childminder_id: str
    start: date
    end: date


class NoteCode(StrEnum):
    """What a note on a line says; the parameters each code has are in :data:`NOTE_TRACES`."""

    WEEKLY_HOURS = "weekly_hours"  # granted weekly hours → billed weekly hours × weeks a month
    HOURS_CLASS = "hours_class"  # the hours class that picked a monthly amount
    PERCENT_OF = "percent_of"  # a percentage of another component's line
    PRO_RATA = "pro_rata"  # a part of the month (days, by the table's pro-rata rule)
    ABSENCE_UNPAID = "absence_beyond_quota_unpaid"  # absence days beyond the quota, not paid
    ABSENCE_PAID = "absence_beyond_quota_paid"  # absence days beyond the quota, still paid
    ACTUAL_HOURS = "actual_hours"  # paid on the hours actually cared
    SETTLING_IN_FLAT = "settling_in_flat"
    SETTLING_IN_EXTRA_HOURS = "settling_in_extra_hours"
    SETTLING_IN_OPEN_PLACE = "settling_in_open_place"  # a place kept open before funding
    PROOF = "proof"  # a proven insurance contribution for the whole month
    PROOF_SHARE = "proof_share"  # a proven contribution for a part of the month
    FUNDED_SHARE = "funded_share"  # the share of children funded by this Jugendamt
    CORRECTION = "correction"  # a released month paid again: paid and due (cents)


#: The technical trace of each note (:attr:`PaymentLine.note`); the fields are its parameters.
NOTE_TRACES: dict[NoteCode, str] = {
    NoteCode.WEEKLY_HOURS: "{granted}->{billed} h/week x {weeks}",
    NoteCode.HOURS_CLASS: "class {hours_class}",
    NoteCode.PERCENT_OF: "{percent}% of {base}",
    NoteCode.PRO_RATA: "pro_rata {rule} {from_day}-{to_day}",
    NoteCode.ABSENCE_UNPAID: "absence_beyond_quota_unpaid {days} d",
    NoteCode.ABSENCE_PAID: "absence_beyond_quota_paid {days} d",
    NoteCode.ACTUAL_HOURS: "actual_hours {hours}",
    NoteCode.SETTLING_IN_FLAT: "settling_in flat",
    NoteCode.SETTLING_IN_EXTRA_HOURS: "settling_in extra_hours at the hourly rates",
    NoteCode.SETTLING_IN_OPEN_PLACE: "settling_in open_place {from_day}-{to_day}",
    NoteCode.PROOF: "proof {amount}",
    NoteCode.PROOF_SHARE: "proof {amount} x {share} ({rule} {from_day}-{to_day})",
    NoteCode.FUNDED_SHARE: "funded_share {funded}/{total} children",
    NoteCode.CORRECTION: "correction of {month}: paid {paid}, due {due}",
}


@dataclass(frozen=True, slots=True)
class LineNote:
    """One note on a line: a code and its parameters (exact numbers as :func:`format_exact`
    writes them, days of the month, codes; ``paid``/``due`` of a correction in cents)."""

    code: NoteCode
    params: tuple[tuple[str, str | int], ...] = ()

    @classmethod
    def of(cls, code: NoteCode, **params: str | int) -> LineNote:
        return cls(code, tuple(params.items()))

    @property
    def values(self) -> dict[str, str | int]:
        return dict(self.params)

    @property
    def trace(self) -> str:
        values = self.values
        if self.code is NoteCode.CORRECTION:
            values = {
                **values,
                "paid": plain_euros(int(values["paid"])),
                "due": plain_euros(int(values["due"])),
            }
        return NOTE_TRACES[self.code].format(**values)


def trace(notes: Iterable[LineNote]) -> str:
    """The notes' technical trace, as :attr:`PaymentLine.note` keeps it."""
    return "; ".join(note.trace for note in notes)


class LineUnit(StrEnum):
    HOUR = "h"  # quantity = billed hours in the month, rate = euros per hour
    MONTH = "month"  # quantity = share of the month, rate = euros per month
    EURO = "eur"  # quantity = euros (a base amount or a proven contribution), rate = share
    FLAT = "flat"  # quantity = 1, rate = the flat amount
    CORRECTION = "correction"  # quantity = 1, rate = the difference in euros


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One printed line; ``amount_cents`` = ``quantity × rate`` rounded by the component's rule.

    ``month`` is the run the line belongs to; ``corrects_month`` is set on correction lines and
    names the released month they correct. ``child_id`` is ``None`` for childminder-level lines
    (insurance). ``notes`` say how the line came about as codes with parameters (the web and
    the CLI word them); ``note`` is their technical trace (:attr:`LineNote.trace`, ``; ``
    between notes), kept with the line in files and records. Lines read back from a file have
    only the trace, so ``notes`` take no part in comparisons.
    """

    month: str
    childminder_id: str
    child_id: str | None
    component: str
    quantity: Fraction
    unit: LineUnit
    rate: Fraction
    amount_cents: int
    table: str
    note: str = ""
    contract_id: str | None = None
    corrects_month: str | None = None
    notes: tuple[LineNote, ...] = field(default=(), compare=False)

    @property
    def pays_for(self) -> str:
        """The month whose payment this line is part of."""
        return self.corrects_month or self.month

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.childminder_id, self.child_id or "", self.component)


class IssueCode(StrEnum):
    UNKNOWN_SCHEME = "unknown_scheme"
    AMBIGUOUS_SCHEME = "ambiguous_scheme"
    NO_TABLE = "no_table"
    HOURS_NOT_COVERED = "hours_not_covered"
    NO_RATE = "no_rate"
    UNKNOWN_STAGE = "unknown_stage"
    DAILY_HOURS_MISSING = "daily_hours_missing"


#: What the engine expected instead, per issue (the issue's parameters are the expectation's).
ISSUE_EXPECTATIONS: dict[IssueCode, ExpectationCode] = {
    IssueCode.UNKNOWN_SCHEME: ExpectationCode.RATE_TABLE_SCHEME,  # schemes
    IssueCode.AMBIGUOUS_SCHEME: ExpectationCode.SCHEME_OF_SEVERAL,  # schemes
    IssueCode.NO_TABLE: ExpectationCode.SCHEME_DAYS,  # scheme
    IssueCode.HOURS_NOT_COVERED: ExpectationCode.TABLE_HOURS_CLASS,  # table
    IssueCode.NO_RATE: ExpectationCode.COMPONENT_RATE,  # component, table
    IssueCode.UNKNOWN_STAGE: ExpectationCode.TABLE_STAGE,  # table
    IssueCode.DAILY_HOURS_MISSING: ExpectationCode.DAILY_HOURS,
}


@dataclass(frozen=True, slots=True)
class PaymentIssue:
    """Why (part of) a contract could not be paid: code, contract, field, value, and the
    parameters of what was expected (:attr:`expected`, worded by the web and the CLI)."""

    code: IssueCode
    contract_id: str
    field: str
    value: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def values(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def expected(self) -> Expectation:
        """What was expected: the code of :data:`ISSUE_EXPECTATIONS` with the parameters."""
        return Expectation.of(ISSUE_EXPECTATIONS[self.code], **self.values)


@dataclass(frozen=True, slots=True)
class MonthResult:
    """A run: its month, lines (regular lines first, then corrections) and issues.

    A released result is frozen: later changes only ever show up as correction lines of a later
    run (pass the released lines as ``previous_lines`` of :func:`compute_month`).
    """

    month: str
    lines: tuple[PaymentLine, ...]
    issues: tuple[PaymentIssue, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def totals_by_childminder(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for line in self.lines:
            totals[line.childminder_id] += line.amount_cents
        return dict(totals)


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True, slots=True)
class _Part:
    """A component's full-month quantity and rate for one contract under one table."""

    component: Component
    quantity: Fraction
    unit: LineUnit
    rate: Fraction
    notes: tuple[LineNote, ...]


_FullMonth = tuple[tuple[_Part, ...], tuple[PaymentIssue, ...]]
_Parts = Callable[[RateTable, Contract], tuple[_Part, ...] | None]


def format_exact(value: Fraction) -> str:
    """A decimal when it ends (``151.2``), else ``n/d`` (``416/3``): exact either way."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    if places == 0:
        return str(value.numerator)
    text = f"{abs((value * 10**places).numerator):0{places + 1}d}"
    sign = "-" if value < 0 else ""
    return f"{sign}{text[:-places]}.{text[-places:]}"


_fmt = format_exact


def _full_month(table: RateTable, contract: Contract) -> _FullMonth:
    """Quantity and rate of every component for a whole month (cache key: the inputs used)."""
    issues: list[PaymentIssue] = []
    cid = contract.contract_id
    stage = table.stage_for(contract.stage, contract.training_units)
    if stage is not None and table.stages and stage not in {s.code for s in table.stages}:
        issues.append(
            PaymentIssue(IssueCode.UNKNOWN_STAGE, cid, "stage", stage, (("table", table.code),))
        )
        return (), tuple(issues)
    daily = contract.effective_daily_hours
    weekly, hours_class, covered = billed_hours(table.hours_rule, contract.weekly_hours, daily)
    if not covered:
        daily_rule = type(table.hours_rule).__name__ == "MonthlyByDailyHours"
        if daily_rule and daily is None:
            issues.append(PaymentIssue(IssueCode.DAILY_HOURS_MISSING, cid, "daily_hours", ""))
        else:
            issues.append(
                PaymentIssue(
                    IssueCode.HOURS_NOT_COVERED,
                    cid,
                    "daily_hours" if daily_rule else "weekly_hours",
                    _fmt(daily if daily_rule and daily is not None else contract.weekly_hours),
                    (("table", table.code),),
                )
            )
        return (), tuple(issues)
    parts: list[_Part] = []
    for comp in table.components:
        if comp.requires is not None and comp.requires not in contract.supplements:
            continue
        rate = comp.rate_for(stage, contract.care_location, hours_class)
        if rate is None:
            if not comp.optional:
                issues.append(
                    PaymentIssue(
                        IssueCode.NO_RATE,
                        cid,
                        "stage",
                        f"{stage or ''}/{contract.care_location.value}/{hours_class or ''}",
                        (("component", comp.code), ("table", table.code)),
                    )
                )
            continue
        if comp.unit is RateUnit.HOUR:
            assert weekly is not None and table.weeks_per_month is not None
            note = LineNote.of(
                NoteCode.WEEKLY_HOURS,
                granted=_fmt(contract.weekly_hours),
                billed=_fmt(weekly),
                weeks=str(table.weeks_per_month),
            )
            parts.append(_Part(comp, weekly * table.weeks_per_month, LineUnit.HOUR, rate, (note,)))
        elif comp.unit is RateUnit.MONTH:
            notes = (
                (LineNote.of(NoteCode.HOURS_CLASS, hours_class=hours_class),) if hours_class else ()
            )
            parts.append(_Part(comp, Fraction(1), LineUnit.MONTH, rate, notes))
        else:
            note = LineNote.of(NoteCode.PERCENT_OF, percent=_fmt(rate), base=str(comp.base))
            parts.append(_Part(comp, Fraction(0), LineUnit.EURO, rate / 100, (note,)))
    return tuple(parts), tuple(issues)


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


class _Scheme:
    """The versions of one scheme, sorted, with the day-by-day lookup for one month."""

    def __init__(self, versions: Sequence[RateTable]) -> None:
        self.versions = sorted(versions, key=lambda t: t.valid_from)

    def segments(self, start: date, end: date) -> list[tuple[RateTable | None, date, date]]:
        """Split ``start``–``end`` into runs of days under one version (``None``: no version)."""
        result: list[tuple[RateTable | None, date, date]] = []
        day = start
        while day <= end:
            table = next((t for t in self.versions if t.valid_on(day)), None)
            if table is not None:
                stop = end if table.valid_to is None else min(end, table.valid_to)
            else:
                later = [t.valid_from for t in self.versions if t.valid_from > day]
                stop = min([end] + [d - timedelta(days=1) for d in later])
            result.append((table, day, stop))
            day = stop + timedelta(days=1)
        return result

    def on(self, day: date) -> RateTable | None:
        return next((t for t in self.versions if t.valid_on(day)), None)


def _unpaid_absence_days(
    scheme: _Scheme, absences: Sequence[Absence], year: int, month: int
) -> tuple[set[int], int]:
    """Days of the month not paid (beyond quota, pay stops) and days beyond quota still paid."""
    days: set[date] = set()
    for absence in absences:
        start = max(absence.start, date(year, 1, 1))
        end = min(absence.end, date(year, 12, 31))
        days.update(d for d in _days(start, end) if d.weekday() < 5)
    unpaid: set[int] = set()
    paid_beyond = 0
    for count, day in enumerate(sorted(days), start=1):
        if day.month != month:
            continue
        table = scheme.on(day)
        if table is None or table.absence.quota_days is None or count <= table.absence.quota_days:
            continue
        if table.absence.beyond is AbsenceBeyond.STOPS:
            unpaid.add(day.day)
        else:
            paid_beyond += 1
    return unpaid, paid_beyond


# --------------------------------------------------------------------------- the run


def compute_month(
    tables: Sequence[RateTable],
    contracts: Sequence[Contract],
    month: str,
    *,
    insurance: Sequence[InsuranceProof] = (),
    absences: Sequence[Absence] = (),
    previous_lines: Sequence[PaymentLine] = (),
    actual_hours: Mapping[tuple[str, str], Fraction] | None = None,
) -> MonthResult:
    """Compute the run for ``month`` (``YYYY-MM``); see the module doc for the steps.

    ``actual_hours`` maps (contract_id, month) to the hours actually cared in that month: for
    such a contract and month, hourly components are paid on those hours instead of the granted
    weekly hours × weeks per month (settlement after a run in advance). Recomputing a released
    month with actual hours yields its settlement as correction lines.
    """
    year, mon = parse_month(month)
    key = month_key(year, mon)
    first = date(year, mon, 1)
    last = date(year, mon, calendar.monthrange(year, mon)[1])
    schemes_by_code: dict[str, list[RateTable]] = defaultdict(list)
    for rate_table in tables:
        schemes_by_code[rate_table.scheme].append(rate_table)
    schemes = {code: _Scheme(v) for code, v in schemes_by_code.items()}
    lines: list[PaymentLine] = []
    issues: list[PaymentIssue] = []
    cache: dict[tuple[object, ...], _FullMonth] = {}
    absences_by_cm: dict[str, list[Absence]] = defaultdict(list)
    for absence in absences:
        if absence.start <= date(year, 12, 31) and absence.end >= date(year, 1, 1):
            absences_by_cm[absence.childminder_id].append(absence)
    unpaid_cache: dict[tuple[str, str], tuple[set[int], int]] = {}
    all_children: dict[str, set[str]] = defaultdict(set)
    funded_children: dict[str, set[str]] = defaultdict(set)
    cm_scheme: dict[str, _Scheme] = {}

    def scheme_of(contract: Contract) -> tuple[str, _Scheme] | None:
        if contract.scheme is not None:
            found = schemes.get(contract.scheme)
            if found is None:
                issues.append(
                    PaymentIssue(
                        IssueCode.UNKNOWN_SCHEME,
                        contract.contract_id,
                        "scheme",
                        contract.scheme,
                        (("schemes", ", ".join(sorted(schemes))),),
                    )
                )
                return None
            return contract.scheme, found
        if len(schemes) == 1:
            return next(iter(schemes.items()))
        issues.append(
            PaymentIssue(
                IssueCode.AMBIGUOUS_SCHEME,
                contract.contract_id,
                "scheme",
                "",
                (("schemes", ", ".join(sorted(schemes))),),
            )
        )
        return None

    def full(table: RateTable, contract: Contract) -> _FullMonth:
        cache_key = (
            id(table),
            contract.weekly_hours,
            contract.effective_daily_hours,
            contract.stage,
            contract.training_units,
            contract.care_location,
            contract.supplements,
        )
        found = cache.get(cache_key)
        if found is None:
            found = cache[cache_key] = _full_month(table, contract)
        return found

    def own_issues(found: _FullMonth, contract: Contract) -> tuple[_Part, ...] | None:
        if found[1]:
            issues.extend(replace(i, contract_id=contract.contract_id) for i in found[1])
            return None
        return found[0]

    for contract in contracts:
        start = max(first, contract.funded_from)
        end = last if contract.funded_to is None else min(last, contract.funded_to)
        active = start <= end
        if active:
            all_children[contract.childminder_id].add(contract.child_id)
        if not contract.funded:
            continue
        settling_days = _settling_open_days(contract, first, last)
        settling_start = contract.settling_in_from
        if (
            not active
            and not settling_days
            and not (settling_start and first <= settling_start <= last)
        ):
            continue
        resolved = scheme_of(contract)
        if resolved is None:
            continue
        scheme_code, scheme = resolved
        if active:
            funded_children[contract.childminder_id].add(contract.child_id)
            cm_scheme.setdefault(contract.childminder_id, scheme)
        cm = contract.childminder_id
        if (cm, scheme_code) not in unpaid_cache:
            unpaid_cache[(cm, scheme_code)] = _unpaid_absence_days(
                scheme, absences_by_cm.get(cm, ()), year, mon
            )
        unpaid, paid_beyond = unpaid_cache[(cm, scheme_code)]
        actual = None if actual_hours is None else actual_hours.get((contract.contract_id, key))
        segments = scheme.segments(start, end) if active else []
        shares: list[tuple[RateTable, Fraction, tuple[_Part, ...], tuple[LineNote, ...]]] = []
        for table, seg_start, seg_end in segments:
            if table is None:
                issues.append(
                    PaymentIssue(
                        IssueCode.NO_TABLE,
                        contract.contract_id,
                        "from",
                        f"{seg_start}..{seg_end}",
                        (("scheme", scheme_code),),
                    )
                )
                continue
            parts = own_issues(full(table, contract), contract)
            if parts is None:
                continue
            whole = seg_start == first and seg_end == last and not unpaid
            if whole:
                share = Fraction(1)
            else:
                days = set(range(seg_start.day, seg_end.day + 1)) - unpaid
                share = day_factor(table.pro_rata, year, mon, days)
            notes: list[LineNote] = []
            if not whole:
                notes.append(
                    LineNote.of(
                        NoteCode.PRO_RATA,
                        rule=table.pro_rata.value,
                        from_day=seg_start.day,
                        to_day=seg_end.day,
                    )
                )
            absent = len(set(range(seg_start.day, seg_end.day + 1)) & unpaid)
            if absent:
                notes.append(LineNote.of(NoteCode.ABSENCE_UNPAID, days=absent))
            if paid_beyond:
                notes.append(LineNote.of(NoteCode.ABSENCE_PAID, days=paid_beyond))
            shares.append((table, share, parts, tuple(notes)))
        share_sum = sum((s for _, s, _, _ in shares), Fraction(0))
        for table, share, parts, segment_notes in shares:
            rounded: dict[str, int] = {}
            made: dict[str, PaymentLine] = {}
            ordered = [p for p in parts if p.unit is not LineUnit.EURO]
            ordered += [p for p in parts if p.unit is LineUnit.EURO]
            for part in ordered:
                comp = part.component
                line_notes = part.notes
                if part.unit is LineUnit.EURO:
                    quantity = Fraction(rounded.get(comp.base or "", 0), 100)
                elif part.unit is LineUnit.HOUR and actual is not None:
                    quantity = actual * share / share_sum if share_sum else Fraction(0)
                    line_notes = (LineNote.of(NoteCode.ACTUAL_HOURS, hours=_fmt(actual)),)
                else:
                    quantity = part.quantity * share
                amount = comp.rounding.cents(quantity * part.rate)
                rounded[comp.code] = amount
                made[comp.code] = PaymentLine(
                    key,
                    cm,
                    contract.child_id,
                    comp.code,
                    quantity,
                    part.unit,
                    part.rate,
                    amount,
                    table.code,
                    trace(line_notes + segment_notes),
                    contract.contract_id,
                    notes=line_notes + segment_notes,
                )
            lines.extend(made[p.component.code] for p in parts)
        lines.extend(
            _settling_in_lines(
                key,
                contract,
                scheme,
                first,
                last,
                settling_days,
                lambda t, c: own_issues(full(t, c), c),
            )
        )

    lines.extend(
        _insurance_lines(key, insurance, cm_scheme, funded_children, all_children, first, last)
    )
    regular_count = len(lines)
    by_month: dict[str, list[PaymentLine]] = defaultdict(list)
    for line in previous_lines:
        if line.pays_for < key:
            by_month[line.pays_for].append(line)
    for paid_month in sorted(by_month):
        again = compute_month(
            tables,
            contracts,
            paid_month,
            insurance=insurance,
            absences=absences,
            actual_hours=actual_hours,
        )
        lines.extend(corrections(by_month[paid_month], again.lines, run_month=key))
    assert all(line.amount_cents >= 0 for line in lines[:regular_count])
    return MonthResult(key, tuple(lines), tuple(issues))


def _settling_open_days(contract: Contract, first: date, last: date) -> set[int]:
    """Days of this month between settling-in start and the day before funding starts."""
    if contract.settling_in_from is None:
        return set()
    end = contract.funded_from - timedelta(days=1)
    if contract.settling_in_to is not None:
        end = min(end, contract.settling_in_to)
    start, end = max(first, contract.settling_in_from), min(last, end)
    return set(range(start.day, end.day + 1)) if start <= end else set()


def _settling_in_lines(
    key: str,
    contract: Contract,
    scheme: _Scheme,
    first: date,
    last: date,
    open_days: set[int],
    parts_of: _Parts,
) -> list[PaymentLine]:
    start = contract.settling_in_from
    table = None if start is None else scheme.on(start)
    if start is None or table is None:
        return []
    rule = table.settling_in
    in_month = first <= start <= last

    def line(
        quantity: Fraction, unit: LineUnit, rate: Fraction, note: LineNote
    ) -> list[PaymentLine]:
        return [
            PaymentLine(
                key,
                contract.childminder_id,
                contract.child_id,
                "settling_in",
                quantity,
                unit,
                rate,
                rule.rounding.cents(quantity * rate),
                table.code,
                note.trace,
                contract.contract_id,
                notes=(note,),
            )
        ]

    if rule.mode is SettlingInMode.FLAT and in_month:
        return line(Fraction(1), LineUnit.FLAT, rule.amount, LineNote(NoteCode.SETTLING_IN_FLAT))
    wanted_hours = rule.mode is SettlingInMode.EXTRA_HOURS and in_month
    wanted_place = rule.mode is SettlingInMode.OPEN_PLACE and bool(open_days)
    if not (wanted_hours or wanted_place):
        return []
    parts = parts_of(table, contract)
    if parts is None:
        return []
    if wanted_hours:
        rate = sum((p.rate for p in parts if p.unit is LineUnit.HOUR), Fraction(0))
        return line(rule.hours, LineUnit.HOUR, rate, LineNote(NoteCode.SETTLING_IN_EXTRA_HOURS))
    monthly = Fraction(0)
    exact: dict[str, Fraction] = {}
    for part in sorted(parts, key=lambda p: p.unit is LineUnit.EURO):
        if part.unit is LineUnit.EURO:
            value = exact.get(part.component.base or "", Fraction(0)) * part.rate
        else:
            value = part.quantity * part.rate
        exact[part.component.code] = value
        monthly += value
    share = day_factor(table.pro_rata, first.year, first.month, open_days)
    note = LineNote.of(
        NoteCode.SETTLING_IN_OPEN_PLACE, from_day=min(open_days), to_day=max(open_days)
    )
    return line(share, LineUnit.MONTH, monthly, note)


def _insurance_lines(
    key: str,
    proofs: Sequence[InsuranceProof],
    cm_scheme: Mapping[str, _Scheme],
    funded_children: Mapping[str, set[str]],
    all_children: Mapping[str, set[str]],
    first: date,
    last: date,
) -> list[PaymentLine]:
    grouped: dict[tuple[str, InsuranceKind], list[InsuranceProof]] = defaultdict(list)
    for proof in proofs:
        grouped[(proof.childminder_id, proof.kind)].append(proof)
    lines: list[PaymentLine] = []
    for (cm, kind), group in sorted(grouped.items(), key=lambda g: (g[0][0], g[0][1].value)):
        scheme = cm_scheme.get(cm)
        funded = len(funded_children.get(cm, ()))
        if scheme is None or not funded:
            continue
        table = scheme.on(last) or next(
            (t for t in reversed(scheme.versions) if t.valid_from <= last), None
        )
        if table is None:
            continue
        total = len(all_children[cm])
        children_share = Fraction(funded, total)
        proven = Fraction(0)
        notes: list[LineNote] = []
        for proof in sorted(group, key=lambda p: (p.valid_from, p.monthly_amount)):
            start = max(first, proof.valid_from)
            end = last if proof.valid_to is None else min(last, proof.valid_to)
            if start > end:
                continue
            if start == first and end == last:
                month_share = Fraction(1)
                notes.append(LineNote.of(NoteCode.PROOF, amount=_fmt(proof.monthly_amount)))
            else:
                month_share = day_factor(
                    table.pro_rata, first.year, first.month, range(start.day, end.day + 1)
                )
                notes.append(
                    LineNote.of(
                        NoteCode.PROOF_SHARE,
                        amount=_fmt(proof.monthly_amount),
                        share=_fmt(month_share),
                        rule=table.pro_rata.value,
                        from_day=start.day,
                        to_day=end.day,
                    )
                )
            proven += proof.monthly_amount * month_share
        if not notes:
            continue
        legal = getattr(table.insurance, kind.value)
        assert isinstance(legal, Fraction)
        quantity = proven * children_share
        if children_share != 1:
            notes.append(LineNote.of(NoteCode.FUNDED_SHARE, funded=funded, total=total))
        rounding: Rounding = table.insurance.rounding
        lines.append(
            PaymentLine(
                key,
                cm,
                None,
                f"insurance_{kind.value}",
                quantity,
                LineUnit.EURO,
                legal,
                rounding.cents(quantity * legal),
                table.code,
                trace(notes),
                notes=tuple(notes),
            )
        )
    return lines


def corrections(
    paid: Sequence[PaymentLine], recomputed: Sequence[PaymentLine], *, run_month: str
) -> list[PaymentLine]:
    """Correction lines for one released month, dated ``run_month``.

    ``paid`` are the lines that paid for that month so far (its released lines and earlier
    corrections of it); ``recomputed`` is the month computed again. One line per (childminder,
    child, component) whose sum differs, amount = recomputed − paid (may be negative).
    """
    months = {line.pays_for for line in paid} | {line.pays_for for line in recomputed}
    if len(months) != 1:
        raise ValueError(f"lines of one month expected, got {sorted(months)}")
    corrected = months.pop()
    if corrected >= run_month:
        raise ValueError("a correction belongs to a later run than the month it corrects")
    old: dict[tuple[str, str, str], int] = defaultdict(int)
    new: dict[tuple[str, str, str], int] = defaultdict(int)
    tables: dict[tuple[str, str, str], str] = {}
    for line in paid:
        old[line.key] += line.amount_cents
        tables.setdefault(line.key, line.table)
    for line in recomputed:
        new[line.key] += line.amount_cents
        tables[line.key] = line.table
    result: list[PaymentLine] = []
    for k in sorted(set(old) | set(new)):
        diff = new[k] - old[k]
        if diff == 0:
            continue
        note = LineNote.of(NoteCode.CORRECTION, month=corrected, paid=old[k], due=new[k])
        result.append(
            PaymentLine(
                run_month,
                k[0],
                k[1] or None,
                k[2],
                Fraction(1),
                LineUnit.CORRECTION,
                Fraction(diff, 100),
                diff,
                tables[k],
                note.trace,
                corrects_month=corrected,
                notes=(note,),
            )
        )
    return result
