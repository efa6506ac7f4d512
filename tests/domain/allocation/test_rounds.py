"""Follow-up runs: held places are guaranteed, freed places go down the priority order."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.allocation import (
    GUARANTEED_CLASS,
    allocate,
    blocking_pairs,
    draw_lottery,
    feasibility_problems,
    with_guarantees,
)

from .helpers import make


def test_declined_place_goes_to_the_next_child_and_holders_move_up():
    # One place at A and one at B. c1 beats c2 beats c3 everywhere (lottery).
    instance = make(
        [("A", "u3", 1, 0, False), ("B", "u3", 1, 0, False)],
        [("c1", "u3", False), ("c2", "u3", False), ("c3", "u3", False)],
        {"c1": ["A"], "c2": ["A", "B"], "c3": ["A", "B"]},
    )
    lottery = {"c1": 1, "c2": 2, "c3": 3}
    first = allocate(instance, lottery=lottery)
    assert first.assignment == {"c1": "A", "c2": "B", "c3": None}
    # c1 declines A; c2 holds B.
    follow = with_guarantees(instance, held={"c2": "B"}, leaving={"c1"})
    assert follow.priorities[("B", "c2")] == GUARANTEED_CLASS
    second = allocate(follow, lottery=lottery)
    assert second.assignment == {"c2": "A", "c3": "B"}


def test_a_held_place_is_kept_even_against_better_priority():
    instance = make(
        [("A", "u3", 1, 0, False)],
        [("late", "u3", False), ("holder", "u3", False)],
        {"late": ["A"], "holder": ["A"]},
        {("A", "late"): 0, ("A", "holder"): 1},
    )
    follow = with_guarantees(instance, held={"holder": "A"})
    result = allocate(follow, lottery={"late": 1, "holder": 2})
    assert result.assignment == {"late": None, "holder": "A"}


def test_held_facility_missing_from_list_is_appended_and_list_is_cut():
    instance = make(
        [("A", "u3", 1, 0, False), ("B", "u3", 1, 0, False), ("C", "u3", 1, 0, False)],
        [("c", "u3", False)],
        {"c": ["A", "B", "C"]},
    )
    assert with_guarantees(instance, held={"c": "B"}).preferences["c"] == ("A", "B")
    other = make([("A", "u3", 1, 0, False)], [("c", "u3", False)], {"c": ["A"]})
    assert with_guarantees(other, held={"c": "Z"}).preferences["c"] == ("A", "Z")


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000))
def test_follow_up_keeps_every_holder_placed_no_worse_and_is_stable(seed):
    rng = random.Random(seed)
    facilities = [f"F{k}" for k in range(rng.randint(1, 4))]
    programmes = [(f, "u3", rng.randint(0, 3), 0, False) for f in facilities]
    children = [(f"c{i}", "u3", False) for i in range(rng.randint(1, 10))]
    prefs = {c: rng.sample(facilities, rng.randint(1, len(facilities))) for c, _a, _n in children}
    priorities = {(f, c): rng.randint(0, 2) for c in prefs for f in prefs[c]}
    instance = make(programmes, children, prefs, priorities)
    lottery = draw_lottery(prefs, seed=seed)
    first = allocate(instance, lottery=lottery)
    placed = [c for c, f in first.assignment.items() if f is not None]
    leaving = set(rng.sample(placed, len(placed) // 2))
    held = {c: first.assignment[c] for c in placed if c not in leaving}
    follow = with_guarantees(instance, held=held, leaving=leaving)
    second = allocate(follow, lottery=lottery)
    assert not feasibility_problems(follow, second)
    assert not blocking_pairs(follow, second)
    for child_id, facility_id in held.items():
        got = second.assignment[child_id]
        assert got is not None
        wanted = prefs[child_id]
        assert wanted.index(got) <= wanted.index(facility_id)
    assert set(second.assignment) == set(prefs) - leaving


def test_a_released_integration_place_that_is_held_stays_released():
    # A: 2 places, 1 integration place released when unused. r1, r2 hold both places; a child
    # with integration need arrives later and must not push r2 out.
    instance = make(
        [("A", "u3", 2, 1, True)],
        [("r1", "u3", False), ("r2", "u3", False), ("late", "u3", True)],
        {"r1": ["A"], "r2": ["A"], "late": ["A"]},
    )
    follow = with_guarantees(instance, held={"r1": "A", "r2": "A"})
    assert follow.programmes[0].integration_places == 0
    result = allocate(follow, lottery={"r1": 1, "r2": 2, "late": 3})
    assert result.assignment == {"r1": "A", "r2": "A", "late": None}


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 100_000))
def test_holders_keep_a_place_with_integration_places_and_late_children(seed):
    rng = random.Random(seed)
    facilities = [f"F{k}" for k in range(rng.randint(1, 3))]
    programmes = []
    for f in facilities:
        cap = rng.randint(0, 3)
        programmes.append((f, "u3", cap, rng.randint(0, cap), rng.random() < 0.5))
    children = [(f"c{i}", "u3", rng.random() < 0.3) for i in range(rng.randint(1, 9))]
    prefs = {c: rng.sample(facilities, rng.randint(1, len(facilities))) for c, _a, _n in children}
    late = {c for c, _a, _n in children if rng.random() < 0.3}
    early = [c for c in children if c[0] not in late]
    first_instance = make(programmes, early, {c: prefs[c] for c, _a, _n in early})
    lottery = draw_lottery(prefs, seed=seed)
    first = allocate(first_instance, lottery={c: lottery[c] for c, _a, _n in early})
    held = {c: f for c, f in first.assignment.items() if f is not None}
    follow = with_guarantees(make(programmes, children, prefs), held=held)
    second = allocate(follow, lottery=lottery)
    assert not feasibility_problems(follow, second)
    for child_id in held:
        assert second.assignment[child_id] is not None, child_id
