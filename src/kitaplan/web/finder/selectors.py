"""Reads of the public Kita-Finder.

The finder is public (no login), so it reads only what a Kita or a childminder publishes anyway:
name, address (a childminder: postcode, town and area only, never her home address), licensed
places, free places of a childminder, accessibility and inclusion features, languages spoken. No
provider internals, no children, no applications. This is the whole public scope; nothing here
is shown to anybody through another page.

Filters, one by one (the page explains them in the same words):

- Kitas: open on the day (``valid_from``/``valid_to``) with places of the age group on that day
  (without an age group: any place for children under school age).
- Childminders: active, a permit valid on the day and at least one free place on the day
  (:func:`kitaplan.domain.childminding.capacity.free_places`). Kindertagespflege is shown for
  children under 3 only: from 3 the legal claim is to a Kita place (§ 24 SGB VIII).
- integration places: Kitas with integration places on the day (childminders have none).
- barrier-free: Kitas with a step-free entrance and an accessible toilet (no data for
  childminders, so they are left out).
- inclusion profile: Kitas with an inclusion profile, childminders with inclusion skills.
- language: childminders who speak it (there is no data on languages for Kitas).
- address: where the territory has an address register, the address is looked up there
  (:func:`kitaplan.web.territory.addresses.resolve_address`) and the results are sorted by
  straight-line distance from its point; it filters nothing. Without a register (the fallback)
  the words of the text are compared with the names of the areas, the streets and the
  postcodes (:func:`matches_address`) and the family may choose an area instead.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from kitaplan.domain.territory.geometry import summarise_geometry
from kitaplan.web.allocation.models import AllocationRound, RoundProgramme
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.childminding.services import free_places_on
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.territory.addresses import AddressMatch
from kitaplan.web.territory.models import Area, Territory

AGE_U3 = "u3"
AGE_UE3 = "ue3"
KIND_KITA = "kita"
KIND_CHILDMINDER = "childminder"
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Criteria:
    territory: Territory
    day: dt.date
    area: Area | None = None
    origin: AddressMatch | None = None  # the home address found in the register
    address: str = ""
    age_group: str = ""
    integration: bool = False
    barrier_free: bool = False
    inclusion_profile: bool = False
    kind: str = ""
    language: str = ""


@dataclass
class Result:
    kind: str  # KIND_KITA or KIND_CHILDMINDER
    obj: Facility | Childminder
    name: str
    address: str
    area: Area | None
    lat: float | None
    lon: float | None
    places: FacilityPlaces | None = None  # Kitas: the places on the day
    free: int | None = None  # childminders: free places on the day
    languages: list[str] = field(default_factory=list)
    distance_km: float | None = None
    in_round: bool = False  # released places in the open allocation round

    @property
    def is_kita(self) -> bool:
        return self.kind == KIND_KITA


def finest_areas(territory: Territory) -> QuerySet[Area]:
    """The territory's current areas without sub-areas (the finest level), by name."""
    return (
        Area.objects.filter(territory=territory, valid_to__isnull=True, children__isnull=True)
        .distinct()
        .order_by("name", "official_code")
    )


def split_languages(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;/]", text or "") if part.strip()]


def spoken_languages(territory: Territory) -> list[str]:
    """The languages the territory's active childminders speak, alphabetically."""
    found: dict[str, str] = {}
    for text in Childminder.objects.filter(territory=territory, status="active").values_list(
        "languages", flat=True
    ):
        for language in split_languages(text):
            found.setdefault(language.casefold(), language)
    return sorted(found.values(), key=str.casefold)


def address_tokens(text: str) -> list[str]:
    """The words of the text, case-folded."""
    return re.findall(r"\w+", text.casefold())


def matches_address(tokens: list[str], street: str, postcode: str, area: Area | None) -> bool:
    """A postcode equal to a 5-digit number of the text, a street containing one of its words
    (3 letters or more), or an area name containing all its words ("altstadt" finds "Innere
    Altstadt")."""
    if not tokens:
        return True
    if any(t == (postcode or "").strip() for t in tokens if t.isdigit() and len(t) == 5):
        return True
    street_cf = (street or "").casefold()
    if any(t in street_cf for t in tokens if len(t) >= 3 and not t.isdigit()):
        return True
    area_cf = area.name.casefold() if area is not None else ""
    return all(t in area_cf for t in tokens)


def area_centre(area: Area) -> tuple[float, float] | None:
    """(lat, lon) of the area's centroid, computed from the boundary when not stored."""
    if area.centroid_lat is not None and area.centroid_lon is not None:
        return area.centroid_lat, area.centroid_lon
    if area.geometry:
        summary = summarise_geometry(area.geometry)
        return summary.centroid_lat, summary.centroid_lon
    return None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight-line distance (equirectangular approximation, good within a city)."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    x = (lon2 - lon1) * math.cos((lat1 + lat2) / 2)
    return EARTH_RADIUS_KM * math.hypot(x, lat2 - lat1)


def open_round(territory: Territory, today: dt.date) -> AllocationRound | None:
    """The territory's allocation round open for applications today (earliest start first)."""
    return (
        AllocationRound.objects.filter(
            territory=territory, applications_open__lte=today, applications_close__gte=today
        )
        .order_by("care_start", "pk")
        .first()
    )


def _kitas(criteria: Criteria, tokens: list[str]) -> list[Result]:
    day = criteria.day
    if criteria.kind == KIND_CHILDMINDER or criteria.language:
        return []
    facilities = (
        Facility.objects.valid_on(day)
        .filter(territory=criteria.territory)
        .select_related("area")
        .prefetch_related(
            Prefetch(
                "places_history",
                queryset=FacilityPlaces.objects.valid_on(day, open_start=False),
                to_attr="places_on_day",
            )
        )
    )
    if criteria.barrier_free:
        facilities = facilities.filter(step_free_entrance=True, accessible_toilet=True)
    if criteria.inclusion_profile:
        facilities = facilities.filter(inclusion_profile=True)
    results = []
    for facility in facilities:
        places = facility.places_on_day[0] if facility.places_on_day else None
        if places is None:
            continue
        if criteria.age_group == AGE_U3 and places.places_u3 <= 0:
            continue
        if criteria.age_group == AGE_UE3 and places.places_ue3 <= 0:
            continue
        if not criteria.age_group and places.places_u3 + places.places_ue3 <= 0:
            continue
        if criteria.integration and places.integration_places <= 0:
            continue
        if not matches_address(tokens, facility.street, facility.postcode, facility.area):
            continue
        results.append(
            Result(
                kind=KIND_KITA,
                obj=facility,
                name=facility.name,
                address=facility.address,
                area=facility.area,
                lat=facility.lat,
                lon=facility.lon,
                places=places,
            )
        )
    return results


def childminder_free_places(childminder: Childminder, day: dt.date) -> int | None:
    """Free places on ``day`` (None: not active or no valid permit); needs permits and
    contracts prefetched. The same rule as the registry's list of free places, counted on a
    working day (a Saturday or Sunday counts as the next Monday)."""
    if childminder.status != "active":
        return None
    return free_places_on(childminder, day)


def _childminders(criteria: Criteria, tokens: list[str]) -> list[Result]:
    if (
        criteria.kind == KIND_KITA
        or criteria.age_group == AGE_UE3
        or criteria.integration
        or criteria.barrier_free
    ):
        return []
    childminders = (
        Childminder.objects.filter(territory=criteria.territory, status="active")
        .select_related("area")
        .prefetch_related("permits", "contracts")
    )
    if criteria.inclusion_profile:
        childminders = childminders.filter(inclusion_skills=True)
    wanted = criteria.language.casefold()
    results = []
    for cm in childminders:
        languages = split_languages(cm.languages)
        if wanted and wanted not in {lang.casefold() for lang in languages}:
            continue
        if not matches_address(tokens, cm.street, cm.postcode, cm.area):
            continue
        free = childminder_free_places(cm, criteria.day)
        if not free:
            continue
        town = " ".join(p for p in (cm.postcode, cm.city) if p)
        results.append(
            Result(
                kind=KIND_CHILDMINDER,
                obj=cm,
                name=cm.name,
                address=town,
                area=cm.area,
                lat=cm.lat,
                lon=cm.lon,
                free=free,
                languages=languages,
            )
        )
    return results


def origin_of(criteria: Criteria) -> tuple[float, float] | None:
    """(lat, lon) the distances are measured from: the home address, else the area's centre."""
    if criteria.origin is not None:
        return criteria.origin.lat, criteria.origin.lon
    return area_centre(criteria.area) if criteria.area is not None else None


def find(criteria: Criteria, round_: AllocationRound | None = None) -> list[Result]:
    """Kitas and childminders that meet every criterion, nearest first when a home address was
    found or an area chosen (straight line from the address, else the area's centroid), else by
    name."""
    tokens = address_tokens(criteria.address)
    results = [*_kitas(criteria, tokens), *_childminders(criteria, tokens)]
    if round_ is not None:
        programmes = RoundProgramme.objects.filter(round=round_)
        facility_ids = set(programmes.values_list("facility_id", flat=True))
        childminder_ids = set(programmes.values_list("childminder_id", flat=True))
        for result in results:
            ids = facility_ids if result.is_kita else childminder_ids
            result.in_round = result.obj.pk in ids
    centre = origin_of(criteria)
    if centre is not None:
        for result in results:
            if result.lat is not None and result.lon is not None:
                result.distance_km = distance_km(centre, (result.lat, result.lon))
        results.sort(key=lambda r: (r.distance_km is None, r.distance_km or 0.0, r.name.casefold()))
    else:
        results.sort(key=lambda r: (r.name.casefold(), r.kind, r.obj.pk))
    return results
