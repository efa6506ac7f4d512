"""The figures of the yearly report of the advisory service (de: Sachbericht der Fachberatung).

Every figure is counted for the reference date of the official child and youth welfare
statistics (Teil III.3, Stichtag 1 March) and for the twelve months that end on it
(2 March of the year before – 1 March), and the same for the year before, side by side:

- childminders registered on the date (active or paused, from the status history), new ones
  (first activity in the twelve months) and those who left (changed to "left" in the twelve
  months and still left on the date);
- care relationships running on the date, by the child's age in full years and by the
  childminder's care location; placements (contracts starting in the twelve months) and endings
  (contracts ending in them);
- qualification of the childminders registered on the date (:func:`qualification_on`);
- substitute coverage of the twelve months and the payments of the months whose first day lies
  in them (both counted by the caller, which reads them from its records).

A childminder without any status history counts with her current status as if it had always
held. The care location is today's too. Everything here is pure: the web layer turns its
records into :class:`Person` and :class:`Care` and words the codes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from kitaplan.domain.childminding.ages import age_in_years
from kitaplan.domain.childminding.substitutes import CoverageReport
from kitaplan.domain.common.calendar import first_of_next_month, month_key

#: The reference date of the official statistics (month, day).
REFERENCE_DAY = (3, 1)

AGE_BANDS = ("under_1", "age_1", "age_2", "age_3_plus")
QUALIFICATIONS = ("qhb", "ue160", "pedagogical", "other", "in_qualification", "none")
#: The report's class of a completed programme, by programme kind.
PROGRAMME_CLASSES = {
    "qhb": "qhb",
    "curriculum_160": "ue160",
    "trained_staff": "pedagogical",
    "other": "other",
}
#: The better of two qualifications held at once (QHB first).
QUALIFICATION_RANK = ("qhb", "ue160", "pedagogical", "other")
CHILDMINDER_COUNTS = ("total", "active", "paused", "new", "left")
SECTIONS = (
    "childminders",
    "children_age",
    "children_location",
    "movement",
    "qualification",
    "substitutes",
    "payments",
)


@dataclass(frozen=True)
class StatusSpan:
    """One entry of a childminder's status history: ``status`` from ``valid_from`` on."""

    status: str
    valid_from: dt.date
    order: int = 0  # ties on one day: the later entry wins


@dataclass(frozen=True)
class Training:
    """One enrolment in a qualification programme (``kind``: the programme's kind)."""

    kind: str
    status: str  # enrolled, completed, dropped …
    result: str  # passed, failed, ""
    course_start: dt.date
    course_end: dt.date
    certificate_date: dt.date | None = None

    @property
    def completed_on(self) -> dt.date:
        return self.certificate_date or self.course_end

    @property
    def report_class(self) -> str:
        return PROGRAMME_CLASSES.get(self.kind, "other")


@dataclass(frozen=True)
class Person:
    """A childminder as the report sees her."""

    status: str  # today's status
    history: tuple[StatusSpan, ...] = ()
    qualification_text: str = ""
    trainings: tuple[Training, ...] = ()


@dataclass(frozen=True)
class Care:
    """A care contract: the child's birth date, its period and the childminder's care location."""

    child_birth_date: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    care_location: str


@dataclass(frozen=True)
class Payments:
    """Released payments of the twelve months: the sum and how many childminders were paid."""

    cents: int = 0
    childminders_paid: int = 0


# --- dates ---------------------------------------------------------------------------------------


def reference_date(year: int) -> dt.date:
    return dt.date(year, *REFERENCE_DAY)


def period_of(year: int) -> tuple[dt.date, dt.date]:
    """The twelve months that end on the reference date: 2 March of ``year - 1`` – 1 March."""
    end = reference_date(year)
    return reference_date(year - 1) + dt.timedelta(days=1), end


def default_year(today: dt.date) -> int:
    """The latest reference date that has passed."""
    return today.year if today >= reference_date(today.year) else today.year - 1


def months_in(start: dt.date, end: dt.date) -> list[str]:
    """Months (``YYYY-MM``) whose first day lies in ``start`` .. ``end``."""
    first = start if start.day == 1 else first_of_next_month(start)
    months = []
    while first <= end:
        months.append(month_key(first.year, first.month))
        first = first_of_next_month(first)
    return months


def age_band(birth: dt.date, day: dt.date) -> str:
    age = age_in_years(birth, day)
    if age < 1:
        return "under_1"
    if age == 1:
        return "age_1"
    if age == 2:
        return "age_2"
    return "age_3_plus"


# --- status and qualification ---------------------------------------------------------------------


def status_on(person: Person, day: dt.date) -> str | None:
    """The status on ``day`` by the history (``None``: not yet registered then)."""
    if not person.history:
        return person.status
    current = None
    for change in sorted(person.history, key=lambda s: (s.valid_from, s.order)):
        if change.valid_from <= day:
            current = change.status
    return current


def first_active(person: Person) -> dt.date | None:
    days = [s.valid_from for s in person.history if s.status == "active"]
    return min(days) if days else None


def last_left(person: Person, day: dt.date) -> dt.date | None:
    """The start of the latest "left" status on or before ``day``."""
    days = [s.valid_from for s in person.history if s.status == "left" and s.valid_from <= day]
    return max(days) if days else None


def qualification_class(text: str) -> str:
    """Classify the free text of the recorded qualification (QHB first, then 160 UE …)."""
    value = (text or "").strip().lower()
    if not value:
        return "none"
    if "qhb" in value or "300" in value:
        return "qhb"
    if "160" in value:
        return "ue160"
    pedagogical = ("erzieh", "pädagog", "paedagog", "pedagog", "kinderpfleg", "sozialassist")
    if any(word in value for word in pedagogical):
        return "pedagogical"
    return "other"


def qualification_on(person: Person, day: dt.date) -> str:
    """Her qualification class on ``day`` from her trainings, the free text where they say
    nothing. Dropped enrolments do not count (the day of dropping is not recorded).

    1. Programmes completed by ``day`` (passed; certificate date, else the course's end) → the
       best of their classes.
    2. The free text's class, unless it names what her trainings explain (e.g. "QHB" while the
       QHB course is still running or completed only later): that text is read as the result of
       those trainings, not as a qualification held on ``day``.
    3. A course started by ``day`` and not completed by then → ``in_qualification``.
    4. Otherwise ``none``.
    """
    trainings = [t for t in person.trainings if t.status != "dropped"]
    held = {
        t.report_class
        for t in trainings
        if t.status == "completed" and t.result == "passed" and t.completed_on <= day
    }
    if held:
        return min(held, key=QUALIFICATION_RANK.index)
    text = qualification_class(person.qualification_text)
    explained = {t.report_class for t in trainings}
    if text != "none" and text not in explained:
        return text
    if any(t.course_start <= day for t in trainings):
        return "in_qualification"
    return "none"


# --- figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The figures of one reference date and the twelve months before it."""

    reference_date: dt.date
    period_start: dt.date
    childminders: Mapping[str, int]
    children_by_age: Mapping[str, int]
    children_by_location: Mapping[str, int]
    placements: int
    endings: int
    qualification: Mapping[str, int]
    coverage: CoverageReport | None
    payment_months: Sequence[str]
    payments_cents: int
    childminders_paid: int

    @property
    def children(self) -> int:
        return sum(self.children_by_age.values())

    @property
    def payments(self) -> Decimal:
        return (Decimal(self.payments_cents) / 100).quantize(Decimal("0.01"))


def count_childminders(
    people: Iterable[Person], *, start: dt.date, day: dt.date
) -> tuple[dict[str, int], dict[str, int]]:
    """Registered, active, paused, new and left childminders, and the qualification of the
    registered ones."""
    counts: Counter[str] = Counter(dict.fromkeys(CHILDMINDER_COUNTS, 0))
    qualification: Counter[str] = Counter(dict.fromkeys(QUALIFICATIONS, 0))
    for person in people:
        status = status_on(person, day)
        if status in ("active", "paused"):
            counts["total"] += 1
            counts[status] += 1
            qualification[qualification_on(person, day)] += 1
        first = first_active(person)
        if first is not None and start <= first <= day:
            counts["new"] += 1
        left = last_left(person, day)
        if status == "left" and left is not None and start <= left <= day:
            counts["left"] += 1
    return dict(counts), dict(qualification)


def count_care(
    contracts: Iterable[Care], *, start: dt.date, day: dt.date, locations: Sequence[str]
) -> tuple[dict[str, int], dict[str, int], int, int]:
    """Care relationships on ``day`` by age band and by care location, placements and endings
    in ``start`` .. ``day``."""
    by_age: Counter[str] = Counter(dict.fromkeys(AGE_BANDS, 0))
    by_location: Counter[str] = Counter(dict.fromkeys(locations, 0))
    placements = endings = 0
    for care in contracts:
        if care.valid_from <= day and (care.valid_to is None or care.valid_to >= day):
            by_age[age_band(care.child_birth_date, day)] += 1
            by_location[care.care_location] += 1
        if start <= care.valid_from <= day:
            placements += 1
        if care.valid_to is not None and start <= care.valid_to <= day:
            endings += 1
    return dict(by_age), dict(by_location), placements, endings


def figures(
    people: Sequence[Person],
    contracts: Sequence[Care],
    *,
    year: int,
    locations: Sequence[str],
    coverage: CoverageReport | None = None,
    payments: Payments = Payments(),
) -> Figures:
    """The figures of the reference date 1 March ``year`` (coverage and payments of its twelve
    months counted by the caller, see :func:`period_of` and :func:`months_in`)."""
    start, day = period_of(year)
    counts, qualification = count_childminders(people, start=start, day=day)
    by_age, by_location, placements, endings = count_care(
        contracts, start=start, day=day, locations=locations
    )
    return Figures(
        reference_date=day,
        period_start=start,
        childminders=counts,
        children_by_age=by_age,
        children_by_location=by_location,
        placements=placements,
        endings=endings,
        qualification=qualification,
        coverage=coverage,
        payment_months=months_in(start, day),
        payments_cents=payments.cents,
        childminders_paid=payments.childminders_paid,
    )


# --- rows ----------------------------------------------------------------------------------------

Value = int | Decimal | None


@dataclass(frozen=True)
class Row:
    """One row of the report: a figure now and a year before (``kind``: count, rate, euro)."""

    section: str
    key: str
    current: Value
    previous: Value
    kind: str = "count"

    @property
    def difference(self) -> Value:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


def _coverage_rate(coverage: CoverageReport) -> Decimal | None:
    if coverage.coverage_rate is None:
        return None
    return Decimal(str(coverage.coverage_rate * 100)).quantize(Decimal("0.1"))


COVERAGE_ROWS: tuple[tuple[str, Callable[[CoverageReport], Value], str], ...] = (
    ("absence_days", lambda c: c.childminder_absence_days, "count"),
    ("child_days", lambda c: c.child_days, "count"),
    ("own_arrangement_days", lambda c: c.own_arrangement_days, "count"),
    ("covered_days", lambda c: c.covered_days, "count"),
    ("uncovered_days", lambda c: c.uncovered_days, "count"),
    ("coverage_rate", _coverage_rate, "rate"),
)


def rows(now: Figures, before: Figures, *, locations: Sequence[str]) -> list[Row]:
    """Every row of the report, section by section, in the order of :data:`SECTIONS`."""
    result: list[Row] = []

    def add(section: str, key: str, get: Callable[[Figures], Value], kind: str = "count") -> None:
        result.append(Row(section, key, get(now), get(before), kind))

    def counted(
        section: str, keys: Iterable[str], table: Callable[[Figures], Mapping[str, int]]
    ) -> None:
        for key in keys:
            result.append(Row(section, key, table(now)[key], table(before)[key]))

    counted("childminders", CHILDMINDER_COUNTS, lambda f: f.childminders)
    add("children_age", "children", lambda f: f.children)
    counted("children_age", AGE_BANDS, lambda f: f.children_by_age)
    counted("children_location", locations, lambda f: f.children_by_location)
    add("movement", "placements", lambda f: f.placements)
    add("movement", "endings", lambda f: f.endings)
    counted("qualification", QUALIFICATIONS, lambda f: f.qualification)
    for key, get, kind in COVERAGE_ROWS:
        result.append(
            Row(
                "substitutes",
                key,
                None if now.coverage is None else get(now.coverage),
                None if before.coverage is None else get(before.coverage),
                kind,
            )
        )
    add("payments", "amount", lambda f: f.payments, "euro")
    add("payments", "childminders_paid", lambda f: f.childminders_paid)
    return result
