"""Two-step child-proposing deferred acceptance (de: Platzvergabe nach dem Gale-Shapley-Verfahren).

1. **Lottery** (:func:`draw_lottery`): the child ids are sorted, ``numpy.random.default_rng(seed)``
   draws one permutation, and the child at sorted position ``k`` gets lottery number
   ``permutation[k] + 1`` (1..n, smaller wins). One number per child for all facilities
   (single tie-breaking).
2. **Keys**: at a facility a child's key is ``(priority class, lottery)``; smaller is better.
   Keys are strict, so every facility orders its applicants completely.
3. **Step 1 – integration places**: children with integration need propose, in the order of their
   list, to the integration places of the facility for their own age group (facilities without
   such a programme or without integration places are skipped). Each programme holds its best
   applicants up to its integration places in a heap with the worst on top; a better applicant
   displaces the worst, who proposes to its next entry. Children whose list runs out stay
   unplaced. Children with integration need never take regular places.
4. **Release**: at programmes with ``release_unused``, integration places still empty after step 1
   are added to the regular places (1:1).
5. **Step 2 – regular places**: all children without integration need run the same deferred
   acceptance on the regular (plus released) places.
6. **Cut-offs** per programme and seat type: capacity, admitted count, lowest admitted key.

Each step yields the child-optimal stable matching of its sub-market (Gale & Shapley 1962); the
result does not depend on the processing order. Runtime O(L log q) for L list entries and largest
capacity q, no recursion.

Two implementations of the same steps: :func:`allocate` runs the compiled kernel
(:mod:`kitaplan.domain.allocation.compiled` and ``kernel``: flat arrays, numba) and returns
read-only views on its arrays; :func:`allocate_reference` is the readable one in plain Python
(:func:`deferred_acceptance` on index lists) and the one the iterative mode uses. With strict keys
both give the same assignment, cut-offs and explanations (the property tests compare them). Sources: Gale, Shapley, "College admissions and the stability of
marriage" (1962); Abdulkadiroğlu, Pathak, Roth, "Strategy-proofness versus efficiency in matching
with indifferences" (AER 2009) on single tie-breaking; docs/domain/allocation.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from heapq import heappush, heapreplace

import numpy as np

from kitaplan.domain.allocation.compiled import BeyondInt64, compiled
from kitaplan.domain.allocation.model import (
    Allocation,
    AllocationInstance,
    Cutoff,
    SeatType,
)


def draw_lottery(child_ids: Iterable[str], *, seed: int) -> dict[str, int]:
    """One lottery number per child (1..n, smaller wins), reproducible from ``seed``."""
    ordered = sorted(set(child_ids))
    permutation = np.random.default_rng(seed).permutation(len(ordered)) + 1
    return dict(zip(ordered, permutation.tolist(), strict=True))


def deferred_acceptance(
    lists: Sequence[Sequence[int]],
    keys: Sequence[Sequence[int]],
    capacities: Sequence[int],
    lottery: Sequence[int],
    modulus: int,
) -> list[int]:
    """Child-proposing deferred acceptance on integer indices.

    ``lists[i]`` are the programme indices child ``i`` ranks, best first; ``keys[i][j]`` its key
    at ``lists[i][j]`` (smaller is better), of the form ``class * modulus + lottery[i]`` with
    ``0 < lottery[i] < modulus`` and lottery numbers distinct, so a key identifies its child.
    Returns the programme index per child, ``-1`` when unplaced.
    """
    by_lottery = {number: i for i, number in enumerate(lottery)}
    heaps: list[list[int]] = [[] for _ in capacities]  # negated keys: worst held child on top
    assigned = [-1] * len(lists)
    next_entry = [0] * len(lists)
    for start in range(len(lists)):
        child = start
        while child >= 0:
            entries, child_keys = lists[child], keys[child]
            j = next_entry[child]
            proposer, child = child, -1
            while j < len(entries):
                programme, key = entries[j], child_keys[j]
                j += 1
                heap = heaps[programme]
                if len(heap) < capacities[programme]:
                    heappush(heap, -key)
                    assigned[proposer] = programme
                    break
                if heap and -heap[0] > key:
                    worst = -heapreplace(heap, -key)
                    assigned[proposer] = programme
                    child = by_lottery[worst % modulus]
                    assigned[child] = -1
                    break
            next_entry[proposer] = j
    return assigned


def facility_proposing(
    lists: Sequence[Sequence[int]],
    keys: Sequence[Sequence[int]],
    capacities: Sequence[int],
    lottery: Sequence[int],
    modulus: int,
    log: list[tuple[int, int, int]] | None = None,
) -> list[int]:
    """The iterative mode (KitaMatch): facilities make offers round by round.

    In every round each programme with free places offers them to its next applicants in its
    order (smallest key first) that it has not offered yet; every child keeps the best offer it
    holds (by its own list) and releases the others; released places are offered again in the
    next round. It stops when no programme makes a new offer. This is facility-proposing
    deferred acceptance: the result is stable and the best stable matching *for the facilities*
    (it may differ from the child-optimal one of :func:`deferred_acceptance`; children can then
    gain by leaving facilities off their list, which is why the batch mode is the default).
    ``log`` receives ``(round, offers made, places held)`` per round. Same arguments and result
    as :func:`deferred_acceptance`.
    """
    del lottery, modulus  # keys are already strict; kept for the common signature
    applicants: list[list[tuple[int, int]]] = [[] for _ in capacities]
    rank_of: list[dict[int, int]] = [{} for _ in lists]
    for child, (entries, child_keys) in enumerate(zip(lists, keys, strict=True)):
        for position, (programme, key) in enumerate(zip(entries, child_keys, strict=True)):
            applicants[programme].append((key, child))
            rank_of[child][programme] = position
    for queue in applicants:
        queue.sort()
    pointer = [0] * len(capacities)
    holders: list[set[int]] = [set() for _ in capacities]
    assigned = [-1] * len(lists)
    round_number = 0
    while True:
        offers: dict[int, list[int]] = {}
        made = 0
        for programme, capacity in enumerate(capacities):
            free = capacity - len(holders[programme])
            queue = applicants[programme]
            while free > 0 and pointer[programme] < len(queue):
                child = queue[pointer[programme]][1]
                pointer[programme] += 1
                offers.setdefault(child, []).append(programme)
                free -= 1
                made += 1
        if not made:
            break
        round_number += 1
        for child, programmes in offers.items():
            current = assigned[child]
            options = programmes + ([current] if current >= 0 else [])
            best = min(options, key=rank_of[child].__getitem__)
            if current >= 0 and current != best:
                holders[current].discard(child)
            assigned[child] = best
            holders[best].add(child)
        if log is not None:
            log.append((round_number, made, sum(len(h) for h in holders)))
    return assigned


def _check_lottery(instance: AllocationInstance, lottery: Mapping[str, int]) -> None:
    missing = [c.child_id for c in instance.children if c.child_id not in lottery]
    if missing:
        raise ValueError(f"no lottery number for {len(missing)} children, e.g. {missing[0]!r}")
    if len(set(lottery.values())) != len(lottery) or min(lottery.values(), default=1) < 1:
        raise ValueError("lottery numbers must be distinct and positive")


def allocate(
    instance: AllocationInstance,
    *,
    lottery: Mapping[str, int],
    solver: Callable[..., list[int]] | None = None,
) -> Allocation:
    """Run both steps with the given lottery numbers (see the module docstring).

    Without ``solver``: the compiled batch mode (child-optimal). With ``solver``
    (:func:`deferred_acceptance`, batch mode, or :func:`facility_proposing`, iterative mode,
    facility-optimal): :func:`allocate_reference`.
    """
    if solver is not None:
        return allocate_reference(instance, lottery=lottery, solver=solver)
    _check_lottery(instance, lottery)
    try:
        arrays = compiled(instance)
        numbers = np.fromiter(
            (lottery[child_id] for child_id in arrays.child_ids),
            dtype=np.int64,
            count=arrays.n_children,
        )
    except (BeyondInt64, OverflowError):  # classes or numbers beyond the kernel's int64 keys
        return allocate_reference(instance, lottery=lottery)
    return arrays.solve(numbers).allocation(lottery=dict(lottery))


def allocate_reference(
    instance: AllocationInstance,
    *,
    lottery: Mapping[str, int],
    solver: Callable[..., list[int]] = deferred_acceptance,
) -> Allocation:
    """The readable implementation of both steps (see the module docstring).

    ``solver`` is :func:`deferred_acceptance` (batch mode, child-optimal) or
    :func:`facility_proposing` (iterative mode, facility-optimal).
    """
    programmes = instance.programmes
    index = {(p.facility_id, p.age_group): k for k, p in enumerate(programmes)}
    default = instance.default_class
    priorities = instance.priorities
    _check_lottery(instance, lottery)
    modulus = max(lottery.values(), default=0) + 1

    def market(
        children: Sequence[str], age: Mapping[str, str]
    ) -> tuple[list[list[int]], list[list[int]], list[int]]:
        lists: list[list[int]] = []
        keys: list[list[int]] = []
        numbers: list[int] = []
        for child_id in children:
            number = lottery[child_id]
            entries: list[int] = []
            child_keys: list[int] = []
            for facility_id in instance.preferences.get(child_id, ()):
                k = index.get((facility_id, age[child_id]))
                if k is not None:
                    entries.append(k)
                    cls = priorities.get((facility_id, child_id), default)
                    child_keys.append(cls * modulus + number)
            lists.append(entries)
            keys.append(child_keys)
            numbers.append(number)
        return lists, keys, numbers

    age = {c.child_id: c.age_group for c in instance.children}
    need = [c.child_id for c in instance.children if c.integration_need]
    other = [c.child_id for c in instance.children if not c.integration_need]

    # Step 1: integration places.
    capacities_1 = [p.integration_places for p in programmes]
    lists, keys, numbers = market(need, age)
    result_1 = solver(lists, keys, capacities_1, numbers, modulus)
    held_1 = (
        np.bincount(
            np.asarray([k for k in result_1 if k >= 0], dtype=np.int64), minlength=len(programmes)
        )
        if programmes
        else np.zeros(0, np.int64)
    )

    # Step 2: regular places plus released empty integration places.
    released = [
        p.integration_places - int(held_1[k]) if p.release_unused else 0
        for k, p in enumerate(programmes)
    ]
    capacities_2 = [p.regular_places + released[k] for k, p in enumerate(programmes)]
    lists, keys, numbers = market(other, age)
    result_2 = solver(lists, keys, capacities_2, numbers, modulus)

    assignment: dict[str, str | None] = {}
    seat_types: dict[str, SeatType] = {}
    worst: dict[tuple[int, SeatType], tuple[int, int]] = {}
    admitted: dict[tuple[int, SeatType], int] = {}
    for children, result, seat in (
        (need, result_1, SeatType.INTEGRATION),
        (other, result_2, SeatType.REGULAR),
    ):
        for child_id, k in zip(children, result, strict=True):
            if k < 0:
                assignment[child_id] = None
                continue
            facility_id = programmes[k].facility_id
            assignment[child_id] = facility_id
            seat_types[child_id] = seat
            key = (priorities.get((facility_id, child_id), default), lottery[child_id])
            slot = (k, seat)
            admitted[slot] = admitted.get(slot, 0) + 1
            if slot not in worst or key > worst[slot]:
                worst[slot] = key
    assignment = {c.child_id: assignment[c.child_id] for c in instance.children}

    cutoffs: dict[tuple[str, str, SeatType], Cutoff] = {}
    for k, p in enumerate(programmes):
        for seat, capacity in (
            (SeatType.INTEGRATION, capacities_1[k]),
            (SeatType.REGULAR, capacities_2[k]),
        ):
            last = worst.get((k, seat))
            cutoffs[(p.facility_id, p.age_group, seat)] = Cutoff(
                facility_id=p.facility_id,
                age_group=p.age_group,
                seat_type=seat,
                capacity=capacity,
                admitted=admitted.get((k, seat), 0),
                priority_class=last[0] if last else None,
                lottery=last[1] if last else None,
            )
    return Allocation(
        assignment=assignment,
        seat_types=seat_types,
        cutoffs=cutoffs,
        lottery=dict(lottery),
        default_class=default,
        released={
            (p.facility_id, p.age_group): released[k]
            for k, p in enumerate(programmes)
            if released[k]
        },
    )


def allocate_iterative(
    instance: AllocationInstance, *, lottery: Mapping[str, int]
) -> tuple[Allocation, list[tuple[int, int, int]]]:
    """Both steps in the iterative mode; also returns the log of offer rounds (both steps)."""
    log: list[tuple[int, int, int]] = []

    def solver(
        lists: Sequence[Sequence[int]],
        keys: Sequence[Sequence[int]],
        capacities: Sequence[int],
        numbers: Sequence[int],
        modulus: int,
    ) -> list[int]:
        return facility_proposing(lists, keys, capacities, numbers, modulus, log=log)

    return allocate_reference(instance, lottery=lottery, solver=solver), log


def run_allocation(instance: AllocationInstance, *, seed: int) -> Allocation:
    """Draw the lottery from ``seed`` (as :func:`draw_lottery`) and allocate (compiled)."""
    try:
        arrays = compiled(instance)
    except BeyondInt64:
        return allocate_reference(
            instance, lottery=draw_lottery((c.child_id for c in instance.children), seed=seed)
        )
    return arrays.solve(arrays.lottery(seed)).allocation()
