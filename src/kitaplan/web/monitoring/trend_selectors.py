"""What the pages on indicators over time read: the filter's choices resolved against the stored
data, the indicator table, the alerts of a table and one area's periods beside its district and
the city.

Shared by the trend pages (:mod:`kitaplan.web.monitoring.trend_views`) and the district report
(:mod:`kitaplan.web.monitoring.report`); neither imports the other's views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.periods import resolve_periods
from kitaplan.domain.indicators.trends import (
    Alert,
    Assessment,
    ChangeBasis,
    Comparison,
    SeriesPoint,
    compare_with_groups,
    find_alerts,
    rank,
    series,
)
from kitaplan.web.monitoring import timeseries, wording
from kitaplan.web.monitoring.timeseries import AreaRow, IndicatorTable, Source
from kitaplan.web.territory.models import Area, AreaLevel, IndicatorDefinition, Territory


@dataclass
class Selection:
    """The choices of a filter form, resolved against the stored data."""

    territory: Territory | None
    sources: list[tuple[str, str]]
    source: Source | None
    levels: list[AreaLevel]
    level: AreaLevel | None
    periods: list[int]
    period: int | None
    compare: int | None
    weighted: bool


def _index_source(code: str) -> Source:
    return Source(
        code=code,
        name=str(wording.INDEX_LABELS[code]),
        unit="",
        direction=IndicatorDirection.HIGHER_IS_WORSE,
    )


def select(
    territory: Territory | None,
    *,
    code: str,
    level_code: str | None,
    period: int | None,
    compare: int | None,
    weighted: bool,
) -> Selection:
    """The source ``code`` (else the first indicator), its levels and periods in ``territory``."""
    if territory is None:
        return Selection(territory, [], None, [], None, [], None, None, True)
    indicators = timeseries.indicators_of(territory)
    sources: list[tuple[str, str]] = [(i.code, i.name) for i in indicators]
    index_periods = {c: timeseries.index_periods(territory, c) for c in wording.INDEX_LABELS}
    sources += [(c, str(wording.INDEX_LABELS[c])) for c, years in index_periods.items() if years]
    by_code = {i.code: i for i in indicators}
    source: Source | None = None
    if code in by_code:
        source = timeseries.source_of(by_code[code])
    elif code in wording.INDEX_LABELS and index_periods[code]:
        source = _index_source(code)
    elif indicators:
        source = timeseries.source_of(indicators[0])
    if source is None:
        return Selection(territory, sources, None, [], None, [], None, None, True)
    if source.indicator is not None:
        levels = timeseries.levels_with_values(territory, source.indicator)
        periods = timeseries.periods_of(territory, source.indicator)
    else:
        finest = timeseries.finest_level(territory)
        levels = [finest] if finest else []
        periods = index_periods[source.code]
    level = next((lv for lv in levels if lv.code == level_code), levels[-1] if levels else None)
    period, compare = resolve_periods(periods, period, compare)
    return Selection(territory, sources, source, levels, level, periods, period, compare, weighted)


def table_of(selection: Selection) -> IndicatorTable | None:
    """The indicator table of the selection (``None`` while a choice is missing)."""
    territory, source, level = selection.territory, selection.source, selection.level
    if territory is None or source is None or level is None:
        return None
    return timeseries.cached_indicator_table(
        territory=territory,
        source=source,
        level=level,
        periods=selection.periods,
        period=selection.period,
        compare=selection.compare,
        weighted=selection.weighted,
    )


def default_threshold(source: Source | None, basis: ChangeBasis) -> float:
    """The alert threshold without a choice: 10 % relative, 0.5 for an index, else 1 unit."""
    if basis == ChangeBasis.RELATIVE:
        return 10.0
    if source is not None and source.is_index:
        return 0.5
    return 1.0


def alert_items(
    table: IndicatorTable,
    *,
    threshold: float,
    basis: ChangeBasis,
    only: Assessment | None,
    district: Area | None = None,
) -> list[tuple[AreaRow, Alert, str]]:
    """The alerts of ``table`` (optionally of one district) with their sentences."""
    rows = {str(r.area.pk): r for r in table.rows}
    if district is not None:
        rows = {k: r for k, r in rows.items() if r.district and r.district.pk == district.pk}
    alerts = find_alerts(
        [table.changes[k] for k in rows],
        threshold=threshold,
        direction=table.source.direction,
        basis=basis,
        only=only,
    )
    return [
        (
            rows[a.area],
            a,
            wording.alert_sentence(
                place=rows[a.area].area.name,
                indicator=table.source.name,
                unit=table.source.unit,
                alert=a,
            ),
        )
        for a in alerts
    ]


# --------------------------------------------------------------------------- one area


def indicators_of_area(area: Area) -> list[IndicatorDefinition]:
    """The indicators of the territory that have a value for ``area``."""
    ids = set(area.indicator_values.values_list("indicator", flat=True))
    return [i for i in timeseries.indicators_of(area.territory) if i.pk in ids]


@dataclass(frozen=True)
class AreaPeriod:
    """One period of an area: its point of the series, district and city, rank among ``of``."""

    point: SeriesPoint
    comparison: Comparison | None
    rank: int | None
    of: int


@dataclass
class AreaDetail:
    """One indicator of one area over every period, beside its district and the city."""

    indicator: IndicatorDefinition
    points: list[SeriesPoint]
    periods: list[AreaPeriod] = field(default_factory=list)
    district: Area | None = None


def area_detail(
    area: Area,
    indicator: IndicatorDefinition,
    all_series: dict[str, dict[int, float | None]],
) -> AreaDetail:
    """Every period of ``indicator`` of ``area`` compared with the areas of its level."""
    territory = area.territory
    level_areas = list(
        Area.objects.filter(territory=territory, level=area.level_id).defer("geometry", "bbox")
    )
    years = sorted(all_series.get(indicator.code, {}))
    values = timeseries.load_values(timeseries.source_of(indicator), territory, level_areas, years)
    district_of, districts = timeseries.districts_of(territory, level_areas)
    key = str(area.pk)
    detail = AreaDetail(indicator, series(key, all_series.get(indicator.code, {})))
    for point in detail.points:
        by_area = values.get(point.period, {})
        weights, _year = timeseries.population_weights(level_areas, point.period)
        comparison = compare_with_groups(by_area, district_of, weights or None).get(key)
        ranks = rank(by_area)
        detail.periods.append(AreaPeriod(point, comparison, ranks.get(key), len(ranks)))
    district_key = district_of.get(key)
    detail.district = districts.get(district_key) if district_key else None
    return detail
