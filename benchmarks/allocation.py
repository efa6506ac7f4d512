"""Berlin-scale allocation benchmark: kitaplan vs the ``matching`` package (not a test).

Instance (synthetic, reproducible from ``--seed``): the 2,880 demo facilities of Berlin with their
real places (``places_u3`` → age group u3, ``places_ue3`` → ue3, ``integration_places`` reserved in
ue3, ``release_unused`` for half of them). 40,000 children: a home point is drawn near a facility
chosen with probability proportional to its places (Gaussian offset, 1.5 km) – a simplification of
drawing from ``population.csv`` areas; each child ranks 7 of the 40 nearest facilities drawn with
weight exp(-distance / 1 km); age group in proportion to the places; 3 % integration need; 20 %
get priority class 0 at their first choice (e.g. siblings). Prints the full kitaplan run
(priorities, two-step matching, cut-offs, explanations), then both engines on the same instance
without reserved places, checks identical assignments and prints the ratio.

Chances section: times ``estimate_chances`` with ``--chances N`` lottery draws (default 1,000,
0 skips it) on ``--processes`` processes (default 2) against the 60 s target. ``--tight`` scales
every programme's capacity (and its integration places) so that places ≈ 0.9 × children, a harder
instance with long displacement chains and real competition.

Usage: python benchmarks/allocation.py [--children 40000] [--matching-children N] [--no-matching]
       [--chances N] [--processes P] [--tight]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from kitaplan.domain.allocation import (
    AllocationInstance,
    Child,
    Programme,
    estimate_chances,
    explain_all,
    run_allocation,
)

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


def run_matching(inst: AllocationInstance, lottery: dict[str, int]) -> dict[str, str | None]:
    from matching.games import HospitalResident

    sys.setrecursionlimit(1_000_000)
    programmes = {(p.facility_id, p.age_group): p.capacity for p in inst.programmes}
    default = inst.default_class
    residents, apps = {}, {}
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
    caps = {s: programmes[tuple(s.split("/"))] for s in hospitals}
    started = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(residents, hospitals, caps)
    built = time.perf_counter()
    solved = game.solve(optimal="resident")
    done = time.perf_counter()
    print(
        f"matching: build {built - started:.2f} s, solve {done - built:.2f} s, total {done - started:.2f} s"
    )
    found = {r.name: h.name.split("/")[0] for h, rs in solved.items() for r in rs}
    return {c.child_id: found.get(c.child_id) for c in inst.children}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=40_000)
    parser.add_argument("--matching-children", type=int, default=None)
    parser.add_argument("--no-matching", action="store_true")
    parser.add_argument("--seed", type=int, default=2024)
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
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        result = run_allocation(inst, seed=args.seed)
        explain_all(inst, result)
        best = min(best, time.perf_counter() - started)
    placed = sum(f is not None for f in result.assignment.values())
    first = sum(result.assignment[c] == inst.preferences[c][0] for c in inst.preferences)
    print(
        f"kitaplan full run (lottery, priorities, two steps, cut-offs, explanations): "
        f"{best:.3f} s (best of 3); placed {placed}, first choice {first}"
    )
    if args.chances > 0:
        started = time.perf_counter()
        chances = estimate_chances(
            inst, draws=args.chances, seed=args.seed, processes=args.processes
        )
        chances_s = time.perf_counter() - started
        uncertain = sum(0 < c.unplaced.probability < 1 for c in chances)
        print(
            f"chances: {args.chances} lottery draws on {args.processes} process(es): "
            f"{chances_s:.1f} s ({1000 * chances_s / args.chances:.0f} ms/draw); "
            f"target 1,000 draws < 60 s: "
            f"{'met' if chances_s * 1000 / args.chances < 60 else 'NOT met'}; "
            f"{uncertain} children with a placement chance strictly between 0 and 1"
        )
    if args.no_matching:
        return
    if args.matching_children:
        small = build(args.matching_children, args.seed)
        plain = without_reserves(tighten(small) if args.tight else small)
    else:
        plain = without_reserves(inst)
    started = time.perf_counter()
    ours = run_allocation(plain, seed=args.seed)
    ours_s = time.perf_counter() - started
    print(f"kitaplan, {len(plain.children)} children without reserved places: {ours_s:.3f} s")
    theirs = run_matching(plain, dict(ours.lottery))
    match_s = time.perf_counter() - started - ours_s
    same = theirs == dict(ours.assignment)
    print(f"identical assignments: {same}; ratio matching / kitaplan: {match_s / ours_s:.0f}x")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
