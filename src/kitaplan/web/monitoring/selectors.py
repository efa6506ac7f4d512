"""Reading stored indicator values into the domain's composite index."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kitaplan.domain.indicators.index import (
    Agreement,
    AreaScore,
    ClassBand,
    IndexDefinition,
    IndexResult,
    compare_classes,
    compute_index,
)
from kitaplan.web.core import derived
from kitaplan.web.territory.models import Area, IndicatorDefinition, IndicatorValue, Territory


@dataclass
class IndexRow:
    area: Area
    score: AreaScore | None
    published: ClassBand | None
    published_index: float | None


@dataclass
class IndexPage:
    """Everything the monitoring page, its export and its map show."""

    definition: IndexDefinition
    year: int | None
    years: list[int]
    indicators: list[IndicatorDefinition]
    rows: list[IndexRow] = field(default_factory=list)
    result: IndexResult | None = None
    agreement: Agreement | None = None
    error: str = ""


def finest_areas(territory: Territory) -> list[Area]:
    level = territory.levels.order_by("-rank").first()
    if level is None:
        return []
    return list(
        Area.objects.filter(territory=territory, level=level)
        .defer("geometry", "bbox")
        .order_by("official_code")
    )


def index_years(territory: Territory, definition: IndexDefinition) -> list[int]:
    codes = [c.code for c in definition.components]
    years = (
        IndicatorValue.objects.filter(area__territory=territory, indicator__code__in=codes)
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(set(years))


def build(territory: Territory, definition: IndexDefinition, year: int | None) -> IndexPage:
    """The index page of ``territory`` for ``definition`` in ``year`` (the latest year with
    values where ``year`` has none), computed once per data version (core.derived)."""
    return derived.cached(
        territory.pk,
        "monitoring.index",
        (definition, year),
        lambda: _build(territory, definition, year),
    )


def _build(territory: Territory, definition: IndexDefinition, year: int | None) -> IndexPage:
    years = index_years(territory, definition)
    if year not in years:
        year = years[-1] if years else None
    codes = [c.code for c in definition.components]
    by_code = {d.code: d for d in IndicatorDefinition.objects.filter(code__in=codes)}
    page = IndexPage(
        definition=definition,
        year=year,
        years=years,
        indicators=[by_code[c] for c in codes if c in by_code],
    )
    if year is None:
        return page
    areas = finest_areas(territory)
    wanted = codes + [
        c for c in (definition.published_class_code, definition.published_index_code) if c
    ]
    table: dict[str, dict[str, float | None]] = defaultdict(dict)
    for code, area_id, value in IndicatorValue.objects.filter(
        area__in=areas, year=year, indicator__code__in=wanted
    ).values_list("indicator__code", "area_id", "value"):
        table[code][str(area_id)] = value
    try:
        page.result = compute_index(definition, table)
    except ValueError as error:
        page.error = str(error)
    bands = {b.code: b for b in definition.bands}
    published_codes = table.get(definition.published_class_code or "", {})
    published = {k: int(v) for k, v in published_codes.items() if v is not None and int(v) in bands}
    published_index = {
        k: v
        for k, v in table.get(definition.published_index_code or "", {}).items()
        if v is not None
    }
    scores = page.result.by_area() if page.result else {}
    page.rows = [
        IndexRow(
            area=area,
            score=scores.get(str(area.pk)),
            published=bands.get(published.get(str(area.pk), -1)),
            published_index=published_index.get(str(area.pk)),
        )
        for area in areas
    ]
    if page.result is not None and published:
        page.agreement = compare_classes(page.result, published, published_index)
    return page
