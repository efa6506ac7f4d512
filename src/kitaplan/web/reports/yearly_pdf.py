"""The yearly report of the advisory service as a PDF: one table per section (``core.pdf``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from kitaplan.web.core import pdf
from kitaplan.web.reports.yearly import YearlyReport, day_text, number

WIDTHS = [94 * mm, 26 * mm, 26 * mm, 26 * mm]
TABLE_STYLE = [
    ("FONTNAME", (0, 0), (-1, -1), pdf.FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
]


def escape(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def title_of(report: YearlyReport) -> str:
    return gettext("Yearly report of the advisory service %(year)s: %(territory)s") % {
        "year": report.year,
        "territory": report.territory.name,
    }


def _introduction(report: YearlyReport) -> str:
    now, before = report.current, report.previous
    scope = (
        ", ".join(s.name for s in report.services)
        if report.services
        else gettext("all childminders you may see")
    )
    return gettext(
        "Reference date %(now)s (twelve months %(start)s – %(now)s) beside "
        "%(before)s (%(before_start)s – %(before)s). Advisory services: %(scope)s. "
        "Created with kitaplan on %(today)s."
    ) % {
        "now": day_text(now.reference_date),
        "start": day_text(now.period_start),
        "before": day_text(before.reference_date),
        "before_start": day_text(before.period_start),
        "scope": scope,
        "today": day_text(timezone.localdate()),
    }


def _method(report: YearlyReport) -> str:
    months = report.current.payment_months
    return gettext(
        "Childminders by their status history; qualification by the courses "
        "completed or started by the reference date (else as recorded today); care "
        "location as recorded today. Coverage: care days with a confirmed "
        "substitute over the care days affected by absences, less those the family "
        "arranged itself. "
        "Payments: released runs of the months %(months)s, corrections included."
    ) % {"months": f"{months[0]} – {months[-1]}" if months else "–"}


def _tables(report: YearlyReport, styles: pdf.Styles) -> list[Any]:
    header = [
        gettext("Figure"),
        day_text(report.current.reference_date),
        day_text(report.previous.reference_date),
        gettext("Difference"),
    ]
    story: list[Any] = []
    for _code, label, lines in report.sections():
        data: list[list[Any]] = [[Paragraph(escape(h), styles.cell) for h in header]]
        data += [
            [
                Paragraph(escape(line.label), styles.cell),
                number(line.current, line.kind),
                number(line.previous, line.kind),
                number(line.difference, line.kind, signed=True),
            ]
            for line in lines
        ]
        table = Table(data, repeatRows=1, colWidths=WIDTHS)
        table.setStyle(TableStyle(TABLE_STYLE))
        story += [Paragraph(escape(label), styles.subheading), table, Spacer(1, 3 * mm)]
    return story


def report_pdf(report: YearlyReport, *, compress: bool = True) -> bytes:
    styles = pdf.styles(heading_size=15, subheading_size=11)
    title = title_of(report)
    story: list[Any] = [
        Paragraph(escape(title), styles.heading),
        Paragraph(escape(_introduction(report)), styles.body),
        Spacer(1, 3 * mm),
        *_tables(report, styles),
        Paragraph(escape(_method(report)), styles.body),
    ]
    return pdf.build(story, title=title, compress=compress)
