"""Reads of the qualification app, scoped by the registry's least-privilege rule.

Who sees what: courses and programmes are visible to every registry role (administrators,
payment office, advisers, childminders); participants, attendance, further training and the
computed status only for the childminders :func:`childminders_visible_to` returns (advisers:
their services' childminders; a childminder: herself). Kita staff participants are shown to
administrators only.

The status of a programme part and the behind list are rules of
:mod:`kitaplan.domain.childminding.qualification`; this module reads the rows, turns them into the
domain's values (:func:`domain_programme`, :func:`domain_enrolment`) and keeps the rows beside the
figures for the pages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet

from kitaplan.domain.childminding import qualification as rules
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.childminding.selectors import (
    can_edit_registry,
    can_use_registry,
    childminders_visible_to,
)
from kitaplan.web.core.access import has_any_role, scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.qualification.models import (
    DEFAULT_MINIMUM_HOURS,
    Attendance,
    Course,
    Enrolment,
    Module,
    Programme,
    ProgrammePart,
    TrainingMinimum,
)
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

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


@scoped_to_territories()
def programmes_visible_to(user: AnyUser) -> QuerySet[Programme]:
    if not can_use(user):
        return Programme.objects.none()
    return Programme.objects.select_related("territory").prefetch_related("parts")


@scoped_to_territories("programme__territory")
def courses_visible_to(user: AnyUser) -> QuerySet[Course]:
    if not can_use(user):
        return Course.objects.none()
    return Course.objects.select_related("programme", "provider")


@scoped_to_territories("course__programme__territory")
def enrolments_visible_to(user: AnyUser) -> QuerySet[Enrolment]:
    scope = Q(childminder__in=childminders_visible_to(user).values("pk"))
    if has_any_role(user, {Role.ADMIN}):
        scope |= Q(childminder__isnull=True)
    return Enrolment.objects.filter(scope).select_related("childminder", "facility", "course")


def enrolment_candidates(user: AnyUser, course: Course) -> QuerySet[Childminder]:
    """Childminders the user sees in the course's territory, not left, not enrolled yet."""
    return (
        childminders_visible_to(user)
        .filter(territory_id=course.programme.territory_id)
        .exclude(status="left")
        .exclude(enrolments__course=course)
    )


def attendance_entry(module: Module | None, enrolments: list[Enrolment]) -> list[dict[str, Any]]:
    """The attendance form's rows: each enrolment with the units stored for the module."""
    current: dict[int, int] = {}
    if module is not None:
        current = {
            a.enrolment_id: a.units
            for a in Attendance.objects.filter(module=module, enrolment__in=enrolments)
        }
    return [{"enrolment": e, "units": current.get(e.pk, "")} for e in enrolments]


def minimum_hours(territory: Territory | int, year: int) -> Decimal:
    """The year's own minimum, else the territory's default, else 20 h."""
    territory_id = territory if isinstance(territory, int) else territory.pk
    rows = {
        m.year: m.hours
        for m in TrainingMinimum.objects.filter(territory_id=territory_id).filter(
            Q(year=year) | Q(year__isnull=True)
        )
    }
    return rules.minimum_for(rows, year, DEFAULT_MINIMUM_HOURS)


def activity_start(cm: Childminder) -> dt.date | None:
    """The first day of her earliest permit (uses prefetched permits)."""
    days = [p.valid_from for p in cm.permits.all()]
    return min(days) if days else None


@dataclass(frozen=True)
class PartStatus:
    """The domain's status of a part beside the part's row (for the pages and forms)."""

    part: ProgrammePart
    figures: rules.PartStatus

    @property
    def units(self) -> int:
        return self.figures.units

    @property
    def internship_hours(self) -> int:
        return self.figures.internship_hours

    @property
    def test_passed(self) -> bool:
        return self.figures.test_passed

    @property
    def deadline(self) -> dt.date | None:
        return self.figures.deadline

    @property
    def units_missing(self) -> int:
        return self.figures.units_missing

    @property
    def internship_missing(self) -> int:
        return self.figures.internship_missing

    @property
    def done(self) -> bool:
        return self.figures.done

    def overdue(self, today: dt.date) -> bool:
        return self.figures.overdue(today)

    def due_soon(self, today: dt.date) -> bool:
        return self.figures.due_soon(today)


@dataclass
class ProgrammeStatus:
    """The domain's status of a programme beside the programme's row and the enrolments that
    count for it."""

    programme: Programme
    figures: rules.ProgrammeStatus
    parts: list[PartStatus] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.figures.done

    @property
    def units(self) -> int:
        return self.figures.units

    @property
    def units_missing(self) -> int:
        return self.figures.units_missing


def domain_programme(programme: Programme) -> rules.Programme:
    """The programme and its parts (prefetched) as the domain's values."""
    return rules.Programme(
        programme_id=programme.pk,
        code=programme.code,
        parts=tuple(
            rules.Part(
                part_id=part.pk,
                name=part.name,
                timing=rules.Timing(part.timing),
                units=part.units,
                internship_hours=part.internship_hours,
                test_required=part.test_required,
                deadline_months=part.deadline_months,
            )
            for part in programme.parts.all()
        ),
    )


def domain_enrolment(enrolment: Enrolment) -> rules.EnrolmentRecord:
    """An enrolment (prefetched as in :func:`with_qualification`) as the domain's record: units
    per part, and the parts whose test it passed (listed, or the whole course passed)."""
    units: dict[int, int] = defaultdict(int)
    for attendance in enrolment.attendances.all():
        units[attendance.module.part_id] += attendance.units
    passed = {t.pk for t in enrolment.tests_passed.all()}
    if enrolment.result == "passed":
        passed |= {m.part_id for m in enrolment.course.modules.all()}
    return rules.EnrolmentRecord(
        programme_id=enrolment.course.programme_id,
        dropped=enrolment.status == "dropped",
        internship_hours=enrolment.internship_hours,
        units_by_part=dict(units),
        tests_passed=frozenset(passed),
    )


def programme_status(
    programme: Programme,
    enrolments: Iterable[Enrolment],
    *,
    start: dt.date | None,
) -> ProgrammeStatus:
    """The status of each part from the given enrolments (of one participant, prefetched as in
    :func:`with_qualification`), computed by :func:`rules.programme_status`."""
    enrolments = list(enrolments)
    figures = rules.programme_status(
        domain_programme(programme), [domain_enrolment(e) for e in enrolments], start=start
    )
    own = [e for e in enrolments if e.course.programme_id == programme.pk and e.status != "dropped"]
    parts = list(programme.parts.all())
    return ProgrammeStatus(
        programme=programme,
        figures=figures,
        parts=[PartStatus(row, f) for row, f in zip(parts, figures.parts, strict=True)],
        enrolments=own,
    )


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
    return rules.training_hours(((t.date, t.hours) for t in cm.further_trainings.all()), year)


@dataclass(frozen=True)
class BehindItem:
    childminder: Childminder
    kind: str  # a rules.ShortfallKind value
    programme: str
    detail: str
    missing: Decimal  # units (UE) or hours
    due: dt.date | None = None


BEHIND_KINDS = tuple(kind.value for kind in rules.ShortfallKind)


def behind_list(childminders: QuerySet[Childminder], *, today: dt.date) -> list[BehindItem]:
    """Active childminders who are behind (:func:`rules.shortfalls`), in a fixed number of
    queries: ordered by kind, due date and name."""
    rows = list(with_qualification(childminders.filter(status="active")))
    programmes = {p.pk: p for p in Programme.objects.prefetch_related("parts").order_by("code")}
    minimums: dict[int, Decimal] = {}
    defaults = {m.territory_id: m.hours for m in TrainingMinimum.objects.filter(year=None)}
    for m in TrainingMinimum.objects.filter(year=today.year):
        minimums[m.territory_id] = m.hours
    items: list[BehindItem] = []
    for cm in rows:
        minimum = minimums.get(
            cm.territory_id, defaults.get(cm.territory_id, DEFAULT_MINIMUM_HOURS)
        )
        found = rules.shortfalls(
            [s.figures for s in qualification_status(cm, programmes)],
            training=training_hours(cm, today.year),
            minimum=minimum,
            today=today,
        )
        items += [
            BehindItem(cm, f.kind.value, f.programme, f.detail, f.missing, f.due) for f in found
        ]
    order = rules.SHORTFALL_ORDER
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
