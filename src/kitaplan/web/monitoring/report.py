"""The development report of one district as PDF (de: Entwicklungsbericht Sozialraum).

A map of the district's areas (a classed choropleth of the status index or a chosen indicator,
:mod:`kitaplan.web.monitoring.report_map`), the district's indicators beside the city, the
changes since the comparison period, the alert sentences, a short generated summary and the
data sources. Rendered with the one ReportLab set-up of :mod:`kitaplan.web.core.pdf`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from kitaplan.domain.indicators.periods import (
    ReportPeriod,
    resolve_periods,
    resolve_report_period,
)
from kitaplan.domain.indicators.trends import (
    Assessment,
    Change,
    ChangeBasis,
    assess,
    find_alerts,
    reference_mean,
    summarise,
)
from kitaplan.web.core import derived, pdf
from kitaplan.web.monitoring import report_map, timeseries, wording
from kitaplan.web.territory.groups import covered_ids_at
from kitaplan.web.territory.models import Area, AreaGroup, IndicatorValue, Territory

#: at most this many alert sentences per indicator (the largest changes).
ALERTS_PER_INDICATOR = 5
#: the text width of the frame (page less margins less the frame's 6 pt paddings)
MAP_WIDTH = A4[0] - 2 * pdf.MARGIN - 12
MAP_MAX_HEIGHT = 130 * mm


@dataclass
class IndicatorLine:
    name: str
    unit: str
    level: str
    before: str
    after: str
    change: str
    city: str
    to_city: str
    assessment: Assessment


def period_label(period: ReportPeriod | int | None) -> str:
    """``2024``, ``1st half of 2024`` (German: ``1. Halbjahr 2024``); ``–`` for none."""
    if period is None:
        return "–"
    if isinstance(period, int):
        return str(period)
    if period.half == 1:
        return _("1st half of %(year)s") % {"year": period.year}
    if period.half == 2:
        return _("2nd half of %(year)s") % {"year": period.year}
    return str(period.year)


@dataclass
class ReportData:
    territory: Territory
    district: Area | None
    period: int | None
    compare: int | None
    basis: ChangeBasis
    threshold: float
    #: a Sozialraum instead of a district: its areas' figures taken together
    group: AreaGroup | None = None
    #: the year or half year covered (``period`` and ``compare`` are the years of its values)
    report_period: ReportPeriod | None = None
    compare_period: ReportPeriod | None = None
    lines: list[IndicatorLine] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    alerts_left_out: int = 0
    developments: list[str] = field(default_factory=list)
    summary: str = ""
    method: str = ""
    sources: list[str] = field(default_factory=list)
    map: report_map.ReportMap | None = None

    @property
    def place(self) -> str:
        """The name of the district or Sozialraum reported on."""
        if self.group is not None:
            return self.group.name
        return self.district.name if self.district is not None else ""

    @property
    def period_text(self) -> str:
        return period_label(self.report_period or self.period)

    @property
    def compare_text(self) -> str:
        return period_label(self.compare_period or self.compare)

    @property
    def values_note(self) -> str:
        """For a half year: which year's values describe the periods (else empty)."""
        chosen = [p for p in (self.report_period, self.compare_period) if p is not None]
        if not any(p.half for p in chosen):
            return ""
        return _(
            "Indicator values are yearly, as at 31 December; a period is described by the "
            "latest values stated by its end: %(years)s."
        ) % {"years": ", ".join(f"{period_label(p)}: {p.data_year}" for p in chosen)}


def district_report(
    *,
    territory: Territory,
    district: Area | None,
    period: int | None,
    compare: int | None,
    basis: ChangeBasis,
    threshold: float,
    map_source: str | None = None,
    group: AreaGroup | None = None,
    report_period: ReportPeriod | None = None,
    compare_period: ReportPeriod | None = None,
) -> ReportData:
    """:func:`collect_report`; a district's report (worded in the active language) is computed
    once per data version (core.derived). A Sozialraum's is always computed: the areas a group
    covers are a many-to-many relation that sends no save signal."""

    def compute() -> ReportData:
        return collect_report(
            territory=territory,
            district=district,
            period=period,
            compare=compare,
            basis=basis,
            threshold=threshold,
            map_source=map_source,
            group=group,
            report_period=report_period,
            compare_period=compare_period,
        )

    if group is not None:
        return compute()
    parts: tuple[object, ...] = (district.pk if district else None, period, compare, basis)
    parts += (threshold, map_source, report_period, compare_period, translation.get_language())
    return derived.cached(territory.pk, "monitoring.district_report", parts, compute)


def collect_report(
    *,
    territory: Territory,
    district: Area | None,
    period: int | None,
    compare: int | None,
    basis: ChangeBasis,
    threshold: float,
    map_source: str | None = None,
    group: AreaGroup | None = None,
    report_period: ReportPeriod | None = None,
    compare_period: ReportPeriod | None = None,
) -> ReportData:
    """Collect the report's figures and sentences for ``district`` (an area of the top level),
    or for the areas a Sozialraum ``group`` covers (their means weighted by residents, i.e.
    computed from the sums over the group's areas).

    ``report_period`` (a year or half year; the latest year when neither it nor ``period`` is
    given) overrides ``period``/``compare``: the years of values that describe it and its
    comparison (:func:`resolve_report_period`).

    ``map_source`` is what the map shows: an indicator code or ``index:status`` (default: the
    status index where it can be computed, else the first indicator below the district level).
    """
    indicators = timeseries.indicators_of(territory)
    all_periods = sorted(
        set(
            IndicatorValue.objects.filter(area__territory=territory)
            .values_list("year", flat=True)
            .distinct()
        )
    )
    chosen_period = chosen_compare = None
    if report_period is not None or period is None:  # a year or half year (default: latest)
        if compare_period is None and compare is not None:
            compare_period = ReportPeriod(compare)
        chosen_period, chosen_compare = resolve_report_period(
            all_periods, report_period, compare_period
        )
        period = chosen_period.data_year if chosen_period else None
        compare = chosen_compare.data_year if chosen_compare else None
    period, compare = resolve_periods(all_periods, period, compare)
    data = ReportData(
        territory,
        district,
        period,
        compare,
        basis,
        threshold,
        group=group,
        report_period=chosen_period,
        compare_period=chosen_compare if compare is not None else None,
    )
    if period is None:
        return data
    data.map = report_map.district_map(
        territory=territory,
        district=district,
        period=period,
        source_code=map_source,
        group=group,
    )
    place = data.place
    worse = better = 0
    methods: set[str] = set()
    for indicator in indicators:
        periods = [p for p in timeseries.periods_of(territory, indicator) if p in (period, compare)]
        if period not in periods:
            continue
        levels = timeseries.levels_with_values(territory, indicator)
        level = levels[-1]
        if level.rank == 1:
            continue  # values of whole districts only: nothing to compare within the district
        source = timeseries.source_of(indicator)
        # the whole territory's table, the same for every district: computed once per data
        # version (core.derived)
        table = timeseries.cached_indicator_table(
            territory=territory,
            source=source,
            level=level,
            periods=periods,
            period=period,
            compare=compare if compare in periods else None,
            weighted=True,
            level_weights=True,
        )
        if group is not None:
            members = covered_ids_at(group, level)
            rows = [r for r in table.rows if r.area.pk in members]
        else:
            rows = [
                r
                for r in table.rows
                if r.district is not None and district is not None and r.district.pk == district.pk
            ]
        if not rows:
            continue
        methods.add(wording.mean_method_text(table.mean_method, table.weights_year))
        keys = [str(r.area.pk) for r in rows]
        after = reference_mean(
            {k: table.changes[k].after for k in keys}, table.weights_after or None
        )
        before = (
            reference_mean({k: table.changes[k].before for k in keys}, table.weights_before or None)
            if table.compare is not None
            else None
        )
        mean_change = Change(place, before.mean if before else None, after.mean if after else None)
        unit = indicator.unit
        digits = max(1, wording.digits_for(unit, *[r.value for r in rows]))
        city = table.territory_mean.mean if table.territory_mean else None
        assessment = assess(mean_change.absolute, source.direction)
        worse += assessment == Assessment.WORSENED
        better += assessment == Assessment.IMPROVED
        data.lines.append(
            IndicatorLine(
                name=indicator.name,
                unit=unit,
                level=level.name,
                before=wording.value_text(mean_change.before, unit, digits),
                after=wording.value_text(mean_change.after, unit, digits),
                change=wording.delta_text(mean_change, unit, digits)
                if mean_change.absolute is not None
                else "–",
                city=wording.value_text(city, unit, digits),
                to_city=wording.signed(
                    None if city is None or after is None else after.mean - city, digits
                ),
                assessment=assessment,
            )
        )
        if indicator.source:
            data.sources.append(f"{indicator.name}: {indicator.source}")
        if table.compare is None:
            continue
        summary = summarise(
            [table.changes[k] for k in keys],
            source.direction,
            table.weights_before or None,
            table.weights_after or None,
        )
        sentences = wording.summary_sentences(
            place=place,
            indicator=indicator.name,
            unit=unit,
            direction=source.direction,
            summary=summary,
            compare=table.compare,
            period=period,
            city_mean=city,
        )
        if sentences:
            data.developments.append(" ".join(sentences))
        alerts = find_alerts(
            [table.changes[k] for k in keys],
            threshold=threshold,
            direction=source.direction,
            basis=basis,
        )
        names = {str(r.area.pk): r.area.name for r in rows}
        for alert in alerts[:ALERTS_PER_INDICATOR]:
            data.alerts.append(
                wording.alert_sentence(
                    place=names[alert.area], indicator=indicator.name, unit=unit, alert=alert
                )
            )
        data.alerts_left_out += max(0, len(alerts) - ALERTS_PER_INDICATOR)
    data.method = " ".join(sorted(methods))
    if compare is None:
        data.summary = _(
            "Only one period is available (%(period)s); the report shows the values without "
            "changes."
        ) % {"period": data.period_text}
    else:
        data.summary = _(
            "From %(compare)s to %(period)s, the mean of %(district)s developed less favourably "
            "for %(worse)s and more favourably for %(better)s of %(total)s indicators; the other "
            "indicators are neutral or unchanged. %(alerts)s changes of single areas reached the "
            "threshold."
        ) % {
            "compare": data.compare_text,
            "period": data.period_text,
            "district": place,
            "worse": worse,
            "better": better,
            "total": len(data.lines),
            "alerts": len(data.alerts) + data.alerts_left_out,
        }
    return data


#: The wanted widths of the indicator table (sum: the A4 text width); the columns grow to their
#: longest word at the expense of the first (``pdf.fitted_widths``).
INDICATOR_TABLE_WIDTHS = [52 * mm, 20 * mm, 20 * mm, 28 * mm, 20 * mm, 20 * mm, 20 * mm]


def render_pdf(data: ReportData, *, compress: bool = True) -> bytes:
    """A portrait A4 PDF of ``data``."""
    title = _("Development report %(district)s") % {"district": data.place}
    return pdf.build(build_story(data), title=title, compress=compress)


def build_story(data: ReportData) -> list[Any]:
    """The report's flowables (paragraphs, the map drawing, tables) in order."""
    style = pdf.styles()
    body, heading, subheading, cell = style.body, style.heading, style.subheading, style.cell
    title = _("Development report %(district)s") % {"district": data.place}

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    periods = (
        _("%(period)s compared with %(compare)s")
        % {"period": data.period_text, "compare": data.compare_text}
        if data.compare is not None
        else data.period_text
    )
    story: list[Any] = [p(title, heading), p(_place_line(data, periods))]
    if data.values_note:
        story.append(p(data.values_note))
    story += [
        Spacer(1, 4 * mm),
        p(_("Summary"), subheading),
        p(data.summary),
        Spacer(1, 3 * mm),
    ]
    story += _map_story(data, p, subheading)
    if not data.lines:
        story.append(p(_("There are no indicator values for the areas of this district.")))
    else:
        story.append(
            p(
                _("Indicators of the Sozialraum and the city")
                if data.group
                else _("Indicators of the district and the city"),
                subheading,
            )
        )
        if data.method:
            story.append(p(data.method))
        own = _("Sozialraum %(period)s") if data.group else _("District %(period)s")
        header = [
            _("Indicator"),
            own % {"period": data.compare_text},
            own % {"period": data.period_text},
            _("Change"),
            _("City %(period)s") % {"period": data.period_text},
            _("Sozialraum − city") if data.group else _("District − city"),
            _("Assessment"),
        ]
        texts = [header] + [
            [
                f"{line.name} ({line.level})",
                line.before,
                line.after,
                line.change,
                line.city,
                line.to_city,
                str(wording.ASSESSMENT_LABELS[line.assessment]),
            ]
            for line in data.lines
        ]
        table = Table(
            [[p(text, cell) for text in row] for row in texts],
            repeatRows=1,
            colWidths=pdf.fitted_widths(texts, INDICATOR_TABLE_WIDTHS, cell),
        )
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), pdf.FONT),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.Color(0.95, 0.96, 0.98)],
                    ),
                ]
            )
        )
        story += [table, Spacer(1, 5 * mm)]
    if data.compare is not None:
        story.append(p(_("Notable changes in single areas"), subheading))
        rule = (
            _("Changes of at least %(threshold)s percentage points or units")
            if data.basis == ChangeBasis.ABSOLUTE
            else _("Changes of at least %(threshold)s %% of the earlier value")
        ) % {"threshold": wording.number(data.threshold, 1)}
        story.append(p(rule + "."))
        if data.alerts:
            for sentence in data.alerts:
                story.append(p("• " + sentence))
            if data.alerts_left_out:
                story.append(
                    p(
                        _("%(n)s further changes reached the threshold (see the alerts page).")
                        % {"n": data.alerts_left_out}
                    )
                )
        else:
            story.append(p(_("No area reached the threshold.")))
        story.append(Spacer(1, 3 * mm))
        if data.developments:
            story.append(p(_("Developments by indicator"), subheading))
            for text in data.developments:
                story.append(p(text))
            story.append(Spacer(1, 3 * mm))
    story.append(p(_("Sources"), subheading))
    for source in data.sources:
        story.append(p(source))
    if data.territory.attribution:
        story.append(p(data.territory.attribution))
    return story


def _place_line(data: ReportData, periods: str) -> str:
    """Territory, the district or the Sozialraum with its areas, the period, the day."""
    day = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    if data.group is not None:
        areas = ", ".join(f"{a.official_code} {a.name}" for a in data.group.areas.all())
        return _(
            "%(territory)s, Sozialraum %(group)s (areas %(areas)s); period %(periods)s. "
            "Created with kitaplan on %(day)s."
        ) % {
            "territory": data.territory.name,
            "group": data.group.name,
            "areas": areas,
            "periods": periods,
            "day": day,
        }
    district = data.district
    return _(
        "%(territory)s, district %(district)s; period %(periods)s. Created with kitaplan on %(day)s."
    ) % {
        "territory": data.territory.name,
        "district": f"{district.official_code} {district.name}" if district else "",
        "periods": periods,
        "day": day,
    }


def _map_story(data: ReportData, p: Any, subheading: ParagraphStyle) -> list[Any]:
    """The map section: heading, drawing (fitted into the text width), areas left out."""
    the_map = data.map
    if the_map is None or not the_map.areas:
        return []
    out: list[Any] = [p(_("Map"), subheading)]
    drawing = report_map.draw(the_map, width=MAP_WIDTH, max_height=MAP_MAX_HEIGHT)
    if drawing is not None:
        out.append(drawing)
    else:
        out.append(p(_("No area of the district has a boundary, so there is no map.")))
    missing = the_map.without_geometry
    if missing:
        out.append(
            p(
                _("Not on the map (without geometry): %(areas)s.")
                % {"areas": ", ".join(f"{a.code} {a.name}" for a in missing)}
            )
        )
    out.append(Spacer(1, 3 * mm))
    return out
