"""Reads of the Bedarfsplanung: the balance of places and demand per area (scoped)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.demand import (
    DEFAULT_CARE_RATES,
    AreaBalance,
    AreaSupply,
    CareRates,
    compute_balance,
)
from kitaplan.web.facilities.models import FacilityPlaces
from kitaplan.web.planning.forecasting import forecast_for
from kitaplan.web.planning.models import CareRateSet
from kitaplan.web.territory.models import Area, PopulationCount, Territory


def care_rates_for(territory: Territory, year: int) -> tuple[CareRates, CareRateSet | None]:
    """The rates that apply to a planning year (the domain defaults when none are set)."""
    stored = (
        territory.care_rate_sets.filter(valid_from_year__lte=year)
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
        .annotate(u3=Sum("places_u3"), ue3=Sum("places_ue3"), integ=Sum("integration_places"))
    )
    for row in rows:
        supply[row["facility__area_id"]] = AreaSupply(
            places={AgeGroup.U3: row["u3"] or 0, AgeGroup.UE3: row["ue3"] or 0},
            integration_places=row["integ"] or 0,
        )
    rates, _stored = care_rates_for(territory, year)
    result = compute_balance(
        children_by_age=children, supply=supply, rates=rates, parent_of=parent_of
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


def balance_value(balance: AreaBalance[Any], key: str) -> float | None:
    """One figure of an area's balance by its map/sort key, e.g. ``u3:balance``."""
    group_name, figure = key.split(":", 1)
    figures = (
        balance.integration
        if group_name == "integration"
        else (balance.total if group_name == "total" else balance.groups[AgeGroup(group_name)])
    )
    value = getattr(figures, figure)
    return None if value is None else float(value)
