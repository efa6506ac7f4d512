"""Why a child did not get a place it wanted, and an independent stability check
(de: Begründung der Platzvergabe, Stabilitätsprüfung).

1. :func:`explain` lists, for every facility a child ranked above the one it got (all of them when
   it got none), one :class:`Reason`: the facility has no places for the child's age group; it has
   no places of the child's kind (integration places for a child with integration need, regular or
   released places otherwise); or it is full with children of higher priority – then the cut-off
   (class, lottery) is given next to the child's own (class, lottery).
2. :func:`blocking_pairs` checks the result from scratch, without the cut-offs: in each step, a
   child and a programme it prefers to its own place form a blocking pair when a seat of its kind
   stayed empty there or a child with a worse key got one. A stable result has none.
3. :func:`feasibility_problems` checks capacity, age group and seat-kind rules;
   :func:`check_problems` adds the blocking pairs and, in a follow-up run, broken guarantees.

Problems are :class:`CheckProblem` records (a :class:`CheckCode` and its parameters), never
sentences: the web layer and the CLI word them (``kitaplan.web.allocation.check_wording``).
The codes are stored with allocation runs: renaming one is a breaking change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np

from kitaplan.domain.allocation import codes as codes_
from kitaplan.domain.allocation.compiled import Solution, solution_of
from kitaplan.domain.allocation.model import Allocation, AllocationInstance, SeatType


class Reason(StrEnum):
    NO_PLACES_FOR_AGE_GROUP = "no_places_for_age_group"
    NO_INTEGRATION_PLACES = "no_integration_places"
    NO_REGULAR_PLACES = "no_regular_places"
    FULL_WITH_HIGHER_PRIORITY = "full_with_higher_priority"


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why ``child_id`` did not get ``facility_id`` (its choice number ``rank``, 1-based)."""

    child_id: str
    facility_id: str
    rank: int
    reason: Reason
    seat_type: SeatType
    child_class: int
    child_lottery: int
    cutoff_class: int | None = None
    cutoff_lottery: int | None = None


def explain(
    instance: AllocationInstance, allocation: Allocation, child_id: str
) -> tuple[Explanation, ...]:
    """The reasons for every facility ``child_id`` ranked above its assignment."""
    solution = solution_of(instance, allocation)
    if solution is not None and child_id in solution.instance.child_index:
        reasons = _FastReasons(solution)
        return reasons.of(solution.instance.child_index[child_id], check=True)
    child = next(c for c in instance.children if c.child_id == child_id)
    return _explain(instance, allocation, child.child_id, child.age_group, child.integration_need)


def explain_all(
    instance: AllocationInstance, allocation: Allocation
) -> Mapping[str, tuple[Explanation, ...]]:
    """:func:`explain` for every child (one pass, for reports and benchmarks).

    For an allocation of the compiled engine the reasons of all children are computed at once
    (``kernel.explain``, which raises here when one is not explained) and the mapping makes a
    child's :class:`Explanation` records when they are read; otherwise the reference below.
    """
    solution = solution_of(instance, allocation)
    if solution is not None:
        return _FastReasons(solution).all()
    return {
        c.child_id: _explain(instance, allocation, c.child_id, c.age_group, c.integration_need)
        for c in instance.children
    }


class _FastReasons:
    """Explanations from the reason codes of a compiled :class:`Solution`."""

    __slots__ = ("solution", "reason", "bad")

    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        self.reason, self.bad = solution.reasons()

    def _unstable(self, j: int) -> ValueError:
        c = self.solution.instance
        i = int(np.searchsorted(c.offsets, j, side="right")) - 1
        return ValueError(
            f"the allocation is not stable for child {c.child_ids[i]!r} at {c.entry_facility[j]!r}"
        )

    def of(self, i: int, *, check: bool = False) -> tuple[Explanation, ...]:
        s = self.solution
        c = s.instance
        start, end = int(c.offsets[i]), int(c.offsets[i + 1])
        held = int(s.held[i])
        stop = held if held >= 0 else end
        if stop == start:
            return ()
        need = bool(c.need[i])
        seat = SeatType.INTEGRATION if need else SeatType.REGULAR
        kind = Reason.NO_INTEGRATION_PLACES if need else Reason.NO_REGULAR_PLACES
        child_id, lottery = c.child_ids[i], int(s.numbers[i])
        reasons: list[Explanation] = []
        codes = self.reason[start:stop].tolist()
        classes = c.classes[start:stop].tolist()
        for rank, (code, cls) in enumerate(zip(codes, classes, strict=True), start=1):
            j = start + rank - 1
            facility_id = c.entry_facility[j]
            if code == codes_.FULL_WITH_HIGHER_PRIORITY:
                cut = s.cutoff_of(0 if need else 1, int(c.programme[j]))
                assert cut is not None
                reasons.append(
                    Explanation(
                        child_id,
                        facility_id,
                        rank,
                        Reason.FULL_WITH_HIGHER_PRIORITY,
                        seat,
                        cls,
                        lottery,
                        cut[0],
                        cut[1],
                    )
                )
            elif code == codes_.NO_PLACES_FOR_AGE_GROUP:
                reasons.append(
                    Explanation(
                        child_id,
                        facility_id,
                        rank,
                        Reason.NO_PLACES_FOR_AGE_GROUP,
                        seat,
                        cls,
                        lottery,
                    )
                )
            elif code == codes_.NO_PLACES_OF_KIND:
                reasons.append(Explanation(child_id, facility_id, rank, kind, seat, cls, lottery))
            elif check:
                raise self._unstable(j)
        return tuple(reasons)

    def all(self) -> Mapping[str, tuple[Explanation, ...]]:
        if self.bad >= 0:
            raise self._unstable(self.bad)
        return _ExplanationsView(self)


class _ExplanationsView(Mapping[str, tuple[Explanation, ...]]):
    """Child id → its explanations, in instance order, made when read."""

    __slots__ = ("reasons",)

    def __init__(self, reasons: _FastReasons) -> None:
        self.reasons = reasons

    def __getitem__(self, child_id: str) -> tuple[Explanation, ...]:
        return self.reasons.of(self.reasons.solution.instance.child_index[child_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self.reasons.solution.instance.child_ids)

    def __len__(self) -> int:
        return self.reasons.solution.instance.n_children


def _explain(
    instance: AllocationInstance,
    allocation: Allocation,
    child_id: str,
    age_group: str,
    need: bool,
) -> tuple[Explanation, ...]:
    seat = SeatType.INTEGRATION if need else SeatType.REGULAR
    got = allocation.assignment.get(child_id)
    lottery = allocation.lottery[child_id]
    default = allocation.default_class
    reasons: list[Explanation] = []
    for rank, facility_id in enumerate(instance.preferences.get(child_id, ()), start=1):
        if facility_id == got:
            break
        cls = instance.priorities.get((facility_id, child_id), default)
        base = Explanation(
            child_id, facility_id, rank, Reason.NO_PLACES_FOR_AGE_GROUP, seat, cls, lottery
        )
        cutoff = allocation.cutoffs.get((facility_id, age_group, seat))
        if cutoff is None:
            reasons.append(base)
        elif cutoff.capacity == 0:
            reason = Reason.NO_INTEGRATION_PLACES if need else Reason.NO_REGULAR_PLACES
            reasons.append(replace(base, reason=reason))
        elif (
            cutoff.is_full
            and cutoff.priority_class is not None
            and cutoff.lottery is not None
            and (cls, lottery) > (cutoff.priority_class, cutoff.lottery)
        ):
            reasons.append(
                replace(
                    base,
                    reason=Reason.FULL_WITH_HIGHER_PRIORITY,
                    cutoff_class=cutoff.priority_class,
                    cutoff_lottery=cutoff.lottery,
                )
            )
        else:
            raise ValueError(
                f"the allocation is not stable for child {child_id!r} at {facility_id!r}"
            )
    return tuple(reasons)


@dataclass(frozen=True, slots=True)
class BlockingPair:
    """``child_id`` prefers ``facility_id`` and would be entitled to a place there.

    ``displaced`` is the admitted child with a worse key, ``None`` when a seat stayed empty.
    """

    child_id: str
    facility_id: str
    seat_type: SeatType
    displaced: str | None


def blocking_pairs(instance: AllocationInstance, allocation: Allocation) -> list[BlockingPair]:
    """All blocking pairs of both steps, computed directly from the assignment."""
    default = instance.default_class
    lot = allocation.lottery
    programmes = {(p.facility_id, p.age_group): p for p in instance.programmes}
    holders: dict[tuple[str, str, bool], list[str]] = defaultdict(list)
    for c in instance.children:
        facility_id = allocation.assignment[c.child_id]
        if facility_id is not None:
            holders[(facility_id, c.age_group, c.integration_need)].append(c.child_id)
    found: list[BlockingPair] = []
    for c in instance.children:
        seat = SeatType.INTEGRATION if c.integration_need else SeatType.REGULAR
        for facility_id in instance.preferences.get(c.child_id, ()):
            if facility_id == allocation.assignment[c.child_id]:
                break
            p = programmes.get((facility_id, c.age_group))
            if p is None:
                continue
            held_1 = len(holders[(facility_id, c.age_group, True)])
            if c.integration_need:
                capacity = p.integration_places
            else:
                capacity = p.regular_places + (
                    p.integration_places - held_1 if p.release_unused else 0
                )
            held = holders[(facility_id, c.age_group, c.integration_need)]
            if len(held) < capacity:
                found.append(BlockingPair(c.child_id, facility_id, seat, None))
                continue
            mine = (instance.priorities.get((facility_id, c.child_id), default), lot[c.child_id])
            for other in held:
                theirs = (instance.priorities.get((facility_id, other), default), lot[other])
                if theirs > mine:
                    found.append(BlockingPair(c.child_id, facility_id, seat, other))
    return found


class CheckCode(StrEnum):
    """What the independent check found (parameters in brackets)."""

    NOT_RANKED = "not_ranked"  # (child, facility)
    NO_PLACES_FOR_AGE_GROUP = "no_places_for_age_group"  # (child, facility, age_group)
    WRONG_SEAT_TYPE = "wrong_seat_type"  # (child)
    OVER_INTEGRATION_PLACES = "over_integration_places"  # (facility, age_group, admitted, places)
    OVER_REGULAR_PLACES = "over_regular_places"  # (facility, age_group, admitted, places)
    BLOCKING_PAIR = "blocking_pair"  # (child, facility)
    GUARANTEE_BROKEN = "guarantee_broken"  # (child, facility)


#: A parameter of a check problem: an id, an age group or a count.
CheckParameter = str | int


@dataclass(frozen=True, slots=True)
class CheckProblem:
    """A broken rule: a code and its parameters, (name, value) pairs sorted by name.

    Build one with :meth:`of` (``CheckProblem.of(CheckCode.WRONG_SEAT_TYPE, child="k1")``).
    """

    code: CheckCode
    params: tuple[tuple[str, CheckParameter], ...] = field(default=())

    @classmethod
    def of(cls, code: CheckCode, **params: CheckParameter) -> CheckProblem:
        return cls(code, tuple(sorted(params.items())))

    @property
    def arguments(self) -> dict[str, CheckParameter]:
        return dict(self.params)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, read back by :meth:`from_json`."""
        return {"code": self.code.value, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckProblem:
        params = data.get("params") or {}
        return cls.of(CheckCode(data["code"]), **{str(k): v for k, v in params.items()})


def feasibility_problems(
    instance: AllocationInstance, allocation: Allocation
) -> list[CheckProblem]:
    """Broken hard rules: over capacity, wrong age group, unlisted facility, wrong seat kind."""
    problems: list[CheckProblem] = []
    programmes = {(p.facility_id, p.age_group): p for p in instance.programmes}
    count: Counter[tuple[str, str, bool]] = Counter()
    for c in instance.children:
        facility_id = allocation.assignment[c.child_id]
        if facility_id is None:
            continue
        if facility_id not in instance.preferences.get(c.child_id, ()):
            problems.append(
                CheckProblem.of(CheckCode.NOT_RANKED, child=c.child_id, facility=facility_id)
            )
        if (facility_id, c.age_group) not in programmes:
            problems.append(
                CheckProblem.of(
                    CheckCode.NO_PLACES_FOR_AGE_GROUP,
                    child=c.child_id,
                    facility=facility_id,
                    age_group=c.age_group,
                )
            )
            continue
        expected = SeatType.INTEGRATION if c.integration_need else SeatType.REGULAR
        if allocation.seat_types.get(c.child_id) is not expected:
            problems.append(CheckProblem.of(CheckCode.WRONG_SEAT_TYPE, child=c.child_id))
        count[(facility_id, c.age_group, c.integration_need)] += 1
    for (facility_id, age_group), p in programmes.items():
        used_1 = count[(facility_id, age_group, True)]
        used_0 = count[(facility_id, age_group, False)]
        released = p.integration_places - used_1 if p.release_unused else 0
        if used_1 > p.integration_places:
            problems.append(
                CheckProblem.of(
                    CheckCode.OVER_INTEGRATION_PLACES,
                    facility=facility_id,
                    age_group=age_group,
                    admitted=used_1,
                    places=p.integration_places,
                )
            )
        if used_0 > p.regular_places + released:
            problems.append(
                CheckProblem.of(
                    CheckCode.OVER_REGULAR_PLACES,
                    facility=facility_id,
                    age_group=age_group,
                    admitted=used_0,
                    places=p.regular_places + released,
                )
            )
    return problems


def check_problems(
    instance: AllocationInstance,
    allocation: Allocation,
    held: Mapping[str, str] | None = None,
) -> list[CheckProblem]:
    """The independent check of a run: :func:`feasibility_problems`, every blocking pair, and
    for a follow-up run every child that ``held`` a place (child → facility) and has none now."""
    problems = feasibility_problems(instance, allocation)
    problems += [
        CheckProblem.of(CheckCode.BLOCKING_PAIR, child=p.child_id, facility=p.facility_id)
        for p in blocking_pairs(instance, allocation)
    ]
    problems += [
        CheckProblem.of(CheckCode.GUARANTEE_BROKEN, child=child_id, facility=facility_id)
        for child_id, facility_id in (held or {}).items()
        if child_id in allocation.assignment and allocation.assignment[child_id] is None
    ]
    return problems
