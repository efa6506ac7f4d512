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
from dataclasses import dataclass
from typing import Any

from kitaplan.web.budget.models import BudgetRun
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue

FUNDED = "funded"
UNFUNDED = "unfunded"
BEFORE = "before"
AFTER = "after"
GROUPS = (FUNDED, UNFUNDED)
PERIODS = (BEFORE, AFTER)


@dataclass(frozen=True)
class Cell:
    """The values of one group in one year, or pooled over a period (``year`` is ``None``)."""

    group: str
    period: str
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
    change: dict[str, float | None]
    funded: int
    unfunded: int
    without_value: dict[str, int]

    @property
    def single_year(self) -> bool:
        return len(self.years) == 1


def _cell(group: str, period: str, year: int | None, values: list[tuple[int, float]]) -> Cell:
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
    groups: dict[int, str],
    values: dict[int, dict[int, float]],
) -> Evaluation:
    """``groups``: facility id -> FUNDED/UNFUNDED; ``values``: facility id -> {year: value}."""
    years = sorted({y for by_year in values.values() for y in by_year})
    by: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
    for facility, group in groups.items():
        for year, value in values.get(facility, {}).items():
            by[(group, year)].append((facility, value))
    by_year = [
        _cell(g, BEFORE if y < budget_year else AFTER, y, by[(g, y)]) for y in years for g in GROUPS
    ]
    by_period = []
    change: dict[str, float | None] = {}
    for g in GROUPS:
        means: dict[str, float | None] = {}
        for p in PERIODS:
            pooled = [
                item for y in years if (y < budget_year) == (p == BEFORE) for item in by[(g, y)]
            ]
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


def read(run: BudgetRun, indicator: IndicatorDefinition) -> Evaluation:
    """The evaluation of ``run``'s budget on ``indicator`` from the stored values."""
    funded = set(run.shares.filter(amount_cents__gt=0).values_list("facility_id", flat=True))
    considered = {int(r["facility_id"]) for r in run.inputs} | funded
    groups = {f: (FUNDED if f in funded else UNFUNDED) for f in considered}
    area_of = dict(
        Facility.objects.filter(pk__in=considered, area__isnull=False).values_list("pk", "area_id")
    )
    by_area: dict[int, dict[int, float]] = defaultdict(dict)
    for area_id, year, value in IndicatorValue.objects.filter(
        indicator=indicator, area_id__in=set(area_of.values())
    ).values_list("area_id", "year", "value"):
        by_area[area_id][year] = value
    values = {f: dict(by_area.get(a, {})) for f, a in area_of.items()}
    return evaluate(budget_year=run.budget.year, groups=groups, values=values)


def rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """One export row per year and group, then the pooled periods."""
    return [{"cell": c, "pooled": False} for c in evaluation.by_year] + [
        {"cell": c, "pooled": True} for c in evaluation.by_period
    ]
