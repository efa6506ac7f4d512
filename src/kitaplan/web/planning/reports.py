"""The committee report of the Bedarfsplanung as PDF (de: Bericht für den Jugendhilfeausschuss).

Rendered with ReportLab through :mod:`kitaplan.web.core.pdf` (the one set-up of fonts, styles
and the A4 document; the Vera fonts cover German umlauts and the signs of the page: −, ≥, –).
"""

from __future__ import annotations

from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.demand import AreaBalance
from kitaplan.web.core import pdf
from kitaplan.web.territory.models import Area, Territory


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return formats.number_format(
        round(value, digits), decimal_pos=digits, use_l10n=True, force_grouping=True
    )


def balance_report(
    *,
    territory: Territory,
    year: int,
    is_forecast: bool,
    rows: list[tuple[Area, AreaBalance[int]]],
    total: AreaBalance[int] | None,
    level_name: str,
    rates_source: str,
    targets: list[tuple[str, dict[str, int]]],
    compress: bool = True,
) -> bytes:
    """A landscape A4 PDF: heading, method in plain words, the balance table, targets, sources."""
    style = pdf.styles()
    body, heading, subheading, cell = style.body, style.heading, style.subheading, style.cell
    population = _("forecast population %(year)s") if is_forecast else _("population %(year)s")
    story: list[Any] = [
        Paragraph(
            _("Demand planning %(territory)s: places and demand") % {"territory": territory.name},
            heading,
        ),
        Paragraph(
            _("%(population)s, places on %(day)s, by %(level)s. Created with kitaplan on %(day)s.")
            % {
                "population": population % {"year": year},
                "day": formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
                "level": level_name,
            },
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            _(
                "Demand = children of each single year of age × care rate. Balance = places − demand; a "
                "negative balance means places are missing. Integration demand = demand × share of children "
                "with integration need."
            ),
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    header = [
        _("Area"),
        _("Children under 3"),
        _("Demand under 3"),
        _("Places under 3"),
        _("Balance under 3"),
        _("Children 3 to under 6"),
        _("Demand 3 to under 6"),
        _("Places 3 and over"),
        _("Balance 3 to under 6"),
        _("Integration demand"),
        _("Integration places"),
    ]
    data: list[list[Any]] = [[Paragraph(h, cell) for h in header]]

    def line(name: str, b: AreaBalance[int]) -> list[Any]:
        u3, ue3 = b.groups[AgeGroup.U3], b.groups[AgeGroup.UE3]
        return [
            Paragraph(name, cell),
            _number(u3.children),
            _number(u3.demand),
            _number(u3.places),
            _number(u3.balance),
            _number(ue3.children),
            _number(ue3.demand),
            _number(ue3.places),
            _number(ue3.balance),
            _number(b.integration.demand),
            _number(b.integration.places),
        ]

    for area, balance in rows:
        data.append(line(area.name, balance))
    if total is not None:
        data.append(line(_("Total"), total))
    table = Table(data, repeatRows=1, colWidths=[50 * mm] + [21.5 * mm] * 10)
    table_style = [
        ("FONTNAME", (0, 0), (-1, -1), pdf.FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.95, 0.96, 0.98)]),
    ]
    for i, (_area, balance) in enumerate(rows, start=1):
        for column, group in ((4, AgeGroup.U3), (8, AgeGroup.UE3)):
            if balance.groups[group].balance < -0.5:
                table_style.append(("FONTNAME", (column, i), (column, i), pdf.FONT_BOLD))
                table_style.append(
                    ("TEXTCOLOR", (column, i), (column, i), colors.Color(0.7, 0, 0.1))
                )
    if total is not None:
        table_style += [
            ("FONTNAME", (0, len(data) - 1), (-1, len(data) - 1), pdf.FONT_BOLD),
            ("LINEABOVE", (0, len(data) - 1), (-1, len(data) - 1), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(table_style))
    story += [table, Spacer(1, 6 * mm)]
    if targets:
        story.append(Paragraph(_("Targets"), subheading))
        for name, counts in targets:
            story.append(
                Paragraph(
                    _(
                        "%(target)s: met in %(green)s, nearly met in %(amber)s, not met in %(red)s areas."
                    )
                    % {
                        "target": name,
                        "green": counts.get("green", 0),
                        "amber": counts.get("amber", 0),
                        "red": counts.get("red", 0),
                    },
                    body,
                )
            )
        story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(_("Sources"), subheading))
    story.append(Paragraph(_("Care rates: %(source)s") % {"source": rates_source or "–"}, body))
    if territory.attribution:
        story.append(Paragraph(territory.attribution.replace("\n", "<br/>"), body))
    return pdf.build(
        story,
        title=_("Demand planning") + f" {territory.name} {year}",
        wide=True,
        compress=compress,
    )
