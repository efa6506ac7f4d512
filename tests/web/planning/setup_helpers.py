"""Objects of the planning set-up pages for the access matrix: a care-rate set, a target rule."""

from __future__ import annotations

from kitaplan.web.planning.models import CareRateSet, TargetRule
from tests.web.factories import SmallCity

RATES = {"0": 0.02, "1": 0.6, "2": 0.8, "3": 0.95, "4": 0.95, "5": 0.95}


def planning_setup_objects(city: SmallCity) -> dict[str, int]:
    rate_set = CareRateSet.objects.create(
        territory=city.territory, valid_from_year=2024, name="Matrix", rates=RATES
    )
    rule = TargetRule.objects.create(
        territory=city.territory,
        code="M.1",
        name="Matrix",
        metric="facilities_with_inclusion_profile",
        level=city.districts[0].level,
        threshold=2,
    )
    return {"care_rate_set": rate_set.pk, "target_rule": rule.pk}
