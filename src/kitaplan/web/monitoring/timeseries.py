"""Reads for indicators over time: values per area and period, districts, population weights.

The computations (changes, ranks, alerts, means, classes) are the domain's
(:mod:`kitaplan.domain.indicators.trends`); this module only reads the stored values and hands
them over. Every area of a territory is aggregate statistics, visible to every staff role
(``access.can_view_areas``), so nothing here is scoped further.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.index import PRESETS
from kitaplan.domain.indicators.periods import closest_year, resolve_periods
from kitaplan.domain.indicators.trends import (
    Change,
    Classification,
    Comparison,
    MeanMethod,
    Reference,
    changes,
    compare_with_groups,
    quantile_classes,
    rank,
    reference_mean,
)
from kitaplan.web.core import derived
from kitaplan.web.core.sums import sum64
from kitaplan.web.monitoring.selectors import build
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    IndicatorDefinition,
    IndicatorValue,
    PopulationCount,
    Territory,
)

#: pseudo indicator codes for the composite indices computed per period (finest level only).
INDEX_SOURCES = {f"index:{key}": definition for key, definition in PRESETS.items()}


@dataclass(frozen=True)
class Source:
    """What is followed over time: a stored indicator or a composite index computed per period."""

    code: str
    name: str
    unit: str
    direction: IndicatorDirection
    source: str = ""
    description: str = ""
    indicator: IndicatorDefinition | None = None

    @property
    def is_index(self) -> bool:
        return self.indicator is None


def source_of(indicator: IndicatorDefinition) -> Source:
    return Source(
        code=indicator.code,
        name=indicator.name,
        unit=indicator.unit,
        direction=IndicatorDirection(indicator.direction or IndicatorDirection.NEUTRAL),
        source=indicator.source,
        description=indicator.description,
        indicator=indicator,
    )


def indicators_of(territory: Territory) -> list[IndicatorDefinition]:
    """Indicators with at least one stored value in ``territory``, by code."""
    with_values = IndicatorValue.objects.filter(area__territory=territory).values("indicator")
    return list(IndicatorDefinition.objects.filter(pk__in=with_values).order_by("code"))


def levels_with_values(territory: Territory, indicator: IndicatorDefinition) -> list[AreaLevel]:
    level_ids = IndicatorValue.objects.filter(
        area__territory=territory, indicator=indicator
    ).values("area__level")
    return list(AreaLevel.objects.filter(pk__in=level_ids).order_by("rank"))


def periods_of(territory: Territory, indicator: IndicatorDefinition) -> list[int]:
    years = (
        IndicatorValue.objects.filter(area__territory=territory, indicator=indicator)
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(set(years))


def finest_level(territory: Territory) -> AreaLevel | None:
    return territory.levels.order_by("-rank").first()


def index_periods(territory: Territory, code: str) -> list[int]:
    definition = INDEX_SOURCES[code]
    codes = [c.code for c in definition.components]
    years = (
        IndicatorValue.objects.filter(area__territory=territory, indicator__code__in=codes)
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(set(years))


def load_values(
    source: Source, territory: Territory, areas: list[Area], years: list[int]
) -> dict[int, dict[str, float | None]]:
    """period → area pk (as text) → value, for ``areas`` and ``years``."""
    out: dict[int, dict[str, float | None]] = {y: {} for y in years}
    if source.indicator is not None:
        for area_id, year, value in IndicatorValue.objects.filter(
            indicator=source.indicator, area__in=areas, year__in=years
        ).values_list("area_id", "year", "value"):
            out[year][str(area_id)] = value
        return out
    wanted = {str(a.pk) for a in areas}
    for year in years:
        page = build(territory, INDEX_SOURCES[source.code], year)
        if page.year != year or page.result is None:
            continue
        for score in page.result.scores:
            if score.area in wanted:
                out[year][score.area] = score.index
    return out


def population_weights(areas: list[Area], year: int) -> tuple[dict[str, float], int | None]:
    """Residents per area in ``year`` (else the closest recorded year, earlier first).

    Returns the weights (area pk as text → residents) and the year they are from; empty when
    no population is recorded for these areas.
    """
    used = closest_year(
        PopulationCount.objects.filter(area__in=areas).values_list("year", flat=True).distinct(),
        year,
    )
    if used is None:
        return {}, None
    totals = (
        PopulationCount.objects.filter(area__in=areas, year=used)
        .values("area_id")
        .annotate(total=sum64("count"))
    )
    return {str(t["area_id"]): float(t["total"]) for t in totals}, used


def districts_of(
    territory: Territory, areas: list[Area]
) -> tuple[dict[str, str | None], dict[str, Area]]:
    """Each area's district: its ancestor on the top level (rank 1), from the hierarchy path.

    Returns area pk → district pk (both as text; None for areas on the top level or without a
    path) and district pk → district.
    """
    top = territory.levels.order_by("rank").first()
    if top is None:
        return {}, {}
    districts = {
        a.official_code: a
        for a in Area.objects.filter(territory=territory, level=top).defer("geometry", "bbox")
    }
    out: dict[str, str | None] = {}
    for area in areas:
        district: Area | None = None
        if area.level_id != top.pk:
            head = area.path.split("/")[0] if area.path else ""
            district = districts.get(head)
            if district is None and area.parent_id is not None:
                district = next((d for d in districts.values() if d.pk == area.parent_id), None)
        out[str(area.pk)] = str(district.pk) if district else None
    return out, {str(d.pk): d for d in districts.values()}


@dataclass
class AreaRow:
    """One area on the indicators page: value, change, rank, district and city comparison."""

    area: Area
    district: Area | None
    change: Change
    rank: int | None
    change_rank: int | None
    comparison: Comparison
    quantile: int | None

    @property
    def value(self) -> float | None:
        return self.change.after

    @property
    def before(self) -> float | None:
        return self.change.before


@dataclass
class IndicatorTable:
    """Everything the indicators page, its export, its map and the report need."""

    territory: Territory
    source: Source
    level: AreaLevel
    periods: list[int]
    period: int | None
    compare: int | None
    weighted: bool
    weights_year: int | None = None
    rows: list[AreaRow] = field(default_factory=list)
    classification: Classification | None = None
    territory_mean: Reference | None = None
    territory_mean_before: Reference | None = None
    changes: dict[str, Change] = field(default_factory=dict)
    weights_before: dict[str, float] = field(default_factory=dict)
    weights_after: dict[str, float] = field(default_factory=dict)

    @property
    def only_one_period(self) -> bool:
        return len(self.periods) < 2

    @property
    def mean_method(self) -> MeanMethod | None:
        return self.territory_mean.method if self.territory_mean else None


def cached_indicator_table(
    *,
    territory: Territory,
    source: Source,
    level: AreaLevel,
    periods: list[int],
    period: int | None,
    compare: int | None,
    weighted: bool = True,
    level_weights: bool = False,
) -> IndicatorTable:
    """:func:`indicator_table`, computed once per data version of the territory (indicator
    values, population and areas are watched: core.derived). The indicators and alerts pages
    and every district's report read the same whole-territory tables. ``level_weights``: the
    population weights of every area of the level, as the report reads them (a
    ``weights_cache``), not only of the areas with values."""
    return derived.cached(
        territory.pk,
        "monitoring.indicator_table",
        (source.code, level.pk, tuple(periods), period, compare, weighted, level_weights),
        lambda: indicator_table(
            territory=territory,
            source=source,
            level=level,
            periods=periods,
            period=period,
            compare=compare,
            weighted=weighted,
            weights_cache={} if level_weights else None,
        ),
    )


def indicator_table(
    *,
    territory: Territory,
    source: Source,
    level: AreaLevel,
    periods: list[int],
    period: int | None,
    compare: int | None,
    weighted: bool = True,
    weights_cache: dict[tuple[int, int], tuple[dict[str, float], int | None]] | None = None,
) -> IndicatorTable:
    """Values of ``source`` for the areas of ``level`` in ``period`` beside ``compare``.

    ``weights_cache`` ((level pk, year) → population weights of the level's areas) lets a caller
    that builds many tables (the report) read the population once per level and year.
    """
    period, compare = resolve_periods(periods, period, compare)
    table = IndicatorTable(territory, source, level, periods, period, compare, weighted)
    if period is None:
        return table
    # the boundaries (large JSON) are not needed here: deferred, read only where drawn
    areas = list(
        Area.objects.filter(territory=territory, level=level)
        .defer("geometry", "bbox")
        .order_by("official_code")
    )
    years = [period] + ([compare] if compare is not None else [])
    values = load_values(source, territory, areas, years)
    after = values.get(period, {})
    before = values.get(compare, {}) if compare is not None else {}
    all_areas = areas
    areas = [a for a in areas if str(a.pk) in after or str(a.pk) in before]
    if weighted:

        def weights(year: int) -> tuple[dict[str, float], int | None]:
            if weights_cache is None:
                return population_weights(areas, year)
            key = (level.pk, year)
            if key not in weights_cache:
                weights_cache[key] = population_weights(all_areas, year)
            return weights_cache[key]

        table.weights_after, table.weights_year = weights(period)
        if compare is not None:
            table.weights_before, _year = weights(compare)
    district_of, districts = districts_of(territory, areas)
    current = {str(a.pk): after.get(str(a.pk)) for a in areas}
    comparisons = compare_with_groups(current, district_of, table.weights_after or None)
    table.changes = changes(
        {str(a.pk): before.get(str(a.pk)) for a in areas} if compare is not None else {},
        current,
    )
    ranks = rank(current)
    change_ranks = rank({k: c.absolute for k, c in table.changes.items()})
    table.classification = quantile_classes(list(current.values()))
    table.territory_mean = reference_mean(current, table.weights_after or None)
    if compare is not None:
        table.territory_mean_before = reference_mean(
            {k: c.before for k, c in table.changes.items()}, table.weights_before or None
        )
    for area in areas:
        key = str(area.pk)
        district_key = district_of.get(key)
        table.rows.append(
            AreaRow(
                area=area,
                district=districts.get(district_key) if district_key else None,
                change=table.changes[key],
                rank=ranks.get(key),
                change_rank=change_ranks.get(key),
                comparison=comparisons[key],
                quantile=table.classification.class_of(current.get(key)),
            )
        )
    return table


def area_series(
    area: Area, indicators: list[IndicatorDefinition]
) -> dict[str, dict[int, float | None]]:
    """indicator code → period → value of one area."""
    out: dict[str, dict[int, float | None]] = defaultdict(dict)
    for code, year, value in IndicatorValue.objects.filter(
        area=area, indicator__in=indicators
    ).values_list("indicator__code", "year", "value"):
        out[code][year] = value
    return dict(out)
