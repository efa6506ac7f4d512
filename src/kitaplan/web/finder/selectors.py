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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias, overload

from django.db.models import Prefetch, Q, QuerySet

from kitaplan.domain.territory.geometry import summarise_geometry
from kitaplan.web.allocation.models import AllocationRound, RoundProgramme
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.childminding.services import free_places_on
from kitaplan.web.core import derived
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.facilities.selectors import FacilityOnDay, with_places_on
from kitaplan.web.territory.addresses import AddressMatch
from kitaplan.web.territory.models import Area, Territory

AGE_U3 = "u3"
AGE_UE3 = "ue3"
KIND_KITA = "kita"
KIND_CHILDMINDER = "childminder"
EARTH_RADIUS_KM = 6371.0
#: What the finder never draws of a Kita's or childminder's area: its boundary.
AREA_DEFERRED = ("area__geometry", "area__bbox")


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
    """The territory's current areas without sub-areas (the finest level), by name; without
    their boundaries (:func:`area_centre` reads one only where no centroid is stored)."""
    return (
        Area.objects.filter(territory=territory, valid_to__isnull=True, children__isnull=True)
        .defer("geometry", "bbox")
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
    return _matches(tokens, street, postcode, area.name if area is not None else None)


def _matches(tokens: list[str], street: str, postcode: str, area_name: str | None) -> bool:
    if not tokens:
        return True
    if any(t == (postcode or "").strip() for t in tokens if t.isdigit() and len(t) == 5):
        return True
    street_cf = (street or "").casefold()
    if any(t in street_cf for t in tokens if len(t) >= 3 and not t.isdigit()):
        return True
    area_cf = area_name.casefold() if area_name is not None else ""
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


def _kitas(criteria: Criteria) -> QuerySet[FacilityOnDay] | None:
    """The Kitas that meet every criterion but the address words, filtered in the database, in
    the facilities' own order (``None``: the criteria leave out every Kita)."""
    day = criteria.day
    if criteria.kind == KIND_CHILDMINDER or criteria.language:
        return None
    facilities = with_places_on(
        Facility.objects.valid_on(day).filter(territory=criteria.territory), day
    )
    if criteria.barrier_free:
        facilities = facilities.filter(step_free_entrance=True, accessible_toilet=True)
    if criteria.inclusion_profile:
        facilities = facilities.filter(inclusion_profile=True)
    if criteria.age_group == AGE_U3:
        facilities = facilities.filter(current_places_u3__gt=0)
    elif criteria.age_group == AGE_UE3:
        facilities = facilities.filter(current_places_ue3__gt=0)
    else:  # places are never negative: "u3 + ue3 > 0" is "one of them > 0"
        facilities = facilities.filter(Q(current_places_u3__gt=0) | Q(current_places_ue3__gt=0))
    if criteria.integration:
        facilities = facilities.filter(current_integration_places__gt=0)
    return facilities


@dataclass(slots=True)
class _Kita:
    """A Kita that qualifies, as few values as ordering needs (the page loads the rest)."""

    pk: int
    name: str
    lat: float
    lon: float
    distance_km: float | None = None
    kind: str = KIND_KITA


def _kita_rows(facilities: QuerySet[FacilityOnDay], tokens: list[str]) -> list[_Kita]:
    """The Kitas of the queryset (in its order) whose street, postcode or area matches the
    address words (:func:`matches_address`, in Python: it folds case as the words are folded)."""
    if not tokens:
        return [_Kita(*row) for row in facilities.values_list("pk", "name", "lat", "lon")]
    rows = facilities.values_list("pk", "name", "lat", "lon", "street", "postcode", "area__name")
    return [
        _Kita(pk, name, lat, lon)
        for pk, name, lat, lon, street, postcode, area_name in rows
        if _matches(tokens, street, postcode, area_name)
    ]


def childminder_free_places(childminder: Childminder, day: dt.date) -> int | None:
    """Free places on ``day`` (None: not active or no valid permit); needs permits and
    contracts prefetched. The same rule as the registry's list of free places, counted on a
    working day (a Saturday or Sunday counts as the next Monday)."""
    if childminder.status != "active":
        return None
    return free_places_on(childminder, day)


def free_places_by_childminder(territory_id: int, day: dt.date) -> dict[int, int | None]:
    """Free places on ``day`` of every active childminder of the territory (childminder pk →
    places), computed once per data version and day (permits, contracts: core.derived)."""

    def compute() -> dict[int, int | None]:
        return {
            cm.pk: childminder_free_places(cm, day)
            for cm in Childminder.objects.filter(territory_id=territory_id, status="active")
            .only("pk", "status", "own_children_slots")
            .prefetch_related("permits", "contracts")
        }

    return derived.cached(territory_id, "finder.childminder_free_places", (day,), compute)


def _childminders(criteria: Criteria, tokens: list[str]) -> list[Result]:
    if (
        criteria.kind == KIND_KITA
        or criteria.age_group == AGE_UE3
        or criteria.integration
        or criteria.barrier_free
    ):
        return []
    free_by_pk = free_places_by_childminder(criteria.territory.pk, criteria.day)
    childminders = (
        Childminder.objects.filter(territory=criteria.territory, status="active")
        .select_related("area")
        .defer(*AREA_DEFERRED)
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
        free = free_by_pk.get(cm.pk)
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


def find(criteria: Criteria, round_: AllocationRound | None = None) -> FinderResults:
    """Kitas and childminders that meet every criterion, nearest first when a home address was
    found or an area chosen (straight line from the address, else the area's centroid), else by
    name. The answer is a sequence that reads the full Kitas only for the slice taken from it
    (a page of results)."""
    return FinderResults(criteria, round_)


_Entry: TypeAlias = "_Kita | Result"


def _pk(entry: _Entry) -> int:
    return entry.pk if isinstance(entry, _Kita) else entry.obj.pk


#: The bounding-box search pays only with many Kitas; below, every Kita's point is read at once.
BBOX_FROM_KITAS = 300


class FinderResults(Sequence[Result]):
    """The results of :func:`find`, in order; a slice reads the full Kitas of the slice only.

    Childminders are few and need their contracts for the free places, so all of them are
    evaluated. Kitas are filtered in the database and read as (pk, name, point). Sorted by
    name, every qualifying Kita is read (the order folds case as Python does, which the
    databases' collations do not). Sorted by distance, only the Kitas in a box around the
    origin are read (on the lat/lon columns), and the box grows until the Kitas and
    childminders nearer than its half side are enough for the slice; they alone get distances.
    """

    def __init__(self, criteria: Criteria, round_: AllocationRound | None = None) -> None:
        self.criteria = criteria
        self.round = round_
        self.tokens = address_tokens(criteria.address)
        self.centre = origin_of(criteria)
        self.kitas = _kitas(criteria)
        self.childminders = _childminders(criteria, self.tokens)
        self._all: list[_Kita] | None = None
        self._count: int | None = None
        self._ordered: list[_Entry] = []
        self._complete = False

    # -- the Sequence protocol

    def __len__(self) -> int:
        return self.kita_count() + len(self.childminders)

    @overload
    def __getitem__(self, index: int) -> Result: ...

    @overload
    def __getitem__(self, index: slice) -> list[Result]: ...

    def __getitem__(self, index: int | slice) -> Result | list[Result]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if stop <= start:
                return []
            return self._results(self._first(stop)[start:stop:step])
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        return self[position : position + 1][0]

    def __iter__(self) -> Iterator[Result]:
        return iter(self[0 : len(self)])

    # -- counting and ordering

    def kita_count(self) -> int:
        if self._count is None:
            if self.kitas is None:
                self._count = 0
            elif self.tokens or self.centre is None:  # every Kita is read anyway
                self._count = len(self._all_kitas())
            else:
                self._count = self.kitas.count()
        return self._count

    def _all_kitas(self) -> list[_Kita]:
        if self._all is None:
            self._all = _kita_rows(self.kitas, self.tokens) if self.kitas is not None else []
        return self._all

    def _first(self, count: int) -> list[_Entry]:
        """The entries in order, at least the first ``count`` of them (all when fewer)."""
        if self._complete or len(self._ordered) >= count:
            return self._ordered
        entries: list[_Entry]
        if self.centre is None:
            entries = [*self._all_kitas(), *self.childminders]
            entries.sort(key=lambda e: (e.name.casefold(), e.kind, _pk(e)))
            self._ordered, self._complete = entries, True
            return entries
        for result in self.childminders:
            if result.lat is not None and result.lon is not None:
                result.distance_km = distance_km(self.centre, (result.lat, result.lon))
        if self.kitas is None or self.tokens or self.kita_count() < BBOX_FROM_KITAS:
            kitas, radius = self._all_kitas(), math.inf
        else:
            kitas, radius = self._nearest_kitas(count)
        for kita in kitas:
            kita.distance_km = distance_km(self.centre, (kita.lat, kita.lon))
        entries = [*kitas, *self.childminders]
        if radius < math.inf:  # beyond the radius a nearer Kita may be missing
            entries = [e for e in entries if e.distance_km is not None and e.distance_km <= radius]
        entries.sort(key=lambda e: (e.distance_km is None, e.distance_km or 0.0, e.name.casefold()))
        self._ordered, self._complete = entries, radius == math.inf
        return entries

    def _nearest_kitas(self, count: int) -> tuple[list[_Kita], float]:
        """The Kitas of a box around the origin and the radius (km) within which every Kita
        and childminder is among them and the childminders, at least ``count`` of them in all
        (a radius of ``inf``: every Kita)."""
        assert self.kitas is not None and self.centre is not None
        radius = max(1.0, 0.5 * math.sqrt(count))
        while radius < MAX_BOX_KM:
            box = self.kitas.filter(**bounding_box(*self.centre, radius))
            kitas = [_Kita(*row) for row in box.values_list("pk", "name", "lat", "lon")]
            if len(kitas) == self.kita_count():
                return kitas, math.inf
            near = sum(1 for k in kitas if distance_km(self.centre, (k.lat, k.lon)) <= radius)
            near += sum(
                1
                for r in self.childminders
                if r.distance_km is not None and r.distance_km <= radius
            )
            if near >= count:
                return kitas, radius
            radius *= 2
        return self._all_kitas(), math.inf

    # -- the full results of a slice

    def _results(self, entries: list[_Entry]) -> list[Result]:
        ids = [e.pk for e in entries if isinstance(e, _Kita)]
        facilities = _facilities_by_pk(ids, self.criteria.day)
        results = [
            _kita_result(facilities[e.pk], e.distance_km) if isinstance(e, _Kita) else e
            for e in entries
        ]
        if self.round is not None:
            programmes = RoundProgramme.objects.filter(round=self.round)
            in_round_kitas = set(
                programmes.filter(facility_id__in=ids).values_list("facility_id", flat=True)
            )
            childminder_ids = [r.obj.pk for r in results if not r.is_kita]
            in_round_childminders = set(
                programmes.filter(childminder_id__in=childminder_ids).values_list(
                    "childminder_id", flat=True
                )
            )
            for result in results:
                ids_in = in_round_kitas if result.is_kita else in_round_childminders
                result.in_round = result.obj.pk in ids_in
        return results


#: Beyond this half side (km) the box gives way to reading every Kita.
MAX_BOX_KM = 200.0


def bounding_box(lat: float, lon: float, radius_km: float) -> dict[str, float]:
    """Lookups of a lat/lon box holding every point within ``radius_km`` of (lat, lon) as
    :func:`distance_km` measures (a little larger: the box only preselects)."""
    half = radius_km * 1.01 + 0.01
    dlat = math.degrees(half / EARTH_RADIUS_KM)
    box = {"lat__gte": lat - dlat, "lat__lte": lat + dlat}
    # the longitude factor is cos of the mean latitude: smallest at the box's edge nearer a pole
    edge = math.radians(min(abs(lat) + dlat, 89.0))
    dlon = math.degrees(half / (EARTH_RADIUS_KM * math.cos(edge)))
    if abs(lat) + dlat < 89.0 and lon - dlon > -180.0 and lon + dlon < 180.0:
        box.update({"lon__gte": lon - dlon, "lon__lte": lon + dlon})
    return box


def _facilities_by_pk(ids: list[int], day: dt.date) -> dict[int, Facility]:
    """The Kitas of a page with their area (without its boundary), their provider (named on the
    card: whom a family can ask) and the places on ``day``."""
    facilities = (
        Facility.objects.filter(pk__in=ids)
        .select_related("area", "provider")
        .defer(*AREA_DEFERRED)
        .prefetch_related(
            Prefetch(
                "places_history",
                queryset=FacilityPlaces.objects.valid_on(day, open_start=False),
                to_attr="places_on_day",
            )
        )
    )
    return {f.pk: f for f in facilities} if ids else {}


def _kita_result(facility: Facility, distance: float | None) -> Result:
    places: list[FacilityPlaces] = getattr(facility, "places_on_day", [])
    return Result(
        kind=KIND_KITA,
        obj=facility,
        name=facility.name,
        address=facility.address,
        area=facility.area,
        lat=facility.lat,
        lon=facility.lon,
        places=places[0] if places else None,
        distance_km=distance,
    )
