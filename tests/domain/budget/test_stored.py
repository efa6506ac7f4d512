"""A run as stored (JSON) read into the domain's objects, by hand (no database)."""

from __future__ import annotations

from fractions import Fraction

from kitaplan.domain.budget.distribution import (
    EligibleFacility,
    MoneyRounding,
    StaffPositionRounding,
)
from kitaplan.domain.budget.stored import (
    VersionMark,
    need_basis_of,
    to_eligible,
    to_rule,
    top_ancestor,
    version_mark,
)
from kitaplan.domain.indicators.facility_index import DEFAULT_MIN_CHILDREN, NeedBasis

RULE = {
    "need_classes": ["3", "4"],
    "min_index": None,
    "base_cents": 500_000,
    "class_weights": {"3": "1", "4": "3/2"},
    "default_weight": "1",
    "floor_cents": None,
    "cap_cents": 4_000_000,
    "rounding": {"mode": "money", "unit_cents": 100},
}


def test_the_stored_rule_reads_exactly():
    rule = to_rule(RULE)
    assert rule.eligibility.need_classes == frozenset({"3", "4"})
    assert rule.eligibility.min_index is None
    assert rule.base.default_cents == 500_000
    assert rule.children.class_weights == {"3": Fraction(1), "4": Fraction(3, 2)}
    assert rule.children.default_weight == Fraction(1)
    assert (rule.floor_cents, rule.cap_cents) == (None, 4_000_000)
    assert rule.rounding == MoneyRounding(unit_cents=100)


def test_every_facility_staff_rounding_and_defaults():
    rule = to_rule(
        {
            "need_classes": None,
            "min_index": "1.5",
            "rounding": {"mode": "staff", "annual_cost_cents": 7_000_000},
        }
    )
    assert rule.eligibility.need_classes is None and rule.eligibility.min_index == 1.5
    assert rule.base.default_cents == 0 and rule.children.default_weight is None
    assert rule.rounding == StaffPositionRounding(annual_cost_cents=7_000_000, step=Fraction(1, 4))
    assert to_rule({}).rounding == MoneyRounding(unit_cents=100)


def test_the_need_basis_and_its_fallbacks():
    assert need_basis_of({}) == (NeedBasis.OWN_AREA, DEFAULT_MIN_CHILDREN)
    assert need_basis_of({"need_basis": "home_areas", "min_children": 5}) == (
        NeedBasis.HOME_AREAS,
        5,
    )
    assert need_basis_of({"need_basis": "nope", "min_children": "x"}) == (
        NeedBasis.OWN_AREA,
        DEFAULT_MIN_CHILDREN,
    )
    assert need_basis_of({"min_children": 0}) == (NeedBasis.OWN_AREA, DEFAULT_MIN_CHILDREN)
    assert need_basis_of({"min_children": -3}) == (NeedBasis.OWN_AREA, 1)


def test_records_become_candidates():
    records = [
        {
            "facility_id": 7,
            "district_id": 2,
            "children": "40",
            "need_class": "4",
            "index_value": 1.2,
        },
        {
            "facility_id": 8,
            "district_id": None,
            "children": 0,
            "need_class": None,
            "index_value": None,
        },
    ]
    assert to_eligible(records) == [
        EligibleFacility("7", "2", 40, "4", 1.2),
        EligibleFacility("8", "", 0, None, None),
    ]


def test_the_top_ancestor_is_the_district():
    parents = {1: None, 2: 1, 3: 2, 4: None}
    assert top_ancestor(parents, 3) == 1
    assert top_ancestor(parents, 1) == 1
    assert top_ancestor(parents, 4) == 4
    assert top_ancestor(parents, 99) == 99
    assert top_ancestor(parents, None) is None
    # a loop in the stored hierarchy ends after the limit
    assert top_ancestor({1: 2, 2: 1}, 1, limit=3) == 2


def test_version_marks():
    assert version_mark([1, 3], 3) == VersionMark(current=True, superseded_by=None)
    assert version_mark([1, 3, 4], 1) == VersionMark(current=False, superseded_by=3)
    # a draft is neither current nor superseded
    assert version_mark([1, 3], 2) == VersionMark(current=False, superseded_by=None)
    assert version_mark([], 1) == VersionMark(current=False, superseded_by=None)
