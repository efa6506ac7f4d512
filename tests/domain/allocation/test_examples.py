"""Worked examples of the two-step deferred acceptance, checked by hand."""

from __future__ import annotations

import pytest

from kitaplan.domain.allocation import (
    Reason,
    SeatType,
    allocate,
    blocking_pairs,
    draw_lottery,
    explain,
    feasibility_problems,
    run_allocation,
)

from .helpers import make


def lot(*ids: str) -> dict[str, int]:
    """Lottery numbers in the given order: the first id wins every tie."""
    return {c: n for n, c in enumerate(ids, start=1)}


def test_lottery_decides_within_a_class_and_the_loser_moves_on():
    inst = make(
        [("A", "u3", 1, 0, False), ("B", "u3", 1, 0, False)],
        [("x", "u3", False), ("y", "u3", False)],
        {"x": ["A", "B"], "y": ["A", "B"]},
    )
    result = allocate(inst, lottery=lot("y", "x"))
    assert result.assignment == {"x": "B", "y": "A"}
    cut = result.cutoff("A", "u3", SeatType.REGULAR)
    assert cut is not None and cut.is_full and (cut.priority_class, cut.lottery) == (1, 1)
    (why,) = explain(inst, result, "x")
    assert why.reason is Reason.FULL_WITH_HIGHER_PRIORITY
    assert (why.child_class, why.child_lottery, why.cutoff_class, why.cutoff_lottery) == (
        1,
        2,
        1,
        1,
    )


def test_priority_class_beats_lottery_and_displaces_a_held_child():
    inst = make(
        [("A", "u3", 1, 0, False), ("B", "u3", 1, 0, False)],
        [("x", "u3", False), ("y", "u3", False)],
        {"x": ["A", "B"], "y": ["A"]},
        {("A", "y"): 0},
    )
    result = allocate(inst, lottery=lot("x", "y"))  # x has the better lottery, y the class
    assert result.assignment == {"x": "B", "y": "A"}
    assert result.default_class == 1
    (why,) = explain(inst, result, "x")
    assert (why.child_class, why.cutoff_class) == (1, 0)


def test_age_group_only_own_places():
    inst = make(
        [("A", "ue3", 5, 0, False), ("B", "u3", 1, 0, False)],
        [("x", "u3", False)],
        {"x": ["A", "B"]},
    )
    result = allocate(inst, lottery=lot("x"))
    assert result.assignment == {"x": "B"}
    (why,) = explain(inst, result, "x")
    assert why.reason is Reason.NO_PLACES_FOR_AGE_GROUP


@pytest.mark.parametrize(("release", "expected"), [(False, None), (True, "A")])
def test_integration_places_reserved_and_released_only_when_allowed(release, expected):
    inst = make(
        [("A", "u3", 2, 1, release)],
        [("r1", "u3", False), ("r2", "u3", False)],
        {"r1": ["A"], "r2": ["A"]},
    )
    result = allocate(inst, lottery=lot("r1", "r2"))
    assert result.assignment == {"r1": "A", "r2": expected}
    assert result.cutoff("A", "u3", SeatType.REGULAR).capacity == (2 if release else 1)  # type: ignore[union-attr]
    assert result.released == ({("A", "u3"): 1} if release else {})
    if not release:
        (why,) = explain(inst, result, "r2")
        assert why.reason is Reason.FULL_WITH_HIGHER_PRIORITY


def test_integration_children_go_first_and_only_on_integration_places():
    inst = make(
        [("A", "u3", 3, 1, True), ("B", "u3", 5, 0, False)],
        [("i1", "u3", True), ("i2", "u3", True), ("r1", "u3", False)],
        {"i1": ["A"], "i2": ["A", "B"], "r1": ["A"]},
        {("A", "r1"): 0},  # a better class does not matter across steps
    )
    result = allocate(inst, lottery=lot("r1", "i2", "i1"))
    # i2 wins A's one integration place by lottery; i1 is not moved to a regular place,
    # B has no integration places, so i1 stays unplaced.
    assert result.assignment == {"i1": None, "i2": "A", "r1": "A"}
    assert result.seat_types == {"i2": SeatType.INTEGRATION, "r1": SeatType.REGULAR}
    assert result.released == {}
    (why,) = explain(inst, result, "i1")
    assert why.reason is Reason.FULL_WITH_HIGHER_PRIORITY
    assert why.seat_type is SeatType.INTEGRATION
    why_b = explain(inst, allocate(inst, lottery=lot("i1", "i2", "r1")), "i2")
    assert [w.reason for w in why_b] == [
        Reason.FULL_WITH_HIGHER_PRIORITY,
        Reason.NO_INTEGRATION_PLACES,
    ]
    inst2 = make([("B", "u3", 5, 0, False)], [("i", "u3", True)], {"i": ["B"]})
    (why,) = explain(inst2, allocate(inst2, lottery=lot("i")), "i")
    assert why.reason is Reason.NO_INTEGRATION_PLACES


def test_released_place_gives_regular_children_a_chance_and_the_checks_agree():
    inst = make(
        [("A", "u3", 1, 1, True), ("B", "u3", 1, 1, False)],
        [("r1", "u3", False), ("r2", "u3", False)],
        {"r1": ["B", "A"], "r2": ["B"]},
    )
    result = allocate(inst, lottery=lot("r1", "r2"))
    assert result.assignment == {"r1": "A", "r2": None}
    (why,) = explain(inst, result, "r1")
    assert why.reason is Reason.NO_REGULAR_PLACES
    assert blocking_pairs(inst, result) == []
    assert feasibility_problems(inst, result) == []


def test_empty_lists_zero_capacity_and_no_children():
    inst = make([("A", "u3", 0, 0, False)], [("x", "u3", False)], {})
    assert allocate(inst, lottery=lot("x")).assignment == {"x": None}
    empty = make([], [], {})
    assert run_allocation(empty, seed=1).assignment == {}


def test_lottery_is_a_seeded_permutation_of_sorted_ids():
    first = draw_lottery(["b", "a", "c"], seed=7)
    assert sorted(first.values()) == [1, 2, 3]
    assert first == draw_lottery(["c", "a", "b"], seed=7)
    assert draw_lottery([f"k{i}" for i in range(50)], seed=1) != draw_lottery(
        [f"k{i}" for i in range(50)], seed=2
    )


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="capacity"):
        make([("A", "u3", 1, 2, False)], [], {})
    inst = make([("A", "u3", 1, 0, False)], [("x", "u3", False)], {"x": ["A"]})
    with pytest.raises(ValueError, match="lottery"):
        allocate(inst, lottery={})


def test_the_iterative_mode_gives_the_facility_optimal_matching_in_a_cycle():
    from kitaplan.domain.allocation import allocate, allocate_iterative

    from .helpers import make

    # a prefers A, b prefers B; but A ranks b first and B ranks a first.
    instance = make(
        [("A", "u3", 1, 0, False), ("B", "u3", 1, 0, False)],
        [("a", "u3", False), ("b", "u3", False)],
        {"a": ["A", "B"], "b": ["B", "A"]},
        {("A", "b"): 0, ("A", "a"): 1, ("B", "a"): 0, ("B", "b"): 1},
    )
    lottery = {"a": 1, "b": 2}
    assert allocate(instance, lottery=lottery).assignment == {"a": "A", "b": "B"}
    iterative, log = allocate_iterative(instance, lottery=lottery)
    assert iterative.assignment == {"a": "B", "b": "A"}
    assert log[0] == (1, 2, 2)
