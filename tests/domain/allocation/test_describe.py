"""Priority classes of a stored run as codes, and the waiting list of a facility."""

from __future__ import annotations

from kitaplan.domain.allocation import Criterion, SeatType, allocate
from kitaplan.domain.allocation.describe import (
    ClassDescription,
    ClassKind,
    ClassScheme,
    describe_class,
    waiting_list,
)

from .helpers import make

CRITERIA = (Criterion.SIBLING_AT_FACILITY, Criterion.WAITING_TIME)
SCHEME = ClassScheme(criteria=CRITERIA, class_values=((0, 0), (0, 3), (1, 0)))


def test_a_class_is_described_by_the_values_of_the_criteria():
    assert describe_class(SCHEME, 1) == ClassDescription(
        ClassKind.CRITERIA, values=((Criterion.SIBLING_AT_FACILITY, 0), (Criterion.WAITING_TIME, 3))
    )
    assert describe_class(SCHEME, None).kind is ClassKind.NONE
    assert describe_class(SCHEME, 3).kind is ClassKind.LOWEST
    assert describe_class(ClassScheme((), ((),)), 0).kind is ClassKind.LOTTERY_ONLY


def test_in_a_follow_up_run_class_0_is_the_guarantee_and_the_others_move_by_one():
    follow_up = ClassScheme(criteria=CRITERIA, class_values=SCHEME.class_values, shift=1)
    assert describe_class(follow_up, 0).kind is ClassKind.GUARANTEED
    assert describe_class(follow_up, 1).values == (
        (Criterion.SIBLING_AT_FACILITY, 0),
        (Criterion.WAITING_TIME, 0),
    )
    assert describe_class(follow_up, 4).kind is ClassKind.LOWEST


def test_a_facility_with_its_own_order_gives_the_first_classes_by_position():
    scheme = ClassScheme(
        criteria=CRITERIA, class_values=SCHEME.class_values, own_orders={"F1": ["A2", "A1"]}
    )
    assert describe_class(scheme, 1, "F1") == ClassDescription(ClassKind.OWN_ORDER, position=2)
    assert describe_class(scheme, 2, "F1").values == describe_class(scheme, 0).values
    assert describe_class(scheme, 1, "F2").kind is ClassKind.CRITERIA


def test_the_waiting_list_holds_who_ranked_the_facility_above_the_outcome_in_priority_order():
    instance = make(
        [("A", "u3", 1, 0, False), ("B", "u3", 2, 0, False)],
        [("c1", "u3", False), ("c2", "u3", False), ("c3", "u3", False), ("c4", "u3", True)],
        {"c1": ["A"], "c2": ["A", "B"], "c3": ["B", "A"], "c4": ["A"]},
        {("A", "c2"): 1, ("A", "c1"): 0},
    )
    result = allocate(instance, lottery={"c1": 3, "c2": 1, "c3": 2, "c4": 4})
    assert result.assignment["c1"] == "A"
    entries = waiting_list(instance, result, "A", "u3", SeatType.REGULAR)
    # c3 got B, its first choice: not waiting at A; c4 needs an integration place.
    assert [(e.position, e.reference, e.placed_elsewhere) for e in entries] == [(1, "c2", "B")]
    assert entries[0].priority_class == 1
    assert entries[0].lottery == 1
    assert waiting_list(instance, result, "A", "ue3", SeatType.REGULAR) == ()
