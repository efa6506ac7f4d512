"""Property tests: feasibility, stability per step, child-optimality, reproducibility."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.allocation import (
    AllocationInstance,
    SeatType,
    allocate,
    blocking_pairs,
    draw_lottery,
    explain_all,
    feasibility_problems,
    run_allocation,
)

from .helpers import brute_force_step, instances, make


@settings(max_examples=300, deadline=None)
@given(instances(), st.integers(0, 2**32 - 1))
def test_feasible_stable_explained_and_order_independent(inst, seed):
    result = run_allocation(inst, seed=seed)
    assert feasibility_problems(inst, result) == []
    assert blocking_pairs(inst, result) == []
    explain_all(inst, result)  # raises when a refusal cannot be explained by a cut-off
    assert run_allocation(inst, seed=seed).assignment == result.assignment
    shuffled = list(inst.children)
    random.Random(seed).shuffle(shuffled)
    again = AllocationInstance(
        programmes=inst.programmes[::-1],
        children=tuple(shuffled),
        preferences=inst.preferences,
        priorities=inst.priorities,
    )
    assert allocate(again, lottery=result.lottery).assignment == result.assignment


def _step_markets(inst, result):
    """The two sub-markets as the issue defines them, rebuilt independently."""
    default = inst.default_class
    programmes = {(p.facility_id, p.age_group): p for p in inst.programmes}
    markets = []
    for need in (True, False):
        kids = [c for c in inst.children if c.integration_need is need]
        capacity, lists, key = {}, {}, {}
        for c in kids:
            lists[c.child_id] = []
            for f in inst.preferences.get(c.child_id, ()):
                p = programmes.get((f, c.age_group))
                if p is None:
                    continue
                slot = f"{f}/{c.age_group}"
                if need:
                    capacity[slot] = p.integration_places
                else:
                    used = sum(
                        1
                        for o in inst.children
                        if o.integration_need
                        and o.age_group == c.age_group
                        and result.assignment[o.child_id] == f
                    )
                    capacity[slot] = p.regular_places + (
                        p.integration_places - used if p.release_unused else 0
                    )
                lists[c.child_id].append(slot)
                key[(slot, c.child_id)] = (
                    inst.priorities.get((f, c.child_id), default),
                    result.lottery[c.child_id],
                )
        markets.append(([c.child_id for c in kids], lists, capacity, key, kids))
    return markets


@settings(max_examples=150, deadline=None)
@given(instances(max_children=5, max_facilities=3), st.integers(0, 1000))
def test_each_step_is_child_optimal_against_brute_force(inst, seed):
    result = run_allocation(inst, seed=seed)
    for ids, lists, capacity, key, kids in _step_markets(inst, result):
        best = brute_force_step(ids, lists, capacity, key)
        for c in kids:
            got = result.assignment[c.child_id]
            assert best[c.child_id] == (None if got is None else f"{got}/{c.age_group}")


@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(max_examples=60, deadline=None)
@given(instances(max_children=25, max_facilities=6, integration=False), st.integers(0, 1000))
def test_same_as_matching_package_without_integration_places(inst, seed):
    from matching.games import HospitalResident

    result = run_allocation(inst, seed=seed)
    default = inst.default_class
    programmes = {(p.facility_id, p.age_group): p for p in inst.programmes}
    resident_prefs, hospital_apps = {}, {}
    for c in inst.children:
        slots = [
            f"{f}/{c.age_group}"
            for f in inst.preferences.get(c.child_id, ())
            if (f, c.age_group) in programmes and programmes[(f, c.age_group)].capacity > 0
        ]  # matching 1.4.3 crashes on zero capacities (its issue #48 analogue)
        if slots:
            resident_prefs[c.child_id] = slots
            for slot in slots:
                hospital_apps.setdefault(slot, []).append(c.child_id)
    if not resident_prefs:
        return

    def ranked(slot, apps):
        facility = slot.partition("/")[0]
        return sorted(
            apps, key=lambda c: (inst.priorities.get((facility, c), default), result.lottery[c])
        )

    hospital_prefs = {slot: ranked(slot, apps) for slot, apps in hospital_apps.items()}
    capacities = {slot: programmes[tuple(slot.split("/"))].capacity for slot in hospital_prefs}
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    solved = game.solve(optimal="resident")
    theirs = {r.name: h.name.split("/")[0] for h, rs in solved.items() for r in rs}
    for c in inst.children:
        assert result.assignment[c.child_id] == theirs.get(c.child_id)


@given(st.lists(st.text(min_size=1, max_size=4), unique=True, max_size=30), st.integers(0, 99))
def test_lottery_is_a_permutation(ids, seed):
    numbers = draw_lottery(ids, seed=seed)
    assert sorted(numbers.values()) == list(range(1, len(ids) + 1))


def test_seat_types_follow_need():
    inst = make(
        [("A", "u3", 2, 1, True)],
        [("i", "u3", True), ("r", "u3", False)],
        {"i": ["A"], "r": ["A"]},
    )
    result = run_allocation(inst, seed=3)
    assert result.seat_types == {"i": SeatType.INTEGRATION, "r": SeatType.REGULAR}


@settings(max_examples=200, deadline=None)
@given(instances())
def test_the_iterative_mode_is_stable_and_never_better_for_children(instance):
    from kitaplan.domain.allocation import allocate_iterative

    lottery = draw_lottery((c.child_id for c in instance.children), seed=3)
    batch = allocate(instance, lottery=lottery)
    iterative, log = allocate_iterative(instance, lottery=lottery)
    assert not feasibility_problems(instance, iterative)
    assert not blocking_pairs(instance, iterative)
    # Lattice of stable matchings: the child-optimal one is weakly better for every child.
    for child in instance.children:
        wanted = list(instance.preferences.get(child.child_id, ()))
        ranks = {f: k for k, f in enumerate(wanted)}
        ranks[None] = len(wanted)
        assert (
            ranks[batch.assignment[child.child_id]] <= ranks[iterative.assignment[child.child_id]]
        )
    assert all(offers > 0 for _round, offers, _held in log)
