"""The children forecast of a territory from its stored population (domain: planning.forecast).

The history is the longest run of consecutive years at the finest level that ends in a year
whose predecessor is also stored; the forecast starts after it. Each area's district for the
small-area shrinkage is its top-level ancestor (e.g. the Bezirk). The forecast is kitaplan's
ensemble (``domain.planning.forecast_ensemble``), its weights fitted on the territory's own
history; the Berlin back-test shown beside it is read from the CSV a run of
``scripts/backtest_forecast.py`` stores (docs/domain/forecast.md).

A territory without such a history (fewer than two consecutive years, e.g. Dresden) but with
imported births per area (``planning.BirthCount``) and a citywide forecast by age
(``planning.CityForecastCount``) gets the method "births and citywide age structure"
(``domain.planning.forecast_births``): the city's forecast of each year and age shared out over
the finest areas by their share of the births of that cohort.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db.models import QuerySet

from kitaplan.demo import data_dir
from kitaplan.domain.planning.forecast import PopulationTable
from kitaplan.domain.planning.forecast_births import project_births_and_city_ages
from kitaplan.domain.planning.forecast_ensemble import ensemble_projection
from kitaplan.web.core.derived import cached
from kitaplan.web.planning.forecast_models import BirthCount, CityForecastCount
from kitaplan.web.territory.models import Area, AreaLevel, PopulationCount, Territory

HORIZON_YEARS = 10
FORECAST_AGES = tuple(range(7))


#: Method codes of a territory's forecast (worded on the page): the ensemble with weights
#: fitted on the territory's own history, the cohort method alone (history too short to fit
#: weights), births per area with a citywide forecast by age (domain.planning.forecast_births).
METHOD_ENSEMBLE = "ensemble"
METHOD_COHORT = "cohort"
METHOD_BIRTHS_CITYWIDE = "births_citywide"


@dataclass(frozen=True)
class TerritoryForecast:
    history_years: tuple[int, ...]
    projection: PopulationTable
    area_ids: tuple[int, ...]
    method: str = METHOD_ENSEMBLE
    #: the ``source`` texts of the stored inputs (births and citywide forecast; method
    #: :data:`METHOD_BIRTHS_CITYWIDE` only)
    sources: tuple[str, ...] = ()

    @property
    def base_year(self) -> int:
        return self.history_years[-1]

    def children_by_age(self, year: int) -> dict[int, dict[int, float]]:
        """Projected children per area id and single year of age for one forecast year."""
        j = self.projection.years.index(year)
        values = self.projection.values[:, j, :]
        return {
            area_id: {
                age: float(values[i, a]) for a, age in enumerate(self.projection.ages) if age < 6
            }
            for i, area_id in enumerate(self.area_ids)
        }


def history_run(years: list[int]) -> list[int]:
    """The longest run of consecutive years ending at the latest year that has a predecessor."""
    stored = sorted(set(years))
    for end in reversed(stored):
        if end - 1 in stored:
            run = [end]
            while run[0] - 1 in stored:
                run.insert(0, run[0] - 1)
            return run
    return []


def forecast_for(territory: Territory) -> TerritoryForecast | None:
    """Project the finest level's children ``HORIZON_YEARS`` ahead from the population history,
    else from births and the citywide forecast, or ``None`` without either (cached until an
    input changes: core.derived)."""
    return cached(territory.pk, "planning.forecast", (), lambda: _forecast(territory))


def _forecast(territory: Territory) -> TerritoryForecast | None:
    finest = territory.levels.order_by("-rank").first()
    if finest is None:
        return None
    cells = PopulationCount.objects.filter(
        area__level=finest, area__valid_to__isnull=True, age__in=FORECAST_AGES
    )
    return _project(finest_cells=cells) or _from_births(territory, finest)


def _project(*, finest_cells: QuerySet[PopulationCount]) -> TerritoryForecast | None:
    cells = finest_cells
    run = history_run(list(cells.values_list("year", flat=True).distinct()))
    if len(run) < 2:
        return None
    counts: dict[int, np.ndarray] = {}
    paths: dict[int, str] = {}
    for area_id, path, year, age, count in cells.filter(year__in=run).values_list(
        "area_id", "area__path", "year", "age", "count"
    ):
        if area_id not in counts:
            counts[area_id] = np.zeros((len(run), len(FORECAST_AGES)))
            paths[area_id] = path
        counts[area_id][year - run[0], age] = count
    area_ids = tuple(sorted(counts))
    history = PopulationTable(
        areas=tuple(str(a) for a in area_ids),
        districts=tuple(paths[a].split("/")[0] for a in area_ids),
        years=tuple(run),
        ages=FORECAST_AGES,
        values=np.stack([counts[a] for a in area_ids]),
    )
    projection, weights = ensemble_projection(history, horizon=HORIZON_YEARS)
    fitted = any(weights.origins)
    return TerritoryForecast(
        history_years=tuple(run),
        projection=projection,
        area_ids=area_ids,
        method=METHOD_ENSEMBLE if fitted else METHOD_COHORT,
    )


def _from_births(territory: Territory, finest: AreaLevel) -> TerritoryForecast | None:
    """The forecast from births per finest area and the city's forecast by age, or ``None``
    when either is missing. The years used are those with every age of ``FORECAST_AGES``,
    consecutive from the first; an area without a row in a birth year has 0 births, and a
    birth year without any births is left out."""
    areas = list(
        Area.objects.filter(level=finest, valid_to__isnull=True)
        .order_by("pk")
        .values_list("pk", "path")
    )
    by_year: dict[int, dict[int, float]] = defaultdict(dict)
    city_sources: set[str] = set()
    for year, age, count, source in CityForecastCount.objects.filter(
        territory=territory, age__in=FORECAST_AGES
    ).values_list("year", "age", "count", "source"):
        by_year[year][age] = float(count)
        city_sources.add(source)
    complete = sorted(y for y, ages in by_year.items() if len(ages) == len(FORECAST_AGES))
    years = [y for k, y in enumerate(complete) if y == complete[0] + k] if complete else []
    index = {pk: i for i, (pk, _path) in enumerate(areas)}
    births: dict[int, list[float]] = {}
    birth_sources: set[str] = set()
    for area_id, year, count, source in BirthCount.objects.filter(area_id__in=index).values_list(
        "area_id", "year", "count", "source"
    ):
        births.setdefault(year, [0.0] * len(areas))[index[area_id]] = float(count)
        birth_sources.add(source)
    births = {year: row for year, row in births.items() if sum(row) > 0}
    if not areas or not years or not births:
        return None
    projection = project_births_and_city_ages(
        areas=[str(pk) for pk, _path in areas],
        districts=[path.split("/")[0] for _pk, path in areas],
        births=births,
        city_forecast={year: by_year[year] for year in years},
    )
    return TerritoryForecast(
        history_years=tuple(sorted(births)),
        projection=projection,
        area_ids=tuple(pk for pk, _path in areas),
        method=METHOD_BIRTHS_CITYWIDE,
        sources=tuple(sorted((birth_sources | city_sources) - {""})),
    )


#: The methods of the stored back-test, in the order of the page's columns.
BACKTEST_METHODS = (
    "kitaplan",
    "cohort",
    "carry_forward",
    "district_trend",
    "hamilton_perry",
    "hamilton_perry_district",
)


@dataclass(frozen=True)
class BacktestLine:
    level: str
    age_group: str
    horizon: int
    wape: dict[str, float]  # method → WAPE (Σ|F − A| / ΣA) in %

    @property
    def cells(self) -> list[float | None]:
        """WAPE per method in the order of :data:`BACKTEST_METHODS` (None where not stored)."""
        return [self.wape.get(method) for method in BACKTEST_METHODS]


def berlin_backtest() -> tuple[list[BacktestLine], str]:
    """The back-test of the forecast on Berlin's history, as stored by a run of
    ``scripts/backtest_forecast.py`` (about 15 s, too slow for a page; the CSV is packaged)."""
    path = Path(data_dir()) / "berlin" / "forecast_backtest.csv"
    if not path.exists():
        return [], ""
    table: dict[tuple[str, str, int], dict[str, float]] = defaultdict(dict)
    source = ""
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            table[(row["level"], row["age_group"], int(row["horizon"]))][row["method"]] = float(
                row["wmape"]
            )
            source = row.get("source", source)
            base_years = row.get("base_years", "")
    lines = [
        BacktestLine(level, group, horizon, mape) for (level, group, horizon), mape in table.items()
    ]
    return lines, f"{source} ({base_years})" if source else ""
