"""The year or half year a report covers, and the values that describe it — by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from kitaplan.domain.indicators.periods import (
    ReportPeriod,
    parse_report_period,
    report_periods,
    resolve_report_period,
)


def test_codes_parse_both_ways():
    assert parse_report_period("2024") == ReportPeriod(2024)
    assert parse_report_period("2024-H1") == ReportPeriod(2024, 1)
    assert parse_report_period(" 2024h2 ") == ReportPeriod(2024, 2)
    assert ReportPeriod(2024, 2).code == "2024-H2"
    assert ReportPeriod(2024).code == "2024"
    for text in ("", None, "24", "2024-H3", "2024-1", "H1 2024", "0000"):
        assert parse_report_period(text) is None


def test_a_half_year_spans_its_months_and_uses_the_values_stated_before_its_end():
    first, second, whole = ReportPeriod(2024, 1), ReportPeriod(2024, 2), ReportPeriod(2024)
    assert (first.start, first.end) == (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    assert (second.start, second.end) == (dt.date(2024, 7, 1), dt.date(2024, 12, 31))
    assert (whole.start, whole.end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    # yearly values are stated as at 31 December
    assert (first.data_year, second.data_year, whole.data_year) == (2023, 2024, 2024)
    assert first.year_before() == ReportPeriod(2023, 1)


def test_a_half_other_than_one_or_two_is_refused():
    with pytest.raises(ValueError, match="1 or 2"):
        ReportPeriod(2024, 3)


def test_the_choices_of_periods_follow_the_years_with_values():
    codes = [p.code for p in report_periods([2022, 2023])]
    assert codes == ["2024-H1", "2023", "2023-H2", "2023-H1", "2022", "2022-H2"]
    assert report_periods([]) == []


def test_the_default_period_is_the_latest_year_and_the_comparison_the_year_before():
    assert resolve_report_period([2021, 2022, 2023], None, None) == (
        ReportPeriod(2023),
        ReportPeriod(2022),
    )


def test_a_half_year_is_compared_with_the_same_half_a_year_earlier():
    period, compare = resolve_report_period([2021, 2022, 2023], ReportPeriod(2023, 1), None)
    assert (period, compare) == (ReportPeriod(2023, 1), ReportPeriod(2022, 1))
    assert (period.data_year, compare.data_year) == (2022, 2021)
    # a gap in the years: the same kind of span with the latest earlier values
    assert resolve_report_period([2019, 2023], ReportPeriod(2023, 2), None) == (
        ReportPeriod(2023, 2),
        ReportPeriod(2019, 2),
    )
    assert resolve_report_period([2019, 2022], ReportPeriod(2023, 1), None) == (
        ReportPeriod(2023, 1),
        ReportPeriod(2020, 1),
    )


def test_unusable_choices_fall_back():
    # no values for 2024 (the period) or for 2017 (the comparison)
    assert resolve_report_period([2022, 2023], ReportPeriod(2025), ReportPeriod(2017)) == (
        ReportPeriod(2023),
        ReportPeriod(2022),
    )
    # a comparison described by the same values as the period is replaced
    assert resolve_report_period([2022, 2023], ReportPeriod(2023, 2), ReportPeriod(2023)) == (
        ReportPeriod(2023, 2),
        ReportPeriod(2022, 2),
    )
    assert resolve_report_period([2023], ReportPeriod(2023), None) == (ReportPeriod(2023), None)
    assert resolve_report_period([], ReportPeriod(2023), None) == (None, None)
