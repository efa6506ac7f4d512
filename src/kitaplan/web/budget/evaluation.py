"""Evaluation of a budget on one indicator, read from the stored run and indicator values.

The evaluation itself (groups, periods, means and medians, and why it is descriptive only) is
the domain's :mod:`kitaplan.domain.budget.evaluation`; this module reads what it needs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kitaplan.domain.budget.evaluation import (
    AFTER,
    BEFORE,
    FUNDED,
    UNFUNDED,
    Cell,
    Evaluation,
    evaluate,
    groups_of,
    values_of_facilities,
)
from kitaplan.web.budget.models import BudgetRun
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue

__all__ = ["AFTER", "BEFORE", "FUNDED", "UNFUNDED", "Cell", "Evaluation", "read", "rows"]


def read(run: BudgetRun, indicator: IndicatorDefinition) -> Evaluation:
    """The evaluation of ``run``'s budget on ``indicator`` from the stored values."""
    funded = set(run.shares.filter(amount_cents__gt=0).values_list("facility_id", flat=True))
    groups = groups_of((int(r["facility_id"]) for r in run.inputs), funded)
    area_of = dict(
        Facility.objects.filter(pk__in=list(groups), area__isnull=False).values_list(
            "pk", "area_id"
        )
    )
    by_area: dict[int, dict[int, float]] = defaultdict(dict)
    for area_id, year, value in IndicatorValue.objects.filter(
        indicator=indicator, area_id__in=set(area_of.values())
    ).values_list("area_id", "year", "value"):
        by_area[area_id][year] = value
    return evaluate(
        budget_year=run.budget.year,
        groups=groups,
        values=values_of_facilities(area_of, by_area),
    )


def rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """One export row per year and group, then the pooled periods."""
    return [{"cell": c, "pooled": False} for c in evaluation.by_year] + [
        {"cell": c, "pooled": True} for c in evaluation.by_period
    ]
