"""The allocation instance and its result as typed values (de: Platzvergabe – Eingaben).

A *programme* is one facility's places for one age group (de: Platzangebot je Einrichtung und
Altersgruppe): ``capacity`` places, of which ``integration_places`` are reserved for children
with confirmed integration need (de: Integrationsplätze); ``release_unused`` says whether
integration places left empty go to other children.

Priority classes are integers, smaller = higher priority (de: Rangklasse); a child without an
explicit class at a facility has the *default class*, one below (numerically one above) the
largest explicit class in the instance, so it is the lowest everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class SeatType(StrEnum):
    """Kind of place: regular, or reserved for children with integration need."""

    REGULAR = "regular"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class Programme:
    """The places of one facility for one age group."""

    facility_id: str
    age_group: str
    capacity: int
    integration_places: int = 0
    release_unused: bool = False

    def __post_init__(self) -> None:
        if self.capacity < 0 or not 0 <= self.integration_places <= self.capacity:
            raise ValueError(
                f"programme {self.facility_id}/{self.age_group}: need "
                f"0 <= integration_places ({self.integration_places}) <= capacity ({self.capacity})"
            )

    @property
    def regular_places(self) -> int:
        return self.capacity - self.integration_places


@dataclass(frozen=True, slots=True)
class Child:
    """A registered child: its age group and whether integration need is confirmed."""

    child_id: str
    age_group: str
    integration_need: bool = False


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class AllocationInstance:
    """Everything one run needs besides the lottery.

    ``preferences`` maps a child to its facility ids, most wanted first (a facility at most
    once). ``priorities`` maps ``(facility_id, child_id)`` to a priority class. An instance is
    immutable, its mappings included: the engine keeps its compiled arrays while it lives.
    """

    programmes: tuple[Programme, ...]
    children: tuple[Child, ...]
    preferences: Mapping[str, tuple[str, ...]]
    priorities: Mapping[tuple[str, str], int]

    def __post_init__(self) -> None:
        keys = {(p.facility_id, p.age_group) for p in self.programmes}
        if len(keys) != len(self.programmes):
            raise ValueError("a (facility_id, age_group) occurs more than once")
        ids = {c.child_id for c in self.children}
        if len(ids) != len(self.children):
            raise ValueError("a child_id occurs more than once")
        for child_id, facilities in self.preferences.items():
            if child_id not in ids:
                raise ValueError(f"preferences name an unknown child {child_id!r}")
            if len(set(facilities)) != len(facilities):
                raise ValueError(f"child {child_id!r} ranks a facility twice")

    @property
    def default_class(self) -> int:
        """The class of a child without an explicit class: lower than every explicit one."""
        return max(self.priorities.values(), default=0) + 1

    def priority_class(self, facility_id: str, child_id: str) -> int:
        return self.priorities.get((facility_id, child_id), self.default_class)


@dataclass(frozen=True, slots=True)
class Cutoff:
    """Who got in last at one programme and seat type (de: Grenzrang).

    ``priority_class``/``lottery`` are those of the lowest-ranked admitted child (``None`` when
    nobody was admitted). The programme is *full* when ``admitted == capacity``; only then was
    anyone refused, namely every applicant whose (class, lottery) is worse than the cut-off.
    For regular seats ``capacity`` includes released integration places.
    """

    facility_id: str
    age_group: str
    seat_type: SeatType
    capacity: int
    admitted: int
    priority_class: int | None
    lottery: int | None

    @property
    def is_full(self) -> bool:
        return self.admitted >= self.capacity


@dataclass(frozen=True, slots=True, eq=False)
class Allocation:
    """The result of one run.

    ``assignment`` maps every child to its facility id (``None`` when unplaced);
    ``seat_types`` gives the kind of place of each placed child; ``released`` the integration
    places handed to step 2 per ``(facility_id, age_group)``.
    """

    assignment: Mapping[str, str | None]
    seat_types: Mapping[str, SeatType]
    cutoffs: Mapping[tuple[str, str, SeatType], Cutoff]
    lottery: Mapping[str, int]
    default_class: int
    released: Mapping[tuple[str, str], int]

    def cutoff(self, facility_id: str, age_group: str, seat_type: SeatType) -> Cutoff | None:
        return self.cutoffs.get((facility_id, age_group, seat_type))
