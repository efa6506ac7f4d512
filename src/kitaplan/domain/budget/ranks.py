"""Tiers by rank: "the top N by need get A each, the next M get B each" (de: Rangstufen).

Kreis Heinsberg 2020/21 (plusKITA, NRW): the Kitas ranked by a need score, the first 10 got
31,500 EUR each, the next 3 got 5,000 EUR each: 10 x 31,500 + 3 x 5,000 = 330,000 EUR, the
Land grant exactly. ``docs/domain/budget.md`` has the worked example.

1. **Candidates** are the facilities that pass the rule's eligibility (need class, threshold)
   and have a need value; one without a value is not eligible (``index_missing``).
2. **Rank** by the need value, the highest need first: with ``higher_is_more_need`` the largest
   value first, otherwise the smallest. Equal values get consecutive ranks by facility key, so
   the result is deterministic; a tie at a tier boundary is reported by :attr:`TierShare.tied`
   (the planner decides, e.g. by widening the tier).
3. **Tiers** in order take the next ``count`` ranks; each facility there gets the tier's
   amount. Ranks after the last tier get nothing (``rank_below_tiers``).
4. **The sum** of the amounts must not exceed the budget (``base_exceeds_budget``); what is
   left is ``unallocated_cents`` (0 in Heinsberg's case). No rounding is needed: tier amounts
   are whole cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from kitaplan.domain.budget.distribution import (
    BudgetDistribution,
    BudgetErrorCode,
    BudgetRuleError,
    BudgetShare,
    Eligibility,
    EligibleFacility,
    IneligibilityCode,
    IneligibleFacility,
    Term,
    TermCode,
    ineligibility,
)


@dataclass(frozen=True, slots=True)
class RankTier:
    """``count`` consecutive ranks that each get ``amount_cents``."""

    count: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class TierRule:
    """The tiers in rank order, the eligibility before ranking, and the need direction."""

    tiers: tuple[RankTier, ...]
    eligibility: Eligibility = Eligibility()
    higher_is_more_need: bool = True


def _validate(total_cents: int, facilities: Sequence[EligibleFacility], rule: TierRule) -> None:
    if total_cents < 0:
        raise BudgetRuleError(BudgetErrorCode.NEGATIVE_VALUE, detail=f"total_cents={total_cents}")
    if not rule.tiers:
        raise BudgetRuleError(BudgetErrorCode.NO_TIERS)
    for n, tier in enumerate(rule.tiers, start=1):
        if tier.count <= 0 or tier.amount_cents < 0:
            raise BudgetRuleError(
                BudgetErrorCode.NEGATIVE_VALUE,
                detail=f"tier{n}: count={tier.count} amount_cents={tier.amount_cents}",
            )
    seen: set[str] = set()
    for f in facilities:
        if f.facility_key in seen:
            raise BudgetRuleError(BudgetErrorCode.DUPLICATE_FACILITY, facility_key=f.facility_key)
        seen.add(f.facility_key)


def rank_order(
    facilities: Sequence[EligibleFacility], *, higher_is_more_need: bool
) -> list[EligibleFacility]:
    """Facilities with a need value, the highest need first (ties: the smaller key first)."""
    valued = [f for f in facilities if f.index_value is not None]
    sign = -1 if higher_is_more_need else 1
    return sorted(valued, key=lambda f: (sign * float(f.index_value or 0), f.facility_key))


def _tier_at(slots: Sequence[tuple[int, RankTier]], rank: int) -> int:
    """The tier number of ``rank`` (0: after the last tier)."""
    return slots[rank - 1][0] if rank <= len(slots) else 0


def distribute_by_rank(
    total_cents: int, facilities: Sequence[EligibleFacility], rule: TierRule
) -> BudgetDistribution:
    """The tiers of ``rule`` over ``facilities`` ranked by need (see the module docstring).

    Every share has one ``tier`` term naming rank, tier, need value and amount; the shares add
    up to at most ``total_cents`` and the rest is ``unallocated_cents``.
    """
    _validate(total_cents, facilities, rule)
    ineligible: list[IneligibleFacility] = []
    candidates: list[EligibleFacility] = []
    for f in sorted(facilities, key=lambda f: f.facility_key):
        reason = ineligibility(f, rule.eligibility)
        if reason is None and f.index_value is None:
            reason = IneligibilityCode.INDEX_MISSING
        if reason is None:
            candidates.append(f)
        else:
            ineligible.append(IneligibleFacility(f.facility_key, f.area_key, reason))
    ranked = rank_order(candidates, higher_is_more_need=rule.higher_is_more_need)
    slots: list[tuple[int, RankTier]] = [
        (n, tier) for n, tier in enumerate(rule.tiers, start=1) for _ in range(tier.count)
    ]
    shares: list[BudgetShare] = []
    for rank, f in enumerate(ranked, start=1):
        if rank > len(slots):
            ineligible.append(
                IneligibleFacility(f.facility_key, f.area_key, IneligibilityCode.RANK_BELOW_TIERS)
            )
            continue
        number, tier = slots[rank - 1]
        tied = any(
            ranked[i].index_value == f.index_value and _tier_at(slots, i + 1) != number
            for i in (rank - 2, rank)
            if 0 <= i < len(ranked)
        )
        term = Term(
            TermCode.TIER,
            tier.amount_cents,
            Fraction(tier.amount_cents),
            (
                ("rank", str(rank)),
                ("tier", str(number)),
                ("tier_count", str(tier.count)),
                ("need_value", repr(float(f.index_value or 0))),
                ("amount_cents", str(tier.amount_cents)),
                ("tied", "1" if tied else "0"),
            ),
        )
        shares.append(BudgetShare(f.facility_key, f.area_key, tier.amount_cents, (term,)))
    allocated = sum(s.amount_cents for s in shares)
    if allocated > total_cents:
        raise BudgetRuleError(
            BudgetErrorCode.BASE_EXCEEDS_BUDGET, needed_cents=allocated, available_cents=total_cents
        )
    shares.sort(key=lambda s: s.facility_key)
    ineligible.sort(key=lambda i: i.facility_key)
    return BudgetDistribution(
        shares=tuple(shares),
        total_cents=total_cents,
        unallocated_cents=total_cents - allocated,
        ineligible=tuple(ineligible),
        factor=Fraction(1),
    )


def tier_of(share: BudgetShare) -> tuple[int, int]:
    """(rank, tier) of a share of :func:`distribute_by_rank`."""
    term = share.term(TermCode.TIER)
    if term is None:
        raise ValueError(f"{share.facility_key} has no tier term")
    values = dict(term.values)
    return int(values["rank"]), int(values["tier"])


def tied_at_boundary(share: BudgetShare) -> bool:
    term = share.term(TermCode.TIER)
    return term is not None and dict(term.values).get("tied") == "1"
