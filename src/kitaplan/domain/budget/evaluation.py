"""Evaluation of a budget: an indicator of funded and unfunded facilities before and after.

Descriptive only. A facility is *funded* when its share in the budget's current (latest
published) run is above 0; the *unfunded* are the other facilities the run considered (its input
snapshot: every facility of the territory open on the day of the run). Each facility carries
the indicator value of its area per year; a facility counts once per year, so two facilities in
one area carry that area's value twice. Years before the budget year are *before*, the budget
year and later *after*.

The funded areas were chosen *because* of their needs, so the groups differ before any money
flows; a change after the budget year coincides with the money but is not shown to be caused by
it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    FUNDED = "funded"
    UNFUNDED = "unfunded"


class Period(StrEnum):
    BEFORE = "before"
    AFTER = "after"


FUNDED = Group.FUNDED
UNFUNDED = Group.UNFUNDED
BEFORE = Period.BEFORE
AFTER = Period.AFTER
GROUPS = (FUNDED, UNFUNDED)
PERIODS = (BEFORE, AFTER)


@dataclass(frozen=True)
class Cell:
    """The values of one group in one year, or pooled over a period (``year`` is ``None``)."""

    group: Group
    period: Period
    year: int | None
    count: int  # values (facility-years)
    facilities: int  # distinct facilities with a value
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class Evaluation:
    budget_year: int
    years: list[int]
    by_year: list[Cell]
    by_period: list[Cell]
    #: group -> mean after − mean before (None where a period has no value)
    change: dict[Group, float | None]
    funded: int
    unfunded: int
    without_value: dict[Group, int]

    @property
    def single_year(self) -> bool:
        return len(self.years) == 1


def period_of(year: int, budget_year: int) -> Period:
    """Years before the budget year are *before*; the budget year and later *after*."""
    return BEFORE if year < budget_year else AFTER


def groups_of(considered: Iterable[int], funded: Iterable[int]) -> dict[int, Group]:
    """Facility id → its group: funded (a share above 0) or not, over every facility the run
    considered (the funded ones always count, even when missing from the snapshot)."""
    funded_set = set(funded)
    return {f: FUNDED if f in funded_set else UNFUNDED for f in set(considered) | funded_set}


def values_of_facilities(
    area_of: Mapping[int, int], by_area: Mapping[int, Mapping[int, float]]
) -> dict[int, dict[int, float]]:
    """Facility id → {year: the value of its area}, for the facilities with an area."""
    return {f: dict(by_area.get(a, {})) for f, a in area_of.items()}


def _cell(group: Group, period: Period, year: int | None, values: list[tuple[int, float]]) -> Cell:
    numbers = [v for _f, v in values]
    return Cell(
        group=group,
        period=period,
        year=year,
        count=len(numbers),
        facilities=len({f for f, _v in values}),
        mean=statistics.fmean(numbers) if numbers else None,
        median=statistics.median(numbers) if numbers else None,
    )


def evaluate(
    *,
    budget_year: int,
    groups: Mapping[int, Group],
    values: Mapping[int, Mapping[int, float]],
) -> Evaluation:
    """``groups``: facility id -> FUNDED/UNFUNDED; ``values``: facility id -> {year: value}."""
    years = sorted({y for by_year in values.values() for y in by_year})
    by: dict[tuple[Group, int], list[tuple[int, float]]] = defaultdict(list)
    for facility, group in groups.items():
        for year, value in values.get(facility, {}).items():
            by[(group, year)].append((facility, value))
    by_year = [_cell(g, period_of(y, budget_year), y, by[(g, y)]) for y in years for g in GROUPS]
    by_period = []
    change: dict[Group, float | None] = {}
    for g in GROUPS:
        means: dict[Period, float | None] = {}
        for p in PERIODS:
            pooled = [item for y in years if period_of(y, budget_year) == p for item in by[(g, y)]]
            cell = _cell(g, p, None, pooled)
            by_period.append(cell)
            means[p] = cell.mean
        before, after = means[BEFORE], means[AFTER]
        change[g] = after - before if before is not None and after is not None else None
    return Evaluation(
        budget_year=budget_year,
        years=years,
        by_year=by_year,
        by_period=by_period,
        change=change,
        funded=sum(1 for g in groups.values() if g == FUNDED),
        unfunded=sum(1 for g in groups.values() if g == UNFUNDED),
        without_value={
            g: sum(1 for f, gg in groups.items() if gg == g and not values.get(f)) for g in GROUPS
        },
    )
