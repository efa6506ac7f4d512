"""Budget objects for tests and the access matrix: a budget with one published run."""

from __future__ import annotations

from kitaplan.web.budget import services
from kitaplan.web.budget.models import AreaBudget
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue
from tests.web.factories import SmallCity

RULE = {
    "need_classes": ["3", "4"],
    "min_index": None,
    "base_cents": 500_000,
    "class_weights": {"3": "1", "4": "3/2"},
    "default_weight": "1",
    "floor_cents": None,
    "cap_cents": None,
    "rounding": {"mode": "money", "unit_cents": 100},
}


def need_classes(city: SmallCity, year: int = 2021) -> None:
    """MSS classes: F1's area 3, F2's area 4, F3's area 4, the fourth area 1."""
    indicator, _ = IndicatorDefinition.objects.get_or_create(
        code="mss_status_class", defaults={"name": "MSS class"}
    )
    for area, value in zip(city.areas, (3, 4, 4, 1), strict=True):
        IndicatorValue.objects.update_or_create(
            indicator=indicator, area=area, year=year, defaults={"value": value}
        )


def budget_objects(city: SmallCity, user=None) -> dict[str, int]:
    """A published run of a 2026 budget in which every facility of ``city`` has a share.
    Keys (distinct from the other helpers' keys of the access matrix): ``budget_run`` (the
    published run), ``budget_provider`` (the provider a facility manager of the matrix manages,
    ``city.providers[0]``), ``budget`` (the budget). ``user`` is accepted for symmetry; a
    facility manager of ``city.providers[0]`` sees this provider's letter."""
    need_classes(city)
    budget = AreaBudget.objects.filter(territory=city.territory, year=2026).first()
    if budget is None:
        budget = services.create_budget(
            territory=city.territory,
            actor=SYSTEM,
            year=2026,
            total_cents=10_000_000,
            source="Test",
        )
    run = budget.runs.filter(status="published").order_by("-version").first()
    if run is None:
        run = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
        services.publish_run(run=run, actor=SYSTEM)
    return {"budget_run": run.pk, "budget_provider": city.providers[0].pk, "budget": budget.pk}
