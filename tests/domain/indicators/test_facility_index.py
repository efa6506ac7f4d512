"""The facility social index from the children's home areas (hand-computed cases)."""

from __future__ import annotations

import pytest

from kitaplan.domain.indicators.facility_index import (
    AreaNeed,
    BasisUsed,
    FacilityChildren,
    NeedBasis,
    facility_need,
    facility_needs,
)
from kitaplan.domain.indicators.index import MSS_STATUS_BANDS

AREAS = {
    "a": AreaNeed(index=-1.2, need_class=1),
    "b": AreaNeed(index=0.4, need_class=2),
    "c": AreaNeed(index=1.3, need_class=3),
    "d": AreaNeed(index=2.5, need_class=4),
    "no_index": AreaNeed(index=None, need_class=None),
    "own": AreaNeed(index=0.1, need_class=2),
}


def need(children, *, basis=NeedBasis.HOME_AREAS, own="own", minimum=10):
    return facility_need(
        FacilityChildren("F", own, children),
        AREAS,
        basis=basis,
        bands=MSS_STATUS_BANDS,
        min_children=minimum,
    )


def test_the_child_weighted_mean_of_the_home_areas_is_used_from_the_minimum_on():
    # 4 children from b (0.4), 4 from c (1.3), 2 from d (2.5):
    # (4·0.4 + 4·1.3 + 2·2.5) / 10 = (1.6 + 5.2 + 5.0) / 10 = 1.18 → class 3 (≤ 1.5)
    result = need({"b": 4, "c": 4, "d": 2})
    assert result.basis == BasisUsed.HOME_AREAS
    assert result.known == result.enrolled == 10
    assert result.home_index == pytest.approx(1.18)
    assert result.home_class == 3
    assert (result.index, result.need_class) == (pytest.approx(1.18), 3)
    # 6 of 10 children live in areas of class 3 or 4
    assert (result.high_need, result.with_class) == (6, 10)
    assert result.high_need_share == pytest.approx(0.6)
    assert (result.own_index, result.own_class) == (0.1, 2)


def test_children_from_areas_without_a_value_are_enrolled_but_not_known():
    # 9 known children ((3·−1.2 + 6·2.5) / 9 = 11.4 / 9 = 1.2667) and 3 without an index:
    # below the minimum of 10, so the facility's own area is used
    result = need({"a": 3, "d": 6, "no_index": 2, "unknown_area": 1})
    assert (result.enrolled, result.known) == (12, 9)
    assert result.home_index == pytest.approx(11.4 / 9)
    assert result.home_class == 3
    assert result.basis == BasisUsed.OWN_AREA_FALLBACK
    assert (result.index, result.need_class) == (0.1, 2)
    assert result.high_need_share == pytest.approx(6 / 9)
    # with a minimum of 9 the home areas are used
    assert need({"a": 3, "d": 6, "no_index": 2}, minimum=9).basis == BasisUsed.HOME_AREAS


def test_the_own_area_basis_ignores_the_children_but_still_reports_them():
    result = need({"d": 20}, basis=NeedBasis.OWN_AREA)
    assert result.basis == BasisUsed.OWN_AREA
    assert (result.index, result.need_class) == (0.1, 2)
    assert result.home_index == pytest.approx(2.5)
    assert result.home_class == 4


def test_a_mean_on_a_class_bound_belongs_to_the_lower_class():
    # 10 children of an area with index exactly 1.0: class 2 (a bound belongs to the lower class)
    areas = {"x": AreaNeed(index=1.0, need_class=2)}
    result = facility_need(
        FacilityChildren("F", None, {"x": 10}),
        areas,
        basis=NeedBasis.HOME_AREAS,
        bands=MSS_STATUS_BANDS,
    )
    assert result.need_class == 2
    # (5·−1.2 + 5·0.4) / 10 = −0.4: class 2
    assert need({"a": 5, "b": 5}).home_class == 2


def test_without_any_value_the_facility_has_no_need_level():
    result = need({"no_index": 12}, own=None)
    assert result.basis == BasisUsed.NONE
    assert (result.index, result.need_class, result.home_index) == (None, None, None)
    assert result.high_need_share is None


def test_many_facilities_and_invalid_input():
    result = facility_needs(
        [FacilityChildren("1", "own", {"c": 10}), FacilityChildren("2", "own", {})],
        AREAS,
        basis=NeedBasis.HOME_AREAS,
        bands=MSS_STATUS_BANDS,
    )
    assert result["1"].basis == BasisUsed.HOME_AREAS
    assert result["2"].basis == BasisUsed.OWN_AREA_FALLBACK
    with pytest.raises(ValueError, match="min_children"):
        need({"c": 10}, minimum=0)
    with pytest.raises(ValueError, match="Negative"):
        need({"c": -1})
