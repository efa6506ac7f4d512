"""A forecast for a city with births per area and a citywide forecast by age only (e.g. Dresden).

de: *Geburten und stadtweite Altersstruktur*. Dresden publishes live births per Stadtteil and a
citywide population forecast by single year of age, but no children by age per Stadtteil. The
children of area ``i`` aged ``a`` in year ``y`` are then the city's forecast ``C[y, a]`` times
the area's share of the births of their birth cohort ``b = y − a``:

    ``P̂[i, y, a] = C[y, a] · B[i, b] / Σ_j B[j, b]``

where ``B[i, b]`` are the births of year ``b``; a cohort born in a year without birth figures
takes the nearest year that has them (the latest earlier one, else the earliest). Areas thus
keep their share of each cohort as it ages (no moves between areas are modelled: none can be
estimated from these data), and every year's areas sum exactly to the city's forecast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kitaplan.domain.planning.forecast import FloatArray, PopulationTable

#: The method's code (worded by the web layer: "Geburten und stadtweite Altersstruktur").
METHOD_BIRTHS_AND_CITY_AGES = "births_citywide"


def _nearest_birth_year(cohort: int, birth_years: Sequence[int]) -> int:
    earlier = [b for b in birth_years if b <= cohort]
    return max(earlier) if earlier else min(birth_years)


def project_births_and_city_ages(
    *,
    areas: Sequence[str],
    districts: Sequence[str],
    births: Mapping[int, Sequence[float]],
    city_forecast: Mapping[int, Mapping[int, float]],
) -> PopulationTable:
    """Children per area × forecast year × age from births per area and the city's forecast.

    ``births``: year → births per area, in the order of ``areas`` (at least one year);
    ``city_forecast``: year → age → children of the whole city (consecutive years, the same
    consecutive ages in every year). Returns a :class:`PopulationTable` over the forecast's
    years and ages. Errors (``ValueError``) name what is wrong: no births, a births row of the
    wrong length, negative values, a birth year without any births, gaps in years or ages.
    """
    if not births:
        raise ValueError("at least one year of births per area is needed")
    if not city_forecast:
        raise ValueError("the citywide forecast has no years")
    n_areas = len(areas)
    birth_years = sorted(births)
    table = {}
    for year in birth_years:
        row = np.asarray(births[year], dtype=np.float64)
        if row.shape != (n_areas,):
            raise ValueError(f"births {year}: {row.size} values for {n_areas} areas")
        if not np.isfinite(row).all() or (row < 0).any():
            raise ValueError(f"births {year}: counts must be numbers ≥ 0")
        if row.sum() <= 0:
            raise ValueError(f"births {year}: no births in any area")
        table[year] = row / row.sum()
    years = sorted(city_forecast)
    ages = sorted(city_forecast[years[0]])
    for year in years:
        if sorted(city_forecast[year]) != ages:
            raise ValueError(f"citywide forecast {year}: the ages differ from {years[0]}")
        if any(not np.isfinite(v) or v < 0 for v in city_forecast[year].values()):
            raise ValueError(f"citywide forecast {year}: counts must be numbers ≥ 0")
    values: FloatArray = np.empty((n_areas, len(years), len(ages)), dtype=np.float64)
    for j, year in enumerate(years):
        for a, age in enumerate(ages):
            share = table[_nearest_birth_year(year - age, birth_years)]
            values[:, j, a] = float(city_forecast[year][age]) * share
    return PopulationTable(
        areas=tuple(areas),
        districts=tuple(districts),
        years=tuple(years),
        ages=tuple(ages),
        values=values,
    )
