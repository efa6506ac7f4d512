"""The children forecast as the planning page shows it: per district and year, and checked
against counts where a forecast year was also counted (de: Prognose-Rückblick).

1. Children under 3 are the ages 0–2, children from 3 the ages 3–5 of the projection.
2. A district's figure is the sum over its areas (``PopulationTable.districts``); the total is
   the sum over all areas.
3. A check compares forecast and count per district for each year that both have; the error
   is (forecast − count) / count in percent, no value without a count. The total row of a year
   adds the districts' forecasts and counts.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from kitaplan.domain.planning.forecast import PopulationTable

Key = TypeVar("Key", bound=Hashable)

#: (year, children under 3, children from 3 to under 6)
YearFigures = tuple[int, float, float]


def district_series(projection: PopulationTable) -> dict[str, list[YearFigures]]:
    """Children under 3 and from 3 per district and year (steps 1 and 2)."""
    u3 = projection.age_sum(0, 2)
    ue3 = projection.age_sum(3, 5)
    series: dict[str, list[YearFigures]] = {}
    for district in projection.district_keys:
        mask = [d == district for d in projection.districts]
        series[district] = [
            (year, float(u3[mask, j].sum()), float(ue3[mask, j].sum()))
            for j, year in enumerate(projection.years)
        ]
    return series


def total_series(projection: PopulationTable) -> list[YearFigures]:
    """Children under 3 and from 3 of all areas per year."""
    u3 = projection.age_sum(0, 2)
    ue3 = projection.age_sum(3, 5)
    return [
        (year, float(u3[:, j].sum()), float(ue3[:, j].sum()))
        for j, year in enumerate(projection.years)
    ]


def _error(forecast: float, counted: float) -> float | None:
    return 100 * (forecast - counted) / counted if counted else None


@dataclass(frozen=True, slots=True)
class ForecastCheck(Generic[Key]):
    """A forecast year that was also counted: forecast against count in one district."""

    area: Key | None  # None: the whole territory
    year: int
    forecast_u3: float
    counted_u3: float
    forecast_ue3: float
    counted_ue3: float

    @property
    def error_u3(self) -> float | None:
        return _error(self.forecast_u3, self.counted_u3)

    @property
    def error_ue3(self) -> float | None:
        return _error(self.forecast_ue3, self.counted_ue3)


def forecast_checks(
    *,
    years: Sequence[int],
    forecast: Mapping[Key, Sequence[YearFigures]],
    counted: Mapping[tuple[Key, int], tuple[float, float]],
) -> list[ForecastCheck[Key]]:
    """For each year: one check per district of ``forecast`` (in its order), then the total
    (step 3). ``counted`` holds (under 3, from 3) per (district, year); missing counts are 0."""
    checks: list[ForecastCheck[Key]] = []
    for year in years:
        of_year: list[ForecastCheck[Key]] = []
        for area, values in forecast.items():
            by_year = {y: (u, e) for y, u, e in values}
            c = counted.get((area, year), (0.0, 0.0))
            of_year.append(
                ForecastCheck(area, year, by_year[year][0], c[0], by_year[year][1], c[1])
            )
        checks += of_year
        checks.append(
            ForecastCheck(
                None,
                year,
                sum(ch.forecast_u3 for ch in of_year),
                sum(ch.counted_u3 for ch in of_year),
                sum(ch.forecast_ue3 for ch in of_year),
                sum(ch.counted_ue3 for ch in of_year),
            )
        )
    return checks
