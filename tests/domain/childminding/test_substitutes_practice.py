"""Substitutes in a group practice (Großtagespflege): the practice's limit binds all members."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from kitaplan.domain.childminding.substitutes import (
    Absence,
    Assignment,
    Candidates,
    ContactVisit,
    PracticeLimit,
    Substitute,
    SubstituteModel,
    UncoveredReason,
    assign_substitutes,
    build_candidates,
    max_covered_single_milp,
    solve_candidates,
)
from tests.domain.childminding.test_substitutes import (
    OPEN,
    RULES,
    WEEK,
    absence,
    check_capacity,
    kid,
    knows,
    lexicographic_single_milp,
    pairs,
    random_instance,
    reasons,
)


def member(sid: str, places: int = 2, practice: str = "gp") -> Substitute:
    return Substitute(
        sid,
        SubstituteModel.GROUP_PRACTICE,
        OPEN,
        dict.fromkeys(WEEK, places),
        (0.0, 0.0),
        practice_id=practice,
    )


def limit(places: int | dict[date, int], practice: str = "gp") -> PracticeLimit:
    free = places if isinstance(places, dict) else dict.fromkeys(WEEK, places)
    return PracticeLimit(practice, free)


def check_practices(
    subs: list[Substitute], practices: list[PracticeLimit], assignment: Assignment
) -> None:
    """Independent of the solver: per practice and day, children proposed to its members ≤ its
    free places."""
    of = {s.substitute_id: s.practice_id for s in subs}
    free = {(p.practice_id, d): n for p in practices for d, n in p.free_places.items()}
    used: dict[tuple[str, date], int] = {}
    for p in assignment.proposals:
        practice = of[p.substitute_id]
        if practice is None:
            continue
        for d in p.days:
            used[(practice, d)] = used.get((practice, d), 0) + 1
    for key, count in used.items():
        assert count <= free.get(key, 0), key


def test_a_practice_at_its_limit_gets_no_child() -> None:
    # both colleagues have places of their own, but the practice is full every day
    subs = [member("m1"), member("m2")]
    children = [kid("a", primary="m1"), kid("b", primary="m2")]
    contacts = knows("m1", "a") + knows("m2", "b")
    result = assign_substitutes(
        [absence("x", children)], subs, contacts, rules=RULES, practices=[limit(0)]
    )
    assert result.proposals == ()
    assert reasons(result) == {"a": UncoveredReason.NO_CAPACITY, "b": UncoveredReason.NO_CAPACITY}
    # without the practice's limit both would be proposed
    free = [Substitute(s.substitute_id, s.model, s.permits, s.free_places, s.point) for s in subs]
    assert pairs(assign_substitutes([absence("x", children)], free, contacts, rules=RULES)) == {
        "a": "m1",
        "b": "m2",
    }


def test_the_practice_limit_is_shared_by_its_members_and_per_day() -> None:
    # one place in the practice: only one of the two members' children fits, the other child
    # goes to a colleague outside the practice who knows it
    subs = [member("m1"), member("m2"), Substitute("out", SubstituteModel.TANDEM, OPEN,
            dict.fromkeys(WEEK, 1), (9.0, 0.0))]  # fmt: skip
    children = [kid("a", primary="m1"), kid("b", primary="m2")]
    contacts = knows("m1", "a") + knows("m2", "b") + knows("out", "b")
    result = assign_substitutes(
        [absence("x", children)], subs, contacts, rules=RULES, practices=[limit(1)]
    )
    assert pairs(result) == {"a": "m1", "b": "out"}
    # Mon/Wed and Tue/Thu children share the practice's one place
    part = [kid("p", WEEK[0::2], primary="m1"), kid("q", WEEK[1::2], primary="m2")]
    contacts = knows("m1", "p") + knows("m2", "q")
    result = assign_substitutes(
        [absence("y", part)], subs[:2], contacts, rules=RULES, practices=[limit(1)]
    )
    assert pairs(result) == {"p": "m1", "q": "m2"}
    # a practice full on one day only keeps the full-week child out
    tuesday_full = limit({d: (0 if d == WEEK[1] else 2) for d in WEEK})
    result = assign_substitutes(
        [absence("z", [kid("w", primary="m1")])],
        subs[:2],
        knows("m1", "w"),
        rules=RULES,
        practices=[tuesday_full],
    )
    assert reasons(result) == {"w": UncoveredReason.NO_CAPACITY}


def test_a_substitute_naming_an_unknown_practice_is_refused() -> None:
    with pytest.raises(ValueError, match="practice"):
        build_candidates([absence("x", [kid("a")])], [member("m1")], knows("m1", "a"), rules=RULES)


def with_practices(
    seed: int, n_subs: int, n_absent: int, kids_each: int
) -> tuple[list[Absence], list[Substitute], list[ContactVisit], list[PracticeLimit]]:
    """The random instance of the main tests, with about half the substitutes in two or three
    group practices of small, day-varying free places."""
    absences, subs, contacts = random_instance(seed, n_subs, n_absent, kids_each)
    rng = random.Random(seed + 1000)
    names = [f"gp{k}" for k in range(rng.randint(2, 3))]
    practices = [PracticeLimit(n, {d: rng.choice([0, 1, 1, 2, 3]) for d in WEEK}) for n in names]
    placed = [
        Substitute(
            s.substitute_id,
            s.model,
            s.permits,
            s.free_places,
            s.point,
            practice_id=rng.choice(names) if rng.random() < 0.5 else None,
        )
        for s in subs
    ]
    return absences, placed, contacts, practices


def brute_force(candidates: Candidates) -> tuple[int, float]:
    """Every combination, with the substitutes' and the practices' rows."""
    by_item: dict[int, list[int]] = {}
    for k, o in enumerate(candidates.options):
        by_item.setdefault(o.item, []).append(k)
    choices: list[list[int | None]] = [[None, *ks] for ks in by_item.values()]
    best_count, best_preference = 0, 0
    for combo in itertools.product(*choices):
        picked = [candidates.options[k] for k in combo if k is not None]
        load: dict[tuple[int, date], int] = {}
        shared: dict[tuple[int, date], int] = {}
        for o in picked:
            practice = candidates.practice(o.substitute)
            for d in candidates.items[o.item].days:
                load[(o.substitute, d)] = load.get((o.substitute, d), 0) + 1
                if practice is not None:
                    shared[(practice, d)] = shared.get((practice, d), 0) + 1
        if any(n > candidates.capacity[key] for key, n in load.items()):
            continue
        if any(n > candidates.practice_capacity[key] for key, n in shared.items()):
            continue
        count, preference = len(picked), sum(o.preference for o in picked)
        if count > best_count or (count == best_count and preference < best_preference):
            best_count, best_preference = count, preference
    return best_count, best_preference / 10


@pytest.mark.parametrize("seed", range(30))
def test_tiny_instances_with_practices_match_brute_force(seed: int) -> None:
    absences, subs, contacts, practices = with_practices(seed, 5, 2, 3)
    candidates = build_candidates(absences, subs, contacts, rules=RULES, practices=practices)
    result = solve_candidates(candidates)
    check_capacity(absences, subs, result)
    check_practices(subs, practices, result)
    covered, preference = brute_force(candidates)
    assert result.covered == covered == max_covered_single_milp(candidates)
    assert result.preference_km == pytest.approx(preference)


@pytest.mark.parametrize("seed", range(15))
def test_instances_with_practices_decomposed_equal_the_exact_milp(seed: int) -> None:
    absences, subs, contacts, practices = with_practices(seed, 25, 6, 4)
    candidates = build_candidates(absences, subs, contacts, rules=RULES, practices=practices)
    batched = solve_candidates(candidates)
    one_each = solve_candidates(candidates, batch=False)
    for result in (batched, one_each):
        check_capacity(absences, subs, result)
        check_practices(subs, practices, result)
    reference = max_covered_single_milp(candidates)
    assert batched.covered == one_each.covered == reference
    assert batched.preference_km == pytest.approx(one_each.preference_km)
    # the practices' rows make a difference on some instances: never more children than without
    plain = build_candidates(
        absences,
        [Substitute(s.substitute_id, s.model, s.permits, s.free_places, s.point) for s in subs],
        contacts,
        rules=RULES,
    )
    assert reference <= max_covered_single_milp(plain)
    covered, _preference = lexicographic_single_milp(plain)
    assert covered == max_covered_single_milp(plain)


def test_the_limit_binds_on_some_random_instance() -> None:
    """Guard against a vacuous random test: the practices cost children somewhere."""
    lost = 0
    for seed in range(15):
        absences, subs, contacts, practices = with_practices(seed, 25, 6, 4)
        with_rows = build_candidates(absences, subs, contacts, rules=RULES, practices=practices)
        plain = [Substitute(s.substitute_id, s.model, s.permits, s.free_places, s.point)
                 for s in subs]  # fmt: skip
        without = build_candidates(absences, plain, contacts, rules=RULES)
        lost += max_covered_single_milp(without) - max_covered_single_milp(with_rows)
    assert lost > 0
