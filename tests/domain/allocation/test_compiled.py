"""The compiled engine against the readable reference: same results on random instances.

Ties are broken by the lottery; instances have reserved integration places (released or not),
priority classes, facilities without a programme for a child's age group and children without
a list. Compared: assignment, seat types, cut-offs (in order), released places, lottery, default
class and every explanation.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.allocation import (
    AllocationInstance,
    allocate,
    allocate_reference,
    blocking_pairs,
    draw_lottery,
    explain,
    explain_all,
    feasibility_problems,
    run_allocation,
)
from kitaplan.domain.allocation.compiled import AssignmentView, compiled

from .helpers import instances, make


def assert_same(inst: AllocationInstance, fast, reference) -> None:
    assert isinstance(fast.assignment, AssignmentView)  # the compiled path ran
    assert list(fast.assignment.items()) == list(reference.assignment.items())
    assert list(fast.seat_types.items()) == list(reference.seat_types.items())
    assert list(fast.cutoffs.items()) == list(reference.cutoffs.items())
    assert fast.released == reference.released
    assert dict(fast.lottery) == dict(reference.lottery)
    assert fast.default_class == reference.default_class
    fast_why = explain_all(inst, fast)
    reference_why = explain_all(inst, reference)
    assert list(fast_why.items()) == list(reference_why.items())
    for child in inst.children:
        assert explain(inst, fast, child.child_id) == reference_why[child.child_id]


@settings(max_examples=400, deadline=None)
@given(instances(max_children=20, max_facilities=6), st.integers(0, 2**32 - 1))
def test_compiled_equals_reference(inst, seed):
    lottery = draw_lottery((c.child_id for c in inst.children), seed=seed)
    fast = run_allocation(inst, seed=seed)
    reference = allocate_reference(inst, lottery=lottery)
    assert_same(inst, fast, reference)
    assert list(fast.lottery.items()) == list(lottery.items())  # also in the lottery's order


@settings(max_examples=200, deadline=None)
@given(
    instances(max_children=30, max_facilities=4, max_capacity=8),
    st.lists(st.integers(1, 10**15), min_size=30, max_size=30, unique=True),
)
def test_compiled_equals_reference_for_any_lottery_numbers(inst, numbers):
    """Numbers that are not 1..n (as a lottery file may hold): the kernel compares ranks."""
    lottery = {c.child_id: numbers[k] for k, c in enumerate(inst.children)}
    assert_same(inst, allocate(inst, lottery=lottery), allocate_reference(inst, lottery=lottery))


def random_market(rng: random.Random) -> AllocationInstance:
    """Larger markets than hypothesis draws: capacities up to 12, long displacement chains."""
    facilities = [f"F{k}" for k in range(rng.randint(2, 12))]
    programmes = []
    for f in facilities:
        for age in ("u3", "ue3"):
            if rng.random() < 0.8:
                cap = rng.randint(0, 12)
                programmes.append((f, age, cap, rng.randint(0, cap // 2), rng.random() < 0.5))
    children = [
        (f"c{i:03d}", rng.choice(["u3", "ue3"]), rng.random() < 0.15)
        for i in range(rng.randint(0, 160))
    ]
    preferences = {
        c[0]: rng.sample(facilities, rng.randint(0, min(7, len(facilities)))) for c in children
    }
    priorities = {
        (f, c[0]): rng.randint(0, 4) for c in children for f in facilities if rng.random() < 0.3
    }
    return make(programmes, children, preferences, priorities)


def test_compiled_equals_reference_on_larger_markets():
    rng = random.Random(14)
    for trial in range(60):
        inst = random_market(rng)
        lottery = draw_lottery((c.child_id for c in inst.children), seed=trial)
        fast = allocate(inst, lottery=lottery)
        assert_same(inst, fast, allocate_reference(inst, lottery=lottery))
        assert feasibility_problems(inst, fast) == []
        assert blocking_pairs(inst, fast) == []


def test_classes_or_numbers_beyond_int64_fall_back_to_the_reference():
    inst = make(
        [("A", "u3", 1, 0, False)],
        [("x", "u3", False), ("y", "u3", False)],
        {"x": ["A"], "y": ["A"]},
        {("A", "x"): 2**70, ("A", "y"): 3},
    )
    result = allocate(inst, lottery={"x": 1, "y": 2})
    assert not isinstance(result.assignment, AssignmentView)
    assert result.assignment == {"x": None, "y": "A"}
    plain = make(
        [("A", "u3", 1, 0, False)],
        [("x", "u3", False), ("y", "u3", False)],
        {"x": ["A"], "y": ["A"]},
    )
    huge = allocate(plain, lottery={"x": 2**70, "y": 2**65})
    assert huge.assignment == {"x": None, "y": "A"}
    assert huge.cutoff("A", "u3", huge.seat_types["y"]).lottery == 2**65


def test_the_arrays_are_built_once_per_instance():
    inst = random_market(random.Random(3))
    assert compiled(inst) is compiled(inst)
    again = AllocationInstance(inst.programmes, inst.children, inst.preferences, inst.priorities)
    assert compiled(again) is not compiled(inst)


def test_explanations_of_another_instance_use_the_reference():
    """An allocation explained against a different instance object is not read from arrays
    that belong to another instance."""
    inst = random_market(random.Random(4))
    fast = run_allocation(inst, seed=1)
    again = AllocationInstance(inst.programmes, inst.children, inst.preferences, inst.priorities)
    assert dict(explain_all(again, fast)) == dict(explain_all(inst, fast))
    assert isinstance(explain_all(again, fast), dict)
