"""Indicators over time: changes, ranks, alerts, reference means, classes — by hand."""

from __future__ import annotations

import math

import pytest

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.trends import (
    Assessment,
    ChangeBasis,
    MeanMethod,
    Movement,
    assess,
    change,
    changes,
    compare_with_groups,
    find_alerts,
    quantile_classes,
    rank,
    reference_mean,
    series,
    summarise,
)

WORSE = IndicatorDirection.HIGHER_IS_WORSE
BETTER = IndicatorDirection.HIGHER_IS_BETTER
NEUTRAL = IndicatorDirection.NEUTRAL


def test_change_absolute_and_relative():
    c = change("a", 21.4, 24.0)
    assert c.absolute == pytest.approx(2.6)
    assert c.relative == pytest.approx(2.6 / 21.4)
    assert c.relative_percent == pytest.approx(12.149532710)
    assert c.movement == Movement.ROSE
    fall = change("b", -4.0, -5.0)
    assert fall.absolute == -1.0
    assert fall.relative == pytest.approx(-0.25)  # relative to |before|
    assert fall.movement == Movement.FELL


def test_change_without_a_value_or_from_zero():
    assert change("a", None, 3.0).absolute is None
    assert change("a", None, 3.0).movement is None
    assert change("a", math.nan, 3.0).before is None
    zero = change("a", 0.0, 3.0)
    assert zero.absolute == 3.0
    assert zero.relative is None
    assert change("a", 2.0, 2.0).movement == Movement.UNCHANGED


def test_changes_cover_areas_of_either_period():
    result = changes({"a": 1.0, "b": 2.0}, {"b": 4.0, "c": 5.0})
    assert list(result) == ["a", "b", "c"]
    assert result["a"].absolute is None
    assert result["b"].absolute == 2.0
    assert result["c"].before is None


def test_rank_is_competition_ranking_and_skips_missing():
    values = {"a": 3.0, "b": 5.0, "c": 3.0, "d": 1.0, "e": None}
    assert rank(values) == {"b": 1, "a": 2, "c": 2, "d": 4}
    assert rank(values, descending=False) == {"d": 1, "a": 2, "c": 2, "b": 4}


def test_assessment_follows_the_direction():
    assert assess(1.0, WORSE) == Assessment.WORSENED
    assert assess(-1.0, WORSE) == Assessment.IMPROVED
    assert assess(1.0, BETTER) == Assessment.IMPROVED
    assert assess(-1.0, BETTER) == Assessment.WORSENED
    assert assess(1.0, NEUTRAL) == Assessment.NOT_ASSESSED
    assert assess(0.0, WORSE) == Assessment.NOT_ASSESSED
    assert assess(None, WORSE) == Assessment.NOT_ASSESSED


def test_alerts_absolute_threshold_inclusive_and_sorted():
    items = changes(
        {"a": 21.4, "b": 10.0, "c": 30.0, "d": 5.0, "e": 7.0},
        {"a": 24.0, "b": 11.9, "c": 27.0, "d": 7.0, "e": None},
    ).values()
    alerts = find_alerts(items, threshold=2.0, direction=WORSE)
    # a: +2.6, c: −3.0, d: +2.0 (equal to the threshold counts), b: +1.9 does not
    assert [a.area for a in alerts] == ["c", "a", "d"]
    assert alerts[0].movement == Movement.FELL
    assert alerts[0].assessment == Assessment.IMPROVED
    assert alerts[1].assessment == Assessment.WORSENED
    assert alerts[1].amount == pytest.approx(2.6)
    worse_only = find_alerts(items, threshold=2.0, direction=WORSE, only=Assessment.WORSENED)
    assert [a.area for a in worse_only] == ["a", "d"]
    better = find_alerts(items, threshold=2.0, direction=BETTER)
    assert {a.area: a.assessment for a in better}["c"] == Assessment.WORSENED


def test_alerts_relative_threshold():
    items = changes({"a": 20.0, "b": 50.0, "c": 0.0}, {"a": 22.0, "b": 54.0, "c": 5.0}).values()
    alerts = find_alerts(items, threshold=10.0, direction=NEUTRAL, basis=ChangeBasis.RELATIVE)
    # a: +10 % (exactly), b: +8 %, c: from 0 has no relative change
    assert [a.area for a in alerts] == ["a"]
    assert alerts[0].amount == pytest.approx(10.0)
    assert alerts[0].assessment == Assessment.NOT_ASSESSED
    with pytest.raises(ValueError, match="threshold"):
        find_alerts(items, threshold=-1.0, direction=WORSE)


def test_reference_mean_weighted_and_plain():
    values = {"a": 10.0, "b": 20.0, "c": None}
    weighted = reference_mean(values, {"a": 100.0, "b": 300.0})
    assert weighted is not None
    assert weighted.method == MeanMethod.WEIGHTED
    assert weighted.mean == pytest.approx(17.5)  # (10·100 + 20·300) / 400
    assert weighted.areas == 2
    plain = reference_mean(values, {"a": 100.0})  # b has no weight → plain mean
    assert plain is not None
    assert plain.method == MeanMethod.PLAIN
    assert plain.mean == 15.0
    assert reference_mean({"a": None}) is None


def test_comparison_with_district_and_territory():
    values = {"0101": 10.0, "0102": 20.0, "0201": 40.0}
    district_of = {"0101": "01", "0102": "01", "0201": "02"}
    result = compare_with_groups(values, district_of)
    first = result["0101"]
    assert first.district is not None and first.district.mean == 15.0
    assert first.territory is not None and first.territory.mean == pytest.approx(70.0 / 3)
    assert first.to_district == -5.0
    assert first.to_territory == pytest.approx(10.0 - 70.0 / 3)
    weighted = compare_with_groups(values, district_of, {"0101": 1.0, "0102": 3.0, "0201": 4.0})
    assert weighted["0102"].district is not None
    assert weighted["0102"].district.mean == 17.5
    assert weighted["0201"].territory is not None
    assert weighted["0201"].territory.mean == pytest.approx((10 + 60 + 160) / 8)


def test_quantile_classes_like_the_map_script():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, None]
    result = quantile_classes(values)
    # thresholds at positions ceil(i·10/5) = 2, 4, 6, 8 → values 2, 4, 6, 8
    assert result.thresholds == (2.0, 4.0, 6.0, 8.0)
    assert [(c.number, c.low, c.high, c.count) for c in result.classes] == [
        (1, 1.0, 2.0, 2),
        (2, 3.0, 4.0, 2),
        (3, 5.0, 6.0, 2),
        (4, 7.0, 8.0, 2),
        (5, 9.0, 10.0, 2),
    ]
    assert result.no_data == 1
    assert result.class_of(4.5) == 3
    assert result.class_of(None) is None
    same = quantile_classes([3.0, 3.0, 3.0])
    assert same.thresholds == ()
    assert len(same.classes) == 1


def test_series_change_since_previous_period_with_a_value():
    points = series("a", {2022: 10.0, 2020: 8.0, 2021: None, 2023: 9.0})
    assert [p.period for p in points] == [2020, 2021, 2022, 2023]
    assert points[0].change is None
    assert points[1].change is None
    assert points[2].previous_period == 2020
    assert points[2].change is not None and points[2].change.absolute == 2.0
    assert points[3].change is not None and points[3].change.absolute == -1.0


def test_summary_counts_and_extremes():
    items = changes(
        {"a": 10.0, "b": 10.0, "c": 10.0, "d": 10.0}, {"a": 12.0, "b": 9.0, "c": 10.0, "d": 15.0}
    ).values()
    summary = summarise(items, WORSE)
    assert (summary.compared, summary.rose, summary.fell, summary.unchanged) == (4, 2, 1, 1)
    assert (summary.worsened, summary.improved) == (2, 1)
    assert summary.largest_rise is not None and summary.largest_rise.area == "d"
    assert summary.largest_fall is not None and summary.largest_fall.area == "b"
    assert summary.mean_change is not None
    assert summary.mean_change.absolute == pytest.approx(1.5)  # 10 → 11.5
