"""The fast path of the engine: an instance as flat arrays, its solution, and read-only views.

:class:`CompiledInstance` turns an :class:`AllocationInstance` into the arrays of
:mod:`kitaplan.domain.allocation.kernel` (once per instance: :func:`compiled`, cached while the
instance lives; an instance is immutable by contract, so its arrays stay valid).
:meth:`CompiledInstance.solve` runs both steps for one lottery and returns a :class:`Solution`
of arrays; :meth:`Solution.allocation` wraps it in an :class:`Allocation` whose mappings are
read-only views on those arrays, so building the result costs nothing per child; a value is
made when it is read. ``dict(view)`` gives the same dict as the reference engine, in the same
order.

The readable reference of every step is :func:`kitaplan.domain.allocation.engine.allocate_reference`;
the independent check (:mod:`kitaplan.domain.allocation.explain`) never uses this module.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, repeat
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from kitaplan.domain.allocation.model import Allocation, AllocationInstance, Cutoff, SeatType

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ByteArray = npt.NDArray[np.int8]

#: Keys ``class * modulus + lottery`` must stay inside int64 (with room for the comparison).
_KEY_LIMIT = 2**62


class BeyondInt64(ValueError):
    """Priority classes or lottery numbers too large for the kernel's int64 keys (the engine
    then runs the reference instead)."""


V = TypeVar("V")


class CompiledInstance:
    """An instance as arrays (see :mod:`kitaplan.domain.allocation.kernel` for the layout)."""

    __slots__ = (
        "child_ids",
        "child_index",
        "need",
        "need_members",
        "other_members",
        "offsets",
        "programme",
        "classes",
        "entry_facility",
        "programme_keys",
        "programme_index",
        "integration",
        "regular",
        "release",
        "default_class",
        "min_class",
        "_sorted_position",
        "_sorted_order",
    )

    def __init__(self, instance: AllocationInstance) -> None:
        children = instance.children
        ids = [c.child_id for c in children]
        n = len(ids)
        self.child_ids: list[str] = ids
        self.child_index: dict[str, int] = dict(zip(ids, range(n), strict=True))
        need = np.fromiter((c.integration_need for c in children), dtype=np.bool_, count=n)
        self.need: BoolArray = need
        self.need_members: IntArray = np.flatnonzero(need).astype(np.int64)
        self.other_members: IntArray = np.flatnonzero(~need).astype(np.int64)

        programmes = instance.programmes
        self.programme_keys: list[tuple[str, str]] = [
            (p.facility_id, p.age_group) for p in programmes
        ]
        self.programme_index: dict[tuple[str, str], int] = {
            key: k for k, key in enumerate(self.programme_keys)
        }
        self.integration: IntArray = np.asarray(
            [p.integration_places for p in programmes], dtype=np.int64
        )
        self.regular: IntArray = (
            np.asarray([p.capacity for p in programmes], dtype=np.int64) - self.integration
        )
        self.release: BoolArray = np.asarray([p.release_unused for p in programmes], dtype=np.bool_)

        preferences = instance.preferences
        # map() over bound methods with a repeated default keeps these loops in C: building the
        # arrays is the largest part of a run at Berlin scale.
        lists = list(map(preferences.get, ids, repeat(())))
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=n)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        self.offsets: IntArray = offsets
        flat: list[str] = list(chain.from_iterable(lists))
        self.entry_facility: list[str] = flat

        # Programme per entry: facility × age group, looked up by number, -1 when none.
        facility_number = _Numbering(chain((f for f, _ in self.programme_keys), flat))
        age_number = _Numbering(a for _, a in self.programme_keys)
        table = np.full((len(facility_number), len(age_number) + 1), -1, dtype=np.int64)
        if programmes:
            table[
                [facility_number[f] for f, _ in self.programme_keys],
                [age_number[a] for _, a in self.programme_keys],
            ] = np.arange(len(programmes), dtype=np.int64)
        entry_facility = np.fromiter(map(facility_number.__getitem__, flat), np.int64, len(flat))
        child_age = np.fromiter(
            map(age_number.get, (c.age_group for c in children), repeat(age_number.missing)),
            np.int64,
            n,
        )
        self.programme: IntArray = table[entry_facility, np.repeat(child_age, lengths)]

        # Priority class per entry: the instance's default, then each given class scattered
        # into its child's entry (kernel.scatter_classes).
        priorities = instance.priorities
        default = max(priorities.values(), default=0) + 1
        self.default_class: int = default
        self.min_class: int = min(priorities.values(), default=0)
        if max(abs(default), abs(self.min_class)) + 1 >= _KEY_LIMIT // (n + 1):
            raise BeyondInt64("priority classes too large for the compiled engine")
        self.classes: IntArray = np.full(len(flat), default, dtype=np.int64)
        if priorities:
            from kitaplan.domain.allocation import kernel  # imports numba: only when first used

            pair_facility, pair_child = zip(*priorities, strict=True)
            missing = len(facility_number)
            kernel.scatter_classes(
                offsets,
                entry_facility,
                np.fromiter(map(self.child_index.get, pair_child, repeat(-1)), np.int64),
                np.fromiter(map(facility_number.get, pair_facility, repeat(missing)), np.int64),
                np.fromiter(priorities.values(), np.int64, len(priorities)),
                self.classes,
            )
        self._sorted_position: IntArray | None = None
        self._sorted_order: IntArray | None = None

    @property
    def n_children(self) -> int:
        return len(self.child_ids)

    @property
    def n_entries(self) -> int:
        return len(self.entry_facility)

    def sorted_order(self) -> IntArray:
        """Child indices in the order of their sorted ids (the lottery's order)."""
        if self._sorted_order is None:
            ids = self.child_ids
            # Python's sort, not numpy's: numpy's unicode strings drop trailing NUL characters.
            order = np.asarray(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
            position = np.empty(len(ids), dtype=np.int64)
            position[order] = np.arange(len(ids), dtype=np.int64)
            self._sorted_order, self._sorted_position = order, position
        return self._sorted_order

    def lottery(self, seed: int) -> IntArray:
        """Lottery numbers in instance order, identical to
        :func:`kitaplan.domain.allocation.engine.draw_lottery` with ``seed``."""
        self.sorted_order()
        assert self._sorted_position is not None
        permutation = np.random.default_rng(seed).permutation(self.n_children) + 1
        return permutation[self._sorted_position].astype(np.int64)

    def ranks(self, numbers: IntArray) -> tuple[IntArray, int]:
        """Lottery ranks for the kernel (``numbers`` itself when it is a permutation of 1..n)
        and the modulus of the keys."""
        n = self.n_children
        if n and int(numbers.min()) == 1 and int(numbers.max()) == n:
            ranks = numbers
        else:  # any distinct positive numbers: their ranks keep the order
            ranks = np.empty(n, dtype=np.int64)
            ranks[np.argsort(numbers, kind="stable")] = np.arange(1, n + 1, dtype=np.int64)
        return ranks, n + 1  # the bound on the keys was checked when the arrays were built

    def solve(self, numbers: IntArray) -> Solution:
        """Both steps for lottery ``numbers`` (instance order, distinct, positive)."""
        from kitaplan.domain.allocation import kernel  # imports numba: only when first used

        ranks, modulus = self.ranks(numbers)
        n_programmes = len(self.programme_keys)
        held = np.empty(self.n_children, dtype=np.int64)
        admitted = np.empty((2, n_programmes), dtype=np.int64)
        worst = np.empty((2, n_programmes), dtype=np.int64)
        capacity = np.empty((2, n_programmes), dtype=np.int64)
        kernel.allocate(
            self.offsets,
            self.programme,
            self.classes,
            ranks,
            modulus,
            self.integration,
            self.regular,
            self.release,
            self.need_members,
            self.other_members,
            held,
            admitted,
            worst,
            capacity,
        )
        return Solution(self, numbers, ranks, modulus, held, admitted, worst, capacity)

    def assignment(self, numbers: IntArray) -> list[int]:
        """Programme index per child (instance order), ``-1`` when unplaced."""
        held = self.solve(numbers).held
        placed = held >= 0
        out = np.full(self.n_children, -1, dtype=np.int64)
        out[placed] = self.programme[held[placed]]
        return [int(k) for k in out]

    def count(self, seeds: Sequence[int]) -> IntArray:
        """Hits per counting slot (kernel.count_draw) over the lotteries drawn from ``seeds``."""
        from kitaplan.domain.allocation import kernel  # imports numba: only when first used

        counts = np.zeros(self.n_entries + self.n_children, dtype=np.int64)
        for seed in seeds:
            ranks, modulus = self.ranks(self.lottery(seed))
            kernel.count_draw(
                self.offsets,
                self.programme,
                self.classes,
                ranks,
                modulus,
                self.integration,
                self.regular,
                self.release,
                self.need_members,
                self.other_members,
                counts,
            )
        return counts


class _Numbering(dict[str, int]):
    """Numbers distinct strings 0, 1, … in the order they first occur; ``missing`` is the
    number for any other string."""

    def __init__(self, values: Iterable[str]) -> None:
        unique = dict.fromkeys(values)
        super().__init__(zip(unique, range(len(unique)), strict=True))
        self.missing = len(self)


_CACHE: weakref.WeakKeyDictionary[AllocationInstance, CompiledInstance] = (
    weakref.WeakKeyDictionary()
)


def compiled(instance: AllocationInstance) -> CompiledInstance:
    """The arrays of ``instance``, built on first use and kept while the instance lives."""
    found = _CACHE.get(instance)
    if found is None:
        found = _CACHE[instance] = CompiledInstance(instance)
    return found


def cached(instance: AllocationInstance) -> CompiledInstance | None:
    """The arrays of ``instance`` if they were built already (never builds them)."""
    return _CACHE.get(instance)


class Solution:
    """Both steps for one lottery, as arrays over a :class:`CompiledInstance`.

    ``held[i]``: the entry child ``i`` holds (``-1`` unplaced); per seat row (0 integration,
    1 regular) and programme: ``capacity``, ``admitted``, ``worst`` (the admitted child with the
    worst key, ``-1`` when none). ``numbers`` are the lottery numbers as given, ``ranks`` what
    the kernel compared.
    """

    __slots__ = (
        "instance",
        "numbers",
        "ranks",
        "modulus",
        "held",
        "admitted",
        "worst",
        "capacity",
        "_reasons",
    )

    def __init__(
        self,
        instance: CompiledInstance,
        numbers: IntArray,
        ranks: IntArray,
        modulus: int,
        held: IntArray,
        admitted: IntArray,
        worst: IntArray,
        capacity: IntArray,
    ) -> None:
        self.instance = instance
        self.numbers = numbers
        self.ranks = ranks
        self.modulus = modulus
        self.held = held
        self.admitted = admitted
        self.worst = worst
        self.capacity = capacity
        self._reasons: tuple[ByteArray, int] | None = None

    def reasons(self) -> tuple[ByteArray, int]:
        """Reason code per entry (kernel.explain) and the first unexplained entry or -1."""
        if self._reasons is None:
            from kitaplan.domain.allocation import kernel  # imports numba: only when first used

            c = self.instance
            reason = np.empty(c.n_entries, dtype=np.int8)
            bad = kernel.explain(
                c.offsets,
                c.programme,
                c.classes,
                self.ranks,
                self.modulus,
                c.need,
                self.held,
                self.admitted,
                self.worst,
                self.capacity,
                reason,
            )
            self._reasons = (reason, int(bad))
        return self._reasons

    def cutoff_of(self, seat: int, k: int) -> tuple[int, int] | None:
        """(class, lottery) of the worst admitted child at programme ``k``, seat row ``seat``."""
        w = int(self.worst[seat, k])
        if w < 0:
            return None
        return int(self.instance.classes[self.held[w]]), int(self.numbers[w])

    def allocation(self, lottery: Mapping[str, int] | None = None) -> Allocation:
        """The result as an :class:`Allocation` of views; ``lottery`` is stored as given (a
        view on ``numbers`` in the order of the sorted ids when ``None``)."""
        c = self.instance
        released = self.capacity[1] - c.regular  # integration places handed to step 2
        return Allocation(
            assignment=AssignmentView(self),
            seat_types=SeatTypesView(self),
            cutoffs=CutoffsView(self),
            lottery=lottery if lottery is not None else LotteryView(self),
            default_class=c.default_class,
            released={
                c.programme_keys[k]: int(released[k]) for k in np.flatnonzero(released).tolist()
            },
        )


class _View(Mapping[str, V]):
    """A read-only mapping over a :class:`Solution` (base of the views below)."""

    __slots__ = ("solution",)

    def __init__(self, solution: Solution) -> None:
        self.solution = solution

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


class AssignmentView(_View[str | None]):
    """Child id → facility id or ``None``, in instance order."""

    __slots__ = ()

    def __getitem__(self, child_id: str) -> str | None:
        s = self.solution
        j = int(s.held[s.instance.child_index[child_id]])
        return s.instance.entry_facility[j] if j >= 0 else None

    def __iter__(self) -> Iterator[str]:
        return iter(self.solution.instance.child_ids)

    def __len__(self) -> int:
        return self.solution.instance.n_children

    def __contains__(self, child_id: object) -> bool:
        return child_id in self.solution.instance.child_index


class SeatTypesView(_View[SeatType]):
    """Placed child id → its kind of place: children with integration need first (as the
    reference engine inserts them), each group in instance order."""

    __slots__ = ()

    def _placed(self) -> IntArray:
        s = self.solution
        placed = s.held >= 0
        need = s.instance.need
        return np.concatenate([np.flatnonzero(placed & need), np.flatnonzero(placed & ~need)])

    def __getitem__(self, child_id: str) -> SeatType:
        s = self.solution
        i = s.instance.child_index[child_id]
        if s.held[i] < 0:
            raise KeyError(child_id)
        return SeatType.INTEGRATION if s.instance.need[i] else SeatType.REGULAR

    def __iter__(self) -> Iterator[str]:
        ids = self.solution.instance.child_ids
        return (ids[i] for i in self._placed().tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self.solution.held >= 0))

    def __contains__(self, child_id: object) -> bool:
        s = self.solution
        i = s.instance.child_index.get(child_id) if isinstance(child_id, str) else None
        return i is not None and bool(s.held[i] >= 0)


_SEATS = (SeatType.INTEGRATION, SeatType.REGULAR)


class CutoffsView(Mapping[tuple[str, str, SeatType], Cutoff]):
    """(facility id, age group, seat type) → :class:`Cutoff`, programme by programme,
    integration places first."""

    __slots__ = ("solution",)

    def __init__(self, solution: Solution) -> None:
        self.solution = solution

    def cutoff(self, seat: int, k: int) -> Cutoff:
        s = self.solution
        facility_id, age_group = s.instance.programme_keys[k]
        last = s.cutoff_of(seat, k)
        return Cutoff(
            facility_id=facility_id,
            age_group=age_group,
            seat_type=_SEATS[seat],
            capacity=int(s.capacity[seat, k]),
            admitted=int(s.admitted[seat, k]),
            priority_class=last[0] if last else None,
            lottery=last[1] if last else None,
        )

    def __getitem__(self, key: tuple[str, str, SeatType]) -> Cutoff:
        facility_id, age_group, seat_type = key
        k = self.solution.instance.programme_index.get((facility_id, age_group))
        if k is None or seat_type not in _SEATS:
            raise KeyError(key)
        return self.cutoff(_SEATS.index(SeatType(seat_type)), k)

    def __iter__(self) -> Iterator[tuple[str, str, SeatType]]:
        for facility_id, age_group in self.solution.instance.programme_keys:
            for seat in _SEATS:
                yield (facility_id, age_group, seat)

    def __len__(self) -> int:
        return 2 * len(self.solution.instance.programme_keys)

    def __repr__(self) -> str:
        return f"CutoffsView({dict(self)!r})"


class LotteryView(_View[int]):
    """Child id → lottery number, in the order of the sorted ids (as ``draw_lottery``)."""

    __slots__ = ()

    def __getitem__(self, child_id: str) -> int:
        s = self.solution
        return int(s.numbers[s.instance.child_index[child_id]])

    def __iter__(self) -> Iterator[str]:
        c = self.solution.instance
        ids = c.child_ids
        return (ids[i] for i in c.sorted_order().tolist())

    def __len__(self) -> int:
        return self.solution.instance.n_children

    def __contains__(self, child_id: object) -> bool:
        return child_id in self.solution.instance.child_index


def solution_of(instance: AllocationInstance, allocation: Allocation) -> Solution | None:
    """The arrays behind ``allocation`` when the fast path computed it for ``instance``."""
    view = allocation.assignment
    if not isinstance(view, AssignmentView):
        return None
    found = cached(instance)
    return view.solution if found is view.solution.instance else None
