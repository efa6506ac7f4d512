"""Reads of the Bedarfsplanung: the balance of places and demand per area (scoped)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.demand import (
    DEFAULT_CARE_RATES,
    AreaBalance,
    AreaSupply,
    CareRates,
    compute_balance,
)
from kitaplan.domain.planning.targets import (
    Comparison,
    TargetMetric,
    TargetResult,
    TargetRule,
    evaluate_targets,
)
from kitaplan.domain.territory.hierarchy import roll_up
from kitaplan.web.core.sums import sum64
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.planning.forecasting import forecast_for
from kitaplan.web.planning.models import CareRateSet
from kitaplan.web.planning.models import TargetRule as TargetRuleModel
from kitaplan.web.territory.models import Area, IndicatorValue, PopulationCount, Territory


def care_rates_for(territory: Territory, year: int) -> tuple[CareRates, CareRateSet | None]:
    """The rates that apply to a planning year (the domain defaults when none are set)."""
    stored = (
        territory.care_rate_sets.filter(valid_from_year__lte=year, class_indicator__isnull=True)
        .order_by("-valid_from_year")
        .first()
    )
    if stored is None:
        return DEFAULT_CARE_RATES, None
    return (
        CareRates(
            by_age={int(k): float(v) for k, v in stored.rates.items()},
            integration_rate=stored.integration_rate,
            source=stored.source,
        ),
        stored,
    )


def class_rates_for(territory: Territory, year: int) -> dict[int, CareRates]:
    """Care rates of single finest areas from the sets per area class valid in ``year``: an area
    whose latest value (up to ``year``) of the set's indicator equals the set's class value gets
    that set's rates; others keep the territory's rates."""
    latest: dict[tuple[int, float], CareRateSet] = {}
    for rate_set in territory.care_rate_sets.filter(
        valid_from_year__lte=year, class_indicator__isnull=False
    ).order_by("valid_from_year"):
        latest[(rate_set.class_indicator_id, rate_set.class_value)] = rate_set  # type: ignore[index]
    if not latest:
        return {}
    result: dict[int, CareRates] = {}
    indicators = {indicator for indicator, _value in latest}
    values: dict[tuple[int, int], tuple[int, float]] = {}
    for area_id, indicator_id, value_year, value in IndicatorValue.objects.filter(
        indicator_id__in=indicators, area__territory=territory, year__lte=year
    ).values_list("area_id", "indicator_id", "year", "value"):
        known = values.get((area_id, indicator_id))
        if known is None or value_year > known[0]:
            values[(area_id, indicator_id)] = (value_year, value)
    for (area_id, indicator_id), (_year, value) in values.items():
        rate_set = latest.get((indicator_id, float(value)))
        if rate_set is not None:
            result[area_id] = rate_set.to_rates()
    return result


def with_childminder_places(
    supply: dict[int, AreaSupply], territory: Territory, day: dt.date
) -> dict[int, AreaSupply]:
    """``supply`` plus the Kindertagespflege places of the day (see :func:`childminder_places`)."""
    merged = dict(supply)
    for area_id, places in childminder_places(territory, day).items():
        current = merged.get(area_id) or AreaSupply(places={})
        merged[area_id] = AreaSupply(
            places=current.places,
            integration_places=current.integration_places,
            childminder_places=places,
        )
    return merged


def balance_for(
    *, territory: Territory, year: int, day: dt.date | None = None
) -> tuple[dict[int, AreaBalance[int]], list[Area], CareRates]:
    """Balance of every current area for the population of ``year`` and the places on ``day``."""
    day = day or timezone.localdate()
    areas = list(
        Area.objects.filter(territory=territory, valid_to__isnull=True)
        .select_related("level", "parent")
        .defer("geometry", "bbox", "parent__geometry", "parent__bbox")
    )
    parent_of = {a.pk: a.parent_id for a in areas}
    children: dict[int, dict[int, float]] = defaultdict(dict)
    for area_id, age, count in PopulationCount.objects.filter(
        area__territory=territory, area__valid_to__isnull=True, year=year, age__lt=6
    ).values_list("area_id", "age", "count"):
        children[area_id][age] = count
    if not children:
        forecast = forecast_for(territory)
        if forecast is not None and year in forecast.projection.years:
            children = forecast.children_by_age(year)  # type: ignore[assignment]
    supply: dict[int, AreaSupply] = {}
    rows = (
        FacilityPlaces.objects.filter(
            facility__territory=territory, facility__area__isnull=False, valid_from__lte=day
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .filter(Q(facility__valid_to__isnull=True) | Q(facility__valid_to__gte=day))
        .values("facility__area_id")
        .annotate(u3=sum64("places_u3"), ue3=sum64("places_ue3"), integ=sum64("integration_places"))
    )
    for row in rows:
        supply[row["facility__area_id"]] = AreaSupply(
            places={AgeGroup.U3: row["u3"] or 0, AgeGroup.UE3: row["ue3"] or 0},
            integration_places=row["integ"] or 0,
        )
    supply = with_childminder_places(supply, territory, day)
    rates, _stored = care_rates_for(territory, year)
    result = compute_balance(
        children_by_age=children,
        supply=supply,
        rates=rates,
        parent_of=parent_of,
        area_rates=class_rates_for(territory, year),
    )
    return result, areas, rates


def planning_years(territory: Territory) -> tuple[list[int], list[int]]:
    """(years with stored population, forecast years not stored), both ascending."""
    stored = population_years(territory)
    forecast = forecast_for(territory)
    projected = [y for y in forecast.projection.years if y not in stored] if forecast else []
    return stored, projected


def population_years(territory: Territory) -> list[int]:
    return list(
        PopulationCount.objects.filter(area__territory=territory)
        .values_list("year", flat=True)
        .distinct()
        .order_by("year")
    )


def observed_unplaced(territory: Territory, areas: Any) -> tuple[Any, dict[str, dict[int, float]]]:
    """Children without an offer in the territory's latest allocation round with offers, per
    age group, rolled up over the area hierarchy (observed demand, issue item 1)."""
    from kitaplan.domain.territory.hierarchy import roll_up
    from kitaplan.web.allocation.statistics import latest_round_with_offers, unplaced_by_area

    round_ = latest_round_with_offers(territory.pk)
    if round_ is None:
        return None, {}
    parent_of = {a.pk: a.parent_id for a in areas}
    by_group: dict[str, dict[int, float]] = {"u3": {}, "ue3": {}}
    for (area_id, group), count in unplaced_by_area(round_).items():
        if area_id in parent_of and group in by_group:
            by_group[group][area_id] = by_group[group].get(area_id, 0.0) + count
    return round_, {g: roll_up(values, parent_of) for g, values in by_group.items()}


def childminder_places(territory: Territory, day: dt.date) -> dict[int, float]:
    """Kindertagespflege places per finest area on ``day``: the limit of every active
    childminder's valid permit (capacity, not vacancies)."""
    from kitaplan.web.childminding.models import Permit

    places: dict[int, float] = defaultdict(float)
    for area_id, limit in Permit.objects.filter(
        childminder__territory=territory,
        childminder__status="active",
        childminder__area__isnull=False,
        valid_from__lte=day,
        valid_to__gte=day,
    ).values_list("childminder__area_id", "max_children"):
        places[area_id] += limit
    return dict(places)


def balance_value(balance: AreaBalance[Any], key: str) -> float | None:
    """One figure of an area's balance by its map/sort key, e.g. ``u3:balance``."""
    if key == "childminder:places":
        return float(balance.childminder_places)
    group_name, figure = key.split(":", 1)
    figures = (
        balance.integration
        if group_name == "integration"
        else (balance.total if group_name == "total" else balance.groups[AgeGroup(group_name)])
    )
    value = getattr(figures, figure)
    return None if value is None else float(value)


@dataclass(frozen=True)
class FacilityCounts:
    """The year-independent part of the target metrics: facility counts of a day, rolled up."""

    inclusive: dict[int, float]
    barrier_free: dict[int, float]
    barrier_free_places: dict[int, float]
    able_for_all: dict[int, float]


def area_metrics(
    *,
    territory: Territory,
    year: int,
    day: dt.date | None = None,
    counts: FacilityCounts | None = None,
) -> tuple[dict[int, dict[TargetMetric, float | None]], dict[int, Area]]:
    """The target metrics of every current area (all levels) for a population year.

    ``counts`` (from :func:`facility_counts` of the same day) spares recounting the facilities
    when several years are evaluated.
    """
    day = day or timezone.localdate()
    balances, areas, _rates = balance_for(territory=territory, year=year, day=day)
    parent_of = {a.pk: a.parent_id for a in areas}
    if counts is None:
        counts = facility_counts(territory=territory, day=day, parent_of=parent_of)
    metrics = target_metrics(
        balances=balances,
        areas=areas,
        inclusive=counts.inclusive,
        barrier_free=counts.barrier_free,
        barrier_free_places=counts.barrier_free_places,
        able_for_all=counts.able_for_all,
    )
    return metrics, {a.pk: a for a in areas}


def facility_counts(
    *, territory: Territory, day: dt.date, parent_of: dict[int, int | None] | None = None
) -> FacilityCounts:
    """Facilities with inclusion profile, barrier-free facilities and their places, and those
    able to care for all children, per area of every level on a day."""
    if parent_of is None:
        parent_of = dict(
            Area.objects.filter(territory=territory, valid_to__isnull=True).values_list(
                "pk", "parent_id"
            )
        )
    facilities = Facility.objects.filter(territory=territory, area__isnull=False).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
    inclusive: dict[int, float] = defaultdict(float)
    barrier_free: dict[int, float] = defaultdict(float)
    barrier_free_places: dict[int, float] = defaultdict(float)
    places = {
        p.facility_id: p.places_u3 + p.places_ue3
        for p in FacilityPlaces.objects.filter(
            facility__territory=territory, valid_from__lte=day
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    }
    for f in facilities.only(
        "pk", "area_id", "inclusion_profile", "step_free_entrance", "accessible_toilet"
    ):
        if f.inclusion_profile:
            inclusive[f.area_id] += 1
        if f.is_barrier_free:
            barrier_free[f.area_id] += 1
            barrier_free_places[f.area_id] += places.get(f.pk, 0)
    return FacilityCounts(
        inclusive=roll_up(inclusive, parent_of),
        barrier_free=roll_up(barrier_free, parent_of),
        barrier_free_places=roll_up(barrier_free_places, parent_of),
        able_for_all=facilities_able_for_all(territory, day, parent_of),
    )


def facilities_able_for_all(
    territory: Territory | int, day: dt.date, parent_of: dict[int, int | None]
) -> dict[int, float]:
    """Facilities open on the day meeting the inclusion checklist, rolled up to every area."""
    from kitaplan.web.inclusion.selectors import able_for_all_by_area

    return roll_up(able_for_all_by_area(territory, day), parent_of)


def target_metrics(
    *,
    balances: dict[int, AreaBalance[int]],
    areas: list[Area],
    inclusive: dict[int, float],
    barrier_free: dict[int, float],
    barrier_free_places: dict[int, float],
    able_for_all: dict[int, float] | None = None,
) -> dict[int, dict[TargetMetric, float | None]]:
    """The target metrics of every area from its balance and rolled-up facility features.

    ``able_for_all`` (facilities meeting the inclusion checklist, rolled up) defaults to today's
    real facilities: a scenario changes places and features, not checklist confirmations.
    """
    if able_for_all is None:
        able_for_all = (
            facilities_able_for_all(
                areas[0].territory_id, timezone.localdate(), {a.pk: a.parent_id for a in areas}
            )
            if areas
            else {}
        )

    def ratio(numerator: float, denominator: float) -> float | None:
        return numerator / denominator if denominator else None

    metrics: dict[int, dict[TargetMetric, float | None]] = {}
    for area in areas:
        b = balances[area.pk]
        metrics[area.pk] = {
            TargetMetric.FACILITIES_WITH_INCLUSION_PROFILE: inclusive.get(area.pk, 0.0),
            TargetMetric.FACILITIES_ABLE_TO_CARE_FOR_ALL: able_for_all.get(area.pk, 0.0),
            TargetMetric.BARRIER_FREE_FACILITIES: barrier_free.get(area.pk, 0.0),
            TargetMetric.BARRIER_FREE_PLACES_PER_DEMAND: ratio(
                barrier_free_places.get(area.pk, 0.0), b.total.demand
            ),
            TargetMetric.INTEGRATION_PLACES_PER_DEMAND: b.integration.demand_met,
            TargetMetric.DEMAND_MET_U3: b.groups[AgeGroup.U3].demand_met,
            TargetMetric.DEMAND_MET_UE3: b.groups[AgeGroup.UE3].demand_met,
            TargetMetric.COVERAGE_U3: b.groups[AgeGroup.U3].coverage,
            TargetMetric.COVERAGE_UE3: b.groups[AgeGroup.UE3].coverage,
        }
    return metrics


def domain_rule(rule: TargetRuleModel) -> TargetRule:
    return TargetRule(
        code=rule.code,
        metric=TargetMetric(rule.metric),
        level=rule.level.code,
        comparison=Comparison(rule.comparison),
        threshold=rule.threshold,
        tolerance=rule.tolerance,
    )


def evaluate_rules(
    *, territory: Territory, year: int, counts: FacilityCounts | None = None
) -> tuple[list[tuple[TargetRuleModel, list[TargetResult[int]]]], dict[int, Area]]:
    """Each target rule of the territory with its results per area for a year (facilities of
    today; ``counts`` from :func:`facility_counts` of today when several years are evaluated)."""
    rules = list(territory.target_rules.select_related("level").order_by("code"))
    metrics, areas = area_metrics(territory=territory, year=year, counts=counts)
    level_of = {pk: a.level.code for pk, a in areas.items()}
    evaluated = []
    for rule in rules:
        results = evaluate_targets([domain_rule(rule)], metrics=metrics, level_of=level_of)
        results.sort(key=lambda r: areas[r.area].official_code)
        evaluated.append((rule, results))
    return evaluated, areas
