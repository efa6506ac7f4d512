"""Priority classes from ordered criteria."""

from __future__ import annotations

import datetime as dt

import pytest

from kitaplan.domain.allocation import (
    Applicant,
    Criterion,
    FacilityFacts,
    age_group_at,
    months_between,
    priority_classes,
)

START = dt.date(2027, 8, 1)
OPEN = dt.date(2027, 1, 1)


def applicant(child_id: str, **kwargs) -> Applicant:
    defaults = {"birth_date": dt.date(2026, 1, 1), "registered_on": OPEN}
    return Applicant(child_id, **{**defaults, **kwargs})


def test_months_and_age_groups_at_start():
    assert months_between(dt.date(2024, 8, 2), START) == 35
    assert months_between(dt.date(2024, 8, 1), START) == 36
    assert age_group_at(dt.date(2024, 8, 2), START) == "u3"
    assert age_group_at(dt.date(2024, 8, 1), START) == "ue3"
    assert age_group_at(dt.date(2021, 8, 1), START) is None
    assert age_group_at(dt.date(2028, 1, 1), START) is None


def test_first_criterion_decides_and_later_ones_break_ties():
    facilities = {"A": FacilityFacts("A", district="05")}
    kids = [
        applicant("sibling_far", sibling_facilities=frozenset({"A"}), home_district="01"),
        applicant("near", home_district="05"),
        applicant("far", home_district="01"),
        applicant("near_older", home_district="05", birth_date=dt.date(2025, 3, 1)),
    ]
    prefs = {k.child_id: ["A"] for k in kids}
    table = priority_classes(
        [Criterion.SIBLING_AT_FACILITY, Criterion.RESIDENCE_IN_DISTRICT, Criterion.AGE_AT_START],
        kids,
        facilities,
        prefs,
        start=START,
        reference=OPEN,
    )
    order = sorted(prefs, key=lambda c: table.classes[("A", c)])
    assert order == ["sibling_far", "near_older", "near", "far"]
    cls = table.classes[("A", "near_older")]
    assert table.values_of(cls) == {
        Criterion.SIBLING_AT_FACILITY: 1,
        Criterion.RESIDENCE_IN_DISTRICT: 0,
        Criterion.AGE_AT_START: -29,
    }


def test_reordering_criteria_reorders_classes():
    facilities = {"A": FacilityFacts("A", district="05")}
    kids = [
        applicant("sibling_far", sibling_facilities=frozenset({"A"}), home_district="01"),
        applicant("near", home_district="05"),
    ]
    prefs = {k.child_id: ["A"] for k in kids}
    first = [Criterion.RESIDENCE_IN_DISTRICT, Criterion.SIBLING_AT_FACILITY]
    table = priority_classes(first, kids, facilities, prefs, start=START, reference=OPEN)
    assert table.classes[("A", "near")] < table.classes[("A", "sibling_far")]


def test_facility_criteria_apply_only_at_their_facility_and_rank_by_position():
    facilities = {"A": FacilityFacts("A", own_criteria_count=2), "B": FacilityFacts("B")}
    kids = [
        applicant("staff_child", own_criteria={"A": frozenset({0})}),
        applicant("parish", own_criteria={"A": frozenset({1})}),
        applicant("other"),
    ]
    prefs = {k.child_id: ["A", "B"] for k in kids}
    table = priority_classes(
        [Criterion.FACILITY_CRITERIA], kids, facilities, prefs, start=START, reference=OPEN
    )
    at_a = [table.classes[("A", c)] for c in ("staff_child", "parish", "other")]
    assert at_a == sorted(at_a) and len(set(at_a)) == 3
    assert len({table.classes[("B", c)] for c in ("staff_child", "parish", "other")}) == 1


def test_waiting_time_prefers_earlier_registration():
    kids = [
        applicant("late", registered_on=dt.date(2027, 3, 1)),
        applicant("early", registered_on=dt.date(2026, 11, 1)),
    ]
    prefs = {k.child_id: ["A"] for k in kids}
    table = priority_classes([Criterion.WAITING_TIME], kids, {}, prefs, start=START, reference=OPEN)
    assert table.classes[("A", "early")] < table.classes[("A", "late")]


def test_a_criterion_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        priority_classes(
            [Criterion.SOCIAL_URGENCY, Criterion.SOCIAL_URGENCY],
            [],
            {},
            {},
            start=START,
            reference=OPEN,
        )
