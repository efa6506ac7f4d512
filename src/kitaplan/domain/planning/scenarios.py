"""Planning scenarios (de: Planungsszenarien): changes applied to a copy of today's supply.

A scenario never touches real data. It is a list of typed changes applied, in order, to the
baseline: one :class:`FacilitySupply` record per facility as it is today.

1. :class:`ChangePlaces` adds (or, negative, removes) places under 3, from 3 and integration
   places of a facility.
2. :class:`CloseFacility` removes a facility with all its places.
3. :class:`OpenFacility` adds a new facility in an area (the finest area the caller located it
   in) with its places and features.
4. :class:`ConvertSpecialNeedsGroup` turns ``places`` special-needs group places (de:
   heilpädagogische Gruppe) into ``to_integration_places`` integration places. Special-needs group
   places are not part of the places under 3 and from 3; integration places are. The children
   of such a group are 3 and older, so the new integration places are places from 3: the places
   from 3 and the integration places both grow by ``to_integration_places``.
5. After every change a facility must have no negative places and no more integration places
   than places under 3 and from 3 together; a change naming an unknown (or already closed)
   facility, or opening a facility under a key already in use, is refused. Errors carry a stable
   code and the index of the change.

:func:`supply_by_area` sums the records into the :class:`AreaSupply` of each area that
:func:`kitaplan.domain.planning.demand.compute_balance` takes; :func:`features_by_area` counts
the facilities with inclusion profile, the barrier-free facilities and their places for targets.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.demand import AreaSupply

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True, slots=True)
class FacilitySupply(Generic[Key]):
    """The places and inclusion features of one facility (baseline or scenario)."""

    key: str
    area: Key
    places_u3: int
    places_ue3: int
    integration_places: int = 0
    special_needs_group_places: int = 0
    inclusion_profile: bool = False
    barrier_free: bool = False

    @property
    def places(self) -> int:
        """Places under 3 and from 3 (integration places are part of them)."""
        return self.places_u3 + self.places_ue3


@dataclass(frozen=True, slots=True)
class ChangePlaces:
    facility: str
    u3_delta: int = 0
    ue3_delta: int = 0
    integration_delta: int = 0


@dataclass(frozen=True, slots=True)
class CloseFacility:
    facility: str


@dataclass(frozen=True, slots=True)
class OpenFacility(Generic[Key]):
    key: str
    area: Key
    places_u3: int = 0
    places_ue3: int = 0
    integration_places: int = 0
    inclusion_profile: bool = False
    barrier_free: bool = False


@dataclass(frozen=True, slots=True)
class ConvertSpecialNeedsGroup:
    facility: str
    places: int
    to_integration_places: int


ScenarioChange = ChangePlaces | CloseFacility | OpenFacility[Key] | ConvertSpecialNeedsGroup


class ScenarioError(ValueError):
    """A change that cannot be applied; ``code`` is stable, ``index`` the change's position."""

    UNKNOWN_FACILITY = "unknown_facility"
    DUPLICATE_FACILITY = "duplicate_facility"
    NEGATIVE_PLACES = "negative_places"
    INTEGRATION_EXCEEDS_PLACES = "integration_exceeds_places"
    NOT_ENOUGH_SPECIAL_NEEDS_PLACES = "not_enough_special_needs_places"
    INVALID_CHANGE = "invalid_change"

    def __init__(self, code: str, index: int, facility: str = "") -> None:
        super().__init__(f"change {index + 1}: {code} {facility}".strip())
        self.code = code
        self.index = index
        self.facility = facility


def _checked(record: FacilitySupply[Key], index: int) -> FacilitySupply[Key]:
    """Step 5 of the module docstring."""
    if (
        min(
            record.places_u3,
            record.places_ue3,
            record.integration_places,
            record.special_needs_group_places,
        )
        < 0
    ):
        raise ScenarioError(ScenarioError.NEGATIVE_PLACES, index, record.key)
    if record.integration_places > record.places:
        raise ScenarioError(ScenarioError.INTEGRATION_EXCEEDS_PLACES, index, record.key)
    return record


def apply_changes(
    baseline: Iterable[FacilitySupply[Key]],
    changes: Sequence[ScenarioChange[Key]],
) -> tuple[FacilitySupply[Key], ...]:
    """The records after applying ``changes`` in order (baseline order, new facilities last).

    Raises :class:`ScenarioError` for the first change that cannot be applied.
    """
    records: dict[str, FacilitySupply[Key]] = {r.key: r for r in baseline}

    def existing(key: str, index: int) -> FacilitySupply[Key]:
        try:
            return records[key]
        except KeyError:
            raise ScenarioError(ScenarioError.UNKNOWN_FACILITY, index, key) from None

    for index, change in enumerate(changes):
        if isinstance(change, ChangePlaces):
            record = existing(change.facility, index)
            records[record.key] = _checked(
                replace(
                    record,
                    places_u3=record.places_u3 + change.u3_delta,
                    places_ue3=record.places_ue3 + change.ue3_delta,
                    integration_places=record.integration_places + change.integration_delta,
                ),
                index,
            )
        elif isinstance(change, CloseFacility):
            del records[existing(change.facility, index).key]
        elif isinstance(change, OpenFacility):
            if change.key in records:
                raise ScenarioError(ScenarioError.DUPLICATE_FACILITY, index, change.key)
            records[change.key] = _checked(
                FacilitySupply(
                    key=change.key,
                    area=change.area,
                    places_u3=change.places_u3,
                    places_ue3=change.places_ue3,
                    integration_places=change.integration_places,
                    inclusion_profile=change.inclusion_profile,
                    barrier_free=change.barrier_free,
                ),
                index,
            )
        elif isinstance(change, ConvertSpecialNeedsGroup):
            record = existing(change.facility, index)
            if change.places <= 0 or change.to_integration_places < 0:
                raise ScenarioError(ScenarioError.INVALID_CHANGE, index, record.key)
            if change.places > record.special_needs_group_places:
                raise ScenarioError(
                    ScenarioError.NOT_ENOUGH_SPECIAL_NEEDS_PLACES, index, record.key
                )
            records[record.key] = _checked(
                replace(
                    record,
                    special_needs_group_places=record.special_needs_group_places - change.places,
                    places_ue3=record.places_ue3 + change.to_integration_places,
                    integration_places=record.integration_places + change.to_integration_places,
                ),
                index,
            )
        else:  # pragma: no cover - exhaustive over ScenarioChange
            raise ScenarioError(ScenarioError.INVALID_CHANGE, index)
    return tuple(records.values())


def supply_by_area(records: Iterable[FacilitySupply[Key]]) -> dict[Key, AreaSupply]:
    """The places of the records summed per area, as :func:`compute_balance` takes them."""
    sums: dict[Key, list[float]] = {}
    for record in records:
        total = sums.setdefault(record.area, [0.0, 0.0, 0.0])
        total[0] += record.places_u3
        total[1] += record.places_ue3
        total[2] += record.integration_places
    return {
        area: AreaSupply(places={AgeGroup.U3: u3, AgeGroup.UE3: ue3}, integration_places=integ)
        for area, (u3, ue3, integ) in sums.items()
    }


@dataclass(frozen=True, slots=True)
class AreaFeatures:
    """Facilities with inclusion profile, barrier-free facilities and their places in an area."""

    inclusive_facilities: float = 0.0
    barrier_free_facilities: float = 0.0
    barrier_free_places: float = 0.0


def features_by_area(records: Iterable[FacilitySupply[Key]]) -> dict[Key, AreaFeatures]:
    sums: dict[Key, list[float]] = {}
    for record in records:
        total = sums.setdefault(record.area, [0.0, 0.0, 0.0])
        if record.inclusion_profile:
            total[0] += 1
        if record.barrier_free:
            total[1] += 1
            total[2] += record.places
    return {area: AreaFeatures(*values) for area, values in sums.items()}
