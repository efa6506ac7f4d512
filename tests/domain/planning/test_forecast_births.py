"""Forecast from births per area and a citywide forecast by age (Dresden's data)."""

from __future__ import annotations

import numpy as np
import pytest

from kitaplan.domain.planning.forecast_births import project_births_and_city_ages

AREAS = ("01", "02", "03")
DISTRICTS = ("StB 0", "StB 0", "StB 1")
CITY = {
    2025: {0: 100.0, 1: 110.0, 2: 120.0},
    2026: {0: 90.0, 1: 100.0, 2: 115.0},
}


def test_each_cohort_keeps_the_share_of_its_birth_year_and_areas_sum_to_the_city():
    births = {2023: [10.0, 30.0, 60.0], 2024: [20.0, 20.0, 60.0]}
    table = project_births_and_city_ages(
        areas=AREAS, districts=DISTRICTS, births=births, city_forecast=CITY
    )
    assert table.years == (2025, 2026) and table.ages == (0, 1, 2)
    np.testing.assert_allclose(table.values.sum(axis=0), [[100, 110, 120], [90, 100, 115]])
    # 2025, age 1: born 2024 → shares 0.2/0.2/0.6; age 2: born 2023 → 0.1/0.3/0.6
    np.testing.assert_allclose(table.values[:, 0, 1], [22.0, 22.0, 66.0])
    np.testing.assert_allclose(table.values[:, 0, 2], [12.0, 36.0, 72.0])
    # born 2025/2026 (no figures yet): the latest birth year, 2024
    np.testing.assert_allclose(table.values[:, 1, 0], [18.0, 18.0, 54.0])
    # born 2022 (before the first birth year): the earliest, 2023
    np.testing.assert_allclose(table.values[:, 0, 2] / 120, [0.1, 0.3, 0.6])


def test_one_year_of_births_gives_every_cohort_the_same_shares():
    table = project_births_and_city_ages(
        areas=AREAS, districts=DISTRICTS, births={2024: [1.0, 1.0, 2.0]}, city_forecast=CITY
    )
    np.testing.assert_allclose(table.values[:, 1, 2], [28.75, 28.75, 57.5])


@pytest.mark.parametrize(
    ("births", "city", "message"),
    [
        ({}, CITY, "at least one year of births"),
        ({2024: [1.0, 2.0]}, CITY, "births 2024: 2 values for 3 areas"),
        ({2024: [1.0, -2.0, 3.0]}, CITY, "births 2024: counts must be numbers ≥ 0"),
        ({2024: [0.0, 0.0, 0.0]}, CITY, "births 2024: no births in any area"),
        ({2024: [1.0, 1.0, 1.0]}, {}, "the citywide forecast has no years"),
        ({2024: [1.0, 1.0, 1.0]}, {2025: {0: 1.0}, 2026: {1: 1.0}}, "2026: the ages differ"),
        ({2024: [1.0, 1.0, 1.0]}, {2025: {0: -1.0}}, "2025: counts must be numbers ≥ 0"),
    ],
)
def test_bad_input_is_refused_with_what_is_wrong(births, city, message):
    with pytest.raises(ValueError, match=message):
        project_births_and_city_ages(
            areas=AREAS, districts=DISTRICTS, births=births, city_forecast=city
        )
