"""The yearly report of the advisory service (de: Sachbericht der Fachberatung): the records it
counts and the words of its rows.

The figures and their rules are :mod:`kitaplan.domain.childminding.yearly_report`; this module
reads the childminders (status history, enrolments of the qualification app), their contracts,
the substitute coverage of the twelve months
(:func:`kitaplan.web.substitutes.selectors.period_report`) and the released payment lines of
the months whose first day lies in them (corrections of earlier months included, as they were
paid then), turns them into the domain's records and labels the rows.

Qualification comes from the qualification history: only a qualification the history does not
explain (e.g. "Erzieherin", or QHB without enrolments in kitaplan) comes from the free-text field
``Childminder.qualification``, which has no date and counts for both years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.childminding import yearly_report as rules
from kitaplan.domain.childminding.substitutes import CoverageReport
from kitaplan.domain.childminding.yearly_report import Figures, period_of
from kitaplan.web.childminding.models import (
    CARE_LOCATIONS,
    AdvisoryService,
    CareContract,
    Childminder,
)
from kitaplan.web.payments.models import PaymentLineRecord, PaymentRun
from kitaplan.web.qualification.models import Enrolment
from kitaplan.web.substitutes.models import Absence, SubstituteSettings
from kitaplan.web.substitutes.selectors import period_report
from kitaplan.web.territory.models import Territory

LOCATIONS = tuple(code for code, _label in CARE_LOCATIONS)

SECTIONS = [
    ("childminders", _("Childminders")),
    ("children_age", _("Care relationships on the reference date by age")),
    ("children_location", _("Care relationships on the reference date by care location")),
    ("movement", _("Placements and endings in the twelve months")),
    ("qualification", _("Qualification of the registered childminders")),
    ("substitutes", _("Substitute care in the twelve months")),
    ("payments", _("Payments in the twelve months")),
]
LABELS: dict[tuple[str, str], Any] = {
    ("childminders", "total"): _("registered on the reference date (active or paused)"),
    ("childminders", "active"): _("active"),
    ("childminders", "paused"): _("paused"),
    ("childminders", "new"): _("new (first activity in the twelve months)"),
    ("childminders", "left"): _("left in the twelve months"),
    ("children_age", "children"): _("care relationships"),
    ("children_age", "under_1"): _("under 1 year"),
    ("children_age", "age_1"): _("1 year"),
    ("children_age", "age_2"): _("2 years"),
    ("children_age", "age_3_plus"): _("3 years and older"),
    **{("children_location", code): label for code, label in CARE_LOCATIONS},
    ("movement", "placements"): _("placements (care starting in the twelve months)"),
    ("movement", "endings"): _("endings (care ending in the twelve months)"),
    ("qualification", "qhb"): _("QHB (300 teaching units)"),
    ("qualification", "ue160"): _("160 teaching units"),
    ("qualification", "pedagogical"): _("trained pedagogical staff"),
    ("qualification", "other"): _("other qualification"),
    ("qualification", "in_qualification"): _("in qualification (course started, not completed)"),
    ("qualification", "none"): _("no qualification recorded"),
    ("substitutes", "absence_days"): _("absence days of childminders"),
    ("substitutes", "child_days"): _("care days affected"),
    ("substitutes", "own_arrangement_days"): _("care days the family arranged itself"),
    ("substitutes", "covered_days"): _("care days with a confirmed substitute"),
    ("substitutes", "uncovered_days"): _("uncovered care days"),
    ("substitutes", "coverage_rate"): _("coverage rate (%)"),
    ("payments", "amount"): _("paid (EUR, released runs)"),
    ("payments", "childminders_paid"): _("childminders paid"),
}


@dataclass(frozen=True)
class Line:
    """One row of the report with its words: a figure now and a year before."""

    section: str
    key: str
    label: Any
    current: Any
    previous: Any
    kind: str = "count"

    @property
    def difference(self) -> Any:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


@dataclass(frozen=True)
class YearlyReport:
    territory: Territory
    year: int
    current: Figures
    previous: Figures
    services: list[AdvisoryService] = field(default_factory=list)

    def lines(self) -> list[Line]:
        return [
            Line(r.section, r.key, LABELS[(r.section, r.key)], r.current, r.previous, r.kind)
            for r in rules.rows(self.current, self.previous, locations=LOCATIONS)
        ]

    def sections(self) -> list[tuple[str, Any, list[Line]]]:
        lines = self.lines()
        return [(code, label, [r for r in lines if r.section == code]) for code, label in SECTIONS]


# --- records → the domain's records ---------------------------------------------------------------


def person(cm: Childminder) -> rules.Person:
    """A childminder (``status_history`` and ``enrolments`` with ``course__programme``
    prefetched) as the report's rules see her."""
    return rules.Person(
        status=str(cm.status),
        history=tuple(
            rules.StatusSpan(str(s.status), s.valid_from, s.pk) for s in cm.status_history.all()
        ),
        qualification_text=cm.qualification or "",
        trainings=tuple(
            rules.Training(
                kind=e.course.programme.kind,
                status=e.status,
                result=e.result,
                course_start=e.course.start,
                course_end=e.course.end,
                certificate_date=e.certificate_date,
            )
            for e in cm.enrolments.all()
        ),
    )


def care(contract: CareContract) -> rules.Care:
    return rules.Care(
        child_birth_date=contract.child_birth_date,
        valid_from=contract.valid_from,
        valid_to=contract.valid_to,
        care_location=contract.childminder.care_location,
    )


def qualification_on(cm: Childminder, day: dt.date) -> str:
    """Her qualification class on ``day`` (see
    :func:`kitaplan.domain.childminding.yearly_report.qualification_on`)."""
    return rules.qualification_on(person(cm), day)


# --- queries --------------------------------------------------------------------------------------


def _coverage(
    ids: list[int], *, territory: Territory, start: dt.date, end: dt.date
) -> CoverageReport:
    conf = SubstituteSettings.for_territory(territory)
    absences = Absence.objects.filter(childminder__in=ids)
    return period_report(
        absences, start=start, end=end, day_rate=Decimal(conf.day_rate_cents) / 100
    ).total


def _payments(ids: list[int], *, territory: Territory, months: list[str]) -> rules.Payments:
    lines = PaymentLineRecord.objects.filter(
        run__territory=territory,
        run__status=PaymentRun.RELEASED,
        run__month__in=months,
        childminder__in=ids,
    )
    total = lines.aggregate(total=Sum("amount_cents"))["total"] or 0
    payees = lines.values("childminder").distinct().count()
    return rules.Payments(cents=int(total), childminders_paid=payees)


def _people(
    territory: Territory,
    services: list[AdvisoryService] | None,
    childminders: QuerySet[Childminder] | None,
) -> list[Childminder]:
    rows = Childminder.objects.filter(territory=territory)
    if childminders is not None:
        rows = rows.filter(pk__in=childminders.values("pk"))
    if services is not None:
        rows = rows.filter(service__in=[s.pk for s in services])
    enrolments = Enrolment.objects.filter(childminder__isnull=False).select_related(
        "course__programme"
    )
    return list(
        rows.prefetch_related(
            "status_history", Prefetch("enrolments", queryset=enrolments)
        ).order_by("pk")
    )


def yearly_report(
    territory: Territory,
    year: int,
    *,
    services: Iterable[AdvisoryService] | None = None,
    childminders: QuerySet[Childminder] | None = None,
    with_substitutes: bool = True,
) -> YearlyReport:
    """The Sachbericht of ``territory`` for the reference date 1 March ``year`` and the year
    before. ``services`` limits it to the childminders of these advisory services;
    ``childminders`` (e.g. :func:`~kitaplan.web.childminding.selectors.childminders_visible_to`)
    to those the reader may see. Without either, every childminder of the territory counts."""
    chosen = list(services) if services is not None else None
    records = _people(territory, chosen, childminders)
    ids = [cm.pk for cm in records]
    people = [person(cm) for cm in records]
    contracts = [
        care(c)
        for c in CareContract.objects.filter(childminder__in=ids).select_related("childminder")
    ]

    def of(y: int) -> Figures:
        start, day = period_of(y)
        coverage = (
            _coverage(ids, territory=territory, start=start, end=day) if with_substitutes else None
        )
        return rules.figures(
            people,
            contracts,
            year=y,
            locations=LOCATIONS,
            coverage=coverage,
            payments=_payments(ids, territory=territory, months=rules.months_in(start, day)),
        )

    return YearlyReport(territory, year, of(year), of(year - 1), chosen or [])


# --- presentation ---------------------------------------------------------------------------------


def number(value: Any, kind: str, *, signed: bool = False) -> str:
    """A figure as the reader's locale writes it ("–" for none; euros with two decimals)."""
    if value is None:
        return "–"
    places = {"euro": 2, "rate": 1}.get(kind, 0)
    text = str(formats.number_format(value, places, use_l10n=True, force_grouping=True))
    if signed and value > 0:
        text = f"+{text}"
    return text


def day_text(value: dt.date) -> str:
    return str(formats.date_format(value, "SHORT_DATE_FORMAT"))
