"""Strategic targets as rules evaluated per area and year (de: Zielvorgaben, Ampel).

Examples from the Dresden strategy 2020–2027 (seed 000): "each Stadtbezirk has at least two
facilities able to care for all children" (objective 1.7), "enough barrier-free places in every
district"; from Fachplan practice: "coverage under 3 at least Y %".

1. A rule names a metric, the area level it applies to, a comparison (≥ or ≤) and a threshold.
2. For every area of that level the metric's value is compared with the threshold:
   met → green; missed by no more than the rule's tolerance → amber; missed by more → red;
   no value (e.g. no children, so no demand) → grey.
3. The tolerance is absolute in the metric's unit (e.g. 0.05 for a share, 1 for a count).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)


class TargetMetric(StrEnum):
    """What a target rule measures in an area (stable codes)."""

    FACILITIES_WITH_INCLUSION_PROFILE = "facilities_with_inclusion_profile"
    #: facilities meeting every active item of the inclusion checklist ("Kita für alle")
    FACILITIES_ABLE_TO_CARE_FOR_ALL = "facilities_able_to_care_for_all"
    BARRIER_FREE_FACILITIES = "barrier_free_facilities"
    BARRIER_FREE_PLACES_PER_DEMAND = "barrier_free_places_per_demand"
    INTEGRATION_PLACES_PER_DEMAND = "integration_places_per_demand"
    DEMAND_MET_U3 = "demand_met_u3"
    DEMAND_MET_UE3 = "demand_met_ue3"
    COVERAGE_U3 = "coverage_u3"
    COVERAGE_UE3 = "coverage_ue3"


class Comparison(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class Light(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


@dataclass(frozen=True, slots=True)
class TargetRule:
    code: str
    metric: TargetMetric
    level: str
    comparison: Comparison
    threshold: float
    tolerance: float = 0.0

    def light_for(self, value: float | None) -> Light:
        """Step 2 of the module docstring."""
        if value is None:
            return Light.GREY
        gap = (
            self.threshold - value
            if self.comparison is Comparison.AT_LEAST
            else value - self.threshold
        )
        if gap <= 1e-12:
            return Light.GREEN
        return Light.AMBER if gap <= self.tolerance + 1e-12 else Light.RED


@dataclass(frozen=True, slots=True)
class TargetResult(Generic[Key]):
    rule: TargetRule
    area: Key
    value: float | None
    light: Light


def evaluate_targets(
    rules: Sequence[TargetRule],
    *,
    metrics: Mapping[Key, Mapping[TargetMetric, float | None]],
    level_of: Mapping[Key, str],
) -> list[TargetResult[Key]]:
    """One result per rule and area of the rule's level, in the order of ``rules`` and ``metrics``."""
    results: list[TargetResult[Key]] = []
    for rule in rules:
        for area, values in metrics.items():
            if level_of.get(area) != rule.level:
                continue
            value = values.get(rule.metric)
            results.append(
                TargetResult(rule=rule, area=area, value=value, light=rule.light_for(value))
            )
    return results


def count_lights(results: Sequence[TargetResult[Key]]) -> dict[Light, int]:
    counts = dict.fromkeys(Light, 0)
    for result in results:
        counts[result.light] += 1
    return counts


def valid_in(year: int, valid_from_year: int | None, valid_to_year: int | None) -> bool:
    """True when ``year`` lies in the rule's valid years (an empty bound is open)."""
    if valid_from_year is not None and year < valid_from_year:
        return False
    return valid_to_year is None or year <= valid_to_year
