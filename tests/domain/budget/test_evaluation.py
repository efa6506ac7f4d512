"""The budget evaluation by hand: funded and unfunded facilities before and after (no database)."""

from __future__ import annotations

import pytest

from kitaplan.domain.budget.evaluation import (
    AFTER,
    BEFORE,
    FUNDED,
    UNFUNDED,
    evaluate,
    groups_of,
    period_of,
    values_of_facilities,
)


def cells(result, pooled):
    source = result.by_period if pooled else result.by_year
    return {(c.group, c.period if pooled else c.year): c for c in source}


@pytest.fixture
def result():
    """F2, F3 funded; F1, F4 not; budget year 2026 (the web test's case, without a database)."""
    groups = groups_of(considered=[1, 2, 3, 4], funded=[2, 3])
    values = {
        1: {2025: 10.0, 2026: 12.0},
        2: {2025: 20.0, 2026: 18.0, 2027: 16.0},
        3: {2025: 30.0, 2026: 25.0},
        4: {2025: 4.0, 2026: 6.0},
    }
    return evaluate(budget_year=2026, groups=groups, values=values)


def test_years_before_the_budget_year_are_before():
    assert period_of(2025, 2026) == BEFORE
    assert period_of(2026, 2026) == AFTER
    assert period_of(2030, 2026) == AFTER


def test_funded_facilities_count_even_outside_the_snapshot():
    assert groups_of([1, 2], [2, 9]) == {1: UNFUNDED, 2: FUNDED, 9: FUNDED}


def test_a_facility_carries_its_areas_values():
    by_area = {10: {2025: 1.5}, 11: {2025: 2.0, 2026: 3.0}}
    assert values_of_facilities({1: 10, 2: 10, 3: 11, 4: 12}, by_area) == {
        1: {2025: 1.5},
        2: {2025: 1.5},
        3: {2025: 2.0, 2026: 3.0},
        4: {},
    }


def test_the_means_and_medians_by_hand(result):
    assert result.years == [2025, 2026, 2027]
    assert (result.funded, result.unfunded) == (2, 2)
    period = cells(result, pooled=True)
    # Funded (2, 3): before 20, 30; after 18, 25, 16.
    assert period[(FUNDED, BEFORE)].mean == 25 and period[(FUNDED, BEFORE)].count == 2
    after = period[(FUNDED, AFTER)]
    assert after.mean == pytest.approx(59 / 3) and after.median == 18
    assert (after.count, after.facilities) == (3, 2)
    # Not funded (1, 4): before 10, 4; after 12, 6.
    assert period[(UNFUNDED, BEFORE)].mean == 7
    assert period[(UNFUNDED, AFTER)].mean == 9 and period[(UNFUNDED, AFTER)].median == 9
    assert result.change[FUNDED] == pytest.approx(59 / 3 - 25)
    assert result.change[UNFUNDED] == 2
    year = cells(result, pooled=False)
    assert year[(FUNDED, 2026)].mean == 21.5 and year[(FUNDED, 2026)].period == AFTER
    assert year[(UNFUNDED, 2025)].period == BEFORE
    assert year[(UNFUNDED, 2027)].count == 0 and year[(UNFUNDED, 2027)].mean is None


def test_no_change_without_a_value_before():
    result = evaluate(
        budget_year=2026,
        groups={1: FUNDED, 2: UNFUNDED},
        values={1: {2026: 5.0}, 2: {}},
    )
    assert result.single_year
    assert result.change == {FUNDED: None, UNFUNDED: None}
    assert result.without_value == {FUNDED: 0, UNFUNDED: 1}
    pooled = cells(result, pooled=True)
    assert pooled[(FUNDED, BEFORE)].count == 0 and pooled[(FUNDED, BEFORE)].median is None
    assert pooled[(FUNDED, AFTER)].mean == 5.0


def test_no_facility_no_values():
    result = evaluate(budget_year=2026, groups={}, values={})
    assert result.years == [] and result.by_year == []
    assert [c.count for c in result.by_period] == [0, 0, 0, 0]
    assert (result.funded, result.unfunded) == (0, 0)
