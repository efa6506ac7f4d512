"""Files of the monthly childminder payment (de: laufende Geldleistung): read, check, write.

Formats (documented with examples in ``docs/domain/childminding-payments.md``):

* **rate table**: one TOML file per table version (``tomllib``); problems name the file, row 0
  (row = line for a TOML syntax error) and the dotted path of the field, e.g.
  ``components[2].rates[1].amount``.
* **contracts** CSV: ``contract_id,childminder_id,child_id,from,to,weekly_hours,daily_hours,
  days_per_week,care_location,stage,settling_in_from,settling_in_to,funded`` (only
  ``contract_id,childminder_id,child_id,from,weekly_hours,care_location`` are required; optional
  extra columns ``scheme,training_units,supplements``; more columns are ignored).
* **insurance** CSV: ``childminder_id,kind,monthly_amount,valid_from,valid_to``.
* **absences** CSV: ``childminder_id,from,to``.
* **actual hours** CSV: ``contract_id,month,hours`` (the hours actually cared in a month under a
  contract; settlement on actual hours).
* **payment lines** CSV (output; also read back as the released lines of earlier runs):
  ``month,childminder_id,child_id,component,quantity,unit,rate,amount,table,note,
  corrects_month,contract_id``; ``amount`` in euros with 2 decimals and a dot; ``quantity`` and
  ``rate`` exact (a decimal, or ``n/d`` when the decimal would not end).

CSV files are read with :func:`kitaplan.exchange.readers.read_table` (``,`` ``;`` or tab; UTF-8
or Windows-1252; header = row 1). Every reader collects *all* problems and returns
``(value, problems)`` with ``value`` ``None`` whenever there is a problem: nothing is half-read.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

from kitaplan.domain.childminding.payments import (
    Absence,
    Contract,
    InsuranceKind,
    InsuranceProof,
    IssueCode,
    LineUnit,
    MonthResult,
    PaymentIssue,
    PaymentLine,
    compute_month,
    format_exact,
    parse_month,
)
from kitaplan.domain.childminding.payments_rules import (
    AbsenceBeyond,
    AbsenceRule,
    Bands,
    CareLocation,
    CareScopes,
    Component,
    ComponentKind,
    Corridors,
    ExactHours,
    FeeBasis,
    FeeBracket,
    FeeTable,
    HoursClass,
    HoursRule,
    InsuranceShares,
    MonthlyByDailyHours,
    ProRataRule,
    Rate,
    RateTable,
    RateUnit,
    Rounding,
    RoundingMode,
    SettlingInMode,
    SettlingInRule,
    Stage,
    table_errors,
)
from kitaplan.domain.common.money import plain_euros
from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange.coercion import CoercionError, parse_boolean, parse_date, parse_decimal
from kitaplan.exchange.errors import ExchangeError
from kitaplan.exchange.readers import SourceRow, SourceTable, read_table

_E = ExpectationCode


def _expected(stated: Expectation | str) -> Expectation:
    """A rule's expectation; a plain text (a rule not yet stating a code) is shown as stated."""
    if isinstance(stated, Expectation):
        return stated
    return expectation(_E.TEXT_AS_STORED, text=stated)


__all__ = [
    "CONTRACT_COLUMNS",
    "LINE_COLUMNS",
    "PaymentsRun",
    "format_exact",
    "read_absences",
    "read_actual_hours",
    "read_contracts",
    "read_fee_table",
    "read_insurance",
    "read_payment_lines",
    "read_rate_table",
    "read_rate_tables",
    "run_payments_cli",
    "write_payment_lines",
]

CONTRACT_COLUMNS = (
    "contract_id",
    "childminder_id",
    "child_id",
    "from",
    "to",
    "weekly_hours",
    "daily_hours",
    "days_per_week",
    "care_location",
    "stage",
    "settling_in_from",
    "settling_in_to",
    "funded",
    "scheme",
    "training_units",
    "supplements",
)
_CONTRACT_REQUIRED: tuple[str, ...] = ("contract_id", "childminder_id", "child_id", "from")
_CONTRACT_REQUIRED += ("weekly_hours", "care_location")
_INSURANCE_REQUIRED = ("childminder_id", "kind", "monthly_amount", "valid_from")
_ABSENCE_REQUIRED = ("childminder_id", "from", "to")
_ACTUAL_HOURS_REQUIRED = ("contract_id", "month", "hours")
#: The most hours a month can have (31 days × 24 hours).
_MAX_MONTH_HOURS = Fraction(31 * 24)
LINE_COLUMNS = (
    "month",
    "childminder_id",
    "child_id",
    "component",
    "quantity",
    "unit",
    "rate",
    "amount",
    "table",
    "note",
    "corrects_month",
    "contract_id",
)
_LINE_REQUIRED: tuple[str, ...] = ("month", "childminder_id", "component", "quantity", "unit")
_LINE_REQUIRED += ("rate", "amount", "table")

E = TypeVar("E", bound=StrEnum)


# --------------------------------------------------------------------------- numbers


_FRACTION = re.compile(r"^\s*([+-]?\d+)\s*/\s*(\d+)\s*$")


def _exact(text: str) -> Fraction:
    """``52/12``, ``4.2``, ``4,2`` → exact fraction; ``CoercionError`` otherwise."""
    match = _FRACTION.match(text)
    if match:
        if int(match.group(2)) == 0:
            raise CoercionError(ProblemCode.NOT_A_NUMBER, text)
        return Fraction(int(match.group(1)), int(match.group(2)))
    return Fraction(parse_decimal(text))


# --------------------------------------------------------------------------- TOML tables


class _Toml:
    """Typed access to parsed TOML with every problem collected (row 0, dotted path)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ImportProblem] = []

    def add(self, code: ProblemCode, path: str, value: object, expected: Expectation) -> None:
        text = "" if value is None else str(value)
        self.problems.append(ImportProblem(code, self.file, 0, path, text, expected))

    def raw(self, data: Mapping[str, object], key: str, path: str, required: bool) -> object:
        value = data.get(key)
        if value is None and required:
            self.add(ProblemCode.MISSING_VALUE, path + key, "", expectation(_E.VALUE_FOR, key=key))
        return value

    def text(
        self, data: Mapping[str, object], key: str, path: str = "", *, required: bool = True
    ) -> str | None:
        value = self.raw(data, key, path, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(ProblemCode.MISSING_VALUE, path + key, value, expectation(_E.TEXT))
            return None
        return value.strip()

    def day(
        self, data: Mapping[str, object], key: str, path: str = "", *, required: bool = True
    ) -> date | None:
        value = self.raw(data, key, path, required)
        if value is None:
            return None
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        try:
            return parse_date(str(value))
        except CoercionError:
            self.add(ProblemCode.NOT_A_DATE, path + key, value, expectation(_E.DATE_ISO))
            return None

    def number(
        self,
        data: Mapping[str, object],
        key: str,
        path: str = "",
        *,
        required: bool = True,
        positive: bool = False,
    ) -> Fraction | None:
        value = self.raw(data, key, path, required)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise CoercionError(ProblemCode.NOT_A_NUMBER, str(value))
            if isinstance(value, int):
                number = Fraction(value)
            elif isinstance(value, float):
                number = Fraction(Decimal(repr(value)))
            else:
                number = _exact(str(value))
        except CoercionError:
            self.add(
                ProblemCode.NOT_A_NUMBER, path + key, value, expectation(_E.NUMBER_OR_FRACTION)
            )
            return None
        if number < 0 or (positive and number == 0):
            self.add(
                ProblemCode.NEGATIVE_NUMBER if number < 0 else ProblemCode.OUT_OF_RANGE,
                path + key,
                value,
                expectation(_E.NUMBER_POSITIVE)
                if positive
                else expectation(_E.NUMBER_AT_LEAST, low=0),
            )
            return None
        return number

    def integer(
        self, data: Mapping[str, object], key: str, path: str = "", *, required: bool = True
    ) -> int | None:
        value = self.raw(data, key, path, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.add(
                ProblemCode.NOT_AN_INTEGER,
                path + key,
                value,
                expectation(_E.WHOLE_NUMBER_AT_LEAST, low=0),
            )
            return None
        return value

    def choice(
        self, data: Mapping[str, object], key: str, enum: type[E], default: E | None, path: str = ""
    ) -> E | None:
        value = self.raw(data, key, path, default is None)
        if value is None:
            return default
        try:
            return enum(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            self.add(
                ProblemCode.UNKNOWN_CHOICE,
                path + key,
                value,
                expectation(_E.ONE_OF, choices=allowed),
            )
            return None

    def table(
        self, data: Mapping[str, object], key: str, path: str = ""
    ) -> Mapping[str, object] | None:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(ProblemCode.INCONSISTENT_VALUES, path + key, value, expectation(_E.TOML_TABLE))
            return None
        return value

    def items(self, data: Mapping[str, object], key: str, path: str = "") -> list[object]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(ProblemCode.INCONSISTENT_VALUES, path + key, value, expectation(_E.TOML_LIST))
            return []
        return value

    def item_table(self, item: object, path: str) -> Mapping[str, object] | None:
        if not isinstance(item, dict):
            self.add(ProblemCode.INCONSISTENT_VALUES, path, item, expectation(_E.TOML_INLINE_TABLE))
            return None
        return item


_LINE_IN_ERROR = re.compile(r"line (\d+)")


def _load_toml(path: Path, check: _Toml) -> dict[str, object] | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        check.add(ProblemCode.FILE_UNREADABLE, "", error, expectation(_E.TOML_FILE))
        return None
    except UnicodeDecodeError:
        check.add(ProblemCode.FILE_UNREADABLE, "", "not UTF-8", expectation(_E.TOML_UTF8))
        return None
    if not text.strip():
        check.add(ProblemCode.EMPTY_FILE, "", "", expectation(_E.TOML_RATE_TABLE))
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _LINE_IN_ERROR.search(str(error))
        check.problems.append(
            ImportProblem(
                ProblemCode.FILE_UNREADABLE,
                check.file,
                int(found.group(1)) if found else 0,
                "",
                str(error),
                expectation(_E.TOML_VALID),
            )
        )
        return None


def _rounding(check: _Toml, data: Mapping[str, object], path: str) -> Rounding | None:
    mode = check.choice(data, "rounding", RoundingMode, RoundingMode.HALF_UP, path)
    unit = check.integer(data, "rounding_unit_cents", path, required=False)
    if mode is None or (unit is not None and unit < 1):
        if unit is not None and unit < 1:
            check.add(
                ProblemCode.OUT_OF_RANGE,
                path + "rounding_unit_cents",
                unit,
                expectation(_E.AT_LEAST, low=1),
            )
        return None
    return Rounding(mode, unit or 1)


def _classes(check: _Toml, hours: Mapping[str, object]) -> tuple[HoursClass, ...] | None:
    result: list[HoursClass] = []
    ok = True
    entries = check.items(hours, "classes", "hours.")
    if not entries:
        check.add(ProblemCode.MISSING_VALUE, "hours.classes", "", expectation(_E.HOURS_CLASSES))
        return None
    for i, entry in enumerate(entries, start=1):
        path = f"hours.classes[{i}]."
        item = check.item_table(entry, path[:-1])
        if item is None:
            ok = False
            continue
        over = check.number(item, "over", path, required=False)
        up_to = check.number(item, "up_to", path, required=False)
        if item.get("over") is not None and over is None:
            ok = False
        if item.get("up_to") is not None and up_to is None:
            ok = False
        code = check.text(item, "code", path, required=False)
        if code is None:
            code = f"{over or 0}-{up_to if up_to is not None else ''}"
        result.append(HoursClass(code, over or Fraction(0), up_to))
    return tuple(result) if ok else None


def _hours_rule(check: _Toml, data: Mapping[str, object]) -> HoursRule | None:
    hours = check.table(data, "hours")
    if hours is None:
        return None
    rule = check.text(hours, "rule", "hours.")
    if rule == "exact":
        return ExactHours()
    if rule == "bands":
        width = check.number(hours, "width", "hours.", positive=True)
        return None if width is None else Bands(width)
    if rule in ("corridors", "daily_classes", "care_scopes"):
        classes = _classes(check, hours)
        if classes is None:
            return None
        if rule == "corridors":
            return Corridors(classes)
        return MonthlyByDailyHours(classes) if rule == "daily_classes" else CareScopes(classes)
    if rule is not None:
        check.add(
            ProblemCode.UNKNOWN_CHOICE,
            "hours.rule",
            rule,
            expectation(_E.ONE_OF, choices="exact, bands, corridors, daily_classes, care_scopes"),
        )
    return None


def _component(check: _Toml, entry: object, index: int) -> Component | None:
    path = f"components[{index}]."
    item = check.item_table(entry, path[:-1])
    if item is None:
        return None
    before = len(check.problems)
    code = check.text(item, "code", path)
    kind = check.choice(item, "kind", ComponentKind, None, path)
    unit = check.choice(item, "unit", RateUnit, None, path)
    rounding = _rounding(check, item, path)
    base = check.text(item, "base", path, required=False)
    requires = check.text(item, "requires", path, required=False)
    rates: list[Rate] = []
    entries = check.items(item, "rates", path)
    if not entries:
        check.add(ProblemCode.MISSING_VALUE, path + "rates", "", expectation(_E.AT_LEAST_ONE_RATE))
    for k, rate_entry in enumerate(entries, start=1):
        rate_path = f"{path}rates[{k}]."
        rate_item = check.item_table(rate_entry, rate_path[:-1])
        if rate_item is None:
            continue
        amount = check.number(rate_item, "amount", rate_path)
        stage = check.text(rate_item, "stage", rate_path, required=False)
        location = (
            check.choice(rate_item, "location", CareLocation, None, rate_path)
            if rate_item.get("location") is not None
            else None
        )
        hours_class = check.text(rate_item, "class", rate_path, required=False)
        if amount is not None:
            rates.append(Rate(amount, stage, location, hours_class))
    if len(check.problems) > before or code is None or kind is None or unit is None:
        return None
    assert rounding is not None
    return Component(code, kind, unit, tuple(rates), base, requires, rounding)


def _stages(check: _Toml, data: Mapping[str, object]) -> tuple[Stage, ...]:
    stages: list[Stage] = []
    for i, entry in enumerate(check.items(data, "stages"), start=1):
        if isinstance(entry, str) and entry.strip():
            stages.append(Stage(entry.strip()))
            continue
        item = check.item_table(entry, f"stages[{i}]")
        if item is None:
            continue
        code = check.text(item, "code", f"stages[{i}].")
        units = check.integer(item, "min_training_units", f"stages[{i}].", required=False)
        if code is not None:
            stages.append(Stage(code, units))
    return tuple(stages)


def read_rate_table(path: Path) -> tuple[RateTable | None, list[ImportProblem]]:
    """Read one rate-table version from a TOML file; all problems or the table."""
    path = Path(path)
    check = _Toml(path.name)
    data = _load_toml(path, check)
    if data is None:
        return None, check.problems
    scheme = check.text(data, "scheme")
    code = check.text(data, "code")
    name = check.text(data, "name", required=False) or code or ""
    valid_from = check.day(data, "valid_from")
    valid_to = check.day(data, "valid_to", required=False)
    source = check.text(data, "source")
    weeks = check.number(data, "weeks_per_month", required=False, positive=True)
    pro_rata = check.choice(data, "pro_rata", ProRataRule, ProRataRule.CALENDAR_DAYS)
    stages = _stages(check, data)
    hours_rule = _hours_rule(check, data)
    components = [
        _component(check, entry, i)
        for i, entry in enumerate(check.items(data, "components"), start=1)
    ]
    if not components:
        check.add(
            ProblemCode.MISSING_VALUE, "components", "", expectation(_E.AT_LEAST_ONE_COMPONENT)
        )
    settling = check.table(data, "settling_in")
    settling_rule = SettlingInRule()
    if settling:
        mode = check.choice(settling, "mode", SettlingInMode, None, "settling_in.")
        amount = check.number(settling, "amount", "settling_in.", required=mode == "flat")
        hours = check.number(settling, "hours", "settling_in.", required=mode == "extra_hours")
        rounding = _rounding(check, settling, "settling_in.")
        if mode is not None and rounding is not None:
            settling_rule = SettlingInRule(
                mode, amount or Fraction(0), hours or Fraction(0), rounding
            )
    absence = check.table(data, "absence")
    absence_rule = AbsenceRule()
    if absence:
        quota = check.integer(absence, "quota_days", "absence.", required=False)
        beyond = check.choice(absence, "beyond", AbsenceBeyond, AbsenceBeyond.CONTINUES, "absence.")
        absence_rule = AbsenceRule(quota, beyond or AbsenceBeyond.CONTINUES)
    insurance = check.table(data, "insurance")
    shares = InsuranceShares()
    if insurance:
        defaults = InsuranceShares()
        accident = check.number(insurance, "accident", "insurance.", required=False)
        pension = check.number(insurance, "pension", "insurance.", required=False)
        health = check.number(insurance, "health_care", "insurance.", required=False)
        rounding = _rounding(check, insurance, "insurance.")
        shares = InsuranceShares(
            defaults.accident if accident is None else accident,
            defaults.pension if pension is None else pension,
            defaults.health_care if health is None else health,
            rounding or Rounding(),
        )
    if check.problems:
        return None, check.problems
    assert scheme and code and valid_from and source and pro_rata and hours_rule
    table = RateTable(
        scheme=scheme,
        code=code,
        name=name,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        hours_rule=hours_rule,
        components=tuple(c for c in components if c is not None),
        weeks_per_month=weeks,
        stages=stages,
        settling_in=settling_rule,
        absence=absence_rule,
        pro_rata=pro_rata,
        insurance=shares,
    )
    for error in table_errors(table):
        check.add(
            ProblemCode.INCONSISTENT_VALUES, error.path, error.value, _expected(error.expected)
        )
    if check.problems:
        return None, check.problems
    return table, []


def read_rate_tables(
    paths: Sequence[Path],
) -> tuple[tuple[RateTable, ...] | None, list[ImportProblem]]:
    """Read several versions; codes must be unique, versions of one scheme must not overlap."""
    tables: list[tuple[RateTable, str]] = []
    problems: list[ImportProblem] = []
    for path in paths:
        table, found = read_rate_table(path)
        problems.extend(found)
        if table is not None:
            tables.append((table, Path(path).name))
    seen: dict[str, str] = {}
    for table, file in tables:
        if table.code in seen:
            problems.append(
                ImportProblem(
                    ProblemCode.DUPLICATE_KEY,
                    file,
                    0,
                    "code",
                    table.code,
                    expectation(_E.TABLE_CODE_ONCE, file=seen[table.code]),
                )
            )
        seen.setdefault(table.code, file)
    ordered = sorted(tables, key=lambda t: (t[0].scheme, t[0].valid_from))
    for (a, _), (b, file) in zip(ordered, ordered[1:], strict=False):
        if a.scheme == b.scheme and (a.valid_to is None or a.valid_to >= b.valid_from):
            problems.append(
                ImportProblem(
                    ProblemCode.INCONSISTENT_VALUES,
                    file,
                    0,
                    "valid_from",
                    str(b.valid_from),
                    expectation(_E.DATE_AFTER_TABLE, table=a.code),
                )
            )
    if problems:
        return None, problems
    return tuple(t for t, _ in tables), []


def read_fee_table(path: Path) -> tuple[FeeTable | None, list[ImportProblem]]:
    """Read a parent-fee table (TOML: code, name, valid_from, valid_to, source, basis,
    weeks_per_month, rounding, ``brackets = [{over, up_to, amount, age_group}, …]``)."""
    path = Path(path)
    check = _Toml(path.name)
    data = _load_toml(path, check)
    if data is None:
        return None, check.problems
    code = check.text(data, "code")
    name = check.text(data, "name", required=False) or code or ""
    valid_from = check.day(data, "valid_from")
    valid_to = check.day(data, "valid_to", required=False)
    source = check.text(data, "source")
    basis = check.choice(data, "basis", FeeBasis, None)
    weeks = check.number(
        data, "weeks_per_month", required=basis is FeeBasis.PER_HOUR, positive=True
    )
    rounding = _rounding(check, data, "")
    brackets: list[FeeBracket] = []
    entries = check.items(data, "brackets")
    if not entries:
        check.add(ProblemCode.MISSING_VALUE, "brackets", "", expectation(_E.AT_LEAST_ONE_BRACKET))
    for i, entry in enumerate(entries, start=1):
        bpath = f"brackets[{i}]."
        item = check.item_table(entry, bpath[:-1])
        if item is None:
            continue
        amount = check.number(item, "amount", bpath)
        over = check.number(item, "over", bpath, required=False)
        up_to = check.number(item, "up_to", bpath, required=False)
        age = check.text(item, "age_group", bpath, required=False)
        if amount is not None:
            brackets.append(FeeBracket(amount, over or Fraction(0), up_to, age))
    if check.problems:
        return None, check.problems
    assert code and valid_from and source and basis and rounding
    return FeeTable(
        code, name, valid_from, valid_to, source, basis, tuple(brackets), weeks, rounding
    ), []


# --------------------------------------------------------------------------- CSV inputs


class _Rows:
    """Cell access for one CSV file with every problem collected."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ImportProblem] = []

    def add(
        self, code: ProblemCode, row: int, column: str, value: str | None, expected: Expectation
    ) -> None:
        self.problems.append(ImportProblem(code, self.file, row, column, value or "", expected))

    def open(self, path: Path, required: Sequence[str]) -> SourceTable | None:
        try:
            table = read_table(path)
        except ExchangeError as error:
            self.problems.extend(error.problems)
            return None
        missing = [c for c in required if c not in table.columns]
        for column in missing:
            self.add(
                ProblemCode.MISSING_COLUMN,
                1,
                column,
                "",
                expectation(_E.COLUMN_NAMED, column=column),
            )
        for column in table.duplicate_columns:
            self.add(
                ProblemCode.DUPLICATE_COLUMN, 1, column, column, expectation(_E.COLUMN_NAME_ONCE)
            )
        return None if missing or table.duplicate_columns else table

    def text(self, row: SourceRow, column: str, *, required: bool = True) -> str | None:
        value = row.get(column)
        if value is None and required:
            self.add(ProblemCode.MISSING_VALUE, row.number, column, "", expectation(_E.VALUE))
        return value

    def day(self, row: SourceRow, column: str, *, required: bool = True) -> date | None:
        value = self.text(row, column, required=required)
        if value is None:
            return None
        try:
            return parse_date(value)
        except CoercionError:
            self.add(ProblemCode.NOT_A_DATE, row.number, column, value, expectation(_E.DATE))
            return None

    def number(
        self,
        row: SourceRow,
        column: str,
        *,
        required: bool = True,
        positive: bool = False,
        at_most: Fraction | None = None,
    ) -> Fraction | None:
        value = self.text(row, column, required=required)
        if value is None:
            return None
        try:
            number = _exact(value)
        except CoercionError as error:
            self.add(error.code, row.number, column, value, expectation(_E.NUMBER))
            return None
        if number < 0:
            self.add(
                ProblemCode.NEGATIVE_NUMBER,
                row.number,
                column,
                value,
                expectation(_E.NUMBER_AT_LEAST, low=0),
            )
            return None
        if (positive and number == 0) or (at_most is not None and number > at_most):
            expected = (
                expectation(_E.NUMBER_POSITIVE)
                if at_most is None
                else expectation(_E.NUMBER_POSITIVE_AT_MOST, high=at_most)
            )
            self.add(ProblemCode.OUT_OF_RANGE, row.number, column, value, expected)
            return None
        return number

    def integer(
        self, row: SourceRow, column: str, *, low: int = 0, high: int | None = None
    ) -> int | None:
        value = self.text(row, column, required=False)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            self.add(
                ProblemCode.NOT_AN_INTEGER, row.number, column, value, expectation(_E.WHOLE_NUMBER)
            )
            return None
        if number < low or (high is not None and number > high):
            expected = (
                expectation(_E.WHOLE_NUMBER_AT_LEAST, low=low)
                if high is None
                else expectation(_E.WHOLE_NUMBER_RANGE, low=low, high=high)
            )
            self.add(ProblemCode.OUT_OF_RANGE, row.number, column, value, expected)
            return None
        return number

    def choice(self, row: SourceRow, column: str, enum: type[E]) -> E | None:
        value = self.text(row, column)
        if value is None:
            return None
        try:
            return enum(value.strip().lower())
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            self.add(
                ProblemCode.UNKNOWN_CHOICE,
                row.number,
                column,
                value,
                expectation(_E.ONE_OF, choices=allowed),
            )
            return None

    def flag(self, row: SourceRow, column: str) -> bool | None:
        value = row.get(column)
        if value is None:
            return True
        try:
            return parse_boolean(value)
        except CoercionError:
            self.add(
                ProblemCode.NOT_A_BOOLEAN, row.number, column, value, expectation(_E.ZERO_OR_ONE)
            )
            return None

    def not_before(
        self, row: SourceRow, column: str, start: date | None, end: date | None, what: str
    ) -> bool:
        if start is not None and end is not None and end < start:
            self.add(
                ProblemCode.INCONSISTENT_VALUES,
                row.number,
                column,
                row.get(column),
                expectation(_E.NOT_BEFORE_COLUMN, column=what),
            )
            return False
        return True


_MAX_WEEKLY, _MAX_DAILY = Fraction(168), Fraction(24)


def _read_contracts(
    path: Path, tables: Sequence[RateTable] | None
) -> tuple[tuple[Contract, ...] | None, list[ImportProblem], dict[str, int]]:
    path = Path(path)
    check = _Rows(path.name)
    table = check.open(path, _CONTRACT_REQUIRED)
    rows: dict[str, int] = {}
    if table is None:
        return None, check.problems, rows
    schemes: dict[str, set[str]] = {}
    for rate_table in tables or ():
        schemes.setdefault(rate_table.scheme, set()).update(s.code for s in rate_table.stages)
    contracts: list[Contract] = []
    for row in table.rows:
        before = len(check.problems)
        contract_id = check.text(row, "contract_id")
        childminder_id = check.text(row, "childminder_id")
        child_id = check.text(row, "child_id")
        start = check.day(row, "from")
        end = check.day(row, "to", required=False)
        weekly = check.number(row, "weekly_hours", positive=True, at_most=_MAX_WEEKLY)
        daily = check.number(row, "daily_hours", required=False, positive=True, at_most=_MAX_DAILY)
        days = check.integer(row, "days_per_week", low=1, high=7)
        location = check.choice(row, "care_location", CareLocation)
        stage = check.text(row, "stage", required=False)
        settle_from = check.day(row, "settling_in_from", required=False)
        settle_to = check.day(row, "settling_in_to", required=False)
        funded = check.flag(row, "funded")
        scheme = check.text(row, "scheme", required=False)
        units = check.integer(row, "training_units")
        marks = frozenset(re.split(r"[\s|,]+", row.get("supplements") or "")) - {""}
        check.not_before(row, "to", start, end, "from")
        check.not_before(row, "settling_in_to", settle_from, settle_to, "settling_in_from")
        if tables is not None and schemes:
            if scheme is not None and scheme not in schemes:
                check.add(
                    ProblemCode.UNKNOWN_CHOICE,
                    row.number,
                    "scheme",
                    scheme,
                    expectation(_E.RATE_TABLE_SCHEME, schemes=", ".join(sorted(schemes))),
                )
            elif scheme is None and len(schemes) > 1:
                check.add(
                    ProblemCode.MISSING_VALUE,
                    row.number,
                    "scheme",
                    "",
                    expectation(_E.SCHEME_OF_SEVERAL, schemes=", ".join(sorted(schemes))),
                )
            else:
                stages = schemes[scheme] if scheme is not None else next(iter(schemes.values()))
                if stage is not None and stages and stage not in stages:
                    check.add(
                        ProblemCode.UNKNOWN_CHOICE,
                        row.number,
                        "stage",
                        stage,
                        expectation(_E.ONE_OF, choices=", ".join(sorted(stages))),
                    )
        if contract_id is not None:
            if contract_id in rows:
                check.add(
                    ProblemCode.DUPLICATE_KEY,
                    row.number,
                    "contract_id",
                    contract_id,
                    expectation(_E.ONCE, columns="contract_id", row=rows[contract_id]),
                )
                continue
            rows[contract_id] = row.number
        if len(check.problems) > before:
            continue
        assert contract_id and childminder_id and child_id and start and weekly and location
        assert funded is not None
        contracts.append(
            Contract(
                contract_id,
                childminder_id,
                child_id,
                start,
                end,
                weekly,
                location,
                daily,
                days,
                stage,
                units,
                settle_from,
                settle_to,
                funded,
                scheme,
                marks,
            )
        )
    if check.problems:
        return None, check.problems, rows
    return tuple(contracts), [], rows


def read_contracts(
    path: Path, tables: Sequence[RateTable] | None = None
) -> tuple[tuple[Contract, ...] | None, list[ImportProblem]]:
    """Read the contracts CSV; with ``tables``, schemes and stages are checked against them."""
    contracts, problems, _ = _read_contracts(path, tables)
    return contracts, problems


def read_insurance(path: Path) -> tuple[tuple[InsuranceProof, ...] | None, list[ImportProblem]]:
    """``childminder_id,kind,monthly_amount,valid_from,valid_to`` (kind: accident, pension,
    health_care; monthly_amount in euros)."""
    path = Path(path)
    check = _Rows(path.name)
    table = check.open(path, _INSURANCE_REQUIRED)
    if table is None:
        return None, check.problems
    proofs: list[InsuranceProof] = []
    for row in table.rows:
        before = len(check.problems)
        childminder = check.text(row, "childminder_id")
        kind = check.choice(row, "kind", InsuranceKind)
        amount = check.number(row, "monthly_amount")
        start = check.day(row, "valid_from")
        end = check.day(row, "valid_to", required=False)
        check.not_before(row, "valid_to", start, end, "valid_from")
        if len(check.problems) == before:
            assert childminder and kind and amount is not None and start
            proofs.append(InsuranceProof(childminder, kind, amount, start, end))
    if check.problems:
        return None, check.problems
    return tuple(proofs), []


def read_absences(path: Path) -> tuple[tuple[Absence, ...] | None, list[ImportProblem]]:
    """``childminder_id,from,to`` (inclusive; Mondays to Fridays count against the quota)."""
    path = Path(path)
    check = _Rows(path.name)
    table = check.open(path, _ABSENCE_REQUIRED)
    if table is None:
        return None, check.problems
    absences: list[Absence] = []
    for row in table.rows:
        before = len(check.problems)
        childminder = check.text(row, "childminder_id")
        start = check.day(row, "from")
        end = check.day(row, "to")
        check.not_before(row, "to", start, end, "from")
        if len(check.problems) == before:
            assert childminder and start and end
            absences.append(Absence(childminder, start, end))
    if check.problems:
        return None, check.problems
    return tuple(absences), []


def read_actual_hours(
    path: Path, contracts: Sequence[Contract] | None = None
) -> tuple[dict[tuple[str, str], Fraction] | None, list[ImportProblem]]:
    """``contract_id,month,hours``: the hours actually cared in a month (``YYYY-MM``) under a
    contract, ≥ 0 and ≤ 744; each contract and month once. With ``contracts``, the contract must
    be one of them. Returns ``{(contract_id, month): hours}``, the engine's ``actual_hours``."""
    path = Path(path)
    check = _Rows(path.name)
    table = check.open(path, _ACTUAL_HOURS_REQUIRED)
    if table is None:
        return None, check.problems
    known = None if contracts is None else {c.contract_id for c in contracts}
    result: dict[tuple[str, str], Fraction] = {}
    rows: dict[tuple[str, str], int] = {}
    for row in table.rows:
        before = len(check.problems)
        contract_id = check.text(row, "contract_id")
        if contract_id is not None and known is not None and contract_id not in known:
            check.add(
                ProblemCode.UNKNOWN_CHOICE,
                row.number,
                "contract_id",
                contract_id,
                expectation(_E.CONTRACT_OF_FILE),
            )
        month = check.text(row, "month")
        if month is not None:
            try:
                month = "{:04d}-{:02d}".format(*parse_month(month))
            except ValueError:
                check.add(ProblemCode.NOT_A_DATE, row.number, "month", month, expectation(_E.MONTH))
        hours = check.number(row, "hours", at_most=_MAX_MONTH_HOURS)
        if len(check.problems) > before:
            continue
        assert contract_id is not None and month is not None and hours is not None
        key = (contract_id, month)
        if key in rows:
            check.add(
                ProblemCode.DUPLICATE_KEY,
                row.number,
                "month",
                month,
                expectation(_E.ONCE, columns="contract_id, month", row=rows[key]),
            )
            continue
        rows[key] = row.number
        result[key] = hours
    if check.problems:
        return None, check.problems
    return result, []


def read_payment_lines(path: Path) -> tuple[tuple[PaymentLine, ...] | None, list[ImportProblem]]:
    """Read an output file back (the released lines of an earlier run)."""
    path = Path(path)
    check = _Rows(path.name)
    table = check.open(path, _LINE_REQUIRED)
    if table is None:
        return None, check.problems
    lines: list[PaymentLine] = []
    for row in table.rows:
        before = len(check.problems)
        month = check.text(row, "month")
        corrects = row.get("corrects_month")
        for column, value in (("month", month), ("corrects_month", corrects)):
            if value is not None:
                try:
                    parse_month(value)
                except ValueError:
                    check.add(
                        ProblemCode.NOT_A_DATE, row.number, column, value, expectation(_E.MONTH)
                    )
        childminder = check.text(row, "childminder_id")
        component = check.text(row, "component")
        quantity = _signed(check, row, "quantity")
        unit_text = check.text(row, "unit")
        unit = None
        if unit_text is not None:
            try:
                unit = LineUnit(unit_text)
            except ValueError:
                allowed = ", ".join(u.value for u in LineUnit)
                check.add(
                    ProblemCode.UNKNOWN_CHOICE,
                    row.number,
                    "unit",
                    unit_text,
                    expectation(_E.ONE_OF, choices=allowed),
                )
        rate = _signed(check, row, "rate")
        amount = _signed(check, row, "amount")
        if amount is not None and (amount * 100).denominator != 1:
            check.add(
                ProblemCode.OUT_OF_RANGE,
                row.number,
                "amount",
                row.get("amount"),
                expectation(_E.WHOLE_CENTS),
            )
        table_code = check.text(row, "table")
        if len(check.problems) > before:
            continue
        assert month and childminder and component and unit and table_code
        assert quantity is not None and rate is not None and amount is not None
        lines.append(
            PaymentLine(
                month,
                childminder,
                row.get("child_id"),
                component,
                quantity,
                unit,
                rate,
                int(amount * 100),
                table_code,
                row.get("note") or "",
                row.get("contract_id"),
                corrects,
            )
        )
    if check.problems:
        return None, check.problems
    return tuple(lines), []


def _signed(check: _Rows, row: SourceRow, column: str) -> Fraction | None:
    value = check.text(row, column)
    if value is None:
        return None
    try:
        return _exact(value)
    except CoercionError:
        check.add(
            ProblemCode.NOT_A_NUMBER, row.number, column, value, expectation(_E.NUMBER_OR_FRACTION)
        )
        return None


def write_payment_lines(path: Path, lines: Sequence[PaymentLine]) -> None:
    """Write the lines (UTF-8, ``,``, header :data:`LINE_COLUMNS`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LINE_COLUMNS)
        for line in lines:
            writer.writerow(
                (
                    line.month,
                    line.childminder_id,
                    line.child_id or "",
                    line.component,
                    format_exact(line.quantity),
                    line.unit.value,
                    format_exact(line.rate),
                    plain_euros(line.amount_cents),
                    line.table,
                    line.note,
                    line.corrects_month or "",
                    line.contract_id or "",
                )
            )


# --------------------------------------------------------------------------- the command


_ISSUE_CODES = {
    IssueCode.UNKNOWN_SCHEME: ProblemCode.UNKNOWN_CHOICE,
    IssueCode.AMBIGUOUS_SCHEME: ProblemCode.MISSING_VALUE,
    IssueCode.NO_TABLE: ProblemCode.OUT_OF_RANGE,
    IssueCode.HOURS_NOT_COVERED: ProblemCode.OUT_OF_RANGE,
    IssueCode.NO_RATE: ProblemCode.UNKNOWN_CHOICE,
    IssueCode.UNKNOWN_STAGE: ProblemCode.UNKNOWN_CHOICE,
    IssueCode.DAILY_HOURS_MISSING: ProblemCode.MISSING_VALUE,
}


def issue_problems(
    issues: Sequence[PaymentIssue], file: str, rows: Mapping[str, int]
) -> list[ImportProblem]:
    """The domain's issues as problems of the contracts file (row of the contract)."""
    seen: set[ImportProblem] = set()
    result: list[ImportProblem] = []
    for issue in issues:
        problem = ImportProblem(
            _ISSUE_CODES[issue.code],
            file,
            rows.get(issue.contract_id, 0),
            issue.field,
            issue.value,
            issue.expected,
        )
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return result


@dataclass(frozen=True, slots=True, eq=False)
class PaymentsRun:
    """Outcome of :func:`run_payments_cli`: exit code (0 written, 1 refused, 2 usage), short
    English messages, problems (file/row/column), and the result when computed."""

    exit_code: int
    messages: list[str]
    problems: list[ImportProblem]
    result: MonthResult | None = None
    written: list[Path] = field(default_factory=list)


def run_payments_cli(
    rates: Sequence[Path],
    contracts: Path,
    month: str,
    out: Path,
    insurance: Path | None = None,
    absences: Path | None = None,
    released: Sequence[Path] = (),
    actual_hours: Path | None = None,
) -> PaymentsRun:
    """``kitaplan payments``: read everything, refuse on any problem, else compute and write.

    ``released`` are output files of earlier, released runs: their months are recomputed and
    every difference becomes a correction line of this run. ``actual_hours`` is a CSV of the
    hours actually cared (``contract_id,month,hours``): a released month is recomputed with
    them (settlement as correction lines), the run's own month is paid on them. Nothing is
    written when there is a problem.
    """
    try:
        parse_month(month)
    except ValueError:
        return PaymentsRun(2, [f"--month {month!r}: expected YYYY-MM"], [])
    if not rates:
        return PaymentsRun(2, ["at least one --rates file is needed"], [])
    problems: list[ImportProblem] = []
    tables, found = read_rate_tables(rates)
    problems += found
    contract_list, found, rows = _read_contracts(contracts, tables)
    problems += found
    proofs: tuple[InsuranceProof, ...] | None = ()
    if insurance is not None:
        proofs, found = read_insurance(insurance)
        problems += found
    absence_list: tuple[Absence, ...] | None = ()
    if absences is not None:
        absence_list, found = read_absences(absences)
        problems += found
    hours: dict[tuple[str, str], Fraction] | None = {}
    if actual_hours is not None:
        hours, found = read_actual_hours(actual_hours, contract_list)
        problems += found
    previous: list[PaymentLine] = []
    for path in released:
        lines, found = read_payment_lines(path)
        problems += found
        previous.extend(lines or ())
    if problems or tables is None or contract_list is None or proofs is None:
        return PaymentsRun(1, ["input refused; nothing was written"], problems)
    assert absence_list is not None and hours is not None
    result = compute_month(
        tables,
        contract_list,
        month,
        insurance=proofs,
        absences=absence_list,
        previous_lines=previous,
        actual_hours=hours,
    )
    if result.issues:
        problems = issue_problems(result.issues, Path(contracts).name, rows)
        return PaymentsRun(1, ["contracts not payable; nothing was written"], problems, result)
    write_payment_lines(out, result.lines)
    corrections = sum(1 for line in result.lines if line.corrects_month)
    messages = [
        f"{result.month}: {len(result.lines)} lines ({corrections} corrections), "
        f"{len(result.totals_by_childminder())} childminders, total {plain_euros(result.total_cents)} EUR",
        f"written: {out}",
    ]
    return PaymentsRun(0, messages, [], result, [Path(out)])
