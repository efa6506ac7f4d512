"""Chances of an offer (de: Platzchancen): a Monte-Carlo estimate over lottery draws.

Priorities are fixed by the published criteria; only the tie-breaking lottery is random. For
``draws`` lotteries, draw ``k`` uses the seed :func:`draw_seed` ``(seed, k)`` (a
``numpy.random.SeedSequence`` of ``[seed, k]``), so draw ``k`` is exactly
``run_allocation(instance, seed=draw_seed(seed, k))`` and the estimate is reproducible from
``seed`` whatever the number of processes. For every child and every facility on its list the
estimate is the share of draws in which the child was placed there, plus the share in which it
stayed unplaced; these shares sum to 1 per child. Each share comes with its binomial standard
error ``sqrt(p (1 - p) / draws)`` and a 95 % Wilson score interval.

This is an *estimate*, never a promise: it says how often the lottery alone would have placed
the child there, given the applications as they stand now.

Speed: the instance is prepared once (:class:`PreparedInstance`: programme indices, priority
classes, flat entry arrays); per draw only the lottery permutation and the keys
``class * modulus + lottery`` change. The deferred acceptance here is the same procedure as
:func:`kitaplan.domain.allocation.engine.deferred_acceptance` on flat arrays; with strict keys
the child-optimal stable matching is unique, so the assignment equals :func:`allocate`'s
(checked by the tests).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from heapq import heappush, heapreplace

import numpy as np
import numpy.typing as npt

from kitaplan.domain.allocation.model import AllocationInstance

IntArray = npt.NDArray[np.int64]

Z95 = 1.959963984540054


def draw_seed(seed: int, k: int) -> int:
    """The lottery seed of draw ``k`` (0-based) of an estimate with seed ``seed``."""
    state = np.random.SeedSequence([seed, k]).generate_state(2, np.uint32)
    return int(state[0]) << 32 | int(state[1])


@dataclass(frozen=True, slots=True)
class Estimate:
    """``hits`` of ``draws``: share, binomial standard error and 95 % Wilson interval."""

    hits: int
    draws: int

    @property
    def probability(self) -> float:
        return self.hits / self.draws if self.draws else 0.0

    @property
    def standard_error(self) -> float:
        p = self.probability
        return math.sqrt(p * (1.0 - p) / self.draws) if self.draws else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """95 % Wilson score interval (sensible also at 0 % and 100 %)."""
        n = self.draws
        if not n:
            return (0.0, 1.0)
        p, z2 = self.probability, Z95 * Z95
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class ChildChances:
    """One child's chances: per facility on its list (rank order) and of staying unplaced."""

    child_id: str
    facilities: tuple[tuple[str, Estimate], ...]
    unplaced: Estimate

    def at(self, facility_id: str) -> Estimate:
        for facility, estimate in self.facilities:
            if facility == facility_id:
                return estimate
        raise KeyError(facility_id)


@dataclass(frozen=True, slots=True, eq=False)
class Chances:
    """The estimate for all children, from ``draws`` lotteries with seed ``seed``."""

    draws: int
    seed: int
    children: Mapping[str, ChildChances]

    def __getitem__(self, child_id: str) -> ChildChances:
        return self.children[child_id]

    def __iter__(self) -> Iterator[ChildChances]:
        return iter(self.children.values())


@dataclass(frozen=True, slots=True)
class _Step:
    """One sub-market (step 1 or 2) as flat arrays; children in instance order."""

    offsets: list[int]  # entries of local child i: offsets[i]:offsets[i + 1]
    programme: list[int]  # programme index per entry
    classes: IntArray  # priority class per entry
    entry_child: IntArray  # instance index of the child per entry
    children: IntArray  # instance index per local child
    entry_slot: IntArray  # counting slot per entry (child's base + rank)
    unplaced_slot: IntArray  # counting slot per local child


@dataclass(frozen=True, slots=True)
class PreparedInstance:
    """An instance prepared once for many lotteries (internal to the chances estimate)."""

    n_children: int
    sorted_position: IntArray  # position of each child (instance order) among sorted ids
    integration_places: list[int]
    regular_places: list[int]
    release_unused: list[bool]
    steps: tuple[_Step, _Step]
    n_slots: int

    @classmethod
    def build(cls, instance: AllocationInstance) -> PreparedInstance:
        programmes = instance.programmes
        index = {(p.facility_id, p.age_group): k for k, p in enumerate(programmes)}
        default = instance.default_class
        ids = [c.child_id for c in instance.children]
        order = {child_id: k for k, child_id in enumerate(sorted(ids))}
        base: list[int] = []
        n_slots = 0
        for child_id in ids:
            base.append(n_slots)
            n_slots += len(instance.preferences.get(child_id, ())) + 1
        steps = []
        for need in (True, False):
            offsets = [0]
            programme: list[int] = []
            classes: list[int] = []
            entry_child: list[int] = []
            entry_slot: list[int] = []
            members: list[int] = []
            unplaced: list[int] = []
            for i, child in enumerate(instance.children):
                if child.integration_need != need:
                    continue
                listed = instance.preferences.get(child.child_id, ())
                for rank, facility_id in enumerate(listed):
                    k = index.get((facility_id, child.age_group))
                    if k is None:
                        continue
                    programme.append(k)
                    classes.append(instance.priorities.get((facility_id, child.child_id), default))
                    entry_child.append(i)
                    entry_slot.append(base[i] + rank)
                offsets.append(len(programme))
                members.append(i)
                unplaced.append(base[i] + len(listed))
            steps.append(
                _Step(
                    offsets=offsets,
                    programme=programme,
                    classes=np.asarray(classes, dtype=np.int64),
                    entry_child=np.asarray(entry_child, dtype=np.int64),
                    children=np.asarray(members, dtype=np.int64),
                    entry_slot=np.asarray(entry_slot, dtype=np.int64),
                    unplaced_slot=np.asarray(unplaced, dtype=np.int64),
                )
            )
        return cls(
            n_children=len(ids),
            sorted_position=np.asarray([order[c] for c in ids], dtype=np.int64),
            integration_places=[p.integration_places for p in programmes],
            regular_places=[p.regular_places for p in programmes],
            release_unused=[p.release_unused for p in programmes],
            steps=(steps[0], steps[1]),
            n_slots=n_slots,
        )

    def lottery(self, seed: int) -> IntArray:
        """Lottery numbers in instance order, identical to :func:`draw_lottery` with ``seed``."""
        permutation = np.random.default_rng(seed).permutation(self.n_children) + 1
        return permutation[self.sorted_position].astype(np.int64)

    def run(self, numbers: IntArray) -> tuple[IntArray, IntArray]:
        """Both steps for lottery ``numbers``: (entry index or -1 per local child) per step."""
        modulus = self.n_children + 1
        step_1, step_2 = self.steps
        result_1 = _deferred_acceptance(step_1, numbers, self.integration_places, modulus)
        held = [0] * len(self.integration_places)
        for e in result_1.tolist():
            if e >= 0:
                held[step_1.programme[e]] += 1
        capacities_2 = [
            regular + (integration - held[k] if self.release_unused[k] else 0)
            for k, (regular, integration) in enumerate(
                zip(self.regular_places, self.integration_places, strict=True)
            )
        ]
        result_2 = _deferred_acceptance(step_2, numbers, capacities_2, modulus)
        return result_1, result_2

    def assignment(self, numbers: IntArray) -> list[int]:
        """Programme index per child (instance order), ``-1`` when unplaced."""
        out = [-1] * self.n_children
        for step, result in zip(self.steps, self.run(numbers), strict=True):
            for i, e in zip(step.children.tolist(), result.tolist(), strict=True):
                out[i] = step.programme[e] if e >= 0 else -1
        return out

    def count(self, seeds: list[int]) -> IntArray:
        """Hits per counting slot over the lotteries drawn from ``seeds``."""
        counts = np.zeros(self.n_slots, dtype=np.int64)
        for seed in seeds:
            for step, result in zip(self.steps, self.run(self.lottery(seed)), strict=True):
                if not len(result):
                    continue
                slots = step.unplaced_slot.copy()
                placed = result >= 0
                slots[placed] = step.entry_slot[result[placed]]
                counts += np.bincount(slots, minlength=self.n_slots)
        return counts


def _deferred_acceptance(
    step: _Step, numbers: IntArray, capacities: list[int], modulus: int
) -> IntArray:
    """Child-proposing deferred acceptance on flat arrays; entry index per child or -1."""
    n = len(step.children)
    if not n:
        return np.zeros(0, dtype=np.int64)
    keys: list[int] = (step.classes * modulus + numbers[step.entry_child]).tolist()
    by_number = [0] * modulus
    for local, number in enumerate(numbers[step.children].tolist()):
        by_number[number] = local
    offsets, programme = step.offsets, step.programme
    heaps: list[list[int]] = [[] for _ in capacities]  # negated keys: worst held on top
    held = [-1] * n
    next_entry = offsets[:-1]
    for start in range(n):
        child = start
        while child >= 0:
            j, end = next_entry[child], offsets[child + 1]
            proposer, child = child, -1
            while j < end:
                k, key = programme[j], keys[j]
                j += 1
                heap = heaps[k]
                if len(heap) < capacities[k]:
                    heappush(heap, -key)
                    held[proposer] = j - 1
                    break
                if heap and -heap[0] > key:
                    worst = -heapreplace(heap, -key)
                    held[proposer] = j - 1
                    child = by_number[worst % modulus]
                    held[child] = -1
                    break
            next_entry[proposer] = j
    return np.asarray(held, dtype=np.int64)


_WORKER: PreparedInstance | None = None


def _init_worker(prepared: PreparedInstance) -> None:
    global _WORKER
    _WORKER = prepared


def _count_in_worker(seeds: list[int]) -> IntArray:
    assert _WORKER is not None
    return _WORKER.count(seeds)


def estimate_chances(
    instance: AllocationInstance, *, draws: int, seed: int, processes: int = 1
) -> Chances:
    """Estimate each child's chances over ``draws`` lotteries (see the module docstring).

    ``processes > 1`` splits the draws over a process pool; the result does not depend on it.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    if processes < 1:
        raise ValueError("processes must be at least 1")
    prepared = PreparedInstance.build(instance)
    seeds = [draw_seed(seed, k) for k in range(draws)]
    if processes == 1 or draws < 2:
        counts = prepared.count(seeds)
    else:
        chunks = [seeds[k::processes] for k in range(processes)]
        with ProcessPoolExecutor(
            max_workers=processes, initializer=_init_worker, initargs=(prepared,)
        ) as pool:
            counts = np.zeros(prepared.n_slots, dtype=np.int64)
            for part in pool.map(_count_in_worker, [c for c in chunks if c]):
                counts += part
    hits: list[int] = counts.tolist()
    children: dict[str, ChildChances] = {}
    slot = 0
    for child in instance.children:
        listed = instance.preferences.get(child.child_id, ())
        facilities = tuple(
            (facility_id, Estimate(hits[slot + rank], draws))
            for rank, facility_id in enumerate(listed)
        )
        slot += len(listed)
        children[child.child_id] = ChildChances(
            child.child_id, facilities, Estimate(hits[slot], draws)
        )
        slot += 1
    return Chances(draws=draws, seed=seed, children=children)
