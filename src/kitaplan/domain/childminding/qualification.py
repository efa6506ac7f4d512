"""Qualification of childminders (de: Qualifizierung nach QHB): who has completed which part of a
programme, and who is behind (de: Rückstand).

A programme (QHB, the older 160-UE curriculum, …) has required parts; a part asks for units
(UE) attended in its modules, internship hours and, optionally, a passed test. A part *before
starting* must be done before the childminder starts; a part *alongside the work* is due
``deadline_months`` after the start of the activity (the first day of her earliest permit).

The status of a part (:func:`programme_status`) counts, over the participant's enrolments in
courses of the programme (dropped enrolments left out):

1. the units attended in modules of that part;
2. the internship hours, handed to the parts that ask for them in their order (the first part
   first, each up to its own requirement);
3. whether its test was passed (an enrolment lists the part among its tests passed, or the
   course with modules of the part was passed as a whole; the caller says which, per enrolment);
4. its deadline: start + ``deadline_months`` (clipped to the month's last day) for a part
   alongside the work, none otherwise.

A part is *overdue* when it is not done and ``today`` lies after its deadline, *due soon* when it
is not done and the deadline lies within :data:`DUE_SOON_MONTHS` months from ``today``.

The behind list (:func:`shortfalls`) of an active childminder names, unless one of her
programmes is done: every open part before starting, every part alongside the work that is
overdue or due soon; and, in any case, this year's further training below the yearly minimum
(due on 31 December).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kitaplan.domain.common.calendar import add_months

#: A part alongside the work is "due soon" this many months before its deadline.
DUE_SOON_MONTHS = 3


class Timing(StrEnum):
    BEFORE_START = "before_start"
    ALONGSIDE_WORK = "alongside_work"


class ShortfallKind(StrEnum):
    """What a childminder on the behind list lacks, in the list's order."""

    PRE_START_MISSING = "pre_start_missing"
    ALONGSIDE_OVERDUE = "alongside_overdue"
    ALONGSIDE_DUE = "alongside_due"
    TRAINING_BELOW_MINIMUM = "training_below_minimum"


#: The order of the behind list's kinds.
SHORTFALL_ORDER: Mapping[str, int] = {kind.value: n for n, kind in enumerate(ShortfallKind)}


@dataclass(frozen=True, slots=True)
class Part:
    """A required part of a programme."""

    part_id: int
    name: str
    timing: Timing
    units: int
    internship_hours: int = 0
    test_required: bool = False
    deadline_months: int | None = None


@dataclass(frozen=True, slots=True)
class Programme:
    programme_id: int
    code: str
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class EnrolmentRecord:
    """One enrolment of the participant: in a course of ``programme_id``, the units attended
    per part id, the internship hours and the part ids whose test counts as passed."""

    programme_id: int
    dropped: bool = False
    internship_hours: int = 0
    units_by_part: Mapping[int, int] | None = None
    tests_passed: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class PartStatus:
    part: Part
    units: int
    internship_hours: int
    test_passed: bool
    deadline: dt.date | None = None

    @property
    def units_missing(self) -> int:
        return max(0, self.part.units - self.units)

    @property
    def internship_missing(self) -> int:
        return max(0, self.part.internship_hours - self.internship_hours)

    @property
    def done(self) -> bool:
        return (
            self.units_missing == 0
            and self.internship_missing == 0
            and (self.test_passed or not self.part.test_required)
        )

    def overdue(self, today: dt.date) -> bool:
        return not self.done and self.deadline is not None and today > self.deadline

    def due_soon(self, today: dt.date) -> bool:
        return (
            not self.done
            and self.deadline is not None
            and today <= self.deadline <= add_months(today, DUE_SOON_MONTHS)
        )


@dataclass(frozen=True, slots=True)
class ProgrammeStatus:
    programme: Programme
    parts: tuple[PartStatus, ...]

    @property
    def done(self) -> bool:
        return all(p.done for p in self.parts)

    @property
    def units(self) -> int:
        return sum(p.units for p in self.parts)

    @property
    def units_missing(self) -> int:
        return sum(p.units_missing for p in self.parts)


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One line of the behind list: the kind, the programme's code ('' for further training),
    the part's name (the year for further training), what is missing (units or hours) and when
    it is (or was) due."""

    kind: ShortfallKind
    programme: str
    detail: str
    missing: Decimal
    due: dt.date | None = None


def counted(enrolments: Iterable[EnrolmentRecord], programme_id: int) -> list[EnrolmentRecord]:
    """The enrolments that count for the programme: its own, dropped ones left out."""
    return [e for e in enrolments if e.programme_id == programme_id and not e.dropped]


def programme_status(
    programme: Programme, enrolments: Iterable[EnrolmentRecord], *, start: dt.date | None
) -> ProgrammeStatus:
    """The status of each part of the programme (steps 1–4 of the module docstring);
    ``start`` is the start of the activity (None: no deadline can be computed)."""
    own = counted(enrolments, programme.programme_id)
    internship = sum(e.internship_hours for e in own)
    parts: list[PartStatus] = []
    for part in programme.parts:
        units = sum((e.units_by_part or {}).get(part.part_id, 0) for e in own)
        passed = any(part.part_id in e.tests_passed for e in own)
        deadline = None
        if part.timing is Timing.ALONGSIDE_WORK and part.deadline_months and start is not None:
            deadline = add_months(start, part.deadline_months)
        parts.append(
            PartStatus(
                part=part,
                units=units,
                internship_hours=min(internship, part.internship_hours),
                test_passed=passed,
                deadline=deadline,
            )
        )
        internship = max(0, internship - part.internship_hours)
    return ProgrammeStatus(programme=programme, parts=tuple(parts))


def training_hours(trainings: Iterable[tuple[dt.date, Decimal]], year: int) -> Decimal:
    """Hours of further training on days of ``year``."""
    return sum((hours for day, hours in trainings if day.year == year), Decimal(0))


def minimum_for(minimums: Mapping[int | None, Decimal], year: int, default: Decimal) -> Decimal:
    """The year's own minimum (key ``year``), else the standing one (key None), else ``default``."""
    return minimums.get(year, minimums.get(None, default))


def shortfalls(
    statuses: Sequence[ProgrammeStatus],
    *,
    training: Decimal,
    minimum: Decimal,
    today: dt.date,
) -> list[Shortfall]:
    """What one active childminder lacks on ``today`` (module docstring), programme parts first
    in their order, then further training."""
    found: list[Shortfall] = []
    if statuses and not any(s.done for s in statuses):
        for status in statuses:
            for part in status.parts:
                if part.done:
                    continue
                kind = None
                if part.part.timing is Timing.BEFORE_START:
                    kind = ShortfallKind.PRE_START_MISSING
                elif part.overdue(today):
                    kind = ShortfallKind.ALONGSIDE_OVERDUE
                elif part.due_soon(today):
                    kind = ShortfallKind.ALONGSIDE_DUE
                if kind is None:
                    continue
                due = None if kind is ShortfallKind.PRE_START_MISSING else part.deadline
                found.append(
                    Shortfall(
                        kind,
                        status.programme.code,
                        part.part.name,
                        Decimal(part.units_missing),
                        due,
                    )
                )
    if training < minimum:
        found.append(
            Shortfall(
                ShortfallKind.TRAINING_BELOW_MINIMUM,
                "",
                str(today.year),
                minimum - training,
                dt.date(today.year, 12, 31),
            )
        )
    return found
