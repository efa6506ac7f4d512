"""Sozialraumbudget: worked cases a Fachberatung can check by hand (cases.csv) plus invariants."""

from __future__ import annotations

import csv
import dataclasses
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.budget import (
    BaseAmount,
    BudgetDistribution,
    BudgetErrorCode,
    BudgetRuleError,
    ChildWeighting,
    DistributionRule,
    Eligibility,
    EligibleFacility,
    IneligibilityCode,
    MoneyRounding,
    PointsRule,
    StaffPositionRounding,
    TermCode,
    compare,
    distribute_budget,
)
from kitaplan.domain.common.rounding import split_by_largest_remainder

CASES_FILE = Path(__file__).with_name("cases.csv")


# --------------------------------------------------------------------------- cases.csv


def _cents(euros: str) -> int:
    return int(Decimal(euros) * 100)


def _pairs(text: str) -> dict[str, str]:
    return dict(part.split(":", 1) for part in text.split("|") if part)


def _rule(row: dict[str, str]) -> DistributionRule:
    eligibility = Eligibility(
        need_classes=frozenset(row["eligible_classes"].split("|"))
        if row["eligible_classes"]
        else None,
        min_index=float(row["min_index"]) if row["min_index"] else None,
    )
    base_text = row["base_eur"] or "0"
    base = (
        BaseAmount(by_class={k: _cents(v) for k, v in _pairs(base_text).items()})
        if ":" in base_text
        else BaseAmount(default_cents=_cents(base_text))
    )
    children = (
        None
        if row["class_weights"] == "none"
        else ChildWeighting(
            class_weights={k: Fraction(v) for k, v in _pairs(row["class_weights"]).items()}
        )
    )
    points = (
        PointsRule(
            points_per_criterion={
                k: int(v) for k, v in _pairs(row["points_per_criterion"]).items()
            },
            share=Fraction(row["points_share"] or "1"),
        )
        if row["points_per_criterion"]
        else None
    )
    rounding: MoneyRounding | StaffPositionRounding
    kind, *args = row["rounding"].split(":")
    if kind == "staff":
        rounding = StaffPositionRounding(_cents(args[0]), Fraction(args[1]))
    elif kind == "step":
        rounding = MoneyRounding(_cents(args[0]))
    else:
        rounding = MoneyRounding({"euro": 100, "cent": 1}[kind])
    return DistributionRule(
        eligibility=eligibility,
        base=base,
        children=children,
        points=points,
        floor_cents=_cents(row["floor_eur"]) if row["floor_eur"] else None,
        cap_cents=_cents(row["cap_eur"]) if row["cap_eur"] else None,
        rounding=rounding,
    )


def _facility(row: dict[str, str]) -> EligibleFacility:
    return EligibleFacility(
        facility_key=row["facility"],
        area_key=row["area"],
        children=int(row["children"]),
        need_class=row["need_class"] or None,
        index_value=float(row["index_value"]) if row["index_value"] else None,
        criteria={c: 1 for c in row["criteria"].split("|") if c},
    )


def _load_cases() -> dict[str, list[dict[str, str]]]:
    cases: dict[str, list[dict[str, str]]] = defaultdict(list)
    with CASES_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cases[row["case"]].append(row)
    return dict(cases)


CASES = _load_cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_worked_case_gives_the_expected_euros(name):
    rows = CASES[name]
    first = rows[0]
    result = distribute_budget(
        _cents(first["budget_eur"]), [_facility(r) for r in rows], _rule(first)
    )
    for row in rows:
        assert result.amount_of(row["facility"]) == _cents(row["expected_eur"]), row["facility"]
        if row["expected_reason"]:
            reasons = {i.facility_key: i.reason for i in result.ineligible}
            assert reasons[row["facility"]] == IneligibilityCode(row["expected_reason"])
    assert result.unallocated_cents == _cents(first["expected_unallocated_eur"])
    assert sum(s.amount_cents for s in result.shares) + result.unallocated_cents == _cents(
        first["budget_eur"]
    )
    _assert_terms_add_up(result)


def test_the_cases_file_has_three_to_eight_small_cases():
    assert 3 <= len(CASES) <= 8
    assert all(len(rows) <= 14 for rows in CASES.values())


# --------------------------------------------------------------------------- examples


def _kita(key: str, children: int, need_class: str | None = None, area: str = "nord"):
    return EligibleFacility(key, area, children, need_class=need_class)


def _assert_terms_add_up(result: BudgetDistribution) -> None:
    for share in result.shares:
        assert share.amount_cents == sum(t.cents for t in share.terms)
        assert share.terms[-1].code is TermCode.ROUNDING


def test_terms_explain_a_capped_facility():
    rule = DistributionRule(floor_cents=1_500_000, cap_cents=4_500_000)
    kitas = [_kita("a", 60), _kita("b", 30), _kita("c", 6), _kita("d", 4)]
    result = distribute_budget(10_000_000, kitas, rule)
    a = result.share_of("a")
    assert a is not None
    assert result.factor == Fraction(5, 6)
    codes = [t.code for t in a.terms]
    assert codes == [
        TermCode.BASE,
        TermCode.CHILDREN,
        TermCode.REDISTRIBUTION,
        TermCode.CAP,
        TermCode.ROUNDING,
    ]
    children = a.term(TermCode.CHILDREN)
    assert children is not None and children.cents == 6_000_000
    c = result.share_of("c")
    assert c is not None and c.term(TermCode.FLOOR) is not None


def test_staff_positions_report_fte_and_the_rest():
    rule = DistributionRule(rounding=StaffPositionRounding(7_000_000, Fraction(1, 4)))
    result = distribute_budget(10_000_000, [_kita("a", 1), _kita("b", 1)], rule)
    # 100,000 EUR = 5 quarter posts (87,500) + 12,500 unallocated; 2.5 quarters each -> 3 / 2.
    assert [s.staff_positions for s in result.shares] == [Fraction(3, 4), Fraction(1, 2)]
    assert result.unallocated_cents == 1_250_000
    _assert_terms_add_up(result)


def test_rounding_to_5000_euro_steps_as_in_nrw_21b():
    rule = DistributionRule(rounding=MoneyRounding(500_000))
    result = distribute_budget(3_000_000, [_kita("a", 2), _kita("b", 1), _kita("c", 1)], rule)
    assert [s.amount_cents for s in result.shares] == [1_500_000, 1_000_000, 500_000]


@pytest.mark.parametrize(
    ("total", "rule", "kitas", "code"),
    [
        (
            100,
            DistributionRule(floor_cents=100),
            [_kita("a", 1), _kita("b", 1)],
            BudgetErrorCode.FLOORS_EXCEED_BUDGET,
        ),
        (
            100,
            DistributionRule(base=BaseAmount(100)),
            [_kita("a", 1), _kita("b", 1)],
            BudgetErrorCode.BASE_EXCEEDS_BUDGET,
        ),
        (
            1000,
            DistributionRule(cap_cents=400),
            [_kita("a", 1), _kita("b", 1)],
            BudgetErrorCode.CAPS_BELOW_BUDGET,
        ),
        (
            1000,
            DistributionRule(floor_cents=500, cap_cents=400),
            [_kita("a", 1)],
            BudgetErrorCode.FLOOR_ABOVE_CAP,
        ),
        (
            1000,
            DistributionRule(),
            [_kita("a", 0), _kita("b", 0)],
            BudgetErrorCode.NO_WEIGHT_FOR_POT,
        ),
        (
            1000,
            DistributionRule(),
            [_kita("a", 1), _kita("a", 2)],
            BudgetErrorCode.DUPLICATE_FACILITY,
        ),
        (1050, DistributionRule(), [_kita("a", 1)], BudgetErrorCode.BUDGET_NOT_ON_GRID),
        (1000, DistributionRule(cap_cents=950), [_kita("a", 1)], BudgetErrorCode.LIMIT_NOT_ON_GRID),
        (
            1000,
            DistributionRule(eligibility=Eligibility(need_classes=frozenset({"4"}))),
            [_kita("a", 1, "3")],
            BudgetErrorCode.NO_ELIGIBLE_FACILITY,
        ),
        (
            1000,
            DistributionRule(children=ChildWeighting({"3": 2}, default_weight=None)),
            [_kita("a", 1, "2")],
            BudgetErrorCode.UNKNOWN_NEED_CLASS,
        ),
        (
            1000,
            DistributionRule(points=PointsRule({"x": 1}, share=Fraction(3, 2))),
            [_kita("a", 1)],
            BudgetErrorCode.INVALID_SHARE,
        ),
        (1000, DistributionRule(), [_kita("a", -1)], BudgetErrorCode.NEGATIVE_VALUE),
        (
            1000,
            DistributionRule(rounding=StaffPositionRounding(1001, Fraction(1, 2))),
            [_kita("a", 1)],
            BudgetErrorCode.STEP_NOT_WHOLE_CENTS,
        ),
    ],
)
def test_impossible_rules_fail_with_a_code(total, rule, kitas, code):
    with pytest.raises(BudgetRuleError) as caught:
        distribute_budget(total, kitas, rule)
    assert caught.value.code is code


def test_a_floor_that_cannot_be_met_names_the_money_needed():
    with pytest.raises(BudgetRuleError) as caught:
        distribute_budget(
            300_000, [_kita("a", 1), _kita("b", 1)], DistributionRule(floor_cents=200_000)
        )
    assert (caught.value.needed_cents, caught.value.available_cents) == (400_000, 300_000)


def test_compare_shows_who_gains_and_who_loses_by_district():
    kitas = [_kita("a", 30, "3", "nord"), _kita("b", 30, "2", "nord"), _kita("c", 40, "2", "sued")]
    flat = distribute_budget(1_000_000, kitas, DistributionRule())
    weighted = distribute_budget(
        1_000_000, kitas, DistributionRule(children=ChildWeighting({"3": 2, "2": 1}))
    )
    comparison = compare(flat, weighted)
    assert [c.facility_key for c in comparison.gaining] == ["a"]
    assert {c.facility_key for c in comparison.losing} == {"b", "c"}
    assert sum(c.difference_cents for c in comparison.facilities) == 0
    by_area = {a.area_key: a for a in comparison.areas}
    assert by_area["nord"].difference_cents == -by_area["sued"].difference_cents > 0
    assert by_area["nord"].facilities_gaining == 1 and by_area["nord"].facilities_losing == 1


def test_compare_counts_a_facility_missing_from_one_run_as_zero():
    rule = DistributionRule(eligibility=Eligibility(need_classes=frozenset({"3"})))
    kitas = [_kita("a", 30, "3"), _kita("b", 30, "2", "sued")]
    comparison = compare(
        distribute_budget(1000, kitas, rule), distribute_budget(1000, kitas, DistributionRule())
    )
    assert {c.facility_key: c.difference_cents for c in comparison.facilities} == {
        "a": -500,
        "b": 500,
    }


def test_euro_rounding_is_the_shared_largest_remainder_split():
    kitas = [_kita("a", 7), _kita("b", 5), _kita("c", 3)]
    result = distribute_budget(100_000, kitas, DistributionRule())
    euros = split_by_largest_remainder(1000, [7, 5, 3])
    assert [s.amount_cents for s in result.shares] == [e * 100 for e in euros]


# --------------------------------------------------------------------------- properties

CLASSES = ("1", "2", "3", "4")


@st.composite
def problems(draw, staff: bool = False):
    n = draw(st.integers(1, 8))
    keys = draw(
        st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=n, max_size=n, unique=True)
    )
    kitas = [
        EligibleFacility(
            facility_key=key,
            area_key=draw(st.sampled_from(["nord", "sued", "mitte"])),
            children=draw(st.integers(1, 120)),
            need_class=draw(st.sampled_from(CLASSES)),
            index_value=draw(st.floats(-2, 2, allow_nan=False)),
            criteria={c: draw(st.integers(0, 2)) for c in ("familienzentrum", "sprachkita")},
        )
        for key in keys
    ]
    unit = 100
    budget = draw(st.integers(0, 5_000)) * 100_00
    base = draw(st.integers(0, 10)) * 100_00
    budget_eur = budget // 100
    # Limits near the average share, so that they often bind.
    floor = draw(st.none() | st.integers(0, budget_eur // n + 1).map(lambda e: e * 100))
    cap = draw(
        st.none() | st.integers(budget_eur // n + 1, 3 * budget_eur // n + 2).map(lambda e: e * 100)
    )
    points = draw(
        st.none()
        | st.builds(
            PointsRule,
            st.just({"familienzentrum": 3, "sprachkita": 1}),
            st.fractions(0, 1, max_denominator=10),
        )
    )
    rounding: MoneyRounding | StaffPositionRounding = MoneyRounding(unit)
    if staff:
        rounding = StaffPositionRounding(7_000_000, Fraction(1, 4))
        floor = floor and floor // 1_750_000 * 1_750_000
        cap = cap and max(1, cap // 1_750_000) * 1_750_000
    rule = DistributionRule(
        base=BaseAmount(base),
        children=ChildWeighting({c: Fraction(i + 1, 2) for i, c in enumerate(CLASSES)}),
        points=points,
        floor_cents=floor,
        cap_cents=cap,
        rounding=rounding,
    )
    return budget, kitas, rule


def _run_or_skip(budget, kitas, rule) -> BudgetDistribution | None:
    try:
        return distribute_budget(budget, kitas, rule)
    except BudgetRuleError as error:
        code, needed, available = error.code, error.needed_cents, error.available_cents
    # Only infeasible combinations may fail, and they say why.
    assert code in {
        BudgetErrorCode.FLOORS_EXCEED_BUDGET,
        BudgetErrorCode.BASE_EXCEEDS_BUDGET,
        BudgetErrorCode.CAPS_BELOW_BUDGET,
        BudgetErrorCode.FLOOR_ABOVE_CAP,
        BudgetErrorCode.NO_WEIGHT_FOR_POT,
    }
    if code is BudgetErrorCode.FLOORS_EXCEED_BUDGET:
        assert needed == (rule.floor_cents or 0) * len(kitas) > budget
    if code is BudgetErrorCode.CAPS_BELOW_BUDGET:
        # Caps too low for the facilities that carry weight (others cannot take money).
        assert rule.cap_cents is not None
        assert available is not None and available < budget
    return None


@settings(deadline=None)  # no timing in tests: a busy machine must not fail them
@given(problems())
def test_shares_add_up_to_the_budget_exactly(problem):
    result = _run_or_skip(*problem)
    if result is not None:
        assert sum(s.amount_cents for s in result.shares) == problem[0]
        assert result.unallocated_cents == 0


@settings(deadline=None)
@given(problems() | problems(staff=True))
def test_every_share_is_the_sum_of_its_terms(problem):
    result = _run_or_skip(*problem)
    if result is not None:
        _assert_terms_add_up(result)
        assert sum(s.amount_cents for s in result.shares) + result.unallocated_cents == problem[0]
        assert 0 <= result.unallocated_cents < problem[2].rounding.unit_cents


@settings(deadline=None)
@given(problems() | problems(staff=True))
def test_caps_are_never_exceeded_and_feasible_floors_always_met(problem):
    budget, kitas, rule = problem
    # _run_or_skip checks that "floors exceed budget" is only raised when they really do.
    result = _run_or_skip(budget, kitas, rule)
    if result is not None:
        for share in result.shares:
            assert rule.cap_cents is None or share.amount_cents <= rule.cap_cents
            assert share.amount_cents >= (rule.floor_cents or 0)


def test_floors_that_fit_the_budget_are_met():
    rule = DistributionRule(floor_cents=300_000, cap_cents=600_000)
    kitas = [_kita("a", 100), _kita("b", 1), _kita("c", 1)]
    result = distribute_budget(1_200_000, kitas, rule)
    assert [s.amount_cents for s in result.shares] == [600_000, 300_000, 300_000]


@settings(deadline=None)
@given(problems() | problems(staff=True), st.randoms(use_true_random=False))
def test_a_rerun_and_any_input_order_give_the_identical_result(problem, rnd):
    budget, kitas, rule = problem
    first = _run_or_skip(budget, kitas, rule)
    shuffled = list(kitas)
    rnd.shuffle(shuffled)
    if first is not None:
        assert distribute_budget(budget, kitas, rule) == first
        assert distribute_budget(budget, shuffled, rule) == first


@settings(max_examples=200, deadline=None)
@given(problems(), st.data())
def test_raising_one_facilitys_weight_never_lowers_its_amount(problem, data):
    budget, kitas, rule = problem
    before = _run_or_skip(budget, kitas, rule)
    if before is None:
        return
    i = data.draw(st.integers(0, len(kitas) - 1))
    more = data.draw(st.integers(1, 50))
    raised = list(kitas)
    raised[i] = dataclasses.replace(kitas[i], children=kitas[i].children + more)
    after = distribute_budget(budget, raised, rule)
    key = kitas[i].facility_key

    def exact(result: BudgetDistribution) -> Fraction:
        share = result.share_of(key)
        assert share is not None
        rounding = share.term(TermCode.ROUNDING)
        assert rounding is not None
        return share.amount_cents - rounding.exact_cents

    assert exact(after) >= exact(before)
    # Largest remainder is not population-monotone: at most one grid step may be lost.
    assert after.amount_of(key) >= before.amount_of(key) - rule.rounding.unit_cents


@settings(deadline=None)
@given(problems())
def test_moving_to_a_higher_need_class_never_lowers_the_exact_amount(problem):
    budget, kitas, rule = problem
    before = _run_or_skip(budget, kitas, rule)
    if before is None or kitas[0].need_class == CLASSES[-1]:
        return
    raised = [dataclasses.replace(kitas[0], need_class=CLASSES[-1]), *kitas[1:]]
    after = distribute_budget(budget, raised, rule)
    key = kitas[0].facility_key
    assert after.amount_of(key) >= before.amount_of(key) - rule.rounding.unit_cents
