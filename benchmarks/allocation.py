"""Berlin-scale allocation benchmark: kitaplan vs the ``matching`` package (not a test).

Instance (synthetic, reproducible from ``--seed``): the 2,880 demo facilities of Berlin with their
real places (``places_u3`` → age group u3, ``places_ue3`` → ue3, ``integration_places`` reserved in
ue3, ``release_unused`` for half of them). 40,000 children: a home point is drawn near a facility
chosen with probability proportional to its places (Gaussian offset, 1.5 km) – a simplification of
drawing from ``population.csv`` areas; each child ranks 7 of the 40 nearest facilities drawn with
weight exp(-distance / 1 km); age group in proportion to the places; 3 % integration need; 20 %
get priority class 0 at their first choice (e.g. siblings).

Engine section: the compiled engine's full run (lottery, two steps with reserved places,
cut-offs, explanations; best of ``--repeat``) on the instance whose arrays are built, with the
time to import numba and load the compiled kernels (once per process), to build those arrays
(once per instance), the first run, a new instance end to end, and the time to make every explanation record; then the readable reference
(``allocate_reference``, the engine before the compiled one) in the same run, its ratio, and a
check that both give identical results.

Chances section: times ``estimate_chances`` with ``--chances N`` lottery draws (default 1,000,
0 skips it) on ``--processes`` processes (default 2) against the 10 s target. ``--tight`` scales
every programme's capacity (and its integration places) so that places ≈ 0.9 × children, a harder
instance with long displacement chains and real competition.

Matching section: both engines on the instance without reserved places, identical assignments,
and the ratio of ``matching``'s solve step (best of 3) to our full run (target ≥ 20×). The game
is built from ``matching``'s own players without its deep copy and input checks (minutes at this
size; ``--matching-checked-build`` uses ``create_from_dictionaries``); the solve step is the same.

The machine is shared: every figure is the best of several runs in one process, and ratios are
taken in the same run.

Usage: python benchmarks/allocation.py [--children 40000] [--matching-children N] [--no-matching]
       [--matching-checked-build] [--repeat N] [--chances N] [--processes P] [--tight]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from kitaplan.domain.allocation import (
    AllocationInstance,
    Child,
    Programme,
    allocate_reference,
    draw_lottery,
    estimate_chances,
    explain_all,
    run_allocation,
)
from kitaplan.domain.allocation.compiled import compiled

FACILITIES = Path(__file__).parents[1] / "src/kitaplan/demo/data/berlin/facilities.csv"


def build(n_children: int, seed: int) -> AllocationInstance:
    rng = np.random.default_rng(seed)
    with FACILITIES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = [r["official_number"] for r in rows]
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    xy = np.column_stack([(lon - 13.4) * 67.8, (lat - 52.5) * 111.2])  # km
    u3 = np.array([int(r["places_u3"] or 0) for r in rows])
    ue3 = np.array([int(r["places_ue3"] or 0) for r in rows])
    integ = np.minimum(np.array([int(r["integration_places"] or 0) for r in rows]), ue3)
    release = rng.random(len(rows)) < 0.5
    programmes = []
    for k, f in enumerate(ids):
        programmes.append(Programme(f, "u3", int(u3[k])))
        programmes.append(Programme(f, "ue3", int(ue3[k]), int(integ[k]), bool(release[k])))
    total = u3 + ue3
    home_fac = rng.choice(len(ids), size=n_children, p=total / total.sum())
    homes = xy[home_fac] + rng.normal(0, 1.5, size=(n_children, 2))
    dist, near = cKDTree(xy).query(homes, k=40)
    weights = np.exp(-dist)
    keys = np.log(rng.random(weights.shape)) / weights  # Efraimidis-Spirakis weighted sampling
    order = np.argsort(-keys, axis=1)[:, :7]
    chosen = np.take_along_axis(near, order, axis=1)
    ages = np.where(rng.random(n_children) < u3.sum() / total.sum(), "u3", "ue3")
    need = rng.random(n_children) < 0.03
    children = tuple(Child(f"k{i:05d}", str(ages[i]), bool(need[i])) for i in range(n_children))
    preferences = {c.child_id: tuple(ids[j] for j in chosen[i]) for i, c in enumerate(children)}
    sibling = rng.random(n_children) < 0.2
    priorities = {
        (preferences[c.child_id][0], c.child_id): 0 for i, c in enumerate(children) if sibling[i]
    }
    return AllocationInstance(tuple(programmes), children, preferences, priorities)


def tighten(inst: AllocationInstance, ratio: float = 0.9) -> AllocationInstance:
    """Scale capacities (rounded down) so that places ≈ ``ratio`` × children."""
    factor = ratio * len(inst.children) / sum(p.capacity for p in inst.programmes)
    programmes = []
    for p in inst.programmes:
        capacity = round(p.capacity * factor)
        programmes.append(
            Programme(
                p.facility_id,
                p.age_group,
                capacity,
                min(capacity, round(p.integration_places * factor)),
                p.release_unused,
            )
        )
    return AllocationInstance(tuple(programmes), inst.children, inst.preferences, inst.priorities)


def without_reserves(inst: AllocationInstance) -> AllocationInstance:
    return AllocationInstance(
        tuple(Programme(p.facility_id, p.age_group, p.capacity) for p in inst.programmes),
        tuple(Child(c.child_id, c.age_group) for c in inst.children),
        inst.preferences,
        inst.priorities,
    )


def matching_game(inst: AllocationInstance, lottery: Mapping[str, int], *, checked: bool) -> Any:
    """The ``matching`` game of ``inst`` (no reserved places), ready to solve.

    ``checked`` builds it the documented way (``create_from_dictionaries``: a deep copy and
    input checks that take minutes at this size); otherwise the same players are made with
    the package's own ``_make_players`` and handed to the game without the copy and the checks
    (our instance passes them: every facility ranks exactly the children that rank it).
    ``solve`` is the same in both cases.
    """
    from matching.base import BaseGame
    from matching.games import HospitalResident
    from matching.games.hospital_resident import _make_players

    programmes = {(p.facility_id, p.age_group): p.capacity for p in inst.programmes}
    default = inst.default_class
    residents: dict[str, list[str]] = {}
    apps: dict[str, list[str]] = {}
    for c in inst.children:
        slots = [
            f"{f}/{c.age_group}"
            for f in inst.preferences[c.child_id]
            if programmes.get((f, c.age_group), 0) > 0
        ]
        if slots:
            residents[c.child_id] = slots
            for s in slots:
                apps.setdefault(s, []).append(c.child_id)

    def ranked(slot: str, applicants: list[str]) -> list[str]:
        facility = slot.partition("/")[0]
        return sorted(
            applicants, key=lambda c: (inst.priorities.get((facility, c), default), lottery[c])
        )

    hospitals = {s: ranked(s, a) for s, a in apps.items()}
    caps = {s: programmes[(s.split("/")[0], s.split("/")[1])] for s in hospitals}
    if checked:
        return HospitalResident.create_from_dictionaries(residents, hospitals, caps)
    players, places = _make_players(residents, hospitals, caps)
    game = HospitalResident.__new__(HospitalResident)
    game.residents, game.hospitals = players, places
    game._all_residents, game._all_hospitals = players, places
    BaseGame.__init__(game, False)
    return game


def run_matching(
    inst: AllocationInstance, lottery: Mapping[str, int], *, checked: bool, repeat: int
) -> tuple[dict[str, str | None], float]:
    """Best solve time of ``repeat`` fresh games and the assignment."""
    sys.setrecursionlimit(1_000_000)
    best = float("inf")
    solved: Any = None
    for _ in range(repeat):
        started = time.perf_counter()
        game = matching_game(inst, lottery, checked=checked)
        built = time.perf_counter()
        solved = game.solve(optimal="resident")
        done = time.perf_counter()
        best = min(best, done - built)
        print(f"matching: build {built - started:.2f} s, solve {done - built:.3f} s")
    found = {r.name: h.name.split("/")[0] for h, rs in solved.items() for r in rs}
    return {c.child_id: found.get(c.child_id) for c in inst.children}, best


def best_of(repeat: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def copy_of(inst: AllocationInstance) -> AllocationInstance:
    """The same instance as a new object (its compiled arrays are not cached yet)."""
    return AllocationInstance(inst.programmes, inst.children, inst.preferences, inst.priorities)


def engine_section(inst: AllocationInstance, seed: int, repeat: int) -> float:
    """Time the compiled engine against the reference; returns the full run's best time."""
    started = time.perf_counter()
    tiny = AllocationInstance(
        (Programme("A", "u3", 1),), (Child("a", "u3"),), {"a": ("A",)}, {("A", "a"): 0}
    )
    explain_all(tiny, run_allocation(tiny, seed=seed))
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    compiled(inst)
    prepare_s = time.perf_counter() - started
    started = time.perf_counter()
    result = run_allocation(inst, seed=seed)
    explain_all(inst, result)
    first_s = time.perf_counter() - started

    def full_run() -> None:
        explain_all(inst, run_allocation(inst, seed=seed))

    def end_to_end() -> None:
        fresh = copy_of(inst)
        explain_all(fresh, run_allocation(fresh, seed=seed))

    run_s = best_of(repeat, full_run)
    end_to_end_s = best_of(3, end_to_end)
    explanations = explain_all(inst, result)
    started = time.perf_counter()
    records = sum(len(v) for v in explanations.values())
    records_s = time.perf_counter() - started
    lottery = draw_lottery((c.child_id for c in inst.children), seed=seed)
    started = time.perf_counter()
    reference = allocate_reference(inst, lottery=lottery)
    reference_explanations = explain_all(inst, reference)
    reference_s = time.perf_counter() - started
    same = (
        dict(reference.assignment) == dict(result.assignment)
        and list(reference.seat_types.items()) == list(result.seat_types.items())
        and list(reference.cutoffs.items()) == list(result.cutoffs.items())
        and reference.released == result.released
        and dict(reference.lottery) == dict(result.lottery)
        and dict(reference_explanations) == dict(explanations)
    )
    placed = sum(f is not None for f in result.assignment.values())
    first = sum(result.assignment[c] == inst.preferences[c][0] for c in inst.preferences)
    print(
        f"kitaplan compiled, full run (lottery, two steps with reserves, cut-offs, "
        f"explanations): {1000 * run_s:.1f} ms (best of {repeat}); placed {placed}, "
        f"first choice {first}"
    )
    print(
        f"  importing numba and loading the compiled kernels (once per process): "
        f"{1000 * load_s:.0f} ms; arrays from the typed instance (once per instance): "
        f"{1000 * prepare_s:.0f} ms; first run: {1000 * first_s:.1f} ms; "
        f"new instance end to end (arrays + run): {1000 * end_to_end_s:.0f} ms (best of 3); "
        f"making all {records} explanation records: {1000 * records_s:.0f} ms"
    )
    print(
        f"kitaplan reference (pure Python, the engine before the compiled one), same run: "
        f"{reference_s:.3f} s; ratio reference / compiled: {reference_s / run_s:.0f}x; "
        f"identical assignment, seat types, cut-offs, released places, lottery and "
        f"explanations: {same}"
    )
    if not same:
        raise SystemExit(1)
    return run_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=40_000)
    parser.add_argument("--matching-children", type=int, default=None)
    parser.add_argument("--no-matching", action="store_true")
    parser.add_argument(
        "--matching-checked-build",
        action="store_true",
        help="build the matching game with create_from_dictionaries (minutes at 40,000)",
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=20, help="runs of the compiled engine")
    parser.add_argument("--chances", type=int, default=1000, metavar="N")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--tight", action="store_true")
    args = parser.parse_args()

    inst = build(args.children, args.seed)
    if args.tight:
        inst = tighten(inst)
    print(
        f"instance: {len(inst.programmes) // 2} facilities, {len(inst.children)} children, "
        f"{sum(map(len, inst.preferences.values()))} list entries, "
        f"{sum(p.capacity for p in inst.programmes)} places, "
        f"{sum(c.integration_need for c in inst.children)} with integration need"
    )
    run_s = engine_section(inst, args.seed, args.repeat)
    if args.chances > 0:
        started = time.perf_counter()
        chances = estimate_chances(
            inst, draws=args.chances, seed=args.seed, processes=args.processes
        )
        chances_s = time.perf_counter() - started
        uncertain = sum(0 < c.unplaced.probability < 1 for c in chances)
        print(
            f"chances: {args.chances} lottery draws on {args.processes} process(es): "
            f"{chances_s:.2f} s ({1000 * chances_s / args.chances:.1f} ms/draw); "
            f"target 1,000 draws < 10 s: "
            f"{'met' if chances_s * 1000 / args.chances < 10 else 'NOT met'}; "
            f"{uncertain} children with a placement chance strictly between 0 and 1"
        )
    if args.no_matching:
        return
    if args.matching_children:
        small = build(args.matching_children, args.seed)
        plain = without_reserves(tighten(small) if args.tight else small)
    else:
        plain = without_reserves(inst)
    ours = run_allocation(plain, seed=args.seed)
    plain_s = best_of(args.repeat, lambda: run_allocation(plain, seed=args.seed))
    print(
        f"kitaplan compiled, {len(plain.children)} children without reserved places: "
        f"{1000 * plain_s:.1f} ms (best of {args.repeat})"
    )
    theirs, solve_s = run_matching(
        plain, dict(ours.lottery), checked=args.matching_checked_build, repeat=3
    )
    same = theirs == dict(ours.assignment)
    print(
        f"identical assignments: {same}; matching's solve step (best of 3) / kitaplan's full "
        f"run with reserves and explanations: {solve_s / run_s:.0f}x (target >= 20x); "
        f"/ kitaplan on the same instance without reserves: {solve_s / plain_s:.0f}x"
    )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
