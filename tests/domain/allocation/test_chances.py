"""Chances estimate: exact small cases, reproducibility, agreement with the engine."""

from __future__ import annotations

import random

import pytest

from kitaplan.domain.allocation import (
    AllocationInstance,
    draw_seed,
    estimate_chances,
    run_allocation,
)
from kitaplan.domain.allocation.chances import Estimate
from kitaplan.domain.allocation.compiled import compiled

from .helpers import make


def within_3_se(estimate: Estimate, exact: float) -> bool:
    se = (exact * (1 - exact) / estimate.draws) ** 0.5
    return abs(estimate.probability - exact) <= 3 * se


def test_two_children_one_place_half_each() -> None:
    inst = make(
        [("F", "u3", 1, 0, False)],
        [("a", "u3", False), ("b", "u3", False)],
        {"a": ["F"], "b": ["F"]},
    )
    chances = estimate_chances(inst, draws=2000, seed=1)
    for child in ("a", "b"):
        assert within_3_se(chances[child].at("F"), 0.5)
        assert within_3_se(chances[child].unplaced, 0.5)
    assert chances["a"].at("F").hits + chances["b"].at("F").hits == 2000


def test_three_children_two_places_two_thirds_each() -> None:
    inst = make(
        [("F", "u3", 2, 0, False)],
        [("a", "u3", False), ("b", "u3", False), ("c", "u3", False)],
        {"a": ["F"], "b": ["F"], "c": ["F"]},
    )
    chances = estimate_chances(inst, draws=2000, seed=2)
    for child in ("a", "b", "c"):
        assert within_3_se(chances[child].at("F"), 2 / 3)


def test_second_choice_exact() -> None:
    # a: F, G; b: F; c: G; one place each. By the 6 lottery orders (a first in 2 of 6 ...):
    # a gets F iff a beats b (1/2); otherwise a competes with c at G and wins iff a beats c.
    # P(a at G) = P(b < a and a < c) = 1/6; P(a unplaced) = P(b < a and c < a) = 1/3.
    inst = make(
        [("F", "u3", 1, 0, False), ("G", "u3", 1, 0, False)],
        [("a", "u3", False), ("b", "u3", False), ("c", "u3", False)],
        {"a": ["F", "G"], "b": ["F"], "c": ["G"]},
    )
    chances = estimate_chances(inst, draws=2000, seed=3)
    assert within_3_se(chances["a"].at("F"), 1 / 2)
    assert within_3_se(chances["a"].at("G"), 1 / 6)
    assert within_3_se(chances["a"].unplaced, 1 / 3)
    assert within_3_se(chances["c"].at("G"), 5 / 6)


def test_higher_priority_class_always_placed() -> None:
    inst = make(
        [("F", "u3", 1, 0, False)],
        [("a", "u3", False), ("b", "u3", False), ("c", "u3", False)],
        {"a": ["F"], "b": ["F"], "c": ["F"]},
        {("F", "b"): 0, ("F", "a"): 1, ("F", "c"): 1},
    )
    chances = estimate_chances(inst, draws=500, seed=4)
    assert chances["b"].at("F").probability == 1.0
    assert chances["b"].at("F").standard_error == 0.0
    assert chances["b"].at("F").interval[1] == 1.0
    assert chances["b"].at("F").interval[0] > 0.99
    assert chances["a"].at("F").hits == chances["c"].at("F").hits == 0


def random_instance(rng: random.Random) -> AllocationInstance:
    facilities = [f"F{k}" for k in range(rng.randint(1, 5))]
    programmes = []
    for f in facilities:
        for age in ("u3", "ue3"):
            if rng.random() < 0.7:
                cap = rng.randint(0, 3)
                programmes.append((f, age, cap, rng.randint(0, cap), rng.random() < 0.5))
    children = [
        (f"c{i}", rng.choice(["u3", "ue3"]), rng.random() < 0.3) for i in range(rng.randint(0, 14))
    ]
    preferences = {c[0]: rng.sample(facilities, rng.randint(0, len(facilities))) for c in children}
    priorities = {
        (f, c[0]): rng.randint(0, 2) for c in children for f in facilities if rng.random() < 0.4
    }
    return make(programmes, children, preferences, priorities)


def test_probabilities_sum_to_one() -> None:
    rng = random.Random(5)
    for _ in range(20):
        inst = random_instance(rng)
        chances = estimate_chances(inst, draws=30, seed=rng.randint(0, 10**6))
        for child in chances:
            total = sum(e.hits for _, e in child.facilities) + child.unplaced.hits
            assert total == 30
        assert set(chances.children) == {c.child_id for c in inst.children}


def test_prepared_path_equals_engine() -> None:
    rng = random.Random(6)
    for trial in range(200):
        inst = random_instance(rng)
        prepared = compiled(inst)
        seed = draw_seed(trial, 0)
        reference = run_allocation(inst, seed=seed)
        numbers = prepared.lottery(seed)
        assert dict(zip((c.child_id for c in inst.children), numbers.tolist(), strict=True)) == (
            dict(reference.lottery)
        )
        got = prepared.assignment(numbers)
        assert {
            c.child_id: (inst.programmes[k].facility_id if k >= 0 else None)
            for c, k in zip(inst.children, got, strict=True)
        } == dict(reference.assignment)


def test_each_draw_is_a_published_run() -> None:
    inst = random_instance(random.Random(7))
    chances = estimate_chances(inst, draws=25, seed=99)
    hits: dict[tuple[str, str | None], int] = {}
    for k in range(25):
        for child, facility in run_allocation(inst, seed=draw_seed(99, k)).assignment.items():
            hits[(child, facility)] = hits.get((child, facility), 0) + 1
    for child in chances:
        for facility, estimate in child.facilities:
            assert estimate.hits == hits.get((child.child_id, facility), 0)
        assert child.unplaced.hits == hits.get((child.child_id, None), 0)


def test_same_seed_same_result_and_processes_do_not_matter() -> None:
    inst = random_instance(random.Random(8))
    one = estimate_chances(inst, draws=200, seed=11)
    again = estimate_chances(inst, draws=200, seed=11)
    pooled = estimate_chances(inst, draws=200, seed=11, processes=2)
    assert one.children == again.children == pooled.children
    other = estimate_chances(inst, draws=200, seed=12)
    assert other.seed == 12


def test_rejects_bad_arguments() -> None:
    inst = make([], [], {})
    with pytest.raises(ValueError, match="draws"):
        estimate_chances(inst, draws=0, seed=1)
    with pytest.raises(ValueError, match="processes"):
        estimate_chances(inst, draws=1, seed=1, processes=0)
    assert estimate_chances(inst, draws=3, seed=1).children == {}
