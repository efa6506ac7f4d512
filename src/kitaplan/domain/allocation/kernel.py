"""The compiled kernels of the allocation engine (numba), on flat integer arrays.

Same procedure as the readable reference :func:`kitaplan.domain.allocation.engine.deferred_acceptance`
(child-proposing deferred acceptance, each programme holding its best applicants in a heap with
the worst on top), written as loops over numpy arrays so that numba compiles them to machine
code. With strict keys the child-optimal stable matching is unique, so both give the same
assignment whatever the order in which children propose; the property tests compare them.

Why our own loops instead of a library: no well-kept package offers deferred acceptance with
reserved seats and cut-offs on arrays (``matching`` builds Python objects per player: its solve
step alone takes 0.3 s on the Berlin instance); numba is the compiler, the loops are ours.

The layout (built by :class:`kitaplan.domain.allocation.compiled.CompiledInstance`): children
``0..n-1`` in instance order; child ``i``'s list entries are ``offsets[i]:offsets[i + 1]``, best
first, *all* listed facilities, ``programme[j] = -1`` where the facility has no programme for the
child's age group (kept for the explanations). ``classes[j]`` is the child's priority class at
entry ``j``; ``numbers[i]`` its lottery rank, ``0 < numbers[i] < modulus`` and distinct, so the
key ``classes[j] * modulus + numbers[i]`` is strict (smaller is better). Seat types are rows
``0`` (integration places, step 1) and ``1`` (regular plus released places, step 2).

Each function is plain typed Python under :func:`_jit`; with ``NUMBA_DISABLE_JIT=1`` they run as
such (slowly), which is how to debug them. Importing this module imports numba (about a second),
so the engine imports it only when it first computes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from kitaplan.domain.allocation.codes import (
    FULL_WITH_HIGHER_PRIORITY,
    NO_PLACES_FOR_AGE_GROUP,
    NO_PLACES_OF_KIND,
    NO_REASON,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ByteArray = npt.NDArray[np.int8]

F = TypeVar("F", bound=Callable[..., Any])


def _jit(function: F) -> F:
    """Compile ``function`` with numba on first call, cached on disk next to this file."""
    return cast(F, numba.njit(cache=True, nogil=True)(function))


@_jit
def scatter_classes(
    offsets: IntArray,
    entry_facility: IntArray,
    pair_child: IntArray,
    pair_facility: IntArray,
    pair_class: IntArray,
    classes: IntArray,
) -> None:
    """Write each given class ``pair_class[p]`` (child ``pair_child[p]``, facility number
    ``pair_facility[p]``) into the child's entry for that facility; pairs of a child not in the
    instance (``-1``) or of a facility the child did not list are skipped."""
    for p in range(pair_child.shape[0]):
        i = pair_child[p]
        if i < 0:
            continue
        f = pair_facility[p]
        for j in range(offsets[i], offsets[i + 1]):
            if entry_facility[j] == f:
                classes[j] = pair_class[p]
                break


@_jit
def deferred_acceptance(
    offsets: IntArray,
    programme: IntArray,
    classes: IntArray,
    numbers: IntArray,
    modulus: int,
    capacities: IntArray,
    members: IntArray,
    held: IntArray,
    admitted: IntArray,
    worst: IntArray,
) -> None:
    """Child-proposing deferred acceptance of the children ``members`` on ``capacities``.

    Writes ``held[i]`` (the entry child ``i`` holds, ``-1`` when unplaced) for every member,
    and per programme ``admitted[k]`` and ``worst[k]`` (the admitted child with the worst key,
    ``-1`` when none was admitted).
    """
    n_programmes = capacities.shape[0]
    base = np.zeros(n_programmes + 1, dtype=np.int64)
    for k in range(n_programmes):
        base[k + 1] = base[k] + max(capacities[k], 0)
    heap_key = np.empty(base[n_programmes], dtype=np.int64)  # a max-heap per programme
    heap_child = np.empty(base[n_programmes], dtype=np.int64)
    size = np.zeros(n_programmes, dtype=np.int64)
    next_entry = offsets[:-1].copy()
    for m in range(members.shape[0]):
        held[members[m]] = -1
    for m in range(members.shape[0]):
        child = members[m]
        while child >= 0:
            proposer = child
            child = -1
            number = numbers[proposer]
            j = next_entry[proposer]
            end = offsets[proposer + 1]
            while j < end:
                k = programme[j]
                j += 1
                if k < 0:
                    continue
                capacity = capacities[k]
                if capacity <= 0:
                    continue
                key = classes[j - 1] * modulus + number
                b = base[k]
                filled = size[k]
                if filled < capacity:  # a free seat: push, sift up
                    pos = filled
                    size[k] = filled + 1
                    while pos > 0:
                        parent = (pos - 1) >> 1
                        if heap_key[b + parent] >= key:
                            break
                        heap_key[b + pos] = heap_key[b + parent]
                        heap_child[b + pos] = heap_child[b + parent]
                        pos = parent
                    heap_key[b + pos] = key
                    heap_child[b + pos] = proposer
                    held[proposer] = j - 1
                    break
                if heap_key[b] > key:  # better than the worst held: replace it, sift down
                    evicted = heap_child[b]
                    pos = 0
                    while True:
                        c = 2 * pos + 1
                        if c >= capacity:
                            break
                        if c + 1 < capacity and heap_key[b + c + 1] > heap_key[b + c]:
                            c += 1
                        if heap_key[b + c] <= key:
                            break
                        heap_key[b + pos] = heap_key[b + c]
                        heap_child[b + pos] = heap_child[b + c]
                        pos = c
                    heap_key[b + pos] = key
                    heap_child[b + pos] = proposer
                    held[proposer] = j - 1
                    held[evicted] = -1
                    child = evicted
                    break
            next_entry[proposer] = j
    for k in range(n_programmes):
        admitted[k] = size[k]
        worst[k] = heap_child[base[k]] if size[k] > 0 else -1


@_jit
def allocate(
    offsets: IntArray,
    programme: IntArray,
    classes: IntArray,
    numbers: IntArray,
    modulus: int,
    integration: IntArray,
    regular: IntArray,
    release: BoolArray,
    need_members: IntArray,
    other_members: IntArray,
    held: IntArray,
    admitted: IntArray,
    worst: IntArray,
    capacity: IntArray,
) -> None:
    """Both steps: integration places, release of the empty ones, regular places.

    Writes ``held`` per child and, per seat type row (0 integration, 1 regular) and programme,
    ``capacity``, ``admitted`` and ``worst`` (shape ``(2, n_programmes)``).
    """
    capacity[0, :] = integration
    deferred_acceptance(
        offsets,
        programme,
        classes,
        numbers,
        modulus,
        capacity[0],
        need_members,
        held,
        admitted[0],
        worst[0],
    )
    for k in range(integration.shape[0]):
        released = integration[k] - admitted[0, k] if release[k] else 0
        capacity[1, k] = regular[k] + released
    deferred_acceptance(
        offsets,
        programme,
        classes,
        numbers,
        modulus,
        capacity[1],
        other_members,
        held,
        admitted[1],
        worst[1],
    )


@_jit
def explain(
    offsets: IntArray,
    programme: IntArray,
    classes: IntArray,
    numbers: IntArray,
    modulus: int,
    need: BoolArray,
    held: IntArray,
    admitted: IntArray,
    worst: IntArray,
    capacity: IntArray,
    reason: ByteArray,
) -> int:
    """The reason code (:mod:`kitaplan.domain.allocation.codes`) of every entry above the
    child's own place, ``NO_REASON`` elsewhere.

    Returns the first entry that no cut-off explains (the result would not be stable), or -1.
    """
    bad = -1
    for i in range(offsets.shape[0] - 1):
        seat = 0 if need[i] else 1
        stop = held[i] if held[i] >= 0 else offsets[i + 1]
        for j in range(offsets[i], offsets[i + 1]):
            if j >= stop:
                reason[j] = NO_REASON
                continue
            k = programme[j]
            if k < 0:
                reason[j] = NO_PLACES_FOR_AGE_GROUP
                continue
            if capacity[seat, k] == 0:
                reason[j] = NO_PLACES_OF_KIND
                continue
            w = worst[seat, k]
            if (
                admitted[seat, k] >= capacity[seat, k]
                and w >= 0
                and classes[j] * modulus + numbers[i] > classes[held[w]] * modulus + numbers[w]
            ):
                reason[j] = FULL_WITH_HIGHER_PRIORITY
                continue
            reason[j] = NO_REASON
            if bad < 0:
                bad = j
    return bad


@_jit
def count_draw(
    offsets: IntArray,
    programme: IntArray,
    classes: IntArray,
    numbers: IntArray,
    modulus: int,
    integration: IntArray,
    regular: IntArray,
    release: BoolArray,
    need_members: IntArray,
    other_members: IntArray,
    counts: IntArray,
) -> None:
    """One lottery draw of the chances estimate: both steps, then one hit per child.

    Child ``i``'s counting slots are ``offsets[i] + i + rank`` (placed at its entry of that
    rank) and ``offsets[i + 1] + i`` (unplaced).
    """
    n = offsets.shape[0] - 1
    n_programmes = integration.shape[0]
    held = np.empty(n, dtype=np.int64)
    admitted = np.empty((2, n_programmes), dtype=np.int64)
    worst = np.empty((2, n_programmes), dtype=np.int64)
    capacity = np.empty((2, n_programmes), dtype=np.int64)
    allocate(
        offsets,
        programme,
        classes,
        numbers,
        modulus,
        integration,
        regular,
        release,
        need_members,
        other_members,
        held,
        admitted,
        worst,
        capacity,
    )
    for i in range(n):
        counts[(held[i] if held[i] >= 0 else offsets[i + 1]) + i] += 1
