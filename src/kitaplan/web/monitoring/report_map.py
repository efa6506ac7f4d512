"""The map of the development report: a district's areas as a classed choropleth (ReportLab).

The classes are the ones of the web maps: at most 5 quantile classes over **all areas of the
city** on the map's level (:func:`kitaplan.domain.indicators.trends.quantile_classes`, the same
rule as ``core/static/core/map.js``), so a colour means the same in every district's report and
on the indicators page. The colours are the web maps' ColorBrewer YlGnBu palette (sequential,
colour-blind safe); areas without a value are white with an outline. The legend names each
class's range and how many of the district's areas fall into it; a scale bar gives the size.
Areas without a stored boundary cannot be drawn and are listed below the map instead.

Projection: longitude/latitude are projected **equirectangularly** with the longitude scaled by
cos(mean latitude of the district) – for a district of a few kilometres the distortion is far
below a line width, so no projection library is needed. There is no north arrow: north is up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics.shapes import (
    FILL_EVEN_ODD,
    Drawing,
    Line,
    Path,
    Polygon,
    Rect,
    String,
)
from reportlab.lib import colors

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.trends import Classification
from kitaplan.web.core import pdf
from kitaplan.web.monitoring import timeseries, wording
from kitaplan.web.monitoring.timeseries import Source
from kitaplan.web.territory.groups import covered_areas
from kitaplan.web.territory.models import Area, AreaGroup, AreaLevel, Territory

#: The web maps' palette (``core/static/core/map.js``): ColorBrewer YlGnBu, 5 classes.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_VALUE_FILL = "#ffffff"
OUTLINE = "#131525"
KM_PER_DEGREE = 111.32
FONT = pdf.FONT


def class_colour(number: int, count: int) -> str:
    """The colour of class ``number`` (1 …) of ``count`` classes, exactly as map.js picks it."""
    if count <= 1:
        return PALETTE[-1]
    step = (len(PALETTE) - 1) / (count - 1)
    return PALETTE[int(math.floor((number - 1) * step + 0.5))]


@dataclass
class MapArea:
    code: str
    name: str
    geometry: dict[str, Any] | None
    value: float | None
    number: int | None  # quantile class, None without a value


@dataclass
class LegendItem:
    colour: str
    label: str
    count: int


@dataclass
class ReportMap:
    """What the report's map shows: the district's areas, their classes and the legend."""

    source: Source
    level: AreaLevel
    period: int
    areas: list[MapArea] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    #: the number of quantile classes (over the whole city)
    class_count: int = 0
    #: the map shows a Sozialraum (a group of areas), not a district
    of_group: bool = False

    @property
    def without_geometry(self) -> list[MapArea]:
        return [a for a in self.areas if not _rings(a.geometry)]


def _source(territory: Territory, code: str | None) -> tuple[Source, list[int]] | None:
    """The chosen source (an indicator code or ``index:status``), else the status index where
    it can be computed, else the first indicator stored below the district level."""
    indicators = {i.code: i for i in timeseries.indicators_of(territory)}
    candidates: list[str] = [code] if code else []
    candidates += ["index:status", *indicators]
    for candidate in candidates:
        if candidate in timeseries.INDEX_SOURCES:
            periods = timeseries.index_periods(territory, candidate)
            if periods:
                return (
                    Source(
                        code=candidate,
                        name=str(wording.INDEX_LABELS.get(candidate, candidate)),
                        unit="",
                        direction=IndicatorDirection.HIGHER_IS_WORSE,
                    ),
                    periods,
                )
        elif candidate in indicators:
            indicator = indicators[candidate]
            levels = timeseries.levels_with_values(territory, indicator)
            if levels and levels[-1].rank > 1:
                return timeseries.source_of(indicator), timeseries.periods_of(territory, indicator)
    return None


def district_map(
    *,
    territory: Territory,
    district: Area | None,
    period: int | None,
    source_code: str | None = None,
    group: AreaGroup | None = None,
) -> ReportMap | None:
    """The map data of ``district`` (or of the areas a Sozialraum ``group`` covers) for
    ``period`` (else the source's latest period)."""
    chosen = _source(territory, source_code)
    if chosen is None:
        return None
    source, periods = chosen
    if not periods:
        return None
    if source.indicator is not None:
        level = timeseries.levels_with_values(territory, source.indicator)[-1]
    else:
        finest = timeseries.finest_level(territory)
        if finest is None:
            return None
        level = finest
    use = period if period in periods else periods[-1]
    table = timeseries.cached_indicator_table(  # the whole territory's: once per data version
        territory=territory,
        source=source,
        level=level,
        periods=[use],
        period=use,
        compare=None,
        weighted=False,
    )
    values = {r.area.pk: r for r in table.rows}
    areas = list(
        Area.objects.filter(territory=territory, level=level)
        .defer("geometry", "bbox")
        .order_by("official_code")
    )
    if group is not None:
        inside = covered_areas(group, areas)
    else:
        district_of, _districts = timeseries.districts_of(territory, areas)
        inside = [
            a
            for a in areas
            if district is not None and district_of.get(str(a.pk)) == str(district.pk)
        ]
    geometries = dict(
        Area.objects.filter(pk__in=[a.pk for a in inside]).values_list("pk", "geometry")
    )
    result = ReportMap(source=source, level=level, period=use, of_group=group is not None)
    for area in inside:
        row = values.get(area.pk)
        result.areas.append(
            MapArea(
                code=area.official_code,
                name=area.name,
                geometry=geometries.get(area.pk),
                value=row.value if row else None,
                number=row.quantile if row else None,
            )
        )
    result.legend = _legend(table.classification, source.unit, result.areas)
    result.class_count = len(table.classification.classes) if table.classification else 0
    return result


def _legend(
    classification: Classification | None, unit: str, areas: list[MapArea]
) -> list[LegendItem]:
    items: list[LegendItem] = []
    if classification is not None and classification.classes:
        count = len(classification.classes)
        bounds = [c.low for c in classification.classes] + [c.high for c in classification.classes]
        digits = wording.digits_for(unit, *bounds)
        for cls in classification.classes:
            items.append(
                LegendItem(
                    colour=class_colour(cls.number, count),
                    label=_("Class %(n)s: %(low)s to %(high)s")
                    % {
                        "n": cls.number,
                        "low": wording.value_text(cls.low, unit, digits),
                        "high": wording.value_text(cls.high, unit, digits),
                    },
                    count=sum(1 for a in areas if a.number == cls.number),
                )
            )
    missing = sum(1 for a in areas if a.number is None and _rings(a.geometry))
    if missing:
        items.append(LegendItem(NO_VALUE_FILL, _("no value"), missing))
    return items


# --------------------------------------------------------------------------- drawing

Ring = list[tuple[float, float]]


def _rings(geometry: dict[str, Any] | None) -> list[list[Ring]]:
    """The polygons of a GeoJSON Polygon/MultiPolygon as lists of rings (outer ring first)."""
    if not geometry:
        return []
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    out: list[list[Ring]] = []
    for polygon in polygons:
        rings = [[(float(p[0]), float(p[1])) for p in ring] for ring in polygon if len(ring) >= 3]
        if rings:
            out.append(rings)
    return out


def _nice_km(width_km: float) -> float:
    """A round scale-bar length of at most a quarter of the map's width."""
    target = width_km / 4
    best = 0.1
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50):
        if step <= target:
            best = step
    return best


def draw(report_map: ReportMap, *, width: float, max_height: float) -> Drawing | None:
    """The choropleth with its legend and scale bar, ``width`` points wide; None when no area
    has a boundary. Each polygon of an area is one :class:`Polygon` (a :class:`Path` with the
    even-odd rule where it has holes)."""
    shapes = [(a, _rings(a.geometry)) for a in report_map.areas]
    shapes = [(a, polygons) for a, polygons in shapes if polygons]
    if not shapes:
        return None
    points = [p for _a, polygons in shapes for rings in polygons for ring in rings for p in ring]
    lats = [p[1] for p in points]
    lons = [p[0] for p in points]
    # Equirectangular projection: x = lon · cos(mean latitude), y = lat (see the module doc).
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    min_x, max_x = min(lons) * k, max(lons) * k
    min_y, max_y = min(lats), max(lats)
    span_x = max(max_x - min_x, 1e-9)
    span_y = max(max_y - min_y, 1e-9)
    legend_line = 12.0
    # title, one line per legend item, the scale bar
    legend_height = legend_line * (len(report_map.legend) + 2) + 6
    map_height = max(40.0, max_height - legend_height)
    scale = min(width / span_x, map_height / span_y)
    height = span_y * scale
    offset_x = (width - span_x * scale) / 2
    top = legend_height

    def project(lon: float, lat: float) -> tuple[float, float]:
        return offset_x + (lon * k - min_x) * scale, top + (lat - min_y) * scale

    drawing = Drawing(width, top + height)
    outline = colors.HexColor(OUTLINE)
    classes = report_map.class_count
    for area, polygons in shapes:
        fill = colors.HexColor(
            class_colour(area.number, classes) if area.number is not None else NO_VALUE_FILL
        )
        for rings in polygons:
            projected = [[project(lon, lat) for lon, lat in ring] for ring in rings]
            if len(projected) == 1:
                drawing.add(
                    Polygon(
                        [c for xy in projected[0] for c in xy],
                        fillColor=fill,
                        strokeColor=outline,
                        strokeWidth=0.3,
                    )
                )
            else:
                path = Path(fillColor=fill, strokeColor=outline, strokeWidth=0.3)
                path.fillMode = FILL_EVEN_ODD
                for ring in projected:
                    path.moveTo(*ring[0])
                    for xy in ring[1:]:
                        path.lineTo(*xy)
                    path.closePath()
                drawing.add(path)
    # Legend, below the map.
    y = legend_height - legend_line
    drawing.add(
        String(
            0,
            y,
            _("%(name)s %(period)s, classes over all areas of the city (%(level)s)")
            % {
                "name": report_map.source.name,
                "period": report_map.period,
                "level": report_map.level.name,
            },
            fontName=FONT,
            fontSize=8,
        )
    )
    for item in report_map.legend:
        y -= legend_line
        drawing.add(
            Rect(
                0,
                y - 1,
                14,
                8,
                fillColor=colors.HexColor(item.colour),
                strokeColor=outline,
                strokeWidth=0.3,
            )
        )
        drawing.add(
            String(
                20,
                y,
                (
                    ngettext(
                        "%(label)s (%(count)s area of the Sozialraum)",
                        "%(label)s (%(count)s areas of the Sozialraum)",
                        item.count,
                    )
                    if report_map.of_group
                    else ngettext(
                        "%(label)s (%(count)s area of the district)",
                        "%(label)s (%(count)s areas of the district)",
                        item.count,
                    )
                )
                % {"label": item.label, "count": item.count},
                fontName=FONT,
                fontSize=8,
            )
        )
    # Scale bar, below the legend.
    km_per_point = KM_PER_DEGREE / scale
    length_km = _nice_km(span_x * KM_PER_DEGREE)
    bar = length_km / km_per_point
    x0 = 2.0
    y0 = y - legend_line + 3
    drawing.add(Line(x0, y0, x0 + bar, y0, strokeColor=outline, strokeWidth=1))
    drawing.add(Line(x0, y0 - 2, x0, y0 + 2, strokeColor=outline, strokeWidth=1))
    drawing.add(Line(x0 + bar, y0 - 2, x0 + bar, y0 + 2, strokeColor=outline, strokeWidth=1))
    label = wording.number(length_km, 0 if length_km >= 1 else 1) + " km"
    drawing.add(String(x0 + bar + 6, y0 - 2.5, label, fontName=FONT, fontSize=7))
    return drawing
