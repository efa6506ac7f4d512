"""One childminder's statement of a payment run as PDF (de: Abrechnung der laufenden
Geldleistung), rendered with kitaplan's one ReportLab set-up (:mod:`kitaplan.web.core.pdf`):
every line with quantity × rate = amount (and its note, worded as on the page), per child, the insurance lines, corrections of earlier months, the
total, the payee account and the sources of the rates. It is a statement of the computation,
not a formal notice (no information on legal remedies).
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from kitaplan.web.core.pdf import FONT, FONT_BOLD, document, styles


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def statement_pdf(data: dict[str, Any], *, compress: bool = True) -> bytes:
    run, cm = data["run"], data["cm"]
    kp = styles(heading_size=15, subheading_size=11)
    body, heading, subheading, cell = kp.body, kp.heading, kp.subheading, kp.cell
    buffer = io.BytesIO()
    title = _("Monthly payment %(month)s: %(name)s") % {"month": run.month, "name": cm.name}
    doc = document(
        buffer,
        title=title,
        compress=compress,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    status = _("released") if run.is_released else _("draft, not released")
    address = ", ".join(p for p in (cm.street, f"{cm.postcode} {cm.city}".strip()) if p)
    story: list[Any] = [
        Paragraph(_escape(title), heading),
        Paragraph(
            _escape(
                _(
                    "%(name)s (no. %(number)s)%(address)s. Run %(territory)s %(month)s, version "
                    "%(version)s (%(status)s). Created with kitaplan on %(day)s."
                )
                % {
                    "name": cm.name,
                    "number": cm.number,
                    "address": f", {address}" if address else "",
                    "territory": run.territory.name,
                    "month": run.month,
                    "version": run.version,
                    "status": status,
                    "day": formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
                }
            ),
            body,
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            _escape(
                _(
                    "Every line is quantity × rate = amount, rounded as the rate table says. "
                    "Corrections settle earlier, released months again with today's data."
                )
            ),
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    header = [_("Component"), _("Quantity"), _("Unit"), _("Rate"), _("Amount"), _("Table")]
    widths = [58 * mm, 20 * mm, 18 * mm, 20 * mm, 24 * mm, 34 * mm]

    def table_of(rows: list[dict[str, Any]], total_label: str, total: str, *, note: bool) -> Table:
        data_rows: list[list[Any]] = [[Paragraph(_escape(h), cell) for h in header]]
        for r in rows:
            label = r["label"]
            if note and r["note"]:
                label += f" – {r['note']}"
            data_rows.append(
                [
                    Paragraph(_escape(label), cell),
                    r["quantity"],
                    r["unit"],
                    r["rate"],
                    r["amount"],
                    Paragraph(_escape(r["line"].table_code), cell),
                ]
            )
        data_rows.append([Paragraph(_escape(total_label), cell), "", "", "", total, ""])
        table = Table(data_rows, repeatRows=1, colWidths=widths)
        last = len(data_rows) - 1
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), FONT),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("ALIGN", (1, 1), (4, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                    ("LINEABOVE", (0, last), (-1, last), 0.8, colors.black),
                    ("FONTNAME", (0, last), (-1, last), FONT_BOLD),
                ]
            )
        )
        return table

    for group in data["child_groups"]:
        story.append(
            Paragraph(_escape(_("Child %(child)s") % {"child": group["child"]}), subheading)
        )
        story += [table_of(group["rows"], _("Sum"), group["total"], note=True), Spacer(1, 3 * mm)]
    if data["own_rows"]:
        story.append(Paragraph(_escape(_("Insurance contributions")), subheading))
        story += [
            table_of(data["own_rows"], _("Sum"), data["own_total"], note=True),
            Spacer(1, 3 * mm),
        ]
    if data["corrections"]:
        story.append(Paragraph(_escape(_("Corrections of earlier months")), subheading))
        story += [
            table_of(data["corrections"], _("Sum"), data["correction_total"], note=True),
            Spacer(1, 3 * mm),
        ]
    story.append(Paragraph(_escape(_("Total")), subheading))
    story.append(
        Paragraph(
            _escape(
                _("Current month %(regular)s, corrections %(corrections)s, total %(total)s.")
                % {
                    "regular": data["regular_total"],
                    "corrections": data["correction_total"],
                    "total": data["total"],
                }
            ),
            body,
        )
    )
    account = data["account"]
    if account is not None:
        story.append(
            Paragraph(
                _escape(
                    _("Paid to %(holder)s, IBAN %(iban)s.")
                    % {"holder": account.holder, "iban": data.get("iban") or account.iban}
                ),
                body,
            )
        )
    story += [Spacer(1, 4 * mm), Paragraph(_escape(_("Sources of the rates")), subheading)]
    for record in data["tables"]:
        story.append(
            Paragraph(
                _escape(
                    f"{record.code} – {record.name} ({record.valid_from:%d.%m.%Y}"
                    f"{' – ' + format(record.valid_to, '%d.%m.%Y') if record.valid_to else ''}): "
                    f"{record.source}"
                ),
                body,
            )
        )
    doc.build(story)
    return buffer.getvalue()
