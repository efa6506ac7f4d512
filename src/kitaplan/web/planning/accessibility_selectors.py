"""Reads of the close-to-home analysis (de: wohnortnahe Versorgung, Erreichbarkeit).

How many suitable places per child can be reached from where the children live, and which
share of the children has a suitable place within the catchment, per area of a level.

* **Demand points**: by default the centroids (``centroid_lat/lon``) of the current areas of
  the finest level, each weighted with the children of the chosen ages in the chosen year
  (:class:`~kitaplan.web.territory.models.PopulationCount`). An area without a stored centroid
  gets the centroid of its boundary; an area with neither is left out and its children are
  reported as *not located*. When the territory has a population grid
  (:class:`~kitaplan.web.territory.models.PopulationGridCell`, e.g. Zensus 2022 100 m) and it
  is chosen, each area's children are spread over the area's populated cells in proportion
  to the cells' residents (dasymetric: the grid says *where* in the area people live, the
  population table says *how many children* live there); an area without populated cells
  keeps its centroid. The area totals are the same either way.
* **Supply points**: the open facilities of the territory (``facilities.selectors.facility_list``,
  so always scoped by ``core.access``) at ``lat/lon`` with the places of the chosen offer valid
  today: all places of the ages, the integration places, or the places of the ages in
  barrier-free facilities (step-free entrance and accessible toilet) or in facilities with an
  inclusion profile. Integration places are not split by age: they are set against the children
  of the chosen ages.
* **Engine**: :func:`kitaplan.domain.planning.accessibility.e2sfca` with the Gaussian decay of
  the catchment (:meth:`GaussianDecay.for_catchment`), and the distance to the nearest facility
  with suitable places (:func:`nearest_place_distance`); straight-line distances in
  ETRS89 / UTM 33N.
* **Aggregation** to the areas of the chosen level (each finest area belongs to the area of the
  level whose ``path`` is a prefix of its own): the child-weighted mean of the access and the
  share of children whose nearest suitable facility is within the catchment
  (:func:`access_by_group`).

The page is for city staff only (see ``accessibility_views``): with the facilities a facility
manager may see, the figures would describe a partial supply and mislead.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.planning.accessibility import (
    WALKING_CATCHMENT_M,
    DemandPoints,
    GaussianDecay,
    SupplyPoints,
    access_by_group,
    e2sfca,
    nearest_place_distance,
    project_to_metres,
    share_with_place_within,
)
from kitaplan.domain.territory.geometry import summarise_geometry
from kitaplan.web.core.exports import Column
from kitaplan.web.core.sums import sum64
from kitaplan.web.facilities.selectors import FacilityFilter, facility_list
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    PopulationCount,
    PopulationGridCell,
    Territory,
)

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser


class Offer(StrEnum):
    """Which places count as suitable."""

    ALL = "all"
    INTEGRATION = "integration"
    BARRIER_FREE = "barrier_free"
    INCLUSION = "inclusion"


class PopulationPoints(StrEnum):
    """Where the children are put: area centroids, or the cells of a population grid."""

    CENTROIDS = "centroids"
    GRID = "grid"


POINTS_LABELS = {
    PopulationPoints.CENTROIDS: _("Area centroids"),
    PopulationPoints.GRID: _("Population grid"),
}


class Ages(StrEnum):
    """Which children count, and which places (by age) they can use."""

    U3 = "u3"
    UE3 = "ue3"
    U6 = "u6"

    @property
    def ages(self) -> tuple[int, ...]:
        return {Ages.U3: (0, 1, 2), Ages.UE3: (3, 4, 5), Ages.U6: (0, 1, 2, 3, 4, 5)}[self]


#: Catchment radius (m) → form label.
CATCHMENTS = {
    1_000: _("1,000 m"),
    int(WALKING_CATCHMENT_M): _("1,500 m (walking)"),
    3_000: _("3,000 m"),
}
DEFAULT_CATCHMENT_M = int(WALKING_CATCHMENT_M)

OFFER_LABELS = {
    Offer.ALL: _("All places"),
    Offer.INTEGRATION: _("Integration places"),
    Offer.BARRIER_FREE: _("Places in barrier-free facilities"),
    Offer.INCLUSION: _("Places in facilities with inclusion profile"),
}
#: The offer inside the headline "… of children under 3 have <offer> within 1.5 km".
OFFER_PHRASES = {
    Offer.ALL: _("a Kita with places for their age"),
    Offer.INTEGRATION: _("a Kita with integration places"),
    Offer.BARRIER_FREE: _("a barrier-free Kita with places for their age"),
    Offer.INCLUSION: _("a Kita with inclusion profile and places for their age"),
}
AGE_LABELS = {
    Ages.U3: _("Under 3"),
    Ages.UE3: _("3 to under 6"),
    Ages.U6: _("All under 6"),
}
#: The ages inside the headline "… of children <ages> have …".
AGE_PHRASES = {
    Ages.U3: _("under 3"),
    Ages.UE3: _("aged 3 to under 6"),
    Ages.U6: _("under 6"),
}


@dataclass(frozen=True)
class AccessibilityRow:
    """One area of the chosen level."""

    area: Area
    children: float
    access: float | None  # places per child within reach (E2SFCA), None without children
    share_within: float | None  # share of children with a suitable place within the catchment

    @property
    def access_per_100(self) -> float | None:
        return None if self.access is None else 100 * self.access

    @property
    def share_percent(self) -> float | None:
        return None if self.share_within is None else 100 * self.share_within


@dataclass(frozen=True)
class AccessibilityResult:
    rows: list[AccessibilityRow]
    year: int | None
    ages: Ages
    offer: Offer
    catchment_m: int
    level: AreaLevel | None
    children: float  # located children of the chosen ages
    share_within: float | None  # city-wide share with a suitable place within the catchment
    access: float | None  # city-wide child-weighted mean of the access (places per child)
    children_outside: float  # children whose nearest suitable place is beyond the catchment
    children_not_located: float  # children of areas without centroid or boundary
    facilities: int  # facilities with suitable places
    places: float  # suitable places
    points: PopulationPoints = PopulationPoints.CENTROIDS
    demand_points: int = 0  # population points used (centroids and grid cells)
    areas_on_centroid: int = 0  # areas with children but no populated cell (grid mode)

    @property
    def share_percent(self) -> float | None:
        return None if self.share_within is None else 100 * self.share_within

    @property
    def access_per_100(self) -> float | None:
        return None if self.access is None else 100 * self.access

    @property
    def catchment_km(self) -> float:
        return self.catchment_m / 1000


def _nan_to_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _capacity(row: dict[str, Any], ages: Ages, offer: Offer) -> float:
    if offer is Offer.INTEGRATION:
        return float(row["current_integration_places"])
    if offer is Offer.BARRIER_FREE and not (row["step_free_entrance"] and row["accessible_toilet"]):
        return 0.0
    if offer is Offer.INCLUSION and not row["inclusion_profile"]:
        return 0.0
    u3, ue3 = row["current_places_u3"], row["current_places_ue3"]
    return float({Ages.U3: u3, Ages.UE3: ue3, Ages.U6: u3 + ue3}[ages])


def supply_points(
    *, user: AnyUser, territory: Territory, ages: Ages, offer: Offer, day: dt.date | None = None
) -> SupplyPoints:
    """The facilities the user may see, with the suitable places of today (one query)."""
    facilities = list(
        facility_list(user=user, filters=FacilityFilter(territory=territory, day=day))
        .order_by()
        .values(
            "lat",
            "lon",
            "current_places_u3",
            "current_places_ue3",
            "current_integration_places",
            "step_free_entrance",
            "accessible_toilet",
            "inclusion_profile",
        )
    )
    x, y = project_to_metres([f["lon"] for f in facilities], [f["lat"] for f in facilities])
    return SupplyPoints(x, y, [_capacity(f, ages, offer) for f in facilities])


def _ancestor_at(
    area: Area, level_id: int, level_by_path: dict[str, Area], by_pk: dict[int, Area]
) -> Area | None:
    """The area of the chosen level that contains ``area``: by path prefix, else by parents."""
    if area.path:
        parts = area.path.split("/")
        for depth in range(len(parts), 0, -1):
            found = level_by_path.get("/".join(parts[:depth]))
            if found is not None:
                return found
    current: Area | None = area
    while current is not None:
        if current.level_id == level_id:
            return current
        current = by_pk.get(current.parent_id) if current.parent_id else None
    return None


def accessibility_for(
    *,
    user: AnyUser | None,
    territory: Territory,
    year: int | None,
    ages: Ages = Ages.U3,
    offer: Offer = Offer.ALL,
    catchment_m: int = DEFAULT_CATCHMENT_M,
    level: AreaLevel | None = None,
    day: dt.date | None = None,
    supply: SupplyPoints | None = None,
    points: PopulationPoints = PopulationPoints.CENTROIDS,
) -> AccessibilityResult:
    """E2SFCA access and share within the catchment per area of ``level`` (default: finest).

    ``supply`` replaces the facilities of today (e.g. the supply of a planning scenario); it must
    carry the capacities of ``ages`` and ``offer``. ``user`` (whose visible facilities are the
    supply otherwise) may then be ``None``.

    A fixed number of queries: areas, population, facilities (and boundaries only when some
    finest area has no stored centroid), however many facilities and areas there are.
    """
    areas = list(
        Area.objects.filter(territory=territory, valid_to__isnull=True)
        .select_related("level")
        .defer("geometry", "bbox")
        .order_by("official_code")
    )
    ranks = [a.level.rank for a in areas]
    finest_rank = max(ranks, default=0)
    if level is None:
        level = next((a.level for a in areas if a.level.rank == finest_rank), None)
    finest = [a for a in areas if a.level.rank == finest_rank]
    level_areas = [a for a in areas if level is not None and a.level_id == level.pk]

    children: dict[int, float] = {}
    if year is not None and finest:
        children = {
            area_id: float(total or 0)
            for area_id, total in PopulationCount.objects.filter(
                area__territory=territory,
                area__valid_to__isnull=True,
                area__level__rank=finest_rank,
                year=year,
                age__in=ages.ages,
            )
            .values("area_id")
            .annotate(total=sum64("count"))
            .values_list("area_id", "total")
        }

    cells = _grid_cells(territory) if points is PopulationPoints.GRID else {}
    location = {a.pk: (a.centroid_lon, a.centroid_lat) for a in finest}
    missing = [
        pk
        for pk, (lon, lat) in location.items()
        if (lon is None or lat is None) and pk not in cells
    ]
    if missing:
        for pk, geometry in Area.objects.filter(pk__in=missing).values_list("pk", "geometry"):
            if geometry:
                summary = summarise_geometry(geometry)
                location[pk] = (summary.centroid_lon, summary.centroid_lat)

    # One demand point per centroid, or per populated grid cell of the area.
    point_area: list[Area] = []
    lons: list[float] = []
    lats: list[float] = []
    weights: list[float] = []
    not_located = 0.0
    areas_on_centroid = 0
    for a in finest:
        area_children = children.get(a.pk, 0.0)
        area_cells = cells.get(a.pk)
        if area_cells:
            if area_children <= 0:
                continue  # weightless points change nothing
            grid_total = sum(population for _lon, _lat, population in area_cells)
            for cell_lon, cell_lat, population in area_cells:
                point_area.append(a)
                lons.append(cell_lon)
                lats.append(cell_lat)
                weights.append(area_children * population / grid_total)
            continue
        lon, lat = location[a.pk]
        if lon is None or lat is None:
            not_located += area_children
            continue
        if points is PopulationPoints.GRID and area_children > 0:
            areas_on_centroid += 1
        point_area.append(a)
        lons.append(lon)
        lats.append(lat)
        weights.append(area_children)

    x, y = project_to_metres(lons, lats)
    demand = DemandPoints(x, y, weights)
    if supply is None:
        if user is None:
            raise TypeError("without a supply, accessibility_for needs the user to scope it")
        supply = supply_points(user=user, territory=territory, ages=ages, offer=offer, day=day)

    result = e2sfca(
        demand,
        supply,
        catchment_m=float(catchment_m),
        decay=GaussianDecay.for_catchment(float(catchment_m)),
    )
    within = (nearest_place_distance(demand, supply) <= catchment_m).astype(np.float64)

    level_by_path = {a.path: a for a in level_areas if a.path}
    by_pk = {a.pk: a for a in areas}
    group_cache: dict[int, Area | None] = {}
    group_of = []
    for a in point_area:
        if a.pk not in group_cache:
            group_cache[a.pk] = (
                _ancestor_at(a, level.pk, level_by_path, by_pk) if level is not None else None
            )
        group_of.append(group_cache[a.pk])
    group_ids = [g.pk if g is not None else 0 for g in group_of]
    access_by_area = access_by_group(result.access, demand, group_ids)
    within_by_area = access_by_group(within, demand, group_ids)
    children_by_area: dict[int, float] = {}
    for group_id, weight in zip(group_ids, demand.weight.tolist(), strict=True):
        children_by_area[group_id] = children_by_area.get(group_id, 0.0) + weight

    rows = [
        AccessibilityRow(
            area=a,
            children=children_by_area.get(a.pk, 0.0),
            access=_nan_to_none(access_by_area.get(a.pk, math.nan)),
            share_within=_nan_to_none(within_by_area.get(a.pk, math.nan)),
        )
        for a in level_areas
    ]
    total = float(demand.weight.sum())
    suitable = supply.capacity > 0
    return AccessibilityResult(
        rows=rows,
        year=year,
        ages=ages,
        offer=offer,
        catchment_m=catchment_m,
        level=level,
        children=total,
        share_within=_nan_to_none(
            share_with_place_within(demand, supply, within_m=float(catchment_m))
        ),
        access=float(np.average(result.access, weights=demand.weight)) if total > 0 else None,
        children_outside=float(demand.weight[within == 0].sum()),
        children_not_located=not_located,
        facilities=int(suitable.sum()),
        places=float(supply.capacity.sum()),
        points=points,
        demand_points=len(demand),
        areas_on_centroid=areas_on_centroid,
    )


def has_population_grid(territory: Territory) -> bool:
    return PopulationGridCell.objects.filter(territory=territory).exists()


def _grid_cells(territory: Territory) -> dict[int, list[tuple[float, float, float]]]:
    """Populated cells of the territory's grid by current finest area: (lon, lat, residents)."""
    by_area: dict[int, list[tuple[float, float, float]]] = {}
    rows = (
        PopulationGridCell.objects.filter(
            territory=territory, area__valid_to__isnull=True, population__gt=0
        )
        .order_by("area_id", "cell_id")
        .values_list("area_id", "lon", "lat", "population")
    )
    for area_id, lon, lat, population in rows:
        by_area.setdefault(area_id, []).append((lon, lat, population))
    return by_area


def sort_rows(rows: Iterable[AccessibilityRow], sort: str) -> list[AccessibilityRow]:
    """Rows by ``code``, ``name``, ``children``, ``access`` or ``share`` (``-`` descending).

    Areas without a value come last either way.
    """
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    rows = list(rows)
    if key == "name":
        return sorted(rows, key=lambda r: r.area.name.lower(), reverse=descending)
    getters: dict[str, Callable[[AccessibilityRow], float | None]] = {
        "children": lambda r: r.children,
        "access": lambda r: r.access,
        "share": lambda r: r.share_within,
    }
    if key not in getters:
        return sorted(rows, key=lambda r: r.area.official_code, reverse=descending)
    get = getters[key]
    with_value = [(value, r) for r in rows if (value := get(r)) is not None]
    without = [r for r in rows if get(r) is None]
    ordered = sorted(with_value, key=lambda pair: pair[0], reverse=descending)
    return [r for _value, r in ordered] + without


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def export_columns(result: AccessibilityResult) -> list[Column]:
    """Columns of the table, its export and the GeoJSON properties (with the parameters)."""
    return [
        Column("official_code", _("Code"), lambda r: r.area.official_code),
        Column("name", _("Area"), lambda r: r.area.name),
        Column("level", _("Level"), lambda r: r.area.level.name),
        Column("year", _("Population year"), lambda r: result.year),
        Column("age_group", _("Age group"), lambda r: str(AGE_LABELS[result.ages])),
        Column("offer", _("Offer"), lambda r: str(OFFER_LABELS[result.offer])),
        Column("catchment_m", _("Catchment (m)"), lambda r: result.catchment_m),
        Column(
            "population_points", _("Population points"), lambda r: str(POINTS_LABELS[result.points])
        ),
        Column("children", _("Children"), lambda r: round(r.children)),
        Column(
            "places_per_100_children",
            _("Suitable places within reach per 100 children"),
            lambda r: _round(r.access_per_100, 2),
        ),
        Column(
            "share_within_catchment",
            _("Share of children with a suitable place within the catchment (%)"),
            lambda r: _round(r.share_percent, 1),
        ),
    ]
