"""Choosing the period, the comparison period and the closest recorded year — by hand."""

from __future__ import annotations

from kitaplan.domain.indicators.periods import closest_year, latest_values, resolve_periods


def test_the_latest_period_and_the_one_before_by_default():
    assert resolve_periods([2019, 2021, 2023], None, None) == (2023, 2021)


def test_a_chosen_period_and_comparison_are_kept():
    assert resolve_periods([2019, 2021, 2023], 2021, 2019) == (2021, 2019)


def test_unknown_choices_fall_back():
    assert resolve_periods([2019, 2021, 2023], 2020, 2017) == (2023, 2021)
    # the comparison equal to the period: the latest earlier one
    assert resolve_periods([2019, 2021, 2023], 2021, 2021) == (2021, 2019)
    # a comparison after the period is kept when stored
    assert resolve_periods([2019, 2021, 2023], 2019, 2023) == (2019, 2023)


def test_one_period_has_no_comparison_and_none_has_nothing():
    assert resolve_periods([2023], None, 2021) == (2023, None)
    assert resolve_periods([], 2023, 2021) == (None, None)


def test_the_closest_year_prefers_the_earlier_on_a_tie():
    assert closest_year([2018, 2020, 2024], 2021) == 2020
    assert closest_year([2020, 2022], 2021) == 2020
    assert closest_year([2022, 2020, 2020], 2023) == 2022
    assert closest_year([2019], 2030) == 2019
    assert closest_year([], 2021) is None


def test_latest_values_takes_each_keys_latest_year():
    rows = [(1, 2019, 3.0), (1, 2021, 4.0), (2, 2020, 1.5), (1, 2020, 9.0)]
    assert latest_values(rows) == {1: 4.0, 2: 1.5}
    assert latest_values([]) == {}
