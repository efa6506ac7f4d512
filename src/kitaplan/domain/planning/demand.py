"""Demand for places (de: Platzbedarf) and the balance of places and demand (de: Bilanz).

1. Demand of an area for an age group = Σ over the group's single years of age of
   children(age) × care rate(age) (de: Bedarfsquote). Care rates are configurable per age (and per
   year by the caller); the defaults below are the parental need of the DJI KiBS survey.
2. Integration demand = children of the group × integration rate (children with a confirmed
   need for Eingliederungshilfe), or counts given by the caller.
3. Balance (de: Saldo) = places − demand; coverage (de: Versorgungsquote) = places ÷ children;
   the demand-coverage (places ÷ demand) says how much of the need is met.
4. Values are computed at the finest level and summed up the hierarchy (ratios are recomputed
   from the sums, never averaged).

Sources: DJI Kinderbetreuungsstudie (KiBS) need by age 2019 (age 1: 64.1 %, age 2: 81.2 %) and
2023 (3 to school entry: 96.7 %); BMFSFJ Kindertagesbetreuung Kompakt 2023. Under one year most
children are cared for at home (parental allowance): 2 %.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.territory.hierarchy import roll_up

Key = TypeVar("Key", bound=Hashable)

#: Single years of age of each age group of places (school entry at 6).
AGES_OF_GROUP: dict[AgeGroup, tuple[int, ...]] = {
    AgeGroup.U3: (0, 1, 2),
    AgeGroup.UE3: (3, 4, 5),
}


@dataclass(frozen=True, slots=True)
class CareRates:
    """Share of the children of each single year of age who need a place (0–1)."""

    by_age: Mapping[int, float]
    integration_rate: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        for age, rate in self.by_age.items():
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"care rate for age {age} must be between 0 and 1, got {rate}")
        if not 0.0 <= self.integration_rate <= 1.0:
            raise ValueError("integration rate must be between 0 and 1")

    def rate(self, age: int) -> float:
        return float(self.by_age.get(age, 0.0))


#: Defaults: parental need by age (DJI KiBS 2019/2023, see the module docstring); integration
#: need 2.5 % of children (assumption to be calibrated with the city's Eingliederungshilfe cases).
DEFAULT_CARE_RATES = CareRates(
    by_age={0: 0.02, 1: 0.641, 2: 0.812, 3: 0.967, 4: 0.967, 5: 0.967},
    integration_rate=0.025,
    source="DJI KiBS 2019 (Alter 1, 2), 2023 (3 bis Schuleintritt); Integrationsbedarf: Annahme 2,5 %",
)


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """Children, demand and places of one age group in one area."""

    children: float = 0.0
    demand: float = 0.0
    places: float = 0.0

    @property
    def balance(self) -> float:
        """Places minus demand (negative: places are missing)."""
        return self.places - self.demand

    @property
    def coverage(self) -> float | None:
        """Places per child (de: Versorgungsquote), ``None`` without children."""
        return self.places / self.children if self.children else None

    @property
    def demand_met(self) -> float | None:
        """Share of the demand covered by places, ``None`` without demand."""
        return self.places / self.demand if self.demand else None


@dataclass(frozen=True, slots=True)
class AreaBalance(Generic[Key]):
    area: Key
    groups: Mapping[AgeGroup, GroupFigures]
    integration: GroupFigures = field(default_factory=GroupFigures)
    #: Of the places under 3, those in Kindertagespflege.
    childminder_places: float = 0.0

    @property
    def total(self) -> GroupFigures:
        return GroupFigures(
            children=sum(g.children for g in self.groups.values()),
            demand=sum(g.demand for g in self.groups.values()),
            places=sum(g.places for g in self.groups.values()),
        )


@dataclass(frozen=True, slots=True)
class AreaSupply:
    """Places of an area by age group plus integration places (part of those places).

    ``childminder_places`` are places in Kindertagespflege (the permits' limits of active
    childminders); they count as places under 3, where nearly all children in childminding are,
    and are kept apart so the balance can say how many of the places they are.
    """

    places: Mapping[AgeGroup, float]
    integration_places: float = 0.0
    childminder_places: float = 0.0


def compute_balance(
    *,
    children_by_age: Mapping[Key, Mapping[int, float]],
    supply: Mapping[Key, AreaSupply],
    rates: CareRates,
    parent_of: Mapping[Key, Key | None],
    area_rates: Mapping[Key, CareRates] | None = None,
) -> dict[Key, AreaBalance[Key]]:
    """Children, demand and places per age group for every area of ``parent_of``.

    ``children_by_age`` and ``supply`` are given at the finest level; every area in
    ``parent_of`` (all levels) gets the sums of its descendants. ``area_rates`` overrides
    ``rates`` for single finest areas (care rates per area class).
    """
    columns: dict[str, dict[Key, float]] = {}

    def put(name: str, key: Key, value: float) -> None:
        columns.setdefault(name, {})[key] = columns.get(name, {}).get(key, 0.0) + value

    for key, ages in children_by_age.items():
        rates_here = (area_rates or {}).get(key, rates)
        for group, group_ages in AGES_OF_GROUP.items():
            children = sum(float(ages.get(a, 0.0)) for a in group_ages)
            put(f"{group}:children", key, children)
            put(
                f"{group}:demand",
                key,
                sum(float(ages.get(a, 0.0)) * rates_here.rate(a) for a in group_ages),
            )
            put(
                "integration:demand",
                key,
                sum(float(ages.get(a, 0.0)) * rates_here.rate(a) for a in group_ages)
                * rates_here.integration_rate,
            )
        put(
            "integration:children",
            key,
            sum(float(v) for a, v in ages.items() if a < 6) * rates_here.integration_rate,
        )
    for key, area_supply in supply.items():
        for group in AGES_OF_GROUP:
            put(f"{group}:places", key, float(area_supply.places.get(group, 0.0)))
        put(f"{AgeGroup.U3}:places", key, float(area_supply.childminder_places))
        put("childminder:places", key, float(area_supply.childminder_places))
        put("integration:places", key, float(area_supply.integration_places))
    totals = {name: roll_up(values, parent_of) for name, values in columns.items()}

    def value(name: str, key: Key) -> float:
        return totals.get(name, {}).get(key, 0.0)

    return {
        key: AreaBalance(
            area=key,
            groups={
                group: GroupFigures(
                    children=value(f"{group}:children", key),
                    demand=value(f"{group}:demand", key),
                    places=value(f"{group}:places", key),
                )
                for group in AGES_OF_GROUP
            },
            integration=GroupFigures(
                children=value("integration:children", key),
                demand=value("integration:demand", key),
                places=value("integration:places", key),
            ),
            childminder_places=value("childminder:places", key),
        )
        for key in parent_of
    }
