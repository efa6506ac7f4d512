"""Read and write the allocation interchange format (de: Austauschformat der Platzvergabe).

A directory holds four CSV files (UTF-8, header row, more columns allowed; read with
:func:`kitaplan.exchange.readers.read_table`, so ``;`` and tab work too):

1. ``facilities.csv``: ``facility_id,age_group,capacity,integration_places,release_unused``
   (the last two optional, default 0; ``integration_places`` <= ``capacity``; 0/1 flag).
2. ``children.csv``: ``child_id,age_group,integration_need`` (0/1, optional, default 0).
3. ``preferences.csv``: ``child_id,rank,facility_id`` (rank 1 = most wanted; ranks are sorted,
   gaps are allowed; a facility at most once per child).
4. ``priorities.csv`` (optional file): ``facility_id,child_id,priority_class`` (integer >= 0,
   smaller = higher priority; absent = lowest class).

:func:`read_instance` collects *every* problem as :class:`ImportProblem` (file, row, column, value,
expected) and returns an instance only when there are none. :func:`write_allocation` writes
``assignment.csv``, ``cutoffs.csv`` and ``lottery.csv``; :func:`write_instance` writes an instance
back in the input format (round trip, synthetic rounds).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kitaplan.domain.allocation import Allocation, AllocationInstance, Child, Programme, SeatType
from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange.errors import ExchangeError
from kitaplan.exchange.readers import SourceRow, SourceTable, read_table

_E = ExpectationCode

FACILITIES, CHILDREN, PREFERENCES, PRIORITIES = (
    "facilities.csv",
    "children.csv",
    "preferences.csv",
    "priorities.csv",
)
ASSIGNMENT, CUTOFFS, LOTTERY = "assignment.csv", "cutoffs.csv", "lottery.csv"

_REQUIRED = {
    FACILITIES: ("facility_id", "age_group", "capacity"),
    CHILDREN: ("child_id", "age_group"),
    PREFERENCES: ("child_id", "rank", "facility_id"),
    PRIORITIES: ("facility_id", "child_id", "priority_class"),
}
_LOTTERY_COLUMNS = ("child_id", "lottery")


@dataclass(frozen=True, slots=True, eq=False)
class InstanceReadResult:
    """The instance (``None`` when there are problems) and all problems found."""

    instance: AllocationInstance | None
    problems: tuple[ImportProblem, ...]


class _Checker:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(
        self,
        code: ProblemCode,
        file: str,
        row: int,
        column: str,
        value: str | None,
        expected: Expectation,
    ) -> None:
        self.problems.append(ImportProblem(code, file, row, column, value or "", expected))

    def table(self, directory: Path, name: str, *, optional: bool = False) -> SourceTable | None:
        path = directory / name
        if optional and not path.exists():
            return None
        try:
            table = read_table(path)
        except ExchangeError as error:
            self.problems.extend(error.problems)
            return None
        missing = [c for c in _REQUIRED[name] if c not in table.columns]
        for column in missing:
            self.add(
                ProblemCode.MISSING_COLUMN,
                name,
                1,
                column,
                "",
                expectation(_E.COLUMN_NAMED, column=column),
            )
        for column in table.duplicate_columns:
            self.add(
                ProblemCode.DUPLICATE_COLUMN,
                name,
                1,
                column,
                column,
                expectation(_E.COLUMN_NAME_ONCE),
            )
        return None if missing else table

    def text(self, file: str, row: SourceRow, column: str) -> str | None:
        value = row.get(column)
        if value is None:
            self.add(ProblemCode.MISSING_VALUE, file, row.number, column, "", expectation(_E.VALUE))
        return value

    def integer(
        self, file: str, row: SourceRow, column: str, *, default: int | None = None, low: int = 0
    ) -> int | None:
        value = row.get(column)
        if value is None:
            if default is not None:
                return default
            self.add(
                ProblemCode.MISSING_VALUE,
                file,
                row.number,
                column,
                "",
                expectation(_E.WHOLE_NUMBER),
            )
            return None
        try:
            number = int(value)
        except ValueError:
            self.add(
                ProblemCode.NOT_AN_INTEGER,
                file,
                row.number,
                column,
                value,
                expectation(_E.WHOLE_NUMBER),
            )
            return None
        if number < low:
            code = ProblemCode.NEGATIVE_NUMBER if low == 0 else ProblemCode.OUT_OF_RANGE
            self.add(
                code,
                file,
                row.number,
                column,
                value,
                expectation(_E.WHOLE_NUMBER_AT_LEAST, low=low),
            )
            return None
        return number

    def flag(self, file: str, row: SourceRow, column: str) -> bool | None:
        value = row.get(column)
        if value is None or value in ("0", "1"):
            return value == "1"
        self.add(
            ProblemCode.NOT_A_BOOLEAN, file, row.number, column, value, expectation(_E.ZERO_OR_ONE)
        )
        return None

    def unique(
        self,
        seen: dict[tuple[str, ...], int],
        key: tuple[str, ...],
        file: str,
        row: SourceRow,
        column: str,
        what: tuple[str, ...],
    ) -> bool:
        """``what``: the columns that must be unique (with ``"child"``: per child)."""
        if key in seen:
            self.add(
                ProblemCode.DUPLICATE_KEY,
                file,
                row.number,
                column,
                row.get(column),
                expectation(_E.ONCE_PER_CHILD, column=what[0], row=seen[key])
                if what[-1:] == ("child",)
                else expectation(_E.ONCE, columns=", ".join(what), row=seen[key]),
            )
            return False
        seen[key] = row.number
        return True


def read_instance(directory: Path) -> InstanceReadResult:
    """Read and check the four files in ``directory``; collect every problem."""
    directory = Path(directory)
    check = _Checker()
    tables = {name: check.table(directory, name, optional=name == PRIORITIES) for name in _REQUIRED}

    programmes: list[Programme] = []
    facility_ids: set[str] = set()
    if (table := tables[FACILITIES]) is not None:
        seen: dict[tuple[str, ...], int] = {}
        for row in table.rows:
            facility_id = check.text(FACILITIES, row, "facility_id")
            age_group = check.text(FACILITIES, row, "age_group")
            capacity = check.integer(FACILITIES, row, "capacity")
            integration = check.integer(FACILITIES, row, "integration_places", default=0)
            release = check.flag(FACILITIES, row, "release_unused")
            if facility_id is not None:
                facility_ids.add(facility_id)
            if facility_id is None or age_group is None:
                continue
            if not check.unique(
                seen,
                (facility_id, age_group),
                FACILITIES,
                row,
                "age_group",
                ("facility_id", "age_group"),
            ):
                continue
            if capacity is not None and integration is not None and integration > capacity:
                check.add(
                    ProblemCode.OUT_OF_RANGE,
                    FACILITIES,
                    row.number,
                    "integration_places",
                    row.get("integration_places"),
                    expectation(_E.AT_MOST_CAPACITY, n=capacity),
                )
                continue
            if capacity is not None and integration is not None and release is not None:
                programmes.append(Programme(facility_id, age_group, capacity, integration, release))

    children: list[Child] = []
    child_ids: set[str] = set()
    if (table := tables[CHILDREN]) is not None:
        seen = {}
        for row in table.rows:
            child_id = check.text(CHILDREN, row, "child_id")
            age_group = check.text(CHILDREN, row, "age_group")
            need = check.flag(CHILDREN, row, "integration_need")
            if child_id is None or not check.unique(
                seen, (child_id,), CHILDREN, row, "child_id", ("child_id",)
            ):
                continue
            child_ids.add(child_id)
            if age_group is not None and need is not None:
                children.append(Child(child_id, age_group, need))

    def known(file: str, row: SourceRow, column: str, ids: set[str], source: str) -> str | None:
        value = check.text(file, row, column)
        if value is not None and tables[source] is not None and value not in ids:
            check.add(
                ProblemCode.UNKNOWN_CHOICE,
                file,
                row.number,
                column,
                value,
                expectation(_E.ID_FROM, column=column, source=source),
            )
            return None
        return value

    ranked: dict[str, list[tuple[int, str]]] = {}
    if (table := tables[PREFERENCES]) is not None:
        seen = {}
        seen_facility: dict[tuple[str, ...], int] = {}
        for row in table.rows:
            child_id = known(PREFERENCES, row, "child_id", child_ids, CHILDREN)
            rank = check.integer(PREFERENCES, row, "rank", low=1)
            facility_id = known(PREFERENCES, row, "facility_id", facility_ids, FACILITIES)
            if child_id is None or rank is None or facility_id is None:
                continue
            ok = check.unique(
                seen, (child_id, str(rank)), PREFERENCES, row, "rank", ("rank", "child")
            )
            ok = (
                check.unique(
                    seen_facility,
                    (child_id, facility_id),
                    PREFERENCES,
                    row,
                    "facility_id",
                    ("facility_id", "child"),
                )
                and ok
            )
            if ok:
                ranked.setdefault(child_id, []).append((rank, facility_id))

    priorities: dict[tuple[str, str], int] = {}
    if (table := tables[PRIORITIES]) is not None:
        seen = {}
        for row in table.rows:
            facility_id = known(PRIORITIES, row, "facility_id", facility_ids, FACILITIES)
            child_id = known(PRIORITIES, row, "child_id", child_ids, CHILDREN)
            cls = check.integer(PRIORITIES, row, "priority_class")
            if facility_id is None or child_id is None or cls is None:
                continue
            if check.unique(
                seen,
                (facility_id, child_id),
                PRIORITIES,
                row,
                "child_id",
                ("facility_id", "child_id"),
            ):
                priorities[(facility_id, child_id)] = cls

    if check.problems:
        return InstanceReadResult(None, tuple(check.problems))
    instance = AllocationInstance(
        programmes=tuple(programmes),
        children=tuple(children),
        preferences={c: tuple(f for _, f in sorted(entries)) for c, entries in ranked.items()},
        priorities=priorities,
    )
    return InstanceReadResult(instance, ())


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _flag(value: bool) -> int:
    return 1 if value else 0


@dataclass(frozen=True, slots=True, eq=False)
class LotteryReadResult:
    """The lottery numbers (``None`` when there are problems) and all problems found."""

    lottery: dict[str, int] | None
    problems: tuple[ImportProblem, ...]


def read_lottery(path: Path, instance: AllocationInstance) -> LotteryReadResult:
    """Read given lottery numbers (``child_id,lottery``), e.g. the ``lottery.csv`` of a published
    run, so a run whose numbers did not come from one seed (late registrations) can be checked.

    Every child of the instance needs exactly one number; numbers are distinct and ≥ 1.
    """
    check = _Checker()
    path = Path(path)
    name = path.name
    try:
        table = read_table(path)
    except ExchangeError as error:
        return LotteryReadResult(None, tuple(error.problems))
    for column in _LOTTERY_COLUMNS:
        if column not in table.columns:
            check.add(
                ProblemCode.MISSING_COLUMN,
                name,
                1,
                column,
                "",
                expectation(_E.COLUMN_NAMED, column=column),
            )
    if check.problems:
        return LotteryReadResult(None, tuple(check.problems))
    known = {c.child_id for c in instance.children}
    lottery: dict[str, int] = {}
    seen: dict[tuple[str, ...], int] = {}
    numbers: dict[tuple[str, ...], int] = {}
    for row in table.rows:
        child_id = check.text(name, row, "child_id")
        number = check.integer(name, row, "lottery", low=1)
        if child_id is None or number is None:
            continue
        if child_id not in known:
            check.add(
                ProblemCode.UNKNOWN_CHOICE,
                name,
                row.number,
                "child_id",
                child_id,
                expectation(_E.ID_FROM, column="child_id", source=CHILDREN),
            )
            continue
        if not check.unique(seen, (child_id,), name, row, "child_id", ("child_id",)):
            continue
        if not check.unique(numbers, (str(number),), name, row, "lottery", ("lottery",)):
            continue
        lottery[child_id] = number
    for child_id in sorted(known - set(lottery)):
        check.add(
            ProblemCode.MISSING_VALUE,
            name,
            len(table.rows) + 2,
            "child_id",
            child_id,
            expectation(_E.ROW_FOR_EVERY_CHILD, source=CHILDREN),
        )
    if check.problems:
        return LotteryReadResult(None, tuple(check.problems))
    return LotteryReadResult(lottery, ())


def write_instance(directory: Path, instance: AllocationInstance) -> None:
    """Write ``instance`` in the input format (all four files)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _write(
        directory / FACILITIES,
        _REQUIRED[FACILITIES] + ("integration_places", "release_unused"),
        (
            (p.facility_id, p.age_group, p.capacity, p.integration_places, _flag(p.release_unused))
            for p in instance.programmes
        ),
    )
    _write(
        directory / CHILDREN,
        ("child_id", "age_group", "integration_need"),
        ((c.child_id, c.age_group, _flag(c.integration_need)) for c in instance.children),
    )
    _write(
        directory / PREFERENCES,
        _REQUIRED[PREFERENCES],
        (
            (c.child_id, rank, f)
            for c in instance.children
            for rank, f in enumerate(instance.preferences.get(c.child_id, ()), start=1)
        ),
    )
    _write(
        directory / PRIORITIES,
        _REQUIRED[PRIORITIES],
        ((f, c, cls) for (f, c), cls in sorted(instance.priorities.items())),
    )


def write_allocation(
    directory: Path, instance: AllocationInstance, allocation: Allocation
) -> list[Path]:
    """Write ``assignment.csv``, ``cutoffs.csv`` and ``lottery.csv``; return their paths.

    ``cutoffs.csv`` has the optional extra columns ``capacity`` and ``admitted``: a programme is
    full (and refused someone) only when ``admitted == capacity``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / ASSIGNMENT, directory / CUTOFFS, directory / LOTTERY]
    _write(
        paths[0],
        ("child_id", "facility_id", "seat_type"),
        (
            (
                c.child_id,
                allocation.assignment[c.child_id],
                allocation.seat_types.get(c.child_id, ""),
            )
            for c in instance.children
        ),
    )
    _write(
        paths[1],
        (
            "facility_id",
            "age_group",
            "seat_type",
            "priority_class",
            "lottery",
            "capacity",
            "admitted",
        ),
        (
            (
                c.facility_id,
                c.age_group,
                c.seat_type.value,
                c.priority_class,
                c.lottery,
                c.capacity,
                c.admitted,
            )
            for p in instance.programmes
            for s in (SeatType.REGULAR, SeatType.INTEGRATION)
            if (c := allocation.cutoffs[(p.facility_id, p.age_group, s)]).capacity
            or (s is SeatType.REGULAR)
        ),
    )
    _write(
        paths[2],
        ("child_id", "lottery"),
        ((c.child_id, allocation.lottery[c.child_id]) for c in instance.children),
    )
    return paths
