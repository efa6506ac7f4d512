import pytest

from kitaplan.domain.planning.targets import (
    Comparison,
    Light,
    TargetMetric,
    TargetRule,
    count_lights,
    evaluate_targets,
)

TWO_INCLUSIVE_KITAS = TargetRule(
    code="1.7",
    metric=TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE,
    level="bezirk",
    comparison=Comparison.AT_LEAST,
    threshold=2,
    tolerance=1,
)


@pytest.mark.parametrize(
    ("value", "light"),
    [(3, Light.GREEN), (2, Light.GREEN), (1, Light.AMBER), (0, Light.RED), (None, Light.GREY)],
)
def test_each_district_needs_two_facilities_with_inclusion_profile(value, light):
    assert TWO_INCLUSIVE_KITAS.light_for(value) is light


def test_an_upper_limit_turns_red_above_threshold_and_tolerance():
    rule = TargetRule(
        "x", TargetMetric.COVERAGE_U3, "area", Comparison.AT_MOST, threshold=1.2, tolerance=0.1
    )
    assert [rule.light_for(v) for v in (1.0, 1.25, 1.4)] == [Light.GREEN, Light.AMBER, Light.RED]


def test_rules_apply_only_to_areas_of_their_level():
    metrics = {
        "01": {TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE: 2},
        "0101": {TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE: 0},
        "02": {TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE: 0},
    }
    results = evaluate_targets(
        [TWO_INCLUSIVE_KITAS],
        metrics=metrics,
        level_of={"01": "bezirk", "02": "bezirk", "0101": "area"},
    )
    assert [(r.area, r.light) for r in results] == [("01", Light.GREEN), ("02", Light.RED)]
    assert count_lights(results)[Light.RED] == 1
