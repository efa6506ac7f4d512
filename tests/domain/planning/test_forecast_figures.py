import numpy as np
import pytest

from kitaplan.domain.planning.forecast import PopulationTable
from kitaplan.domain.planning.forecast_figures import (
    ForecastCheck,
    district_series,
    forecast_checks,
    total_series,
)


def table():
    # Areas 0101 and 0102 in district 01, 0201 in district 02; every age counts area × 1 child
    # in 2024 and 2 × in 2025.
    values = np.zeros((3, 2, 7))
    for i, factor in enumerate((1, 2, 3)):
        values[i, 0, :] = factor
        values[i, 1, :] = 2 * factor
    return PopulationTable(
        areas=("0101", "0102", "0201"),
        districts=("01", "01", "02"),
        years=(2024, 2025),
        ages=tuple(range(7)),
        values=values,
    )


def test_children_under_three_are_ages_0_to_2_summed_per_district():
    series = district_series(table())
    assert series == {
        "01": [(2024, 9.0, 9.0), (2025, 18.0, 18.0)],
        "02": [(2024, 9.0, 9.0), (2025, 18.0, 18.0)],
    }
    assert total_series(table()) == [(2024, 18.0, 18.0), (2025, 36.0, 36.0)]


def test_a_forecast_ten_percent_too_high_has_an_error_of_ten_percent():
    check = ForecastCheck("01", 2025, 110.0, 100.0, 90.0, 100.0)
    assert check.error_u3 == pytest.approx(10.0)
    assert check.error_ue3 == pytest.approx(-10.0)
    assert ForecastCheck("01", 2025, 5.0, 0.0, 5.0, 0.0).error_u3 is None


def test_each_counted_year_has_a_check_per_district_and_a_total():
    checks = forecast_checks(
        years=[2025],
        forecast={"01": [(2024, 9.0, 9.0), (2025, 18.0, 20.0)], "02": [(2025, 10.0, 10.0)]},
        counted={("01", 2025): (20.0, 20.0)},  # district 02 was not counted
    )
    assert checks == [
        ForecastCheck("01", 2025, 18.0, 20.0, 20.0, 20.0),
        ForecastCheck("02", 2025, 10.0, 0.0, 10.0, 0.0),
        ForecastCheck(None, 2025, 28.0, 20.0, 30.0, 20.0),
    ]
    assert forecast_checks(years=[], forecast={"01": []}, counted={}) == []
