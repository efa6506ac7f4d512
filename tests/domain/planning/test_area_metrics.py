import pytest

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.area_metrics import (
    FacilityFeatures,
    sum_balances,
    target_metrics,
    worst_light,
)
from kitaplan.domain.planning.demand import AreaBalance, GroupFigures
from kitaplan.domain.planning.targets import (
    Comparison,
    Light,
    TargetMetric,
    TargetResult,
    TargetRule,
)


def balance(area, *, u3=(0, 0, 0), ue3=(0, 0, 0), integration=(0, 0, 0), childminder=0.0):
    return AreaBalance(
        area=area,
        groups={AgeGroup.U3: GroupFigures(*u3), AgeGroup.UE3: GroupFigures(*ue3)},
        integration=GroupFigures(*integration),
        childminder_places=childminder,
    )


def test_a_district_with_two_inclusive_facilities_and_missing_places_under_three():
    # 100 children under 3, demand 60, 45 places; 200 from 3, demand 190, 200 places.
    balances = {"01": balance("01", u3=(100, 60, 45), ue3=(200, 190, 200), integration=(0, 5, 4))}
    features = FacilityFeatures(
        inclusive={"01": 2}, barrier_free={"01": 1}, barrier_free_places={"01": 50}
    )
    metrics = target_metrics(balances=balances, areas=["01"], features=features)["01"]
    assert metrics[TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE] == 2
    assert metrics[TargetMetric.FACILITIES_ABLE_TO_CARE_FOR_ALL] == 0
    assert metrics[TargetMetric.BARRIER_FREE_FACILITIES] == 1
    assert metrics[TargetMetric.BARRIER_FREE_PLACES_PER_DEMAND] == pytest.approx(50 / 250)
    assert metrics[TargetMetric.INTEGRATION_PLACES_PER_DEMAND] == pytest.approx(0.8)
    assert metrics[TargetMetric.DEMAND_MET_U3] == pytest.approx(0.75)
    assert metrics[TargetMetric.DEMAND_MET_UE3] == pytest.approx(200 / 190)
    assert metrics[TargetMetric.COVERAGE_U3] == pytest.approx(0.45)
    assert metrics[TargetMetric.COVERAGE_UE3] == pytest.approx(1.0)


def test_an_area_without_children_has_no_shares_but_counts_zero_facilities():
    metrics = target_metrics(
        balances={"02": balance("02")}, areas=["02"], features=FacilityFeatures()
    )["02"]
    assert metrics[TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE] == 0
    assert metrics[TargetMetric.BARRIER_FREE_PLACES_PER_DEMAND] is None
    assert metrics[TargetMetric.DEMAND_MET_U3] is None
    assert metrics[TargetMetric.COVERAGE_UE3] is None


def test_only_the_areas_asked_for_are_measured():
    balances = {"01": balance("01"), "02": balance("02")}
    assert list(target_metrics(balances=balances, areas=["02"], features=FacilityFeatures())) == [
        "02"
    ]


def test_the_total_adds_children_demand_and_places_per_group():
    total = sum_balances(
        [
            balance(1, u3=(10, 6, 5), ue3=(20, 19, 20), integration=(0, 1, 1), childminder=2),
            balance(2, u3=(30, 18, 20), ue3=(40, 38, 30), integration=(0, 2, 0), childminder=3),
        ],
        area=0,
    )
    assert total.area == 0
    assert total.groups[AgeGroup.U3] == GroupFigures(40, 24, 25)
    assert total.groups[AgeGroup.UE3] == GroupFigures(60, 57, 50)
    assert total.integration == GroupFigures(0, 3, 1)
    assert total.childminder_places == 5
    assert total.groups[AgeGroup.UE3].balance == -7


def test_the_total_of_no_areas_is_zero():
    total = sum_balances([], area=0)
    assert total.groups[AgeGroup.U3] == GroupFigures()
    assert total.total.demand == 0


RULE = TargetRule("1.7", TargetMetric.COVERAGE_U3, "bezirk", Comparison.AT_LEAST, 0.5, 0.1)


def result(light):
    return TargetResult(rule=RULE, area="x", value=None, light=light)


@pytest.mark.parametrize(
    ("lights", "worst"),
    [
        ([Light.GREEN, Light.RED, Light.AMBER], Light.RED),
        ([Light.GREEN, Light.AMBER, Light.GREY], Light.AMBER),
        ([Light.GREY, Light.GREEN], Light.GREEN),
        ([Light.GREY], Light.GREY),
        ([], Light.GREY),
    ],
)
def test_an_objective_takes_the_worst_light_of_its_areas(lights, worst):
    assert worst_light([result(light) for light in lights]) is worst
