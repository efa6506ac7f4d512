"""Reads of areas, population and indicators for pages, exports and the API.

The statistics of the area list are computed with a fixed number of queries (grouped sums at
the finest level, rolled up the hierarchy in Python by ``domain.territory.hierarchy``), so the
list stays fast with a whole city loaded. The facilities and places of each area are added one
layer up, in :mod:`kitaplan.web.facilities.area_selectors`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum

from kitaplan.domain.territory.hierarchy import roll_up
from kitaplan.web.core.sums import sum64
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    IndicatorValue,
    PopulationCount,
    Territory,
)

U3_AGES = (0, 1, 2)
UE3_AGES = (3, 4, 5)


@dataclass
class AreaStatistics:
    area: Area
    children_u3: int | None = None
    children_ue3: int | None = None
    facilities: int = 0
    places_u3: int = 0
    places_ue3: int = 0
    integration_places: int = 0
    indicators: dict[str, float] = field(default_factory=dict)

    @property
    def places_total(self) -> int:
        return self.places_u3 + self.places_ue3

    @property
    def children_u6(self) -> int | None:
        if self.children_u3 is None or self.children_ue3 is None:
            return None
        return self.children_u3 + self.children_ue3

    @property
    def places_per_100_children(self) -> float | None:
        """Places per 100 children under 6 (a rough coverage; Bedarfsplanung does it properly)."""
        if not self.children_u6:
            return None
        return round(100 * self.places_total / self.children_u6, 1)


def current_areas(territory: Territory) -> QuerySet[Area]:
    return Area.objects.filter(territory=territory, valid_to__isnull=True)


def latest_population_year(territory: Territory) -> int | None:
    year: int | None = PopulationCount.objects.filter(area__territory=territory).aggregate(
        y=Max("year")
    )["y"]
    return year


def area_statistics(
    *,
    territory: Territory,
    year: int | None = None,
    indicator_codes: tuple[str, ...] = (),
) -> tuple[dict[int, AreaStatistics], int | None]:
    """Population and indicators of every current area of the territory, keyed by area id, and
    the year used. The places are added by ``facilities.area_selectors.area_statistics``."""
    areas = list(
        current_areas(territory)
        .select_related("level", "parent")
        .defer("geometry", "bbox", "parent__geometry", "parent__bbox")
    )
    parent_of: dict[int, int | None] = {a.pk: a.parent_id for a in areas}
    stats = {a.pk: AreaStatistics(area=a) for a in areas}
    year = year or latest_population_year(territory)
    if year is not None:
        rows = (
            PopulationCount.objects.filter(area__territory=territory, year=year)
            .values("area_id")
            .annotate(
                u3=sum64("count", filter=Q(age__in=U3_AGES)),
                ue3=sum64("count", filter=Q(age__in=UE3_AGES)),
            )
        )
        u3 = {r["area_id"]: r["u3"] or 0 for r in rows if r["area_id"] in parent_of}
        ue3 = {r["area_id"]: r["ue3"] or 0 for r in rows if r["area_id"] in parent_of}
        if u3:
            for key, value in roll_up(u3, parent_of).items():
                stats[key].children_u3 = int(value)
            for key, value in roll_up(ue3, parent_of).items():
                stats[key].children_ue3 = int(value)
    if indicator_codes:
        values = (
            IndicatorValue.objects.filter(
                area__territory=territory, indicator__code__in=indicator_codes
            )
            .values_list("area_id", "indicator__code", "year", "value")
            .order_by("year")
        )
        for area_id, code, _year, value in values:  # later years overwrite earlier ones
            if area_id in stats:
                stats[area_id].indicators[code] = value
    return stats, year


def levels_of(territory: Territory) -> QuerySet[AreaLevel]:
    return territory.levels.order_by("rank")


def population_table(area: Area) -> tuple[list[int], list[int], dict[int, dict[int, int]]]:
    """(years, ages, counts[year][age]) for an area; summed over descendants for upper levels."""
    cells = (
        PopulationCount.objects.filter(
            Q(area=area) | Q(area__path__startswith=area.path + "/"), area__valid_to__isnull=True
        )
        .values("year", "age")
        .annotate(total=sum64("count"))
        .order_by("year", "age")
    )
    table: dict[int, dict[int, int]] = defaultdict(dict)
    ages: set[int] = set()
    for c in cells:
        table[c["year"]][c["age"]] = c["total"]
        ages.add(c["age"])
    return sorted(table), sorted(ages), table


def indicator_rows(area: Area) -> list[dict[str, Any]]:
    """The latest value of every indicator of the area, with the city mean of the same level."""
    values = list(
        IndicatorValue.objects.filter(area=area)
        .select_related("indicator")
        .order_by("indicator__code", "-year")
    )
    latest: dict[str, IndicatorValue] = {}
    for v in values:
        latest.setdefault(v.indicator.code, v)
    if not latest:
        return []
    means = {
        (row["indicator__code"], row["year"]): row
        for row in IndicatorValue.objects.filter(
            area__level=area.level,
            area__valid_to__isnull=True,
            indicator__code__in=list(latest),
        )
        .values("indicator__code", "year")
        .annotate(total=Sum("value"), n=Count("id"))
    }
    rows = []
    for code, v in latest.items():
        mean_row = means.get((code, v.year))
        rows.append(
            {
                "indicator": v.indicator,
                "year": v.year,
                "value": v.value,
                "level_mean": (mean_row["total"] / mean_row["n"])
                if mean_row and mean_row["n"]
                else None,
            }
        )
    return rows


def ancestors(area: Area) -> list[Area]:
    """Ancestors from the top level down (one query per level, at most a handful)."""
    chain: list[Area] = []
    current = area.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))
