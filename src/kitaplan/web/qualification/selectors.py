"""Reads of the qualification app, scoped by the registry's least-privilege rule.

Who sees what: courses and programmes are visible to every registry role (administrators,
payment office, advisers, childminders); participants, attendance, further training and the
computed status only for the childminders :func:`childminders_visible_to` returns (advisers:
their services' childminders; a childminder: herself). Kita staff participants are shown to
administrators only.

The status of a programme part counts the units attended in modules of that part (all courses
of the programme, dropped enrolments excluded), the internship hours and a passed test. The
deadline of a part alongside the work counts from the start of the activity: the first day of
the childminder's earliest permit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from kitaplan.web.childminding.models import Childminder
from kitaplan.web.childminding.selectors import (
    can_edit_registry,
    can_use_registry,
    childminders_visible_to,
)
from kitaplan.web.core.access import has_any_role
from kitaplan.web.core.roles import Role
from kitaplan.web.qualification.models import (
    DEFAULT_MINIMUM_HOURS,
    Course,
    Enrolment,
    Programme,
    ProgrammePart,
    TrainingMinimum,
)
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

#: A part alongside the work is "due soon" this many months before its deadline.
DUE_SOON_MONTHS = 3
STAFF_LISTS = frozenset({Role.ADMIN, Role.PAYMENT_OFFICE, Role.CHILDMINDER_ADVISER})

__all__ = ["can_edit_registry", "can_use_registry", "childminders_visible_to"]


def can_use(user: AnyUser) -> bool:
    return can_use_registry(user)


def can_edit(user: AnyUser) -> bool:
    """Advisers and administrators keep courses, attendance and training hours."""
    return can_edit_registry(user)


def can_see_lists(user: AnyUser) -> bool:
    """The behind list and the course planning are staff work lists."""
    return has_any_role(user, STAFF_LISTS)


def programmes_visible_to(user: AnyUser) -> QuerySet[Programme]:
    if not can_use(user):
        return Programme.objects.none()
    return Programme.objects.select_related("territory").prefetch_related("parts")


def courses_visible_to(user: AnyUser) -> QuerySet[Course]:
    if not can_use(user):
        return Course.objects.none()
    return Course.objects.select_related("programme", "provider")


def enrolments_visible_to(user: AnyUser) -> QuerySet[Enrolment]:
    scope = Q(childminder__in=childminders_visible_to(user).values("pk"))
    if has_any_role(user, {Role.ADMIN}):
        scope |= Q(childminder__isnull=True)
    return Enrolment.objects.filter(scope).select_related("childminder", "facility", "course")


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def minimum_hours(territory: Territory | int, year: int) -> Decimal:
    """The year's own minimum, else the territory's default, else 20 h."""
    territory_id = territory if isinstance(territory, int) else territory.pk
    rows = {
        m.year: m.hours
        for m in TrainingMinimum.objects.filter(territory_id=territory_id).filter(
            Q(year=year) | Q(year__isnull=True)
        )
    }
    return rows.get(year, rows.get(None, DEFAULT_MINIMUM_HOURS))


def activity_start(cm: Childminder) -> dt.date | None:
    """The first day of her earliest permit (uses prefetched permits)."""
    days = [p.valid_from for p in cm.permits.all()]
    return min(days) if days else None


@dataclass
class PartStatus:
    part: ProgrammePart
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


@dataclass
class ProgrammeStatus:
    programme: Programme
    parts: list[PartStatus] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return all(p.done for p in self.parts)

    @property
    def units(self) -> int:
        return sum(p.units for p in self.parts)

    @property
    def units_missing(self) -> int:
        return sum(p.units_missing for p in self.parts)


def programme_status(
    programme: Programme,
    enrolments: Iterable[Enrolment],
    *,
    start: dt.date | None,
) -> ProgrammeStatus:
    """The status of each part from the given enrolments (of one participant, prefetched as in
    :func:`with_qualification`); dropped enrolments do not count. A part's test is passed when
    an enrolment lists it among its tests passed, or its course (with modules of the part) was
    passed as a whole."""
    own = [e for e in enrolments if e.course.programme_id == programme.pk and e.status != "dropped"]
    status = ProgrammeStatus(programme=programme, enrolments=own)
    internship = sum(e.internship_hours for e in own)
    for part in programme.parts.all():
        units = sum(
            a.units for e in own for a in e.attendances.all() if a.module.part_id == part.pk
        )
        passed = any(
            any(t.pk == part.pk for t in e.tests_passed.all())
            or (e.result == "passed" and any(m.part_id == part.pk for m in e.course.modules.all()))
            for e in own
        )
        deadline = None
        if part.timing == "alongside_work" and part.deadline_months and start is not None:
            deadline = add_months(start, part.deadline_months)
        status.parts.append(
            PartStatus(
                part=part,
                units=units,
                # internships belong to the parts that ask for them, the first one first
                internship_hours=min(internship, part.internship_hours),
                test_passed=passed,
                deadline=deadline,
            )
        )
        internship = max(0, internship - part.internship_hours)
    return status


def with_qualification(childminders: QuerySet[Childminder]) -> QuerySet[Childminder]:
    """Prefetch what :func:`qualification_status` and :func:`training_hours` read."""
    return childminders.prefetch_related(
        "permits",
        "further_trainings",
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.select_related("course").prefetch_related(
                "attendances__module", "course__modules", "tests_passed"
            ),
        ),
    )


def qualification_status(
    cm: Childminder, programmes: dict[int, Programme] | None = None
) -> list[ProgrammeStatus]:
    """One status per programme she is (or was) enrolled in, dropped enrolments aside."""
    enrolments = list(cm.enrolments.all())
    ids = sorted({e.course.programme_id for e in enrolments if e.status != "dropped"})
    if programmes is None:
        programmes = {
            p.pk: p for p in Programme.objects.filter(pk__in=ids).prefetch_related("parts")
        }
    start = activity_start(cm)
    return [programme_status(programmes[pk], enrolments, start=start) for pk in ids]


def training_hours(cm: Childminder, year: int) -> Decimal:
    return sum((t.hours for t in cm.further_trainings.all() if t.date.year == year), Decimal(0))


@dataclass(frozen=True)
class BehindItem:
    childminder: Childminder
    kind: str  # pre_start_missing, alongside_overdue, alongside_due, training_below_minimum
    programme: str
    detail: str
    missing: Decimal  # units (UE) or hours
    due: dt.date | None = None


BEHIND_KINDS = ("pre_start_missing", "alongside_overdue", "alongside_due", "training_below_minimum")


def behind_list(childminders: QuerySet[Childminder], *, today: dt.date) -> list[BehindItem]:
    """Active childminders who are behind: the part before starting not done, the part alongside
    the work overdue or due within three months (unless another programme is done), or this
    year's further training below the minimum. A fixed number of queries."""
    rows = list(with_qualification(childminders.filter(status="active")))
    programmes = {p.pk: p for p in Programme.objects.prefetch_related("parts").order_by("code")}
    minimums: dict[int, Decimal] = {}
    defaults = {m.territory_id: m.hours for m in TrainingMinimum.objects.filter(year=None)}
    for m in TrainingMinimum.objects.filter(year=today.year):
        minimums[m.territory_id] = m.hours
    items: list[BehindItem] = []
    for cm in rows:
        statuses = qualification_status(cm, programmes)
        if statuses and not any(s.done for s in statuses):
            for status in statuses:
                for part in status.parts:
                    if part.done:
                        continue
                    name = status.programme.code
                    if part.part.timing == "before_start":
                        items.append(
                            BehindItem(
                                cm,
                                "pre_start_missing",
                                name,
                                part.part.name,
                                Decimal(part.units_missing),
                            )
                        )
                    elif part.overdue(today):
                        items.append(
                            BehindItem(
                                cm,
                                "alongside_overdue",
                                name,
                                part.part.name,
                                Decimal(part.units_missing),
                                part.deadline,
                            )
                        )
                    elif part.due_soon(today):
                        items.append(
                            BehindItem(
                                cm,
                                "alongside_due",
                                name,
                                part.part.name,
                                Decimal(part.units_missing),
                                part.deadline,
                            )
                        )
        minimum = minimums.get(
            cm.territory_id, defaults.get(cm.territory_id, DEFAULT_MINIMUM_HOURS)
        )
        hours = training_hours(cm, today.year)
        if hours < minimum:
            items.append(
                BehindItem(
                    cm,
                    "training_below_minimum",
                    "",
                    str(today.year),
                    minimum - hours,
                    dt.date(today.year, 12, 31),
                )
            )
    order = {k: n for n, k in enumerate(BEHIND_KINDS)}
    return sorted(items, key=lambda i: (order[i.kind], i.due or dt.date.min, i.childminder.name))


@dataclass(frozen=True)
class PlanningRow:
    programme: Programme
    year: int
    planned: int
    scheduled: int

    @property
    def gap(self) -> int:
        return self.scheduled - self.planned

    @property
    def missing(self) -> int:
        return max(0, self.planned - self.scheduled)


def course_planning(programmes: Iterable[Programme], years: Iterable[int]) -> list[PlanningRow]:
    """Courses per year planned by each programme against the courses starting that year."""
    years = list(years)
    programmes = list(programmes)
    counts: dict[tuple[int, int], int] = {}
    for programme_id, start in Course.objects.filter(
        programme__in=programmes, start__year__in=years
    ).values_list("programme_id", "start"):
        counts[(programme_id, start.year)] = counts.get((programme_id, start.year), 0) + 1
    return [
        PlanningRow(p, year, p.courses_per_year, counts.get((p.pk, year), 0))
        for p in programmes
        for year in years
    ]
