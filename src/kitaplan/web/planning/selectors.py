"""Reads of the Bedarfsplanung: the balance of places and demand per area (scoped)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from kitaplan.domain.common.vocabulary import AgeGroup, PopulationMethod
from kitaplan.domain.planning.area_metrics import FacilityFeatures
from kitaplan.domain.planning.area_metrics import target_metrics as compute_target_metrics
from kitaplan.domain.planning.demand import (
    DEFAULT_CARE_RATES,
    AreaBalance,
    AreaSupply,
    CareRates,
    compute_balance,
)
from kitaplan.domain.planning.forecast_figures import (
    ForecastCheck,
    YearFigures,
    district_series,
    forecast_checks,
    total_series,
)
from kitaplan.domain.planning.targets import (
    Comparison,
    TargetMetric,
    TargetResult,
    TargetRule,
    evaluate_targets,
)
from kitaplan.domain.territory.hierarchy import roll_up
from kitaplan.web.core.derived import cached
from kitaplan.web.core.sums import sum64
from kitaplan.web.core.validity import valid_from_on, valid_on
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.planning.forecasting import (
    METHOD_BIRTHS_CITYWIDE,
    TerritoryForecast,
    forecast_for,
)
from kitaplan.web.planning.models import CareRateSet
from kitaplan.web.planning.models import TargetRule as TargetRuleModel
from kitaplan.web.territory.models import (
    Area,
    AreaGroup,
    AreaLevel,
    IndicatorValue,
    PopulationCount,
    Territory,
)

if TYPE_CHECKING:
    from kitaplan.web.allocation.models import AllocationRound


def care_rates_for(territory: Territory, year: int) -> tuple[CareRates, CareRateSet | None]:
    """The rates that apply to a planning year (the domain defaults when none are set)."""
    stored = (
        territory.care_rate_sets.filter(
            valid_from_year__lte=year, class_indicator__isnull=True, active=True
        )
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
        valid_from_year__lte=year, class_indicator__isnull=False, active=True
    ).order_by("valid_from_year"):
        # the filter and the model's constraint give a set per class both
        assert rate_set.class_indicator_id is not None and rate_set.class_value is not None
        latest[(rate_set.class_indicator_id, rate_set.class_value)] = rate_set
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
        class_set = latest.get((indicator_id, float(value)))
        if class_set is not None:
            result[area_id] = class_set.to_rates()
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
    result, rates = cached(
        territory.pk,
        "planning.balance",
        (year, day),
        lambda: _compute_balance(territory=territory, year=year, day=day, parent_of=parent_of),
    )
    return result, areas, rates


def _compute_balance(
    *, territory: Territory, year: int, day: dt.date, parent_of: dict[int, int | None]
) -> tuple[dict[int, AreaBalance[int]], CareRates]:
    children: dict[int, dict[int, float]] = defaultdict(dict)
    for area_id, age, count in PopulationCount.objects.filter(
        area__territory=territory, area__valid_to__isnull=True, year=year, age__lt=6
    ).values_list("area_id", "age", "count"):
        children[area_id][age] = count
    if not children:
        forecast = forecast_for(territory)
        if forecast is not None and year in forecast.projection.years:
            children = forecast.children_by_age(year)
    supply: dict[int, AreaSupply] = {}
    rows = (
        FacilityPlaces.objects.filter(facility__territory=territory, facility__area__isnull=False)
        .filter(valid_on(day, open_start=False))
        .filter(valid_from_on(day, "facility__"))
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
    return result, rates


def planning_years(territory: Territory) -> tuple[list[int], list[int]]:
    """(years with stored population, forecast years not stored), both ascending."""
    stored = population_years(territory)
    forecast = forecast_for(territory)
    projected = [y for y in forecast.projection.years if y not in stored] if forecast else []
    return stored, projected


def population_years(territory: Territory) -> list[int]:
    """The years with stored population, ascending (cached: core.derived)."""
    return cached(
        territory.pk,
        "planning.population_years",
        (),
        lambda: list(
            PopulationCount.objects.filter(area__territory=territory)
            .values_list("year", flat=True)
            .distinct()
            .order_by("year")
        ),
    )


def observed_unplaced(
    territory: Territory, areas: list[Area]
) -> tuple[AllocationRound | None, dict[str, dict[int, float]]]:
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
    for area_id, limit in (
        Permit.objects.filter(
            childminder__territory=territory,
            childminder__status="active",
            childminder__area__isnull=False,
        )
        .filter(valid_on(day, open_start=False))
        .values_list("childminder__area_id", "max_children")
    ):
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


#: The year-independent part of the target metrics: facility counts of a day, rolled up.
FacilityCounts = FacilityFeatures[int]


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
    metrics = compute_target_metrics(
        balances=balances, areas=[a.pk for a in areas], features=counts
    )
    return metrics, {a.pk: a for a in areas}


def facility_counts(
    *, territory: Territory, day: dt.date, parent_of: dict[int, int | None] | None = None
) -> FacilityCounts:
    """Facilities with inclusion profile, barrier-free facilities and their places, and those
    able to care for all children, per area of every level on a day (cached: core.derived)."""
    return cached(
        territory.pk,
        "planning.facility_counts",
        (day,),
        lambda: _count_facilities(territory=territory, day=day, parent_of=parent_of),
    )


def _count_facilities(
    *, territory: Territory, day: dt.date, parent_of: dict[int, int | None] | None
) -> FacilityCounts:
    if parent_of is None:
        parent_of = dict(
            Area.objects.filter(territory=territory, valid_to__isnull=True).values_list(
                "pk", "parent_id"
            )
        )
    facilities = Facility.objects.filter(territory=territory, area__isnull=False).filter(
        valid_from_on(day)
    )
    inclusive: dict[int, float] = defaultdict(float)
    barrier_free: dict[int, float] = defaultdict(float)
    barrier_free_places: dict[int, float] = defaultdict(float)
    places = {
        p.facility_id: p.places_u3 + p.places_ue3
        for p in FacilityPlaces.objects.filter(facility__territory=territory).filter(
            valid_on(day, open_start=False)
        )
    }
    for f in facilities.only(
        "pk", "area_id", "inclusion_profile", "step_free_entrance", "accessible_toilet"
    ):
        if f.inclusion_profile:
            inclusive[f.area_id] += 1
        if f.is_barrier_free:
            barrier_free[f.area_id] += 1
            barrier_free_places[f.area_id] += places.get(f.pk, 0)
    return FacilityFeatures(
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

    territory_id = territory if isinstance(territory, int) else territory.pk
    by_area = cached(
        territory_id,
        "planning.able_for_all",
        (day,),
        lambda: able_for_all_by_area(territory_id, day),
    )
    return roll_up(by_area, parent_of)


def target_metrics(
    *,
    balances: dict[int, AreaBalance[int]],
    areas: list[Area],
    inclusive: dict[int, float],
    barrier_free: dict[int, float],
    barrier_free_places: dict[int, float],
    able_for_all: dict[int, float] | None = None,
) -> dict[int, dict[TargetMetric, float | None]]:
    """The target metrics of every area from its balance and rolled-up facility features
    (:func:`kitaplan.domain.planning.area_metrics.target_metrics`).

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

    return compute_target_metrics(
        balances=balances,
        areas=[a.pk for a in areas],
        features=FacilityFeatures(
            inclusive=inclusive,
            barrier_free=barrier_free,
            barrier_free_places=barrier_free_places,
            able_for_all=able_for_all,
        ),
    )


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
    *, territory: Territory, year: int
) -> tuple[list[tuple[TargetRuleModel, list[TargetResult[int]]]], dict[int, Area]]:
    """Each target rule of the territory with its results per area for a year (facilities of
    today, :func:`rule_results`).

    Only active rules; a rule outside its valid years has no results in that year (the list is
    the same for every year, so that the targets page can line years up)."""
    rules = list(
        territory.target_rules.filter(active=True).select_related("level").order_by("code")
    )
    areas = {
        a.pk: a
        for a in Area.objects.filter(territory=territory, valid_to__isnull=True)
        .select_related("level", "parent")
        .defer("geometry", "bbox", "parent__geometry", "parent__bbox")
    }
    results = rule_results(territory=territory, year=year)
    return [(rule, results.get(rule.pk, [])) for rule in rules], areas


def rule_results(*, territory: Territory, year: int) -> dict[int, list[TargetResult[int]]]:
    """The results per area of each active target rule (by primary key) for a year, facilities
    of today; a rule outside its valid years has none.

    The metrics are cached (core.derived); the rules are read each time and their definitions
    are part of the key, so that a changed rule is evaluated anew."""
    day = timezone.localdate()
    rules = [
        (rule.pk, domain_rule(rule))
        for rule in territory.target_rules.filter(active=True).select_related("level")
        if rule.applies_in(year)
    ]

    def compute() -> dict[int, list[TargetResult[int]]]:
        metrics, areas = area_metrics(territory=territory, year=year, day=day)
        level_of = {pk: a.level.code for pk, a in areas.items()}
        evaluated: dict[int, list[TargetResult[int]]] = {}
        for pk, rule in rules:
            results = evaluate_targets([rule], metrics=metrics, level_of=level_of)
            results.sort(key=lambda r: areas[r.area].official_code)
            evaluated[pk] = results
        return evaluated

    return cached(territory.pk, "planning.rule_results", (year, day, rules), compute)


# --------------------------------------------------------------------------- the balance page


@dataclass
class BalanceRow:
    area: Area
    balance: AreaBalance[int]
    year: int
    #: Children without an offer in the latest allocation round, by age group (None: no round).
    unplaced: dict[str, float] | None = None


@dataclass
class BalanceTable:
    """The rows of the balance page: the areas of one level, or the children of one area."""

    rows: list[BalanceRow] = field(default_factory=list)
    balances: dict[int, AreaBalance[int]] = field(default_factory=dict)
    rates: CareRates | None = None
    observed_round: AllocationRound | None = None
    level: AreaLevel | None = None


def balance_table(
    *,
    territory: Territory,
    year: int,
    parent: Area | None,
    level: AreaLevel | None,
    group: AreaGroup | None = None,
) -> BalanceTable:
    """The balance of the areas of a Sozialraum ``group``, else of the children of ``parent``,
    else of the areas of ``level`` (default: the top level), with the children without an
    offer in the latest allocation round."""
    balances, areas, rates = balance_for(territory=territory, year=year)
    if group is not None:
        members = {a.pk for a in group.areas.all()}
        chosen = [a for a in areas if a.pk in members]
    elif parent is not None:
        chosen = [a for a in areas if a.parent_id == parent.pk]
    else:
        level = level or territory.levels.order_by("rank").first()
        chosen = [a for a in areas if level is not None and a.level_id == level.pk]
    observed_round, unplaced = observed_unplaced(territory, areas)
    rows = [
        BalanceRow(
            area=a,
            balance=balances[a.pk],
            year=year,
            unplaced=(
                {g: unplaced[g].get(a.pk, 0.0) for g in unplaced}
                if observed_round is not None
                else None
            ),
        )
        for a in chosen
    ]
    return BalanceTable(
        rows=rows, balances=balances, rates=rates, observed_round=observed_round, level=level
    )


def sort_rows(rows: list[BalanceRow], sort: str) -> list[BalanceRow]:
    """The rows by code, name or a figure (``u3:balance``); a leading ``-`` reverses; rows
    without the figure come last."""
    key = sort.lstrip("-")
    reverse = sort.startswith("-")
    if key == "code":
        return sorted(rows, key=lambda r: r.area.official_code, reverse=reverse)
    if key == "name":
        return sorted(rows, key=lambda r: r.area.name.lower(), reverse=reverse)
    if ":" in key:
        missing = float("-inf") if reverse else float("inf")
        return sorted(
            rows,
            key=lambda r: v if (v := balance_value(r.balance, key)) is not None else missing,
            reverse=reverse,
        )
    return rows


def finest_rank(territory: Territory | None) -> int:
    if territory is None:
        return 0
    return max((lv.rank for lv in territory.levels.all()), default=0)


# --------------------------------------------------------------------------- the forecast page


@dataclass
class ForecastRow:
    area: Area
    values: list[YearFigures]  # (year, children under 3, children 3 to under 6)


@dataclass
class ForecastPage:
    result: TerritoryForecast | None = None
    rows: list[ForecastRow] = field(default_factory=list)
    totals: list[YearFigures] = field(default_factory=list)
    checks: list[ForecastCheck[Area]] = field(default_factory=list)


def forecast_page(territory: Territory | None) -> ForecastPage:
    """The forecast per current top-level area and in total, and its check against the counts
    of forecast years that were counted too (e.g. 2022 after a base year 2020)."""
    result = forecast_for(territory) if territory is not None else None
    if result is None or territory is None:
        return ForecastPage(result=result)
    top = territory.levels.order_by("rank").first()
    areas = {
        a.official_code: a
        for a in Area.objects.filter(level=top, valid_to__isnull=True).defer("geometry")
    }
    years = result.projection.years
    series = district_series(result.projection)
    rows = [
        ForecastRow(areas[code], series.get(code) or [(y, 0.0, 0.0) for y in years])
        for code in sorted(areas)
    ]
    counted_years = [y for y in years if y in set(population_years(territory))]
    # counts estimated from the same births and citywide forecast would check nothing
    shared = result.method == METHOD_BIRTHS_CITYWIDE
    counted = (
        _counted_by_district(territory, counted_years, without_estimated=shared)
        if counted_years
        else {}
    )
    if shared:
        counted_years = sorted({year for _code, year in counted})
    checks = forecast_checks(
        years=counted_years,
        forecast={row.area: row.values for row in rows},
        counted={(areas[code], year): c for (code, year), c in counted.items() if code in areas},
    )
    return ForecastPage(
        result=result, rows=rows, totals=total_series(result.projection), checks=checks
    )


def _counted_by_district(
    territory: Territory, years: list[int], *, without_estimated: bool = False
) -> dict[tuple[str, int], tuple[float, float]]:
    """Counted children (under 3, from 3) at the finest level, summed per top-level code
    (``without_estimated``: leaving out the counts of method ``estimated``)."""
    counted: dict[tuple[str, int], list[float]] = {}
    query = PopulationCount.objects.filter(
        area__territory=territory,
        area__valid_to__isnull=True,
        year__in=years,
        age__lt=6,
        area__level__rank=finest_rank(territory),
    )
    if without_estimated:
        query = query.exclude(method=PopulationMethod.ESTIMATED.value)
    cells = query.values_list("area__path", "year", "age", "count")
    for path, year, age, count in cells:
        sums = counted.setdefault((path.split("/")[0], year), [0.0, 0.0])
        sums[0 if age < 3 else 1] += count
    return {key: (u3, ue3) for key, (u3, ue3) in counted.items()}
