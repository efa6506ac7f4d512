"""Tiers by rank (Kreis Heinsberg 2020/21) and the Land's split by weighted counts (RLP 2022).

Heinsberg: 10 plusKITAs x 31,500 EUR + 3 Kitas x 5,000 EUR = 330,000 EUR (the Land grant; the
per-Kita scores are not published, so the ranking is made up, the amounts are the published
ones). RLP: no published per-Jugendamt table exists in the notes or seeds (only Kusel 2022 =
829,505 EUR, whose counts we do not have), so the RLP tests check the properties -- the sum is
exactly 51,250,000.00 EUR, the 40/60 weighting, the largest-remainder cents -- on counts made up
for the test, not the published amounts.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.budget.distribution import (
    BudgetErrorCode,
    BudgetRuleError,
    Eligibility,
    EligibleFacility,
    IneligibilityCode,
    TermCode,
)
from kitaplan.domain.budget.ranks import (
    RankTier,
    TierRule,
    distribute_by_rank,
    tied_at_boundary,
    tier_of,
)
from kitaplan.domain.budget.weighted_counts import (
    CountWeight,
    Recipient,
    SplitError,
    SplitErrorCode,
    largest_remainder,
    split_by_weighted_counts,
)

HEINSBERG = TierRule(tiers=(RankTier(10, 3_150_000), RankTier(3, 500_000)))


def kitas(n: int) -> list[EligibleFacility]:
    # Score 0.75 x low income + 0.25 x non-German family language, made up: Kita k has 100 - k.
    return [EligibleFacility(f"k{k:02d}", "a", 50, index_value=100.0 - k) for k in range(1, n + 1)]


def test_heinsberg_ten_times_31500_and_three_times_5000_make_330000():
    result = distribute_by_rank(33_000_000, kitas(20), HEINSBERG)
    amounts = sorted((s.amount_cents for s in result.shares), reverse=True)
    assert amounts == [3_150_000] * 10 + [500_000] * 3
    assert sum(amounts) == 33_000_000
    assert result.unallocated_cents == 0
    # The ten highest scores are tier 1 with ranks 1..10, the next three tier 2.
    by_key = {s.facility_key: tier_of(s) for s in result.shares}
    assert by_key["k01"] == (1, 1)
    assert by_key["k10"] == (10, 1)
    assert by_key["k11"] == (11, 2)
    assert by_key["k13"] == (13, 2)
    assert "k14" not in by_key
    assert {i.reason for i in result.ineligible} == {IneligibilityCode.RANK_BELOW_TIERS}
    assert len(result.ineligible) == 7
    share = result.share_of("k11")
    assert share is not None
    term = share.term(TermCode.TIER)
    assert term is not None and term.cents == 500_000
    assert dict(term.values)["tier_count"] == "3"


def test_lower_is_more_need_ranks_the_smallest_value_first():
    rule = TierRule(tiers=(RankTier(1, 100),), higher_is_more_need=False)
    result = distribute_by_rank(100, kitas(3), rule)
    assert [s.facility_key for s in result.shares] == ["k03"]


def test_fewer_candidates_than_slots_leave_money_unallocated_and_no_value_is_ineligible():
    facilities = [*kitas(11), EligibleFacility("z", "a", 5, index_value=None)]
    result = distribute_by_rank(33_000_000, facilities, HEINSBERG)
    assert sum(s.amount_cents for s in result.shares) == 10 * 3_150_000 + 500_000
    assert result.unallocated_cents == 2 * 500_000
    assert (
        next(i for i in result.ineligible if i.facility_key == "z").reason
        == IneligibilityCode.INDEX_MISSING
    )


def test_tiers_above_the_budget_are_refused():
    with pytest.raises(BudgetRuleError) as error:
        distribute_by_rank(32_999_999, kitas(13), HEINSBERG)
    assert error.value.code == BudgetErrorCode.BASE_EXCEEDS_BUDGET


def test_a_tie_at_the_tier_boundary_is_marked():
    facilities = [
        EligibleFacility(k, "a", 1, index_value=v) for k, v in (("a", 3), ("b", 2), ("c", 2))
    ]
    result = distribute_by_rank(
        300, facilities, TierRule(tiers=(RankTier(2, 100), RankTier(1, 50)))
    )
    shares = {s.facility_key: s for s in result.shares}
    assert not tied_at_boundary(shares["a"])
    assert tied_at_boundary(shares["b"]) and tied_at_boundary(shares["c"])
    assert tier_of(shares["b"]) == (2, 1) and tier_of(shares["c"]) == (3, 2)


def test_eligibility_threshold_applies_before_ranking_in_either_direction():
    rule = TierRule(tiers=(RankTier(5, 1),), eligibility=Eligibility(min_index=97.5))
    assert [s.facility_key for s in distribute_by_rank(5, kitas(5), rule).shares] == ["k01", "k02"]
    rule = TierRule(
        tiers=(RankTier(5, 1),),
        eligibility=Eligibility(min_index=96.5, higher_is_more_need=False),
        higher_is_more_need=False,
    )
    assert [s.facility_key for s in distribute_by_rank(5, kitas(5), rule).shares] == ["k04", "k05"]


# --------------------------------------------------------------------------- RLP

RLP_2022_CENTS = 5_125_000_000  # 50 M EUR x 1.025 (2021 start, +2.5 % a year)
RLP_WEIGHTS = (
    CountWeight("children_u7", Fraction(2, 5)),
    CountWeight("children_u7_sgb2", Fraction(3, 5)),
)


def rlp_recipients() -> list[Recipient]:
    """Made-up counts for seven Jugendämter (no published counts are at hand)."""
    counts = {
        "kusel": (3_900, 610),
        "mainz": (14_100, 2_985),
        "ludwigshafen": (11_200, 3_407),
        "trier": (6_300, 1_103),
        "westerwald": (11_800, 1_211),
        "alzey-worms": (8_300, 997),
        "pirmasens": (2_600, 893),
    }
    return [
        Recipient(key, {"children_u7": u7, "children_u7_sgb2": sgb2})
        for key, (u7, sgb2) in counts.items()
    ]


def test_rlp_split_adds_up_to_51_25_million_exactly_with_40_60_weights():
    recipients = rlp_recipients()
    result = split_by_weighted_counts(RLP_2022_CENTS, recipients, RLP_WEIGHTS)
    assert sum(s.amount_cents for s in result.shares) == RLP_2022_CENTS
    u7 = sum(r.counts["children_u7"] for r in recipients)
    sgb2 = sum(r.counts["children_u7_sgb2"] for r in recipients)
    for r in recipients:
        share = result.share_of(r.key)
        expected = RLP_2022_CENTS * (
            Fraction(2, 5) * Fraction(r.counts["children_u7"], u7)
            + Fraction(3, 5) * Fraction(r.counts["children_u7_sgb2"], sgb2)
        )
        assert share.exact_cents == expected
        assert share.amount_cents in (math.floor(expected), math.ceil(expected))
        first, second = share.terms
        assert (first.name, first.weight, first.count, first.total) == (
            "children_u7",
            Fraction(2, 5),
            r.counts["children_u7"],
            u7,
        )
        assert second.exact_cents == RLP_2022_CENTS * Fraction(3, 5) * second.share
    # The 40 % part and the 60 % part add up to 20.5 M and 30.75 M EUR.
    assert sum(s.terms[0].exact_cents for s in result.shares) == 2_050_000_000
    assert sum(s.terms[1].exact_cents for s in result.shares) == 3_075_000_000


def test_rlp_the_cents_left_go_to_the_largest_remainders():
    result = split_by_weighted_counts(RLP_2022_CENTS, rlp_recipients(), RLP_WEIGHTS)
    extra = [s for s in result.shares if s.amount_cents > s.exact_cents]
    assert len(extra) == result.extra_cents
    remainders = sorted((s.exact_cents - math.floor(s.exact_cents), s.key) for s in result.shares)
    assert {s.key for s in extra} == {k for _r, k in remainders[len(remainders) - len(extra) :]}
    assert all(s.remainder_rank <= result.extra_cents for s in extra)


def test_weights_must_add_up_to_one_and_every_count_is_needed():
    with pytest.raises(SplitError) as error:
        split_by_weighted_counts(
            100, rlp_recipients(), (CountWeight("children_u7", Fraction(1, 2)),)
        )
    assert error.value.code == SplitErrorCode.WEIGHTS_NOT_ONE
    with pytest.raises(SplitError) as error:
        split_by_weighted_counts(100, [Recipient("a", {"children_u7": 1})], RLP_WEIGHTS)
    assert error.value.code == SplitErrorCode.MISSING_COUNT
    with pytest.raises(SplitError) as error:
        split_by_weighted_counts(
            100, [Recipient("a", {"children_u7": 0, "children_u7_sgb2": 1})], RLP_WEIGHTS
        )
    assert error.value.code == SplitErrorCode.ZERO_TOTAL_COUNT


# --------------------------------------------------------------------------- properties

counts_strategy = st.lists(
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**5)), min_size=1, max_size=40
).filter(lambda rows: sum(a for a, _ in rows) > 0 and sum(b for _, b in rows) > 0)


@settings(deadline=None)  # no timing in tests: a busy machine must not fail them
@given(total=st.integers(0, 10**11), rows=counts_strategy, first=st.integers(0, 100))
def test_property_weighted_split_is_exact_and_within_one_cent(total, rows, first):
    weights = (CountWeight("a", Fraction(first, 100)), CountWeight("b", Fraction(100 - first, 100)))
    recipients = [Recipient(f"r{i:03d}", {"a": a, "b": b}) for i, (a, b) in enumerate(rows)]
    result = split_by_weighted_counts(total, recipients, weights)
    assert sum(s.amount_cents for s in result.shares) == total
    for s in result.shares:
        assert s.amount_cents in (math.floor(s.exact_cents), math.ceil(s.exact_cents))
        assert s.exact_cents == sum(t.exact_cents for t in s.terms)
    # Whoever got an extra cent has a remainder at least as large as whoever did not.
    up = [
        s.exact_cents - math.floor(s.exact_cents)
        for s in result.shares
        if s.amount_cents > s.exact_cents
    ]
    down = [
        s.exact_cents - math.floor(s.exact_cents)
        for s in result.shares
        if s.amount_cents == math.floor(s.exact_cents) and s.exact_cents != s.amount_cents
    ]
    if up and down:
        assert min(up) >= max(down)


@settings(deadline=None)  # no timing in tests: a busy machine must not fail them
@given(
    total=st.integers(0, 10**9),
    parts=st.lists(st.fractions(min_value=0, max_value=10**6), min_size=1, max_size=30),
)
def test_property_largest_remainder_keeps_the_total_and_quota(total, parts):
    weight_sum = sum(parts)
    exact = (
        [total * p / weight_sum for p in parts]
        if weight_sum
        else [Fraction(total, len(parts))] * len(parts)
    )
    result, ranks = largest_remainder(total, exact)
    assert sum(result) == total
    assert all(math.floor(x) <= r <= math.ceil(x) for x, r in zip(exact, result, strict=True))
    assert sorted(ranks) == list(range(1, len(parts) + 1))


@settings(deadline=None)  # no timing in tests: a busy machine must not fail them
@given(
    values=st.lists(st.integers(0, 50), min_size=1, max_size=30),
    first=st.integers(1, 10),
    second=st.integers(0, 10),
)
def test_property_tiers_give_each_rank_its_tier_amount(values, first, second):
    facilities = [
        EligibleFacility(f"f{i:02d}", "a", 1, index_value=float(v)) for i, v in enumerate(values)
    ]
    rule = TierRule(tiers=(RankTier(first, 700), *((RankTier(second, 300),) if second else ())))
    result = distribute_by_rank(10**6, facilities, rule)
    ranked = {s.facility_key: tier_of(s) for s in result.shares}
    assert len(ranked) == min(len(values), first + second)
    for share in result.shares:
        rank, tier = ranked[share.facility_key]
        assert tier == (1 if rank <= first else 2)
        assert share.amount_cents == (700 if tier == 1 else 300)
    # Nobody funded has less need than anybody not funded.
    funded = [f.index_value for f in facilities if f.facility_key in ranked]
    unfunded = [f.index_value for f in facilities if f.facility_key not in ranked]
    if funded and unfunded:
        assert min(funded) >= max(unfunded)
    assert result.unallocated_cents + sum(s.amount_cents for s in result.shares) == 10**6
