"""Demand and balance, with a worked example a planner can check by hand."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.demand import AreaSupply, CareRates, compute_balance

RATES = CareRates(by_age={0: 0.0, 1: 0.5, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}, integration_rate=0.1)
PARENT_OF = {"city": None, "A": "city", "B": "city"}


def test_a_worked_example_of_demand_balance_and_coverage():
    # Area A: 10 children of each age 0..5; 12 places under 3, 25 from 3.
    children = {"A": dict.fromkeys(range(6), 10), "B": dict.fromkeys(range(6), 0)}
    supply = {"A": AreaSupply(places={AgeGroup.U3: 12, AgeGroup.UE3: 25}, integration_places=2)}
    result = compute_balance(
        children_by_age=children, supply=supply, rates=RATES, parent_of=PARENT_OF
    )
    u3 = result["A"].groups[AgeGroup.U3]
    assert (u3.children, u3.demand, u3.places) == (30, 15, 12)  # 0 + 5 + 10 children need a place
    assert (
        u3.balance == -3
        and u3.coverage == pytest.approx(0.4)
        and u3.demand_met == pytest.approx(0.8)
    )
    ue3 = result["A"].groups[AgeGroup.UE3]
    assert (ue3.demand, ue3.balance) == (30, -5)
    assert result["A"].integration.demand == pytest.approx(
        4.5
    )  # 10 % of the 45 children needing a place
    assert result["city"].total.demand == 45 and result["city"].total.places == 37
    assert result["B"].groups[AgeGroup.U3].coverage is None


def test_care_rates_outside_zero_and_one_are_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        CareRates(by_age={1: 1.5})


@given(
    st.lists(st.integers(0, 500), min_size=6, max_size=6), st.integers(0, 300), st.integers(0, 300)
)
def test_upper_levels_are_the_sums_of_their_parts(counts, places_a, places_b):
    children = {"A": dict(enumerate(counts)), "B": dict(enumerate(reversed(counts)))}
    supply = {
        "A": AreaSupply(places={AgeGroup.U3: places_a}),
        "B": AreaSupply(places={AgeGroup.U3: places_b}),
    }
    result = compute_balance(
        children_by_age=children, supply=supply, rates=RATES, parent_of=PARENT_OF
    )
    for group in (AgeGroup.U3, AgeGroup.UE3):
        city, a, b = (result[k].groups[group] for k in ("city", "A", "B"))
        assert city.demand == pytest.approx(a.demand + b.demand)
        assert city.places == a.places + b.places
        assert city.balance == pytest.approx(a.balance + b.balance)
