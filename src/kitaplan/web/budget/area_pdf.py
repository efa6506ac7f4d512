"""The PDF of a split across areas (e.g. a Land's budget across its Jugendämter): one row per
area with every count, its share, the weighted amounts, the amount before and after rounding.

Rendered with the one ReportLab set-up (:mod:`kitaplan.web.core.pdf`), landscape A4.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from kitaplan.web.core import pdf


def render_area_split(
    *,
    title: str,
    rule_lines: list[str],
    counts: list[dict[str, str]],
    rows: list[dict[str, Any]],
    total: str,
    allocated: str,
    source: str,
    compress: bool = True,
) -> bytes:
    style = pdf.styles(heading_size=13, subheading_size=11)
    cell = style.cell
    head: list[Any] = [Paragraph(escape(_("Area")), cell)]
    for c in counts:
        name = escape(c["name"])
        head += [
            Paragraph(f"{name}: " + escape(_("count")), cell),
            Paragraph(f"{name}: " + escape(_("share")), cell),
            Paragraph(f"{name}: " + escape(_("weighted amount")), cell),
        ]
    head += [
        Paragraph(escape(_("Before rounding")), cell),
        Paragraph(escape(_("Amount")), cell),
    ]
    data: list[list[Any]] = [head]
    for r in rows:
        line: list[Any] = [
            Paragraph(escape(f"{r['share'].area.official_code} {r['share'].area.name}"), cell)
        ]
        for t in r["terms"]:
            line += [str(t["count"]), f"{t['share']} %", t["exact"]]
        line += [r["exact_text"] or r["exact"], r["amount"]]
        data.append(line)
    data.append([Paragraph(escape(_("Total")), cell), *[""] * (3 * len(counts)), "", allocated])
    table = Table(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), pdf.FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("FONTNAME", (0, -1), (-1, -1), pdf.FONT_BOLD),
            ]
        )
    )
    story: list[Any] = [
        Paragraph(escape(title), style.heading),
        Paragraph(
            escape(_("Budget: %(t)s. Source: %(s)s") % {"t": total, "s": source}), style.body
        ),
        Spacer(1, 8),
        Paragraph(escape(_("The rule")), style.subheading),
        *(Paragraph("• " + escape(line), style.body) for line in rule_lines),
        Spacer(1, 8),
        table,
    ]
    return pdf.build(story, title=title, wide=True, compress=compress)
