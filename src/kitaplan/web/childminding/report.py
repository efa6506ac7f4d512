"""The yearly report of the advisory service (de: Sachbericht der Fachberatung).

Every figure is counted for the reference date of the official child and youth welfare
statistics (Teil III.3, Stichtag 1 March) and for the twelve months that end on it
(2 March of the year before – 1 March), and the same for the year before, side by side:

- childminders registered on the date (active or paused, from the status history
  :class:`~kitaplan.web.childminding.models.StatusChange`), new ones (first activity in the twelve
  months) and those who left (changed to "left" in the twelve months and still left on the date);
- care relationships running on the date, by the child's age in full years and by the
  childminder's care location; placements (contracts starting in the twelve months) and endings
  (contracts ending in them);
- qualification of the childminders registered on the date, from the qualification history
  (:func:`qualification_on`): a programme completed by the date (certificate date, else the
  course's end) counts as that qualification; a course started by the date and not completed by
  then counts as "in qualification"; only a qualification the history does not explain (e.g.
  "Erzieherin", or QHB without enrolments in kitaplan) comes from the free-text field
  ``Childminder.qualification``, which has no date and counts for both years;
- substitute coverage of the twelve months (:func:`kitaplan.web.substitutes.selectors.period_report`:
  care days with a confirmed substitute over affected care days less the family's own
  arrangements);
- payments: released payment lines of the months whose first day lies in the twelve months
  (corrections of earlier months included, as they were paid then), and the childminders paid.

A childminder without any status history counts with her current status as if it had always
held. The care location is today's too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.childminding.substitutes import CoverageReport
from kitaplan.web.childminding.models import (
    CARE_LOCATIONS,
    AdvisoryService,
    CareContract,
    Childminder,
)
from kitaplan.web.qualification.models import Enrolment
from kitaplan.web.territory.models import Territory

#: The reference date of the official statistics (month, day).
REFERENCE_DAY = (3, 1)

AGE_BANDS = [
    ("under_1", _("under 1 year")),
    ("age_1", _("1 year")),
    ("age_2", _("2 years")),
    ("age_3_plus", _("3 years and older")),
]
QUALIFICATIONS = [
    ("qhb", _("QHB (300 teaching units)")),
    ("ue160", _("160 teaching units")),
    ("pedagogical", _("trained pedagogical staff")),
    ("other", _("other qualification")),
    ("in_qualification", _("in qualification (course started, not completed)")),
    ("none", _("no qualification recorded")),
]
#: The report's class of a completed programme of the qualification app, by programme kind.
PROGRAMME_CLASSES = {
    "qhb": "qhb",
    "curriculum_160": "ue160",
    "trained_staff": "pedagogical",
    "other": "other",
}
#: The better of two qualifications held at once (QHB first).
QUALIFICATION_RANK = ("qhb", "ue160", "pedagogical", "other")
SECTIONS = [
    ("childminders", _("Childminders")),
    ("children_age", _("Care relationships on the reference date by age")),
    ("children_location", _("Care relationships on the reference date by care location")),
    ("movement", _("Placements and endings in the twelve months")),
    ("qualification", _("Qualification of the registered childminders")),
    ("substitutes", _("Substitute care in the twelve months")),
    ("payments", _("Payments in the twelve months")),
]


def reference_date(year: int) -> dt.date:
    return dt.date(year, *REFERENCE_DAY)


def period_of(year: int) -> tuple[dt.date, dt.date]:
    """The twelve months that end on the reference date: 2 March of ``year - 1`` – 1 March."""
    end = reference_date(year)
    return reference_date(year - 1) + dt.timedelta(days=1), end


def months_in(start: dt.date, end: dt.date) -> list[str]:
    """Months (``YYYY-MM``) whose first day lies in ``start`` .. ``end``."""
    months = []
    year, month = start.year, start.month
    if start.day > 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while dt.date(year, month, 1) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def age_in_years(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(birth: dt.date, day: dt.date) -> str:
    age = age_in_years(birth, day)
    if age < 1:
        return "under_1"
    if age == 1:
        return "age_1"
    if age == 2:
        return "age_2"
    return "age_3_plus"


def qualification_class(text: str) -> str:
    """Classify the free text of ``Childminder.qualification`` (QHB first, then 160 UE …)."""
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


def qualification_on(cm: Childminder, day: dt.date) -> str:
    """Her qualification class on ``day`` from the enrolments of the qualification app
    (prefetched as ``enrolments`` with ``course__programme``), the free text where they say
    nothing. Dropped enrolments do not count (the day of dropping is not recorded).

    1. Programmes completed by ``day`` (passed; certificate date, else the course's end) → the
       best of their classes.
    2. The free text's class, unless it names what her enrolments explain (e.g. "QHB" while the
       QHB course is still running or completed only later): that text is read as the result of
       those enrolments, not as a qualification held on ``day``.
    3. A course started by ``day`` and not completed by then → ``in_qualification``.
    4. Otherwise ``none``.
    """
    enrolments = [e for e in cm.enrolments.all() if e.status != "dropped"]
    held = set()
    for enrolment in enrolments:
        done = enrolment.certificate_date or enrolment.course.end
        if enrolment.status == "completed" and enrolment.result == "passed" and done <= day:
            held.add(PROGRAMME_CLASSES.get(enrolment.course.programme.kind, "other"))
    if held:
        return min(held, key=QUALIFICATION_RANK.index)
    text = qualification_class(cm.qualification)
    explained = {PROGRAMME_CLASSES.get(e.course.programme.kind, "other") for e in enrolments}
    if text != "none" and text not in explained:
        return text
    if any(e.course.start <= day for e in enrolments):
        return "in_qualification"
    return "none"


def status_on(cm: Childminder, day: dt.date) -> str | None:
    """The status on ``day`` by the history (``None``: not yet registered then)."""
    history = sorted(cm.status_history.all(), key=lambda s: (s.valid_from, s.pk))
    if not history:
        return str(cm.status)
    current = None
    for change in history:
        if change.valid_from <= day:
            current = str(change.status)
    return current


def first_active(cm: Childminder) -> dt.date | None:
    days = [s.valid_from for s in cm.status_history.all() if s.status == "active"]
    return min(days) if days else None


def last_left(cm: Childminder, day: dt.date) -> dt.date | None:
    """The start of the latest "left" status on or before ``day``."""
    days = [
        s.valid_from for s in cm.status_history.all() if s.status == "left" and s.valid_from <= day
    ]
    return max(days) if days else None


@dataclass(frozen=True)
class Figures:
    """The figures of one reference date and the twelve months before it."""

    reference_date: dt.date
    period_start: dt.date
    childminders: dict[str, int]
    children_by_age: dict[str, int]
    children_by_location: dict[str, int]
    placements: int
    endings: int
    qualification: dict[str, int]
    coverage: CoverageReport | None
    payment_months: list[str]
    payments_cents: int
    childminders_paid: int

    @property
    def children(self) -> int:
        return sum(self.children_by_age.values())

    @property
    def payments(self) -> Decimal:
        return (Decimal(self.payments_cents) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Line:
    """One row of the report: a figure now and a year before (``kind``: count, rate, euro)."""

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
        now, before = self.current, self.previous
        rows: list[Line] = []

        def add(section: str, key: str, label: Any, get: Any, kind: str = "count") -> None:
            rows.append(Line(section, key, label, get(now), get(before), kind))

        for key, label in (
            ("total", _("registered on the reference date (active or paused)")),
            ("active", _("active")),
            ("paused", _("paused")),
            ("new", _("new (first activity in the twelve months)")),
            ("left", _("left in the twelve months")),
        ):
            add("childminders", key, label, lambda f, k=key: f.childminders[k])
        add("children_age", "children", _("care relationships"), lambda f: f.children)
        for key, label in AGE_BANDS:
            add("children_age", key, label, lambda f, k=key: f.children_by_age[k])
        for key, label in CARE_LOCATIONS:
            add("children_location", key, label, lambda f, k=key: f.children_by_location[k])
        add(
            "movement",
            "placements",
            _("placements (care starting in the twelve months)"),
            lambda f: f.placements,
        )
        add(
            "movement",
            "endings",
            _("endings (care ending in the twelve months)"),
            lambda f: f.endings,
        )
        for key, label in QUALIFICATIONS:
            add("qualification", key, label, lambda f, k=key: f.qualification[k])

        def coverage(get: Any) -> Any:
            return lambda f: None if f.coverage is None else get(f.coverage)

        add(
            "substitutes",
            "absence_days",
            _("absence days of childminders"),
            coverage(lambda c: c.childminder_absence_days),
        )
        add("substitutes", "child_days", _("care days affected"), coverage(lambda c: c.child_days))
        add(
            "substitutes",
            "own_arrangement_days",
            _("care days the family arranged itself"),
            coverage(lambda c: c.own_arrangement_days),
        )
        add(
            "substitutes",
            "covered_days",
            _("care days with a confirmed substitute"),
            coverage(lambda c: c.covered_days),
        )
        add(
            "substitutes",
            "uncovered_days",
            _("uncovered care days"),
            coverage(lambda c: c.uncovered_days),
        )
        add(
            "substitutes",
            "coverage_rate",
            _("coverage rate (%)"),
            coverage(
                lambda c: (
                    None
                    if c.coverage_rate is None
                    else Decimal(str(c.coverage_rate * 100)).quantize(Decimal("0.1"))
                )
            ),
            "rate",
        )
        add("payments", "amount", _("paid (EUR, released runs)"), lambda f: f.payments, "euro")
        add("payments", "childminders_paid", _("childminders paid"), lambda f: f.childminders_paid)
        return rows

    def sections(self) -> list[tuple[str, Any, list[Line]]]:
        lines = self.lines()
        return [(code, label, [r for r in lines if r.section == code]) for code, label in SECTIONS]


def _figures(
    childminders: list[Childminder],
    contracts: list[CareContract],
    *,
    territory: Territory,
    year: int,
    with_substitutes: bool,
) -> Figures:
    start, day = period_of(year)
    counts: Counter[str] = Counter({"total": 0, "active": 0, "paused": 0, "new": 0, "left": 0})
    qualification: Counter[str] = Counter({key: 0 for key, _label in QUALIFICATIONS})
    for cm in childminders:
        status = status_on(cm, day)
        if status in ("active", "paused"):
            counts["total"] += 1
            counts[status] += 1
            qualification[qualification_on(cm, day)] += 1
        first = first_active(cm)
        if first is not None and start <= first <= day:
            counts["new"] += 1
        left = last_left(cm, day)
        if status == "left" and left is not None and start <= left <= day:
            counts["left"] += 1
    by_age: Counter[str] = Counter({key: 0 for key, _label in AGE_BANDS})
    by_location: Counter[str] = Counter({key: 0 for key, _label in CARE_LOCATIONS})
    placements = endings = 0
    for contract in contracts:
        if contract.valid_from <= day and (contract.valid_to is None or contract.valid_to >= day):
            by_age[age_band(contract.child_birth_date, day)] += 1
            by_location[contract.childminder.care_location] += 1
        if start <= contract.valid_from <= day:
            placements += 1
        if contract.valid_to is not None and start <= contract.valid_to <= day:
            endings += 1
    ids = [cm.pk for cm in childminders]
    coverage = (
        _coverage(ids, territory=territory, start=start, end=day) if with_substitutes else None
    )
    months = months_in(start, day)
    paid, payees = _payments(ids, territory=territory, months=months)
    return Figures(
        reference_date=day,
        period_start=start,
        childminders=dict(counts),
        children_by_age=dict(by_age),
        children_by_location=dict(by_location),
        placements=placements,
        endings=endings,
        qualification=dict(qualification),
        coverage=coverage,
        payment_months=months,
        payments_cents=paid,
        childminders_paid=payees,
    )


def _coverage(
    ids: list[int], *, territory: Territory, start: dt.date, end: dt.date
) -> CoverageReport:
    from kitaplan.web.substitutes.models import Absence, SubstituteSettings
    from kitaplan.web.substitutes.selectors import period_report

    conf = SubstituteSettings.for_territory(territory)
    absences = Absence.objects.filter(childminder__in=ids)
    return period_report(
        absences, start=start, end=end, day_rate=Decimal(conf.day_rate_cents) / 100
    ).total


def _payments(ids: list[int], *, territory: Territory, months: list[str]) -> tuple[int, int]:
    from kitaplan.web.payments.models import PaymentLineRecord, PaymentRun

    lines = PaymentLineRecord.objects.filter(
        run__territory=territory,
        run__status=PaymentRun.RELEASED,
        run__month__in=months,
        childminder__in=ids,
    )
    total = lines.aggregate(total=Sum("amount_cents"))["total"] or 0
    payees = lines.values("childminder").distinct().count()
    return int(total), payees


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
    rows = Childminder.objects.filter(territory=territory)
    if childminders is not None:
        rows = rows.filter(pk__in=childminders.values("pk"))
    chosen = list(services) if services is not None else []
    if services is not None:
        rows = rows.filter(service__in=[s.pk for s in chosen])
    people = list(
        rows.prefetch_related(
            "status_history",
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.filter(childminder__isnull=False).select_related(
                    "course__programme"
                ),
            ),
        ).order_by("pk")
    )
    contracts = list(
        CareContract.objects.filter(childminder__in=[cm.pk for cm in people]).select_related(
            "childminder"
        )
    )
    current, previous = (
        _figures(
            people,
            contracts,
            territory=territory,
            year=y,
            with_substitutes=with_substitutes,
        )
        for y in (year, year - 1)
    )
    return YearlyReport(territory, year, current, previous, chosen)


def default_year(today: dt.date) -> int:
    """The latest reference date that has passed."""
    return today.year if today >= reference_date(today.year) else today.year - 1


def _number(value: Any, kind: str, *, signed: bool = False) -> str:
    from django.utils import formats

    if value is None:
        return "–"
    if kind in ("euro", "rate"):
        text = formats.number_format(
            value, 2 if kind == "euro" else 1, use_l10n=True, force_grouping=True
        )
    else:
        text = formats.number_format(value, 0, use_l10n=True, force_grouping=True)
    if signed and value > 0:
        text = f"+{text}"
    return str(text)


def report_pdf(report: YearlyReport, *, compress: bool = True) -> bytes:
    """The report as a PDF (ReportLab, fonts of the planning report): one table per section."""
    import io

    from django.utils import formats, timezone
    from django.utils.translation import gettext
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from kitaplan.web.planning.reports import _register_fonts

    def escape(text: Any) -> str:
        return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    _register_fonts()
    styles = getSampleStyleSheet()
    body = ParagraphStyle(
        "kp-body", parent=styles["BodyText"], fontName="Vera", fontSize=9.5, leading=13
    )
    heading = ParagraphStyle(
        "kp-h1", parent=styles["Heading1"], fontName="VeraBd", fontSize=15, leading=19
    )
    subheading = ParagraphStyle(
        "kp-h2", parent=styles["Heading2"], fontName="VeraBd", fontSize=11, leading=15
    )
    cell = ParagraphStyle("kp-cell", parent=body, fontSize=8, leading=10)
    now, before = report.current, report.previous
    title = gettext("Yearly report of the advisory service %(year)s: %(territory)s") % {
        "year": report.year,
        "territory": report.territory.name,
    }
    scope = (
        ", ".join(s.name for s in report.services)
        if report.services
        else gettext("all childminders you may see")
    )

    def day(value: dt.date) -> str:
        return str(formats.date_format(value, "SHORT_DATE_FORMAT"))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="kitaplan",
        pageCompression=1 if compress else 0,
    )
    story: list[Any] = [
        Paragraph(escape(title), heading),
        Paragraph(
            escape(
                gettext(
                    "Reference date %(now)s (twelve months %(start)s – %(now)s) beside "
                    "%(before)s (%(before_start)s – %(before)s). Advisory services: %(scope)s. "
                    "Created with kitaplan on %(today)s."
                )
                % {
                    "now": day(now.reference_date),
                    "start": day(now.period_start),
                    "before": day(before.reference_date),
                    "before_start": day(before.period_start),
                    "scope": scope,
                    "today": day(timezone.localdate()),
                }
            ),
            body,
        ),
        Spacer(1, 3 * mm),
    ]
    header = [
        gettext("Figure"),
        day(now.reference_date),
        day(before.reference_date),
        gettext("Difference"),
    ]
    widths = [94 * mm, 26 * mm, 26 * mm, 26 * mm]
    for _code, label, lines in report.sections():
        story.append(Paragraph(escape(label), subheading))
        data: list[list[Any]] = [[Paragraph(escape(h), cell) for h in header]]
        for line in lines:
            data.append(
                [
                    Paragraph(escape(line.label), cell),
                    _number(line.current, line.kind),
                    _number(line.previous, line.kind),
                    _number(line.difference, line.kind, signed=True),
                ]
            )
        table = Table(data, repeatRows=1, colWidths=widths)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), "Vera"),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ]
            )
        )
        story += [table, Spacer(1, 3 * mm)]
    story.append(
        Paragraph(
            escape(
                gettext(
                    "Childminders by their status history; qualification by the courses "
                    "completed or started by the reference date (else as recorded today); care "
                    "location as recorded today. Coverage: care days with a confirmed "
                    "substitute over the care days affected by absences, less those the family "
                    "arranged itself. "
                    "Payments: released runs of the months %(months)s, corrections included."
                )
                % {
                    "months": f"{now.payment_months[0]} – {now.payment_months[-1]}"
                    if now.payment_months
                    else "–"
                }
            ),
            body,
        )
    )
    doc.build(story)
    return buffer.getvalue()
