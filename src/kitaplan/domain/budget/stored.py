"""A budget run as stored: the planner's rule and the facility records as JSON, read into the
domain's objects (de: gespeicherter Lauf).

Stored form (``BudgetRun.rule``), every part as the planner composed it::

    {"need_basis": "own_area" | "home_areas", "min_children": 10,
     "need_classes": ["3", "4"] | null, "min_index": null,
     "base_cents": 500000, "class_weights": {"3": "1", "4": "3/2"}, "default_weight": "1",
     "floor_cents": null, "cap_cents": 4000000,
     "rounding": {"mode": "money", "unit_cents": 100}
               | {"mode": "staff", "annual_cost_cents": 7000000, "step": "1/4"}}

Fractions are kept as exact text ("3/2") so a rerun reads exactly the same rule.

Since issue 13 a rule may also carry (older runs lack these keys and read as before)::

    {"allocation": "weights" | "tiers" | "counts",          # default "weights" (as above)
     "need_indicator": "share_low_income",                    # "" or missing: MSS status
     "higher_is_more_need": true,
     "tiers": [{"count": 10, "amount_cents": 3150000}, {"count": 3, "amount_cents": 500000}],
     "counts": [{"indicator": "children_u7", "weight": "2/5"},
                {"indicator": "children_u7_sgb2", "weight": "3/5"}]}

``tiers``: :mod:`kitaplan.domain.budget.ranks`; ``counts`` (a split across areas, e.g. a Land's
Jugendamtsbezirke): :mod:`kitaplan.domain.budget.weighted_counts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kitaplan.domain.budget.distribution import (
    BaseAmount,
    ChildWeighting,
    DistributionRule,
    Eligibility,
    EligibleFacility,
    MoneyRounding,
    StaffPositionRounding,
)
from kitaplan.domain.budget.ranks import RankTier, TierRule
from kitaplan.domain.budget.weighted_counts import CountWeight, Recipient
from kitaplan.domain.indicators.facility_index import DEFAULT_MIN_CHILDREN, NeedBasis

WEIGHTS = "weights"
TIERS = "tiers"
COUNTS = "counts"
ALLOCATIONS = (WEIGHTS, TIERS, COUNTS)


def allocation_of(data: Mapping[str, Any]) -> str:
    """How the rule allocates: by weights (the default), tiers by rank, or weighted counts."""
    value = data.get("allocation") or WEIGHTS
    return value if value in ALLOCATIONS else WEIGHTS


def higher_is_more_need(data: Mapping[str, Any]) -> bool:
    return bool(data.get("higher_is_more_need", True))


def to_rule(data: Mapping[str, Any]) -> DistributionRule:
    """The stored rule as the domain's :class:`DistributionRule`."""
    need = data.get("need_classes")
    rounding = data.get("rounding") or {"mode": "money", "unit_cents": 100}
    if rounding.get("mode") == "staff":
        rounding_part: MoneyRounding | StaffPositionRounding = StaffPositionRounding(
            annual_cost_cents=int(rounding["annual_cost_cents"]),
            step=Fraction(rounding.get("step", "1/4")),
        )
    else:
        rounding_part = MoneyRounding(unit_cents=int(rounding.get("unit_cents", 100)))
    default_weight = data.get("default_weight")
    return DistributionRule(
        eligibility=Eligibility(
            need_classes=frozenset(str(c) for c in need) if need is not None else None,
            min_index=float(data["min_index"]) if data.get("min_index") is not None else None,
            higher_is_more_need=higher_is_more_need(data),
        ),
        base=BaseAmount(default_cents=int(data.get("base_cents") or 0)),
        children=ChildWeighting(
            class_weights={
                str(k): Fraction(v) for k, v in (data.get("class_weights") or {}).items()
            },
            default_weight=Fraction(default_weight) if default_weight is not None else None,
        ),
        floor_cents=data.get("floor_cents"),
        cap_cents=data.get("cap_cents"),
        rounding=rounding_part,
    )


def to_tier_rule(data: Mapping[str, Any]) -> TierRule:
    """The stored rule's tiers by rank (with its eligibility and need direction)."""
    rule = to_rule(data)
    return TierRule(
        tiers=tuple(
            RankTier(int(t["count"]), int(t["amount_cents"])) for t in data.get("tiers") or []
        ),
        eligibility=rule.eligibility,
        higher_is_more_need=higher_is_more_need(data),
    )


def to_count_weights(data: Mapping[str, Any]) -> list[CountWeight]:
    """The stored rule's weighted counts (indicator code and weight)."""
    return [
        CountWeight(str(c["indicator"]), Fraction(str(c["weight"])))
        for c in data.get("counts") or []
    ]


def to_recipients(records: Iterable[Mapping[str, Any]]) -> list[Recipient]:
    """The stored area records of a weighted-count run as the split's recipients."""
    return [
        Recipient(str(r["area_id"]), {str(k): int(v) for k, v in r["counts"].items()})
        for r in records
    ]


def need_basis_of(rule: Mapping[str, Any]) -> tuple[NeedBasis, int]:
    """The rule's need basis and least number of known children (defaults: own area, 10)."""
    try:
        basis = NeedBasis(rule.get("need_basis") or NeedBasis.OWN_AREA)
    except ValueError:
        basis = NeedBasis.OWN_AREA
    try:
        minimum = max(1, int(rule.get("min_children") or DEFAULT_MIN_CHILDREN))
    except (TypeError, ValueError):
        minimum = DEFAULT_MIN_CHILDREN
    return basis, minimum


def to_eligible(records: Iterable[Mapping[str, Any]]) -> list[EligibleFacility]:
    """The stored facility records (a run's input snapshot) as the rule's candidates."""
    return [
        EligibleFacility(
            facility_key=str(r["facility_id"]),
            area_key=str(r["district_id"] or ""),
            children=int(r["children"]),
            need_class=r["need_class"],
            index_value=r["index_value"],
        )
        for r in records
    ]


def top_ancestor(
    parents: Mapping[int, int | None], area: int | None, limit: int = 20
) -> int | None:
    """The area at the top of ``area``'s hierarchy (its district), following ``parents`` (area →
    parent) at most ``limit`` steps; ``None`` for no area, an unknown area stays itself."""
    steps = 0
    while area is not None and parents.get(area) and steps < limit:
        area = parents[area]
        steps += 1
    return area


@dataclass(frozen=True)
class VersionMark:
    """Whether a run is the valid version of its budget (the latest published one), and the
    version published next after it (an older published run; else ``None``)."""

    current: bool
    superseded_by: int | None


def version_mark(published: Sequence[int], version: int) -> VersionMark:
    """The mark of ``version`` among the ``published`` versions of its budget."""
    later = sorted(v for v in published if v > version)
    is_published = version in published
    return VersionMark(
        current=is_published and not later,
        superseded_by=later[0] if is_published and later else None,
    )
