"""The figures that target rules measure per area, and the sum of area balances.

The web layer reads balances (:func:`kitaplan.domain.planning.demand.compute_balance`) and counts
facilities per area (rolled up over the area tree); this module turns them into the metrics of
:class:`~kitaplan.domain.planning.targets.TargetMetric`:

1. Counts (facilities with an inclusion profile, able to care for all children, barrier-free)
   are taken as they are; an area without facilities counts 0.
2. Barrier-free places per demand = barrier-free places / total demand (under 3 and from 3);
   no demand → no value.
3. Integration places per demand, demand met and coverage per age group come from the balance
   (:class:`~kitaplan.domain.planning.demand.GroupFigures`); no demand or no children → no value.

The worst light of a set of results is the light of an objective linked to a rule (action
plan): red before amber before green; grey only when no area has a value.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.demand import AGES_OF_GROUP, AreaBalance, GroupFigures
from kitaplan.domain.planning.targets import Light, TargetMetric, TargetResult

Key = TypeVar("Key", bound=Hashable)

#: The order of :func:`worst_light`.
SEVERITY = {Light.RED: 3, Light.AMBER: 2, Light.GREEN: 1, Light.GREY: 0}


@dataclass(frozen=True, slots=True)
class FacilityFeatures(Generic[Key]):
    """Facility counts per area, rolled up over the area tree (step 1)."""

    inclusive: Mapping[Key, float] = field(default_factory=dict)
    barrier_free: Mapping[Key, float] = field(default_factory=dict)
    barrier_free_places: Mapping[Key, float] = field(default_factory=dict)
    able_for_all: Mapping[Key, float] = field(default_factory=dict)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def target_metrics(
    *,
    balances: Mapping[Key, AreaBalance[Any]],
    areas: Iterable[Key],
    features: FacilityFeatures[Key],
) -> dict[Key, dict[TargetMetric, float | None]]:
    """The target metrics of every area in ``areas`` (steps 1–3)."""
    metrics: dict[Key, dict[TargetMetric, float | None]] = {}
    for area in areas:
        b = balances[area]
        metrics[area] = {
            TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE: features.inclusive.get(area, 0.0),
            TargetMetric.FACILITIES_ABLE_TO_CARE_FOR_ALL: features.able_for_all.get(area, 0.0),
            TargetMetric.BARRIER_FREE_FACILITIES: features.barrier_free.get(area, 0.0),
            TargetMetric.BARRIER_FREE_PLACES_PER_DEMAND: _ratio(
                features.barrier_free_places.get(area, 0.0), b.total.demand
            ),
            TargetMetric.INTEGRATION_PLACES_PER_DEMAND: b.integration.demand_met,
            TargetMetric.DEMAND_MET_U3: b.groups[AgeGroup.U3].demand_met,
            TargetMetric.DEMAND_MET_UE3: b.groups[AgeGroup.UE3].demand_met,
            TargetMetric.COVERAGE_U3: b.groups[AgeGroup.U3].coverage,
            TargetMetric.COVERAGE_UE3: b.groups[AgeGroup.UE3].coverage,
        }
    return metrics


def _add(figures: Sequence[GroupFigures]) -> GroupFigures:
    return GroupFigures(
        children=sum(f.children for f in figures),
        demand=sum(f.demand for f in figures),
        places=sum(f.places for f in figures),
    )


def sum_balances(
    balances: Sequence[AreaBalance[Any]],
    *,
    area: Key,
    groups: Sequence[AgeGroup] = tuple(AGES_OF_GROUP),
) -> AreaBalance[Key]:
    """The balance of several areas together (e.g. the total row of a table): children, demand
    and places added per age group, for integration and for Kindertagespflege."""
    return AreaBalance(
        area=area,
        groups={g: _add([b.groups[g] for b in balances]) for g in groups},
        integration=_add([b.integration for b in balances]),
        childminder_places=sum(b.childminder_places for b in balances),
    )


def worst_light(results: Iterable[TargetResult[Any]]) -> Light:
    """The worst light of the results (grey when there are none or none has a value)."""
    return max((r.light for r in results), key=SEVERITY.__getitem__, default=Light.GREY)
