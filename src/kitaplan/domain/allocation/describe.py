"""What a stored run says about a priority class and a waiting list, as codes and values.

The web layer words a :class:`ClassDescription` through the translation catalogue; nothing here
is a sentence.

Priority classes of a run (see :mod:`kitaplan.domain.allocation.priorities`): in a follow-up run
class 0 is the guarantee of a held place and every other class is shifted by one
(``shift``); in the iterative mode a facility that ranked its applicants itself gives them the
first classes in its own order, the others follow with their classes moved behind that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kitaplan.domain.allocation.model import Allocation, AllocationInstance, SeatType
from kitaplan.domain.allocation.priorities import Criterion


class ClassKind(StrEnum):
    NONE = "none"  # no class (the child did not rank the place)
    GUARANTEED = "guaranteed"  # already holds a place here (follow-up runs)
    OWN_ORDER = "own_order"  # a position in the facility's own order (iterative mode)
    LOWEST = "lowest"  # below every class of the table (not on the facility's list)
    LOTTERY_ONLY = "lottery_only"  # the round has no criteria
    CRITERIA = "criteria"  # the values of the round's criteria


@dataclass(frozen=True, slots=True)
class ClassScheme:
    """What a run stored about its classes."""

    criteria: tuple[Criterion, ...]
    #: Class index → the criterion values of that class (0 = criterion met, best first).
    class_values: tuple[tuple[int, ...], ...]
    #: 1 in a follow-up run (class 0 is the guarantee), else 0.
    shift: int = 0
    #: Facility id → its own order of child ids (iterative mode).
    own_orders: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClassDescription:
    kind: ClassKind
    #: OWN_ORDER: the 1-based position in the facility's own order.
    position: int | None = None
    #: CRITERIA: each criterion with the class's value for it.
    values: tuple[tuple[Criterion, int], ...] = ()


def describe_class(
    scheme: ClassScheme, priority_class: int | None, facility_id: str | None = None
) -> ClassDescription:
    """What ``priority_class`` stands for (at ``facility_id`` when the facility ranked its
    applicants itself)."""
    if priority_class is None:
        return ClassDescription(ClassKind.NONE)
    shift = scheme.shift
    if shift and priority_class == 0:
        return ClassDescription(ClassKind.GUARANTEED)
    order = scheme.own_orders.get(facility_id or "")
    if order:
        position = priority_class - shift
        if position < len(order):
            return ClassDescription(ClassKind.OWN_ORDER, position=position + 1)
        priority_class -= len(order)
    index = priority_class - shift
    if not 0 <= index < len(scheme.class_values):
        return ClassDescription(ClassKind.LOWEST)
    if not scheme.criteria:
        return ClassDescription(ClassKind.LOTTERY_ONLY)
    values = tuple(zip(scheme.criteria, scheme.class_values[index], strict=True))
    return ClassDescription(ClassKind.CRITERIA, values=values)


@dataclass(frozen=True, slots=True)
class WaitingPosition:
    position: int
    reference: str
    priority_class: int
    lottery: int
    #: The place the child got instead (a choice it ranked higher), ``None`` when unplaced.
    placed_elsewhere: str | None


def waiting_list(
    instance: AllocationInstance,
    allocation: Allocation,
    facility_id: str,
    age_group: str,
    seat_type: SeatType,
) -> tuple[WaitingPosition, ...]:
    """Children of the age group and seat type who ranked the facility above their outcome, in
    priority order (class, then lottery number; de: Warteliste). A place freed here goes to the
    first of them in the next follow-up run."""
    need = seat_type is SeatType.INTEGRATION
    rows: list[tuple[tuple[int, int], str, str | None]] = []
    for child in instance.children:
        if child.age_group != age_group or child.integration_need != need:
            continue
        wanted = instance.preferences.get(child.child_id, ())
        if facility_id not in wanted:
            continue
        got = allocation.assignment.get(child.child_id)
        if got == facility_id:
            continue
        if got is not None and wanted.index(got) < wanted.index(facility_id):
            continue
        cls = instance.priority_class(facility_id, child.child_id)
        rows.append(((cls, allocation.lottery[child.child_id]), child.child_id, got))
    rows.sort()
    return tuple(
        WaitingPosition(k, ref, key[0], key[1], got)
        for k, (key, ref, got) in enumerate(rows, start=1)
    )
