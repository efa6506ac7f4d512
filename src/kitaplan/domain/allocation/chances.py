"""Chances of an offer (de: Platzchancen): a Monte-Carlo estimate over lottery draws.

Priorities are fixed by the published criteria; only the tie-breaking lottery is random. For
``draws`` lotteries, draw ``k`` uses the seed :func:`draw_seed` ``(seed, k)`` (a
``numpy.random.SeedSequence`` of ``[seed, k]``), so draw ``k`` is exactly
``run_allocation(instance, seed=draw_seed(seed, k))`` and the estimate is reproducible from
``seed`` whatever the number of processes. For every child and every facility on its list the
estimate is the share of draws in which the child was placed there, plus the share in which it
stayed unplaced; these shares sum to 1 per child. Each share comes with its binomial standard
error ``sqrt(p (1 - p) / draws)`` and a 95 % Wilson score interval.

The per-child records are made when they are read (:attr:`Chances.children` is a mapping over
the hit counts), so a page that shows one child does not pay for 40,000.

This is an *estimate*, never a promise: it says how often the lottery alone would have placed
the child there, given the applications as they stand now.

Speed: the instance is compiled once (:class:`~kitaplan.domain.allocation.compiled.CompiledInstance`:
programme indices, priority classes, flat entry arrays); per draw only the lottery permutation
changes, and one call of the compiled kernel (``kernel.count_draw``) runs both steps and counts
the hits. It is the kernel :func:`allocate` uses; the tests compare it with the readable
reference.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kitaplan.domain.allocation.compiled import CompiledInstance, compiled
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


_WORKER: CompiledInstance | None = None


def _init_worker(prepared: CompiledInstance) -> None:
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
    prepared = compiled(instance)
    seeds = [draw_seed(seed, k) for k in range(draws)]
    if processes == 1 or draws < 2:
        counts = prepared.count(seeds)
    else:
        prepared.count(seeds[:1])  # compile (or load) the kernel once, before the workers fork
        chunks = [seeds[k::processes] for k in range(processes)]
        with ProcessPoolExecutor(
            max_workers=processes, initializer=_init_worker, initargs=(prepared,)
        ) as pool:
            counts = np.zeros(prepared.n_entries + prepared.n_children, dtype=np.int64)
            for part in pool.map(_count_in_worker, [c for c in chunks if c]):
                counts += part
    return Chances(draws=draws, seed=seed, children=_ChildrenView(prepared, counts, draws))


class _ChildrenView(Mapping[str, ChildChances]):
    """Child id → :class:`ChildChances`, in instance order, made from the hit counts when read
    (a page reads one child; 40,000 children have 280,000 estimates)."""

    __slots__ = ("arrays", "hits", "draws")

    def __init__(self, arrays: CompiledInstance, counts: IntArray, draws: int) -> None:
        self.arrays = arrays
        self.hits = counts
        self.draws = draws

    def __getitem__(self, child_id: str) -> ChildChances:
        c = self.arrays
        i = c.child_index[child_id]
        start, end = int(c.offsets[i]), int(c.offsets[i + 1])
        hits = self.hits[start + i : end + i + 1].tolist()  # kernel.count_draw's slots
        facilities = tuple(
            (facility_id, Estimate(hit, self.draws))
            for facility_id, hit in zip(c.entry_facility[start:end], hits, strict=False)
        )
        return ChildChances(child_id, facilities, Estimate(hits[-1], self.draws))

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrays.child_ids)

    def __len__(self) -> int:
        return self.arrays.n_children

    def __contains__(self, child_id: object) -> bool:
        return child_id in self.arrays.child_index
