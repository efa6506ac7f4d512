"""Substitute assignment: hand instances, reasons, independent checks, random agreement."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from kitaplan.domain.childminding.substitutes import (
    Absence,
    AffectedChild,
    Assignment,
    Candidates,
    ContactVisit,
    Substitute,
    SubstituteModel,
    SubstituteRole,
    SubstituteRules,
    UncoveredReason,
    assign_substitutes,
    build_candidates,
    coverage_report,
    knows_child,
    max_covered_single_milp,
    solve_candidates,
)
from kitaplan.domain.common.calendar import months_before
from kitaplan.domain.common.periods import ValidityPeriod

MON = date(2025, 3, 10)
WEEK = tuple(MON + timedelta(days=k) for k in range(5))
OPEN = (ValidityPeriod(date(2020, 1, 1), None),)
RULES = SubstituteRules(min_contacts=2, contact_months=6)


def sub(
    sid: str,
    places: int | dict[date, int] = 1,
    *,
    at: tuple[float, float] | None = (0.0, 0.0),
    permits: tuple[ValidityPeriod, ...] = OPEN,
    model: SubstituteModel = SubstituteModel.GROUP,
) -> Substitute:
    free = places if isinstance(places, dict) else dict.fromkeys(WEEK, places)
    return Substitute(sid, model, permits, free, at)


def kid(
    cid: str,
    days: Sequence[date] = WEEK,
    *,
    primary: str | None = None,
    secondary: str | None = None,
    at: tuple[float, float] | None = (0.0, 0.0),
    model: SubstituteModel | None = None,
    area: str | None = None,
) -> AffectedChild:
    return AffectedChild(cid, f"v-{cid}", frozenset(days), primary, secondary, model, area, at)


def absence(aid: str, children: Sequence[AffectedChild], who: str = "absent") -> Absence:
    return Absence(aid, who, WEEK[0], WEEK[-1], tuple(children))


def knows(sid: str, cid: str, n: int = 2) -> list[ContactVisit]:
    return [ContactVisit(sid, cid, MON - timedelta(days=10 * (k + 1))) for k in range(n)]


def pairs(assignment: Assignment) -> dict[str, str]:
    return {p.child_id: p.substitute_id for p in assignment.proposals}


def reasons(assignment: Assignment) -> dict[str, UncoveredReason]:
    return {u.child_id: u.reason for u in assignment.uncovered}


# --- hand instances ------------------------------------------------------------------------------


def test_optimum_beats_greedy() -> None:
    # a (first by id) prefers s1 (primary, near); b can only go to s1; each has one place
    subs = [sub("s1", at=(0, 0)), sub("s2", at=(3, 0))]
    children = [kid("a", primary="s1"), kid("b", primary="s1")]
    contacts = knows("s1", "a") + knows("s2", "a") + knows("s1", "b")
    result = assign_substitutes([absence("x", children)], subs, contacts, rules=RULES)
    assert pairs(result) == {"a": "s2", "b": "s1"}
    assert result.uncovered == ()
    greedy_taken: set[str] = set()  # what a greedy loop in id order would do
    for options in (["s1", "s2"], ["s1"]):  # a, then b
        free = [s for s in options if s not in greedy_taken]
        if free:
            greedy_taken.add(free[0])
    assert len(greedy_taken) == 1  # greedy covers one child only


def test_coverage_is_never_traded_for_distance() -> None:
    subs = [sub("near", at=(0, 0)), sub("far", at=(40, 0))]
    children = [kid("a", primary="near"), kid("b", primary="near")]
    contacts = knows("near", "a") + knows("far", "a") + knows("near", "b")
    result = assign_substitutes([absence("x", children)], subs, contacts, rules=RULES)
    assert pairs(result) == {"a": "far", "b": "near"}


def test_prefers_near_then_primary_then_declared_model() -> None:
    contacts = knows("p", "a") + knows("s", "a") + knows("o", "a")
    children = [kid("a", primary="p", secondary="s")]
    subs = [sub("p", at=(1, 0)), sub("s", at=(0.5, 0)), sub("o", at=(0, 0))]
    result = assign_substitutes([absence("x", children)], subs, contacts, rules=RULES)
    assert pairs(result) == {"a": "p"}  # primary 1 km beats secondary 0.5 km + 2 km penalty
    assert result.proposals[0].role is SubstituteRole.PRIMARY
    assert result.alternatives[("x", "a")] == ("p", "s", "o")
    subs = [sub("p", at=(9, 0)), sub("s", at=(0.5, 0)), sub("o", at=(0, 0))]
    result = assign_substitutes([absence("x", children)], subs, contacts, rules=RULES)
    assert pairs(result) == {"a": "s"}
    assert result.proposals[0].role is SubstituteRole.SECONDARY
    # declared model: tandem child, "o" is the only tandem substitute and the others are far
    children = [kid("a", primary="p", model=SubstituteModel.TANDEM)]
    subs = [
        sub("p", at=(4.5, 0)),
        sub("o", at=(0, 0), model=SubstituteModel.TANDEM),
    ]
    result = assign_substitutes([absence("x", children)], subs, contacts, rules=RULES)
    assert pairs(result) == {"a": "o"}  # 0 + 5 (other) < 4.5 + 3 (model mismatch)


def test_permit_expiring_mid_absence_excludes() -> None:
    permits = (ValidityPeriod(date(2020, 1, 1), WEEK[2]),)
    subs = [sub("s", 2, permits=permits)]
    children = [kid("a"), kid("b", days=WEEK[:3])]
    contacts = knows("s", "a") + knows("s", "b")
    result = assign_substitutes([absence("x", children)], subs, contacts, rules=RULES)
    assert pairs(result) == {"b": "s"}
    assert reasons(result) == {"a": UncoveredReason.NO_VALID_PERMIT}
    renewed = (*permits, ValidityPeriod(WEEK[3], None))  # renewal without gap
    result = assign_substitutes(
        [absence("x", children)], [sub("s", 2, permits=renewed)], contacts, rules=RULES
    )
    assert pairs(result) == {"a": "s", "b": "s"}


def test_contacts_outside_the_window_do_not_count() -> None:
    start = months_before(MON, 6)  # 2024-09-10
    assert start == date(2024, 9, 10)
    assert knows_child([start, start + timedelta(days=1)], MON, min_contacts=2, months=6)
    assert not knows_child([start - timedelta(days=1), start], MON, min_contacts=2, months=6)
    assert not knows_child([MON, MON - timedelta(days=1)], MON, min_contacts=2, months=6)
    assert not knows_child([start, start], MON, min_contacts=2, months=6)  # same day once
    contacts = [
        ContactVisit("s", "a", start - timedelta(days=1)),
        ContactVisit("s", "a", MON - timedelta(days=3)),
        ContactVisit("s", "a", MON),  # on the first day of the absence: too late
    ]
    result = assign_substitutes([absence("x", [kid("a")])], [sub("s")], contacts, rules=RULES)
    assert reasons(result) == {"a": UncoveredReason.NO_KNOWN_SUBSTITUTE}
    relaxed = SubstituteRules(min_contacts=1, contact_months=6)
    result = assign_substitutes([absence("x", [kid("a")])], [sub("s")], contacts, rules=relaxed)
    assert pairs(result) == {"a": "s"}


def test_months_before_clips_to_month_end() -> None:
    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2025, 1, 15), 13) == date(2023, 12, 15)
    assert months_before(date(2025, 1, 15), 0) == date(2025, 1, 15)


def test_zero_min_contacts_accepts_declared_substitutes() -> None:
    rules = SubstituteRules(min_contacts=0)
    result = assign_substitutes(
        [absence("x", [kid("a", primary="s")])], [sub("s"), sub("t")], [], rules=rules
    )
    assert pairs(result) == {"a": "s"}


def test_reason_codes_and_family_arrangement() -> None:
    subs = [sub("full", 0), sub("far", at=(30, 0)), sub("ok", 1)]
    children = [
        kid("nobody"),
        kid("unknown-id", primary="ghost"),  # the named substitute is not in the pool
        kid("tight"),
        kid("distant"),
        kid("fine"),
        kid("fam", model=SubstituteModel.FAMILY),
        kid("weekend", days=()),  # no care day within the absence: not affected
    ]
    contacts = (
        knows("ghost", "unknown-id")
        + knows("full", "tight")
        + knows("far", "distant")
        + knows("ok", "fine")
        + knows("ok", "fam")
    )
    rules = SubstituteRules(max_distance_km=10.0)
    result = assign_substitutes([absence("x", children)], subs, contacts, rules=rules)
    assert pairs(result) == {"fine": "ok"}
    assert reasons(result) == {
        "nobody": UncoveredReason.NO_KNOWN_SUBSTITUTE,
        "unknown-id": UncoveredReason.NO_KNOWN_SUBSTITUTE,
        "tight": UncoveredReason.NO_CAPACITY,
        "distant": UncoveredReason.TOO_FAR,
    }
    assert [i.child_id for i in result.own_arrangement] == ["fam"]


def test_capacity_shortage_in_the_solve_is_no_capacity() -> None:
    result = assign_substitutes(
        [absence("x", [kid("a"), kid("b")])], [sub("s", 1)], knows("s", "a") + knows("s", "b")
    )
    assert pairs(result) == {"a": "s"}  # equal cost: the lower child key wins
    assert reasons(result) == {"b": UncoveredReason.NO_CAPACITY}


def test_capacity_per_day_lets_part_weeks_share_a_place() -> None:
    subs = [sub("s", {d: 1 for d in WEEK})]
    children = [kid("mon-tue", WEEK[:2]), kid("wed-fri", WEEK[2:]), kid("tue", WEEK[1:2])]
    contacts = [v for c in ("mon-tue", "wed-fri", "tue") for v in knows("s", c)]
    result = assign_substitutes([absence("x", children)], subs, contacts)
    assert pairs(result) == {"mon-tue": "s", "wed-fri": "s"}
    subs = [sub("s", {WEEK[0]: 1, WEEK[1]: 2, WEEK[2]: 1, WEEK[3]: 1, WEEK[4]: 1})]
    result = assign_substitutes([absence("x", children)], subs, contacts)
    assert len(result.proposals) == 3


def test_absent_substitute_has_no_place_on_her_absence_days() -> None:
    # flu wave: A and B substitute for each other and are both ill Mon-Wed; C is free
    children_a = [kid("a1", primary="B")]
    children_b = [kid("b1", WEEK[:3], primary="A")]
    absences = [
        Absence("abs-a", "A", WEEK[0], WEEK[-1], tuple(children_a)),
        Absence("abs-b", "B", WEEK[0], WEEK[2], tuple(children_b)),
    ]
    subs = [sub("A", 1), sub("B", 1), sub("C", 1, at=(5, 0))]
    contacts = knows("B", "a1") + knows("C", "a1") + knows("A", "b1")
    result = assign_substitutes(absences, subs, contacts)
    assert pairs(result) == {"a1": "C"}  # B is ill Mon-Wed
    assert reasons(result) == {"b1": UncoveredReason.NO_CAPACITY}  # A is ill all week


def test_absent_childminder_never_substitutes_her_own_children() -> None:
    contacts = knows("absent", "a")
    result = assign_substitutes([absence("x", [kid("a")])], [sub("absent")], contacts)
    assert reasons(result) == {"a": UncoveredReason.NO_KNOWN_SUBSTITUTE}


def test_unknown_distance_is_allowed_but_ranked_with_the_default() -> None:
    subs = [sub("nowhere", at=None), sub("near", at=(9, 0))]
    contacts = knows("nowhere", "a") + knows("near", "a")
    rules = SubstituteRules(max_distance_km=10.0)
    result = assign_substitutes([absence("x", [kid("a")])], subs, contacts, rules=rules)
    assert pairs(result) == {"a": "near"}  # 9 km < 10 km assumed for the unknown one
    assert result.alternatives[("x", "a")] == ("near", "nowhere")


def test_validation() -> None:
    with pytest.raises(ValueError, match="outside"):
        Absence("x", "m", WEEK[0], WEEK[1], (kid("a", WEEK),))
    with pytest.raises(ValueError, match="twice"):
        absence("x", [kid("a"), kid("a")])
    with pytest.raises(ValueError, match="before start"):
        Absence("x", "m", WEEK[1], WEEK[0], ())
    with pytest.raises(ValueError, match="more than once"):
        assign_substitutes([], [sub("s"), sub("s")], [])
    with pytest.raises(ValueError, match="absence_id"):
        assign_substitutes([absence("x", []), absence("x", [])], [], [])
    with pytest.raises(ValueError, match="negative"):
        SubstituteRules(min_contacts=-1)


def test_coverage_report() -> None:
    subs = [sub("s", 1)]
    children = [
        kid("a", area="north"),
        kid("b", WEEK[:2], area="south"),
        kid("c", WEEK[:1], area=None),
        kid("fam", WEEK[:3], model=SubstituteModel.FAMILY),
    ]
    contacts = knows("s", "a")
    absences = [absence("x", children)]
    result = assign_substitutes(absences, subs, contacts)
    report = coverage_report(absences, result, day_rate=Decimal("45.50"))
    assert report.childminder_absence_days == 5
    assert report.child_days == 5 + 2 + 1 + 3
    assert report.own_arrangement_days == 3
    assert report.covered_days == 5
    assert report.uncovered_days == 3
    assert report.coverage_rate == pytest.approx(5 / 8)
    assert report.uncovered_days_by_area == {"south": 2, None: 1}
    assert report.uncovered_days_by_reason == {UncoveredReason.NO_KNOWN_SUBSTITUTE: 3}
    assert report.cost == Decimal("227.50")
    empty = coverage_report([], assign_substitutes([], [], []))
    assert empty.coverage_rate is None
    assert empty.cost == Decimal("0.00")


# --- random instances ----------------------------------------------------------------------------


def random_instance(
    seed: int, n_subs: int, n_absent: int, kids_each: int
) -> tuple[list[Absence], list[Substitute], list[ContactVisit]]:
    rng = random.Random(seed)
    sub_ids = [f"s{i:02d}" for i in range(n_subs)]
    subs = []
    for sid in sub_ids:
        free = {d: rng.choice([0, 1, 1, 2]) for d in WEEK}
        expiry = rng.choice([None, None, None, WEEK[rng.randrange(5)]])
        at = (rng.uniform(0, 6), rng.uniform(0, 6))
        model = rng.choice([SubstituteModel.GROUP, SubstituteModel.TANDEM])
        subs.append(Substitute(sid, model, (ValidityPeriod(None, expiry),), free, at))
    absences, contacts = [], []
    absent = rng.sample(sub_ids, n_absent)
    for a, who in enumerate(absent):
        start = WEEK[rng.randrange(3)]
        end = WEEK[rng.randrange(WEEK.index(start), 5)]
        span = [d for d in WEEK if start <= d <= end]
        children = []
        for k in range(kids_each):
            cid = f"c{a}-{k}"
            days = rng.sample(span, rng.randint(1, len(span)))
            known = rng.sample(sub_ids, 3)
            for sid in known:
                for _ in range(rng.randint(1, 3)):
                    contacts.append(
                        ContactVisit(sid, cid, MON - timedelta(days=rng.randint(1, 60)))
                    )
            children.append(
                AffectedChild(
                    cid,
                    f"v-{cid}",
                    frozenset(days),
                    known[0],
                    known[1],
                    rng.choice([None, SubstituteModel.GROUP, SubstituteModel.TANDEM]),
                    rng.choice(["n", "s"]),
                    (rng.uniform(0, 6), rng.uniform(0, 6)),
                )
            )
        absences.append(Absence(f"a{a}", who, start, end, tuple(children)))
    return absences, subs, contacts


def check_capacity(absences: list[Absence], subs: list[Substitute], assignment: Assignment) -> None:
    """Independent of the solver: per substitute and day, proposals ≤ free places, nobody is
    placed with a substitute absent that day, and each child has at most one substitute."""
    absent_days = {
        (a.childminder_id, a.start + timedelta(days=k))
        for a in absences
        for k in range(a.calendar_days)
    }
    free = {(s.substitute_id, d): n for s in subs for d, n in s.free_places.items()}
    used: dict[tuple[str, date], int] = {}
    seen = set()
    for p in assignment.proposals:
        assert (p.absence_id, p.child_id) not in seen
        seen.add((p.absence_id, p.child_id))
        for d in p.days:
            assert (p.substitute_id, d) not in absent_days
            used[(p.substitute_id, d)] = used.get((p.substitute_id, d), 0) + 1
    for key, count in used.items():
        assert count <= free.get(key, 0), key


def lexicographic_single_milp(candidates: Candidates) -> tuple[int, float]:
    """Test-local reference: ONE MILP, two stages (most children, then least preference)."""
    options = candidates.options
    n = len(options)
    if n == 0:
        return 0, 0.0
    rows: list[np.ndarray] = []
    upper: list[float] = []
    for item in range(len(candidates.items)):
        rows.append(np.array([o.item == item for o in options], dtype=float))
        upper.append(1.0)
    for key, places in candidates.capacity.items():
        s, d = key
        rows.append(
            np.array(
                [o.substitute == s and d in candidates.items[o.item].days for o in options],
                dtype=float,
            )
        )
        upper.append(float(places))
    a = np.vstack(rows)
    cons = [LinearConstraint(a, -np.inf, np.array(upper))]
    first = milp(-np.ones(n), constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1))
    best = round(-first.fun)
    cons.append(LinearConstraint(np.ones((1, n)), best, np.inf))
    second = milp(
        np.array([o.preference for o in options], dtype=float),
        constraints=cons,
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    return best, round(second.fun) / 10


def brute_force(candidates: Candidates) -> tuple[int, float]:
    by_item: dict[int, list[int]] = {}
    for k, o in enumerate(candidates.options):
        by_item.setdefault(o.item, []).append(k)
    choices: list[list[int | None]] = [[None, *ks] for ks in by_item.values()]
    best_count, best_preference = 0, 0
    for combo in itertools.product(*choices):
        picked = [candidates.options[k] for k in combo if k is not None]
        load: dict[tuple[int, date], int] = {}
        for o in picked:
            for d in candidates.items[o.item].days:
                load[(o.substitute, d)] = load.get((o.substitute, d), 0) + 1
        if any(n > candidates.capacity[key] for key, n in load.items()):
            continue
        count, preference = len(picked), sum(o.preference for o in picked)
        if count > best_count or (count == best_count and preference < best_preference):
            best_count, best_preference = count, preference
    return best_count, best_preference / 10


@pytest.mark.parametrize("seed", range(40))
def test_tiny_random_instances_match_brute_force(seed: int) -> None:
    absences, subs, contacts = random_instance(seed, n_subs=5, n_absent=2, kids_each=3)
    candidates = build_candidates(absences, subs, contacts, rules=RULES)
    result = solve_candidates(candidates)
    check_capacity(absences, subs, result)
    covered, preference = brute_force(candidates)
    assert result.covered == covered
    assert result.preference_km == pytest.approx(preference)


@pytest.mark.parametrize("seed", range(25))
def test_random_instances_decomposed_equals_single_milp(seed: int) -> None:
    absences, subs, contacts = random_instance(seed, n_subs=25, n_absent=6, kids_each=4)
    candidates = build_candidates(absences, subs, contacts, rules=RULES)
    batched = solve_candidates(candidates)
    one_each = solve_candidates(candidates, batch=False)
    check_capacity(absences, subs, batched)
    check_capacity(absences, subs, one_each)
    covered, preference = lexicographic_single_milp(candidates)
    assert batched.covered == one_each.covered == covered == max_covered_single_milp(candidates)
    assert batched.preference_km == pytest.approx(preference)
    assert one_each.preference_km == pytest.approx(preference)
    total = len(candidates.items)
    assert len(batched.proposals) + len(batched.uncovered) == total


@pytest.mark.parametrize("seed", range(5))
def test_deterministic_and_independent_of_input_order(seed: int) -> None:
    absences, subs, contacts = random_instance(seed, n_subs=25, n_absent=6, kids_each=4)
    first = assign_substitutes(absences, subs, contacts, rules=RULES)
    again = assign_substitutes(absences, subs, contacts, rules=RULES)
    rng = random.Random(seed)
    shuffled_absences = [
        Absence(
            a.absence_id,
            a.childminder_id,
            a.start,
            a.end,
            tuple(rng.sample(a.children, len(a.children))),
        )
        for a in rng.sample(absences, len(absences))
    ]
    shuffled = assign_substitutes(
        shuffled_absences,
        rng.sample(subs, len(subs)),
        rng.sample(contacts, len(contacts)),
        rules=RULES,
    )
    for other in (again, shuffled):
        assert other.proposals == first.proposals
        assert other.uncovered == first.uncovered
        assert other.alternatives == first.alternatives
