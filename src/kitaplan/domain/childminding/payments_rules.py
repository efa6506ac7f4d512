"""Rate tables of the monthly payment to childminders and the parent-fee tables (the rules).

There is no national rate (§ 23 Abs. 2a SGB VIII): every Jugendamt sets its own amounts and its
own logic, so a :class:`RateTable` is data, dated (``valid_from``/``valid_to``) and sourced. The
engine that applies it is :mod:`kitaplan.domain.childminding.payments`; the file format is
:mod:`kitaplan.exchange.childminding_payments`; the model is explained in
``docs/domain/childminding-payments.md``.

Money is exact: amounts are :class:`fractions.Fraction` euros until a line is rounded to whole
cents by the :class:`Rounding` of its component (half up by default).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from fractions import Fraction

from kitaplan.domain.common.problems import Expectation
from kitaplan.domain.common.problems import ExpectationCode as _E

__all__ = [
    "AbsenceBeyond",
    "AbsenceRule",
    "Bands",
    "CareLocation",
    "CareScopes",
    "Component",
    "ComponentKind",
    "Corridors",
    "ExactHours",
    "FeeBasis",
    "FeeBracket",
    "FeeResult",
    "FeeTable",
    "HoursClass",
    "HoursRule",
    "InsuranceShares",
    "MonthlyByDailyHours",
    "ProRataRule",
    "Rate",
    "RateTable",
    "RateUnit",
    "Rounding",
    "RoundingMode",
    "SettlingInMode",
    "SettlingInRule",
    "Stage",
    "TableError",
    "billed_hours",
    "day_factor",
    "parent_fee",
    "table_errors",
]


class CareLocation(StrEnum):
    """Where the care happens (de: eigener Haushalt, angemietete Räume, Haushalt der Eltern)."""

    OWN_HOME = "own_home"
    RENTED_ROOMS = "rented_rooms"
    PARENTS_HOME = "parents_home"


class ComponentKind(StrEnum):
    """The parts § 23 Abs. 2 SGB VIII names; courts require them shown separately."""

    SACHAUFWAND = "sachaufwand"
    FOERDERLEISTUNG = "foerderleistung"
    SUPPLEMENT = "supplement"


class RateUnit(StrEnum):
    """What a rate is per: billed hour, month, or percent of another component's amount."""

    HOUR = "hour"
    MONTH = "month"
    PERCENT = "percent"


class RoundingMode(StrEnum):
    HALF_UP = "half_up"
    DOWN = "down"
    UP = "up"


@dataclass(frozen=True, slots=True)
class Rounding:
    """How one component's exact line amount becomes cents: ``mode`` to ``unit_cents`` (1 = cent).

    ``half_up`` rounds halves away from zero (kaufmännisch), ``down`` towards zero, ``up`` away
    from zero; negative amounts (corrections) are rounded symmetrically.
    """

    mode: RoundingMode = RoundingMode.HALF_UP
    unit_cents: int = 1

    def cents(self, euros: Fraction) -> int:
        units = abs(euros) * 100 / self.unit_cents
        if self.mode is RoundingMode.HALF_UP:
            whole = math.floor(units + Fraction(1, 2))
        elif self.mode is RoundingMode.DOWN:
            whole = math.floor(units)
        else:
            whole = math.ceil(units)
        return (-whole if euros < 0 else whole) * self.unit_cents


class ProRataRule(StrEnum):
    """How a part of a month is weighed (partial months, a table change mid-month, absences).

    * ``calendar_days``: paid days / days of the month.
    * ``days_30``: every month has 30 days (de: kaufmännischer Monat): day 31 counts nothing; in
      February the last day counts up to day 30.
    * ``working_days``: paid Mondays–Fridays / Mondays–Fridays of the month (no public holidays).
    """

    CALENDAR_DAYS = "calendar_days"
    DAYS_30 = "days_30"
    WORKING_DAYS = "working_days"


def day_factor(rule: ProRataRule, year: int, month: int, days: Iterable[int]) -> Fraction:
    """The share of month ``year-month`` that ``days`` (days of the month, 1-based) make up."""
    length = calendar.monthrange(year, month)[1]
    chosen = set(days)
    if rule is ProRataRule.CALENDAR_DAYS:
        return Fraction(len(chosen), length)
    if rule is ProRataRule.DAYS_30:
        counted = sum(1 for d in chosen if d <= 30)
        if length < 30 and length in chosen:
            counted += 30 - length
        return Fraction(counted, 30)
    first_weekday = calendar.monthrange(year, month)[0]
    working = {d for d in range(1, length + 1) if (first_weekday + d - 1) % 7 < 5}
    return Fraction(len(chosen & working), len(working))


# --------------------------------------------------------------------------- hours rules


@dataclass(frozen=True, slots=True)
class HoursClass:
    """An hours class: ``over < hours <= up_to`` (``up_to`` ``None`` = no upper limit)."""

    code: str
    over: Fraction
    up_to: Fraction | None

    def contains(self, hours: Fraction) -> bool:
        return hours > self.over and (self.up_to is None or hours <= self.up_to)


def _class_of(classes: Sequence[HoursClass], hours: Fraction) -> HoursClass | None:
    for hours_class in classes:
        if hours_class.contains(hours):
            return hours_class
    return None


@dataclass(frozen=True, slots=True)
class ExactHours:
    """The granted weekly hours as they are (BW 2009: 32 h × 52/12 × 3.90 €)."""


@dataclass(frozen=True, slots=True)
class Bands:
    """Fixed bands of ``width`` hours, paid at the band's top (NRW city: 5-h bands, 18 h → 20 h)."""

    width: Fraction


@dataclass(frozen=True, slots=True)
class Corridors:
    """Booking corridors paid at their top (Munich: 35–40 h, 36 h → 40 h); each needs ``up_to``."""

    corridors: tuple[HoursClass, ...]


@dataclass(frozen=True, slots=True)
class MonthlyByDailyHours:
    """Classes of daily care hours; components give monthly amounts per class (Dresden "9 h")."""

    classes: tuple[HoursClass, ...]


@dataclass(frozen=True, slots=True)
class CareScopes:
    """Care-scope categories by weekly hours (Berlin halbtags … ganztags erweitert); monthly."""

    classes: tuple[HoursClass, ...]


HoursRule = ExactHours | Bands | Corridors | MonthlyByDailyHours | CareScopes


def billed_hours(
    rule: HoursRule, weekly_hours: Fraction, daily_hours: Fraction | None
) -> tuple[Fraction | None, str | None, bool]:
    """Apply ``rule``: (billed weekly hours or ``None`` for class rules, class code, covered).

    ``covered`` is False when the hours fall in no band, corridor or class of the table.
    """
    if isinstance(rule, ExactHours):
        return weekly_hours, None, True
    if isinstance(rule, Bands):
        return math.ceil(weekly_hours / rule.width) * rule.width, None, True
    if isinstance(rule, Corridors):
        corridor = _class_of(rule.corridors, weekly_hours)
        if corridor is None or corridor.up_to is None:
            return None, None, False
        return corridor.up_to, corridor.code, True
    if isinstance(rule, MonthlyByDailyHours):
        found = None if daily_hours is None else _class_of(rule.classes, daily_hours)
        return None, (found.code if found else None), found is not None
    found = _class_of(rule.classes, weekly_hours)
    return None, (found.code if found else None), found is not None


# --------------------------------------------------------------------------- components


@dataclass(frozen=True, slots=True)
class Rate:
    """One amount of a component; ``None`` dimensions match anything, the most specific wins.

    ``amount`` is euros per hour (``hour``), euros per month (``month``) or a percentage such as
    20 for 20 % (``percent``).
    """

    amount: Fraction
    stage: str | None = None
    location: CareLocation | None = None
    hours_class: str | None = None

    def specificity(
        self, stage: str | None, location: CareLocation, hours_class: str | None
    ) -> int:
        """-1 when the rate does not apply, else the number of dimensions it names."""
        score = 0
        for mine, theirs in (
            (self.stage, stage),
            (self.location, location),
            (self.hours_class, hours_class),
        ):
            if mine is None:
                continue
            if mine != theirs:
                return -1
            score += 1
        return score


@dataclass(frozen=True, slots=True)
class Component:
    """One separately printed part of the payment (Sachaufwand, Förderleistung, a supplement).

    ``base`` names the component a ``percent`` component is a percentage of (of its rounded
    line amount, as printed). ``requires`` limits a supplement to contracts that carry that mark
    (e.g. ``inclusion``). Without a matching rate, a component that names a stage or a
    ``requires`` mark is simply not paid (a bonus for another stage); any other missing rate is
    an issue.
    """

    code: str
    kind: ComponentKind
    unit: RateUnit
    rates: tuple[Rate, ...]
    base: str | None = None
    requires: str | None = None
    rounding: Rounding = field(default_factory=Rounding)

    def rate_for(
        self, stage: str | None, location: CareLocation, hours_class: str | None
    ) -> Fraction | None:
        best: Rate | None = None
        best_score = -1
        for rate in self.rates:
            score = rate.specificity(stage, location, hours_class)
            if score > best_score:
                best, best_score = rate, score
        return None if best is None else best.amount

    @property
    def optional(self) -> bool:
        """Paid only where a rate matches (stage bonuses, marked supplements)."""
        return self.requires is not None or (
            self.kind is ComponentKind.SUPPLEMENT and all(r.stage is not None for r in self.rates)
        )


@dataclass(frozen=True, slots=True)
class Stage:
    """A qualification or experience stage; ``min_training_units`` derives it from training
    units (threshold, e.g. Stuttgart ≥ 70 UE) when a contract names no stage."""

    code: str
    min_training_units: int | None = None


class SettlingInMode(StrEnum):
    """How settling-in (Eingewöhnung) is paid."""

    NONE = "none"
    FLAT = "flat"  # one flat amount in the month settling-in starts
    EXTRA_HOURS = "extra_hours"  # extra hours at the contract's hourly rates, same month
    OPEN_PLACE = "open_place"  # the place is paid for the settling-in days before funding starts


@dataclass(frozen=True, slots=True)
class SettlingInRule:
    mode: SettlingInMode = SettlingInMode.NONE
    amount: Fraction = Fraction(0)
    hours: Fraction = Fraction(0)
    rounding: Rounding = field(default_factory=Rounding)


class AbsenceBeyond(StrEnum):
    """What happens on childminder absence days beyond the yearly quota."""

    CONTINUES = "continues"  # pay continues (the line is marked)
    STOPS = "stops"  # those days are not paid (pro rata by the table's rule)


@dataclass(frozen=True, slots=True)
class AbsenceRule:
    """Paid absence days (Mon–Fri) of the childminder per calendar year; ``None`` = no quota."""

    quota_days: int | None = None
    beyond: AbsenceBeyond = AbsenceBeyond.CONTINUES


@dataclass(frozen=True, slots=True)
class InsuranceShares:
    """Shares of proven contributions reimbursed (§ 23 Abs. 2 Nr. 3–4 SGB VIII)."""

    accident: Fraction = Fraction(1)
    pension: Fraction = Fraction(1, 2)
    health_care: Fraction = Fraction(1, 2)
    rounding: Rounding = field(default_factory=Rounding)


@dataclass(frozen=True, slots=True)
class RateTable:
    """One dated version of a Jugendamt's payment rules.

    ``scheme`` names the series (one Jugendamt's rules), ``code`` this version; versions of one
    scheme must not overlap. ``weeks_per_month`` (52/12, 21/5 …) is needed by hourly components.
    """

    scheme: str
    code: str
    name: str
    valid_from: date
    valid_to: date | None
    source: str
    hours_rule: HoursRule
    components: tuple[Component, ...]
    weeks_per_month: Fraction | None = None
    stages: tuple[Stage, ...] = ()
    settling_in: SettlingInRule = field(default_factory=SettlingInRule)
    absence: AbsenceRule = field(default_factory=AbsenceRule)
    pro_rata: ProRataRule = ProRataRule.CALENDAR_DAYS
    insurance: InsuranceShares = field(default_factory=InsuranceShares)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def stage_for(self, stage: str | None, training_units: int | None) -> str | None:
        """The given stage, else the highest threshold stage the training units reach."""
        if stage is not None or training_units is None:
            return stage
        reached = [
            s
            for s in self.stages
            if s.min_training_units is not None and training_units >= s.min_training_units
        ]
        return max(reached, key=lambda s: s.min_training_units or 0).code if reached else None


@dataclass(frozen=True, slots=True)
class TableError:
    """A structural error in a rate table: where (dotted path), the value, what was expected
    (a code with parameters; the web and the CLI word it)."""

    path: str
    value: str
    expected: Expectation


_x = Expectation.of


def table_errors(table: RateTable) -> list[TableError]:
    """Everything that makes ``table`` unusable (the exchange layer reports these)."""
    errors: list[TableError] = []
    if table.valid_to is not None and table.valid_to < table.valid_from:
        errors.append(
            TableError(
                "valid_to", str(table.valid_to), _x(_E.NOT_BEFORE_COLUMN, column="valid_from")
            )
        )
    class_rule = isinstance(table.hours_rule, MonthlyByDailyHours | CareScopes)
    classes: tuple[HoursClass, ...] = ()
    if isinstance(table.hours_rule, Corridors):
        classes = table.hours_rule.corridors
    elif isinstance(table.hours_rule, MonthlyByDailyHours | CareScopes):
        classes = table.hours_rule.classes
    if isinstance(table.hours_rule, Bands) and table.hours_rule.width <= 0:
        errors.append(
            TableError("hours.width", str(table.hours_rule.width), _x(_E.NUMBER_POSITIVE))
        )
    for i, hc in enumerate(classes):
        if hc.up_to is not None and hc.up_to <= hc.over:
            errors.append(TableError(f"hours.classes[{i + 1}]", hc.code, _x(_E.UP_TO_ABOVE_OVER)))
        if isinstance(table.hours_rule, Corridors) and hc.up_to is None:
            errors.append(TableError(f"hours.classes[{i + 1}].up_to", "", _x(_E.CORRIDOR_TOP)))
        for j, other in enumerate(classes[:i]):
            lo = max(hc.over, other.over)
            hi_values = [x for x in (hc.up_to, other.up_to) if x is not None]
            if not hi_values or lo < min(hi_values):
                errors.append(
                    TableError(
                        f"hours.classes[{i + 1}]", hc.code, _x(_E.NO_OVERLAP_WITH_CLASS, n=j + 1)
                    )
                )
    class_codes = {hc.code for hc in classes}
    stage_codes = {s.code for s in table.stages}
    codes: dict[str, Component] = {}
    for i, comp in enumerate(table.components):
        path = f"components[{i + 1}]"
        if comp.code in codes:
            errors.append(TableError(f"{path}.code", comp.code, _x(_E.COMPONENT_CODE_ONCE)))
        codes[comp.code] = comp
        if not comp.rates:
            errors.append(TableError(f"{path}.rates", "", _x(_E.AT_LEAST_ONE_RATE)))
        if comp.unit is RateUnit.HOUR and (class_rule or table.weeks_per_month is None):
            errors.append(TableError(f"{path}.unit", comp.unit.value, _x(_E.MONTH_OR_PERCENT_UNIT)))
        for k, rate in enumerate(comp.rates):
            if rate.amount < 0:
                errors.append(
                    TableError(
                        f"{path}.rates[{k + 1}].amount",
                        str(rate.amount),
                        _x(_E.NUMBER_AT_LEAST, low=0),
                    )
                )
            if rate.stage is not None and stage_codes and rate.stage not in stage_codes:
                errors.append(
                    TableError(
                        f"{path}.rates[{k + 1}].stage",
                        rate.stage,
                        _x(_E.TABLE_STAGE, table=table.code),
                    )
                )
            if rate.hours_class is not None and rate.hours_class not in class_codes:
                errors.append(
                    TableError(
                        f"{path}.rates[{k + 1}].class",
                        rate.hours_class,
                        _x(_E.TABLE_CLASS, table=table.code),
                    )
                )
    for i, comp in enumerate(table.components):
        path = f"components[{i + 1}]"
        if comp.unit is RateUnit.PERCENT:
            base = codes.get(comp.base or "")
            if base is None or base.unit is RateUnit.PERCENT:
                errors.append(
                    TableError(f"{path}.base", comp.base or "", _x(_E.NON_PERCENT_COMPONENT))
                )
        elif comp.base is not None:
            errors.append(TableError(f"{path}.base", comp.base, _x(_E.NO_BASE)))
    if table.settling_in.mode is SettlingInMode.EXTRA_HOURS and not any(
        c.unit is RateUnit.HOUR for c in table.components
    ):
        errors.append(TableError("settling_in.mode", "extra_hours", _x(_E.HOURLY_COMPONENT)))
    return errors


# --------------------------------------------------------------------------- parent fees


class FeeBasis(StrEnum):
    """How a parent fee (Kostenbeitrag) table is read."""

    PER_HOUR = "per_hour"  # rate × weekly hours × weeks_per_month (Stuttgart 1.35 €/h U3)
    HOUR_BANDS = "hour_bands"  # monthly amount by weekly-hours bracket (Munich 2020)
    INCOME = "income"  # monthly amount by yearly income bracket (Berlin, Munich Kitas)


@dataclass(frozen=True, slots=True)
class FeeBracket:
    """``over < value <= up_to`` → ``amount`` (euros; per hour for ``per_hour`` tables).

    The value is weekly hours (``hour_bands``) or yearly income in euros (``income``); ignored
    for ``per_hour``. ``age_group`` limits the bracket to one age group (``None`` = any).
    """

    amount: Fraction
    over: Fraction = Fraction(0)
    up_to: Fraction | None = None
    age_group: str | None = None


@dataclass(frozen=True, slots=True)
class FeeTable:
    """A dated parent-fee table, separate from the payment to the childminder (§ 90 SGB VIII)."""

    code: str
    name: str
    valid_from: date
    valid_to: date | None
    source: str
    basis: FeeBasis
    brackets: tuple[FeeBracket, ...]
    weeks_per_month: Fraction | None = None
    rounding: Rounding = field(default_factory=Rounding)


@dataclass(frozen=True, slots=True)
class FeeResult:
    """The monthly fee in cents with its quantity × rate (``None`` when no bracket applies)."""

    amount_cents: int | None
    quantity: Fraction
    rate: Fraction
    bracket: int | None


def parent_fee(
    table: FeeTable,
    *,
    weekly_hours: Fraction,
    age_group: str | None = None,
    yearly_income: Fraction | None = None,
) -> FeeResult:
    """The monthly parent fee for one child under ``table`` (amount = quantity × rate)."""
    value: Fraction | None
    if table.basis is FeeBasis.INCOME:
        value = yearly_income
    elif table.basis is FeeBasis.HOUR_BANDS:
        value = weekly_hours
    else:
        value = None
    for index, bracket in enumerate(table.brackets):
        if bracket.age_group is not None and bracket.age_group != age_group:
            continue
        if value is not None and not (
            value > bracket.over and (bracket.up_to is None or value <= bracket.up_to)
        ):
            continue
        if table.basis is FeeBasis.INCOME and value is None:
            break
        if table.basis is FeeBasis.PER_HOUR:
            if table.weeks_per_month is None:
                raise ValueError("a per-hour fee table needs weeks_per_month")
            quantity = weekly_hours * table.weeks_per_month
        else:
            quantity = Fraction(1)
        return FeeResult(
            table.rounding.cents(quantity * bracket.amount), quantity, bracket.amount, index
        )
    return FeeResult(None, Fraction(0), Fraction(0), None)
