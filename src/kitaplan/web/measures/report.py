"""The progress report for the Jugendhilfeausschuss as PDF (ReportLab, like the planning
committee report) and XLSX (one row per measure, through :mod:`kitaplan.web.core.exports`)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from kitaplan.web.core import pdf
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.measures.models import Measure
from kitaplan.web.measures.selectors import ProgressReport

LIGHT_LABELS = {
    "green": gettext_lazy("met"),
    "amber": gettext_lazy("nearly met"),
    "red": gettext_lazy("not met"),
    "grey": gettext_lazy("no value"),
}
LIGHT_SIGNS = {"green": "●", "amber": "▲", "red": "■", "grey": "–"}
STATUS_LABELS = dict(Measure.STATUS_CHOICES)


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status, "–")) if status else "–"


def light_text(light: str | None) -> str:
    if not light:
        return "–"
    return f"{LIGHT_SIGNS.get(light, '')} {LIGHT_LABELS.get(light, light)}"


def summary(report: ProgressReport) -> list[str]:
    """The report's findings in plain sentences."""
    t = report.totals
    lines = [
        _(
            "Of %(total)s measures, %(done)s are done, %(running)s running, %(delayed)s "
            "delayed, %(planned)s planned and %(dropped)s dropped."
        )
        % {"total": report.total, **t}
    ]
    if report.overdue:
        lines.append(
            _("%(n)s measures are past their end and not done.") % {"n": len(report.overdue)}
        )
    else:
        lines.append(_("No measure is past its end without being done."))
    if report.last is not None:
        lines.append(
            _("Since the last report (%(label)s, issued %(date)s), %(n)s measures changed.")
            % {
                "label": report.last.period_label,
                "date": formats.date_format(report.last.issued_at, "SHORT_DATE_FORMAT"),
                "n": len(report.changes),
            }
        )
    else:
        lines.append(_("No report has been issued before; the changes of the period are listed."))
    return lines


def _date(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "–"


def report_pdf(report: ProgressReport) -> bytes:
    style = pdf.styles(heading_size=15, subheading_size=11.5)
    body, h1, h2, cell = style.body, style.heading, style.subheading, style.cell
    plan = report.plan

    def p(text: Any, style: ParagraphStyle = cell) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    def table(header: list[Any], rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table(
            [[p(h) for h in header]] + [[p(c) for c in r] for r in rows],
            colWidths=[w * mm for w in widths],
            repeatRows=1,
        )
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), pdf.FONT_BOLD),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        p(_("Progress report") + f": {plan.title} {plan.first_year}–{plan.last_year}", h1),
        p(
            _("Reporting period %(label)s (%(start)s to %(end)s), as of %(on)s")
            % {
                "label": report.label,
                "start": _date(report.start),
                "end": _date(report.end),
                "on": _date(report.on),
            },
            body,
        ),
        Spacer(1, 3 * mm),
    ]
    story += [p(line, body) for line in summary(report)]
    story.append(p(_("Status per field of action"), h2))
    statuses = [str(label) for _s, label in Measure.STATUS_CHOICES]
    story.append(
        table(
            [_("Field of action"), *statuses, _("overdue"), _("total")],
            [
                [
                    f"{f['field'].code} {f['field'].title}",
                    *[n for _s, n in f["counts"]],
                    f["overdue"],
                    f["total"],
                ]
                for f in report.fields
            ],
            [65, 15, 15, 15, 15, 15, 20, 15],
        )
    )
    story.append(p(_("Overdue measures"), h2))
    if report.overdue:
        story.append(
            table(
                [_("Measure"), _("Period"), _("End"), _("Status"), _("Lead")],
                [
                    [
                        f"{m.code} {m.text}",
                        m.period_text,
                        _date(m.end),
                        status_label(m.status),
                        m.lead.short_name if m.lead else "–",
                    ]
                    for m in report.overdue
                ],
                [95, 25, 20, 20, 20],
            )
        )
    else:
        story.append(p(_("None."), body))
    story.append(p(_("Targets linked to objectives"), h2))
    if report.lights:
        story.append(
            table(
                [_("Objective"), _("Target"), _("Light now"), _("Light in the last report")],
                [
                    [
                        f"{r['objective'].code} {r['objective'].text}",
                        str(r["rule"]),
                        light_text(r["light"].light),
                        light_text(r["before"]),
                    ]
                    for r in report.lights
                ],
                [80, 50, 25, 25],
            )
        )
    else:
        story.append(p(_("No objective is linked to a target."), body))
    story.append(p(_("Changes since the last report"), h2))
    if report.changes:
        story.append(
            table(
                [_("Measure"), _("Status in the last report"), _("Status now"), _("Why")],
                [
                    [
                        f"{c.measure.code} {c.measure.text}",
                        status_label(c.before),
                        status_label(c.now),
                        "; ".join(h.comment for h in c.history if h.comment),
                    ]
                    for c in report.changes
                ],
                [85, 25, 25, 45],
            )
        )
    else:
        story.append(p(_("No changes."), body))
    if plan.source:
        story += [Spacer(1, 4 * mm), p(_("Source") + ": " + plan.source, cell)]
    return pdf.build(story, title=_("Progress report") + f" {plan.title} {report.label}")


def xlsx_response(report: ProgressReport) -> HttpResponse:
    on = report.on
    columns = [
        Column("field", _("Field of action"), lambda m: m.objective.field.code),
        Column("objective", _("Objective"), lambda m: m.objective.code),
        Column("code", _("Code"), lambda m: m.code),
        Column("measure", _("Measure"), lambda m: m.text),
        Column("period", _("Period as written"), lambda m: m.period_text),
        Column("start", _("Start"), lambda m: m.start),
        Column("end", _("End"), lambda m: m.end),
        Column("lead", _("Lead"), lambda m: m.lead.short_name if m.lead else ""),
        Column("status", _("Status"), lambda m: status_label(m.status)),
        Column("overdue", _("overdue"), lambda m: _("yes") if m.is_overdue(on) else _("no")),
        Column(
            "status_last_report",
            _("Status in the last report"),
            lambda m: status_label(report.snapshot_statuses.get(str(m.pk))),
        ),
        Column(
            "changed",
            _("Changed since the last report"),
            lambda m: _("yes") if m.pk in {c.measure.pk for c in report.changes} else _("no"),
        ),
        Column(
            "target_light",
            _("Target light of the objective"),
            lambda m: (
                light_text(report.measure_lights[m.pk].light)
                if m.pk in report.measure_lights
                else ""
            ),
        ),
    ]
    return export_response(
        export_format="xlsx",
        columns=columns,
        objects=report.measures,
        base_name=f"massnahmenplan-{report.plan.pk}-{report.label}",
    )
