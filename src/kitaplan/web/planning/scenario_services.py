"""Planning scenarios: writes (one transaction, audited) and the scenario's balance and targets.

Writes never touch real data: a scenario stores only its changes. The reads build today's
supply of every facility from the real places (:func:`baseline_records`), apply the scenario's
changes with :func:`kitaplan.domain.planning.scenarios.apply_changes`, and compute the balance
and the target metrics exactly as :mod:`kitaplan.web.planning.selectors` does for the real
supply.

Audit: a scenario's creation is ``ADMIN_CREATED``, adding a change ``ADMIN_CHANGED`` and
removing one ``ADMIN_DELETED``, each with ``details["operation"]`` naming what happened.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from kitaplan.domain.planning.accessibility import SupplyPoints, project_to_metres
from kitaplan.domain.planning.demand import AreaBalance, compute_balance
from kitaplan.domain.planning.scenarios import (
    ChangePlaces,
    CloseFacility,
    ConvertSpecialNeedsGroup,
    FacilitySupply,
    OpenFacility,
    ScenarioError,
    apply_changes,
    features_by_area,
    supply_by_area,
)
from kitaplan.domain.planning.scenarios import ScenarioChange as DomainChange
from kitaplan.domain.planning.targets import TargetMetric, TargetResult, evaluate_targets
from kitaplan.domain.territory.geometry import locate_points, summarise_geometry
from kitaplan.domain.territory.hierarchy import roll_up
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event, snapshot
from kitaplan.web.core import access
from kitaplan.web.core.access import scoped_to_territories
from kitaplan.web.core.derived import cached
from kitaplan.web.core.validity import valid_from_on, valid_on
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.planning import selectors
from kitaplan.web.planning.accessibility_selectors import (
    AccessibilityResult,
    Ages,
    Offer,
    PopulationPoints,
    _capacity,
    accessibility_for,
    has_population_grid,
)
from kitaplan.web.planning.forecasting import forecast_for
from kitaplan.web.planning.models import TargetRule as TargetRuleModel
from kitaplan.web.planning.scenario_models import Scenario, ScenarioChange
from kitaplan.web.territory.models import Area, AreaLevel, PopulationCount, Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

# --- who may see and change ------------------------------------------------------------------


def can_view_scenarios(user: AnyUser) -> bool:
    """City staff: a scenario names facilities of every provider (like the close-to-home page)."""
    return access.is_city_staff(user)


def can_change_scenarios(user: AnyUser) -> bool:
    return access.can_import_data(user)


@scoped_to_territories()
def scenarios_visible_to(user: AnyUser) -> QuerySet[Scenario]:
    """Shared scenarios and the user's own."""
    if not can_view_scenarios(user):
        return Scenario.objects.none()
    return Scenario.objects.filter(Q(shared=True) | Q(created_by_id=user.pk))


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def create_scenario(
    *, territory: Territory, actor: AnyUser, name: str, description: str = "", shared: bool = False
) -> Scenario:
    """A new scenario starts empty: it is the baseline until changes are added."""
    if not can_change_scenarios(actor):
        raise PermissionDenied
    scenario = Scenario.objects.create(
        territory=territory,
        name=name,
        description=description,
        shared=shared,
        created_by=actor_user(actor),
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.ADMIN_CREATED,
        target=scenario,
        after=snapshot(scenario),
        details={"operation": "planning.scenario_created"},
    )
    return scenario


@transaction.atomic(durable=True)
def add_change(
    *,
    scenario: Scenario,
    actor: AnyUser,
    kind: str,
    facility: Facility | None = None,
    area: Area | None = None,
    parameters: dict[str, Any] | None = None,
) -> ScenarioChange:
    """Append a change; refused (:class:`ScenarioError`) when the scenario can't be applied."""
    if not can_change_scenarios(actor):
        raise PermissionDenied
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if facility is not None and facility.territory_id != scenario.territory_id:
        raise ScenarioError(ScenarioError.UNKNOWN_FACILITY, 0, facility.official_number)
    if area is not None and area.territory_id != scenario.territory_id:
        raise ScenarioError(ScenarioError.INVALID_CHANGE, 0)
    parameters = dict(parameters or {})
    if kind == ScenarioChange.OPEN and area is None and "lat" in parameters:
        area = locate_area(scenario.territory, lat=parameters["lat"], lon=parameters["lon"])
        if area is None:
            raise ScenarioError(ScenarioError.INVALID_CHANGE, 0)
    last = scenario.changes.aggregate(m=Max("order"))["m"]
    change = ScenarioChange(
        scenario=scenario,
        kind=kind,
        facility=facility,
        area=area,
        parameters=parameters,
        order=(last or 0) + 1,
    )
    changes = [*scenario.changes.select_related("facility"), change]
    apply_changes(baseline_records(scenario.territory), [domain_change(c) for c in changes])
    change.save()
    record_audit_event(
        actor=actor,
        action=AuditAction.ADMIN_CHANGED,
        target=scenario,
        after=snapshot(change),
        details={"operation": "planning.scenario_change_added"},
    )
    return change


@transaction.atomic(durable=True)
def delete_change(*, change: ScenarioChange, actor: AnyUser) -> None:
    """Remove a change; refused when a later change depends on it (e.g. on an opened facility)."""
    if not can_change_scenarios(actor):
        raise PermissionDenied
    scenario = Scenario.objects.select_for_update().get(pk=change.scenario_id)
    remaining = [c for c in scenario.changes.select_related("facility") if c.pk != change.pk]
    apply_changes(baseline_records(scenario.territory), [domain_change(c) for c in remaining])
    before = snapshot(change)
    change.delete()
    record_audit_event(
        actor=actor,
        action=AuditAction.ADMIN_DELETED,
        target=scenario,
        before=before,
        details={"operation": "planning.scenario_change_deleted"},
    )


# --- reads -----------------------------------------------------------------------------------


def finest_areas(territory: Territory) -> QuerySet[Area]:
    finest = territory.levels.order_by("-rank").first()
    return Area.objects.filter(territory=territory, level=finest, valid_to__isnull=True)


def locate_area(territory: Territory, *, lat: float, lon: float) -> Area | None:
    """The current area of the finest level whose boundary covers the point (WGS84), if any."""
    areas = [
        (a, a.geometry) for a in finest_areas(territory).order_by("official_code") if a.geometry
    ]
    [found] = locate_points([(lon, lat)], areas)
    return found


def new_facility_key(change: ScenarioChange) -> str:
    return str(change.parameters.get("key") or f"new-{change.order}")


def domain_change(change: ScenarioChange) -> DomainChange[int]:
    """The domain change a stored change stands for (facilities by their number)."""
    p = change.parameters
    number = change.facility.official_number if change.facility is not None else ""
    if change.kind == ScenarioChange.CHANGE_PLACES:
        return ChangePlaces(
            number,
            int(p.get("u3_delta", 0)),
            int(p.get("ue3_delta", 0)),
            int(p.get("integration_delta", 0)),
        )
    if change.kind == ScenarioChange.CLOSE:
        return CloseFacility(number)
    if change.kind == ScenarioChange.CONVERT:
        return ConvertSpecialNeedsGroup(
            number, int(p.get("places", 0)), int(p.get("to_integration_places", 0))
        )
    if change.kind == ScenarioChange.OPEN and change.area_id is not None:
        return OpenFacility(
            key=new_facility_key(change),
            area=change.area_id,
            places_u3=int(p.get("places_u3", 0)),
            places_ue3=int(p.get("places_ue3", 0)),
            integration_places=int(p.get("integration_places", 0)),
            inclusion_profile=bool(p.get("inclusion_profile", False)),
            barrier_free=bool(p.get("barrier_free", False)),
        )
    raise ScenarioError(ScenarioError.INVALID_CHANGE, max(change.order - 1, 0))


def baseline_records(
    territory: Territory, day: dt.date | None = None
) -> tuple[FacilitySupply[int], ...]:
    """Every current facility located in an area with its places on ``day`` (the real data).

    The same facilities and places :func:`selectors.balance_for` and
    :func:`selectors.area_metrics` read.
    """
    day = day or timezone.localdate()
    places: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in (
        FacilityPlaces.objects.filter(facility__territory=territory)
        .filter(valid_on(day, open_start=False))
        .values_list(
            "facility_id",
            "places_u3",
            "places_ue3",
            "integration_places",
            "special_needs_group_places",
        )
    ):
        total = places[row[0]]
        for i, value in enumerate(row[1:]):
            total[i] += value
    facilities = (
        Facility.objects.filter(territory=territory, area__isnull=False)
        .filter(valid_from_on(day))
        .only(
            "pk",
            "official_number",
            "area_id",
            "inclusion_profile",
            "step_free_entrance",
            "accessible_toilet",
        )
        .order_by("official_number")
    )
    records = []
    for f in facilities:
        u3, ue3, integration, special = places.get(f.pk, (0, 0, 0, 0))
        records.append(
            FacilitySupply(
                key=f.official_number,
                area=f.area_id,
                places_u3=u3,
                places_ue3=ue3,
                integration_places=integration,
                special_needs_group_places=special,
                inclusion_profile=f.inclusion_profile,
                barrier_free=f.is_barrier_free,
            )
        )
    return tuple(records)


def children_by_age(territory: Territory, year: int) -> dict[int, dict[int, float]]:
    """Children under 6 per finest area and age for a year (stored, else the forecast)."""
    children: dict[int, dict[int, float]] = defaultdict(dict)
    for area_id, age, count in PopulationCount.objects.filter(
        area__territory=territory, area__valid_to__isnull=True, year=year, age__lt=6
    ).values_list("area_id", "age", "count"):
        children[area_id][age] = count
    if not children:
        forecast = forecast_for(territory)
        if forecast is not None and year in forecast.projection.years:
            return forecast.children_by_age(year)
    return children


@dataclass
class Outcome:
    """Balance and target metrics of every current area for one supply."""

    balances: dict[int, AreaBalance[int]]
    metrics: dict[int, dict[TargetMetric, float | None]]


@dataclass
class Comparison:
    territory: Territory
    year: int
    areas: dict[int, Area]
    baseline: Outcome
    scenario: Outcome
    rules: list[tuple[TargetRuleModel, list[tuple[TargetResult[int], TargetResult[int]]]]]
    error: ScenarioError | None = None


def outcome(
    *,
    records: tuple[FacilitySupply[int], ...],
    areas: list[Area],
    children: dict[int, dict[int, float]],
    territory: Territory,
    year: int,
) -> Outcome:
    """What :func:`selectors.balance_for` and :func:`selectors.area_metrics` compute."""
    parent_of = {a.pk: a.parent_id for a in areas}
    rates, _stored = selectors.care_rates_for(territory, year)
    balances = compute_balance(
        children_by_age=children,
        supply=selectors.with_childminder_places(
            supply_by_area(records), territory, timezone.localdate()
        ),
        rates=rates,
        parent_of=parent_of,
        area_rates=selectors.class_rates_for(territory, year),
    )
    features = features_by_area(records)
    metrics = selectors.target_metrics(
        balances=balances,
        areas=areas,
        inclusive=roll_up({k: v.inclusive_facilities for k, v in features.items()}, parent_of),
        barrier_free=roll_up(
            {k: v.barrier_free_facilities for k, v in features.items()}, parent_of
        ),
        barrier_free_places=roll_up(
            {k: v.barrier_free_places for k, v in features.items()}, parent_of
        ),
    )
    return Outcome(balances=balances, metrics=metrics)


def compare(scenario: Scenario, *, year: int, day: dt.date | None = None) -> Comparison:
    """Baseline and scenario side by side for a population year, with the target lights.

    When the scenario no longer applies to today's data (e.g. a facility it changes was closed
    for real), the scenario side equals the baseline and ``error`` says why.
    """
    territory = scenario.territory
    areas = list(
        Area.objects.filter(territory=territory, valid_to__isnull=True)
        .select_related("level", "parent")
        .defer("geometry", "bbox", "parent__geometry", "parent__bbox")
    )
    changes = list(scenario.changes.select_related("facility").order_by("pk"))

    def compute() -> tuple[Outcome, Outcome, tuple[str, int, str] | None]:
        children = children_by_age(territory, year)
        base = baseline_records(territory, day)
        failed = None
        try:
            changed = apply_changes(base, [domain_change(c) for c in changes])
        except ScenarioError as exc:
            changed, failed = base, (exc.code, exc.index, exc.facility)
        return (
            outcome(records=base, areas=areas, children=children, territory=territory, year=year),
            outcome(
                records=changed, areas=areas, children=children, territory=territory, year=year
            ),
            failed,
        )

    baseline, after, failed = cached(
        territory.pk,
        "planning.scenario_outcomes",
        (scenario.pk, year, day or timezone.localdate(), changes_key(changes)),
        compute,
    )
    error = ScenarioError(*failed) if failed else None
    level_of = {a.pk: a.level.code for a in areas}
    by_pk = {a.pk: a for a in areas}
    rules = []
    for rule in territory.target_rules.filter(active=True).select_related("level").order_by("code"):
        if not rule.applies_in(year):
            continue
        domain = selectors.domain_rule(rule)
        before_results = evaluate_targets([domain], metrics=baseline.metrics, level_of=level_of)
        after_results = evaluate_targets([domain], metrics=after.metrics, level_of=level_of)
        pairs = sorted(
            zip(before_results, after_results, strict=True),
            key=lambda pair: by_pk[pair[0].area].official_code,
        )
        rules.append((rule, pairs))
    return Comparison(
        territory=territory,
        year=year,
        areas=by_pk,
        baseline=baseline,
        scenario=after,
        rules=rules,
        error=error,
    )


# --- close to home ---------------------------------------------------------------------------

#: The offers of the close-to-home comparison, for children under 6 and a walking catchment.
CLOSE_TO_HOME_OFFERS = (Offer.ALL, Offer.INTEGRATION, Offer.INCLUSION)
CLOSE_TO_HOME_CATCHMENT_M = 1_500


def _centroid(area: Area) -> tuple[float, float] | None:
    if area.centroid_lon is not None and area.centroid_lat is not None:
        return area.centroid_lon, area.centroid_lat
    if area.geometry:
        summary = summarise_geometry(area.geometry)
        return summary.centroid_lon, summary.centroid_lat
    return None


def supply_locations(
    territory: Territory, changes: list[ScenarioChange]
) -> dict[str, tuple[float, float]]:
    """(lon, lat) of every facility key: real facilities where they are, new ones where they
    were opened (their stored location, else the centre of their area)."""
    locations = {
        number: (lon, lat)
        for number, lon, lat in Facility.objects.filter(territory=territory).values_list(
            "official_number", "lon", "lat"
        )
    }
    for change in changes:
        if change.kind != ScenarioChange.OPEN:
            continue
        p = change.parameters
        if p.get("lat") is not None and p.get("lon") is not None:
            locations[new_facility_key(change)] = (float(p["lon"]), float(p["lat"]))
        elif change.area is not None and (centre := _centroid(change.area)) is not None:
            locations[new_facility_key(change)] = centre
    return locations


def supply_points_of(
    records: tuple[FacilitySupply[int], ...],
    locations: dict[str, tuple[float, float]],
    offer: Offer,
    ages: Ages = Ages.U6,
) -> SupplyPoints:
    """The located facilities of a supply with the places of ``offer`` (as on the
    close-to-home page)."""
    located = [r for r in records if r.key in locations]
    x, y = project_to_metres(
        [locations[r.key][0] for r in located], [locations[r.key][1] for r in located]
    )
    capacities = [
        _capacity(
            {
                "current_places_u3": r.places_u3,
                "current_places_ue3": r.places_ue3,
                "current_integration_places": r.integration_places,
                "step_free_entrance": r.barrier_free,
                "accessible_toilet": r.barrier_free,
                "inclusion_profile": r.inclusion_profile,
            },
            ages,
            offer,
        )
        for r in located
    ]
    return SupplyPoints(x, y, capacities)


@dataclass
class CloseToHome:
    """Close-to-home results per offer (children under 6, 1,500 m), baseline and scenario."""

    baseline: dict[Offer, AccessibilityResult]
    scenario: dict[Offer, AccessibilityResult]
    error: ScenarioError | None = None


def close_to_home(
    scenario: Scenario, *, year: int, level: AreaLevel | None = None, day: dt.date | None = None
) -> CloseToHome:
    """The close-to-home shares of the baseline and of the scenario per area of ``level``.

    Closed facilities drop out, changed places change the capacities, new facilities stand at
    their location. When the scenario no longer applies, its side equals the baseline.
    """
    territory = scenario.territory
    changes = list(scenario.changes.select_related("facility", "area").order_by("pk"))

    def compute() -> tuple[
        dict[str, dict[Offer, AccessibilityResult]], tuple[str, int, str] | None
    ]:
        base = baseline_records(territory, day)
        failed = None
        try:
            changed = apply_changes(base, [domain_change(c) for c in changes])
        except ScenarioError as exc:
            changed, failed = base, (exc.code, exc.index, exc.facility)
        locations = supply_locations(territory, changes)
        # The finer population points when the territory has a grid (areas without cells keep
        # their centroid), so the scenario's figures match the close-to-home page's.
        points = (
            PopulationPoints.GRID if has_population_grid(territory) else PopulationPoints.CENTROIDS
        )
        sides: dict[str, dict[Offer, AccessibilityResult]] = {"baseline": {}, "scenario": {}}
        for side, records in (("baseline", base), ("scenario", changed)):
            for offer in CLOSE_TO_HOME_OFFERS:
                sides[side][offer] = accessibility_for(
                    user=None,
                    territory=territory,
                    year=year,
                    ages=Ages.U6,
                    offer=offer,
                    catchment_m=CLOSE_TO_HOME_CATCHMENT_M,
                    level=level,
                    supply=supply_points_of(records, locations, offer),
                    points=points,
                )
        return sides, failed

    sides, failed = cached(
        territory.pk,
        "planning.scenario_close_to_home",
        (
            scenario.pk,
            year,
            level.pk if level else None,
            day or timezone.localdate(),
            changes_key(changes),
        ),
        compute,
    )
    error = ScenarioError(*failed) if failed else None
    return CloseToHome(baseline=sides["baseline"], scenario=sides["scenario"], error=error)


def changes_key(changes: list[ScenarioChange]) -> tuple[tuple[Any, ...], ...]:
    """The stored values of a scenario's changes: part of the cache key of its results, so that
    any change of a change computes anew."""
    return tuple(
        tuple((f.attname, getattr(c, f.attname)) for f in ScenarioChange._meta.concrete_fields)
        for c in changes
    )
