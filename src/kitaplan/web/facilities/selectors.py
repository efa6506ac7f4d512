"""Reads of facilities for pages, exports and the API — always scoped by
:func:`facilities_visible_to`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kitaplan.web.core import access
from kitaplan.web.core.access import scoped_to_territories
from kitaplan.web.core.roles import DATA_STEWARD_ROLES, Role
from kitaplan.web.core.sums import int64, sum64
from kitaplan.web.core.validity import valid_on
from kitaplan.web.facilities.models import (
    PROVIDER_TYPE_CHOICES,
    Facility,
    FacilityPlaces,
    Provider,
    format_address,
)
from kitaplan.web.territory.models import Area, Territory

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from kitaplan.web.core.access import AnyUser

PLACE_ANNOTATIONS = (
    "places_u3",
    "places_ue3",
    "places_school",
    "integration_places",
    "special_needs_group_places",
)


class PlacesOnDay(TypedDict):
    """The places of the day that :func:`with_places_on` annotates each facility with."""

    current_places_u3: int
    current_places_ue3: int
    current_places_school: int
    current_integration_places: int
    current_special_needs_group_places: int
    current_total: int


#: A facility annotated by :func:`with_places_on`.
FacilityOnDay: TypeAlias = "WithAnnotations[Facility, PlacesOnDay]"


def with_places_on(queryset: QuerySet[Facility], day: dt.date) -> QuerySet[FacilityOnDay]:
    """Annotate each facility with the places valid on ``day`` (one LEFT JOIN, no query per row)."""
    valid = valid_on(day, "places_history__", open_start=False)

    def current(name: str) -> Coalesce:
        return Coalesce(F(f"places_on_day__{name}"), Value(0))

    return (
        queryset.annotate(places_on_day=FilteredRelation("places_history", condition=valid))
        .annotate(
            current_places_u3=current("places_u3"),
            current_places_ue3=current("places_ue3"),
            current_places_school=current("places_school"),
            current_integration_places=current("integration_places"),
            current_special_needs_group_places=current("special_needs_group_places"),
        )
        .annotate(
            current_total=int64("current_places_u3")
            + int64("current_places_ue3")
            + int64("current_places_school")
        )
    )


#: What no list, export or map of facilities shows: the boundaries of the facility's area and
#: its parent (large GeoJSON, parsed per row) and the territory's attribution text.
LIST_DEFERRED = (
    "area__geometry",
    "area__bbox",
    "area__parent__geometry",
    "area__parent__bbox",
    "territory__attribution",
)


@dataclass(frozen=True)
class FacilityFilter:
    territory: Territory | None = None
    search: str = ""
    area: Area | None = None
    provider_type: str = ""
    provider_id: int | None = None
    inclusion_profile: bool | None = None
    barrier_free: bool | None = None
    has_integration_places: bool | None = None
    include_closed: bool = False
    day: dt.date | None = None
    sort: str = "name"


SORT_FIELDS = {
    "name": ("name", "official_number"),
    "number": ("official_number",),
    "area": ("area__official_code", "name"),
    "provider": ("provider__name", "name"),
    "u3": ("current_places_u3", "name"),
    "ue3": ("current_places_ue3", "name"),
    "total": ("current_total", "name"),
    "integration": ("current_integration_places", "name"),
}


def facility_list(*, user: AnyUser, filters: FacilityFilter) -> QuerySet[FacilityOnDay]:
    """Facilities the user may see, filtered, sorted and annotated with the places of the day."""
    day = filters.day or timezone.localdate()
    qs = (
        facilities_visible_to(user)
        .select_related("provider", "area", "area__parent", "territory")
        .defer(*LIST_DEFERRED)
    )
    if filters.territory is not None:
        qs = qs.filter(territory=filters.territory)
    if not filters.include_closed:
        qs = qs.filter(valid_on(day))
    if filters.search:
        term = filters.search.strip()
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(official_number__startswith=term)
            | Q(street__icontains=term)
            | Q(postcode__startswith=term)
            | Q(provider__name__icontains=term)
        )
    if filters.area is not None:
        qs = qs.filter(territory_id=filters.area.territory_id).filter(
            Q(area=filters.area) | Q(area__path__startswith=filters.area.path + "/")
        )
    if filters.provider_type:
        qs = qs.filter(provider__provider_type=filters.provider_type)
    if filters.provider_id:
        qs = qs.filter(provider_id=filters.provider_id)
    if filters.inclusion_profile is not None:
        qs = qs.filter(inclusion_profile=filters.inclusion_profile)
    if filters.barrier_free is True:
        qs = qs.filter(step_free_entrance=True, accessible_toilet=True)
    elif filters.barrier_free is False:
        qs = qs.exclude(step_free_entrance=True, accessible_toilet=True)
    on_day = with_places_on(qs, day)
    if filters.has_integration_places is True:
        on_day = on_day.filter(current_integration_places__gt=0)
    elif filters.has_integration_places is False:
        on_day = on_day.filter(current_integration_places=0)
    descending = filters.sort.startswith("-")
    fields = SORT_FIELDS.get(filters.sort.lstrip("-"), SORT_FIELDS["name"])
    order = [f"-{fields[0]}" if descending else fields[0], *fields[1:]]
    return on_day.order_by(*order)


def facility_list_totals(queryset: QuerySet[FacilityOnDay]) -> dict[str, int]:
    """Sums of the annotated places over a (filtered) facility list, in one query."""
    sums = queryset.order_by().aggregate(
        **{name: Coalesce(sum64(f"current_{name}"), 0) for name in PLACE_ANNOTATIONS},
        total=Coalesce(sum64("current_total"), 0),
    )
    sums["count"] = queryset.order_by().count()
    return sums


def facility_totals(
    *, user: AnyUser, territory: Territory, day: dt.date | None = None
) -> dict[str, int]:
    return facility_list_totals(
        facility_list(user=user, filters=FacilityFilter(territory=territory, day=day))
    )


@dataclass(frozen=True, slots=True)
class FacilityRow:
    """One facility of a list export, read as plain values (no model instances: an export of
    every Kita of a city builds thousands of rows)."""

    pk: int
    official_number: str
    name: str
    address: str
    area_code: str
    area_name: str
    provider_name: str
    provider_type_label: str
    places_u3: int
    places_ue3: int
    places_school: int
    places_total: int
    integration_places: int
    special_needs_group_places: int
    barrier_free: bool
    inclusion_profile: bool
    lat: float
    lon: float


_ROW_FIELDS = (
    "pk",
    "official_number",
    "name",
    "street",
    "house_number",
    "postcode",
    "city",
    "area__official_code",
    "area__name",
    "provider__name",
    "provider__provider_type",
    "current_places_u3",
    "current_places_ue3",
    "current_places_school",
    "current_total",
    "current_integration_places",
    "current_special_needs_group_places",
    "step_free_entrance",
    "accessible_toilet",
    "inclusion_profile",
    "lat",
    "lon",
)


def facility_rows(queryset: QuerySet[FacilityOnDay]) -> list[FacilityRow]:
    """The rows of :func:`facility_list`'s queryset for the exports, in its order (one query)."""
    type_labels = {value: str(label) for value, label in PROVIDER_TYPE_CHOICES}
    rows = []
    for values in queryset.values_list(*_ROW_FIELDS):
        (pk, number, name, street, house, postcode, city, area_code, area_name) = values[:9]
        (provider, provider_type, u3, ue3, school, total, integ, special) = values[9:17]
        step_free, toilet, inclusion, lat, lon = values[17:]
        rows.append(
            FacilityRow(
                pk=pk,
                official_number=number,
                name=name,
                address=format_address(street, house, postcode, city),
                area_code=area_code or "",
                area_name=area_name or "",
                provider_name=provider or "",
                provider_type_label=type_labels.get(provider_type, provider_type or ""),
                places_u3=u3,
                places_ue3=ue3,
                places_school=school,
                places_total=total,
                integration_places=integ,
                special_needs_group_places=special,
                barrier_free=step_free and toilet,
                inclusion_profile=inclusion,
                lat=lat,
                lon=lon,
            )
        )
    return rows


def get_facility_for(*, user: AnyUser, pk: int) -> Facility:
    """One facility the user may see (raises ``Facility.DoesNotExist`` otherwise)."""
    return facilities_visible_to(user).select_related("provider", "area", "territory").get(pk=pk)


def places_history(facility: Facility) -> QuerySet[FacilityPlaces]:
    return facility.places_history.order_by("-valid_from")


def places_on(facility: Facility, day: dt.date) -> FacilityPlaces | None:
    places: FacilityPlaces | None = facility.places_history.valid_on(day, open_start=False).first()
    return places


# ---------------------------------------------------------------- scoping


@scoped_to_territories()
def facilities_visible_to(user: AnyUser) -> QuerySet[Facility]:
    """The only way pages, exports and the API obtain facilities."""
    if access.is_city_staff(user):
        return Facility.objects.all()
    if Role.FACILITY_MANAGER in access.roles_of(user):
        scope = Q(
            provider__role_assignments__user=user,
            provider__role_assignments__role=Role.FACILITY_MANAGER,
        )
        scope |= Q(role_assignments__user=user, role_assignments__role=Role.FACILITY_MANAGER)
        ids = Facility.objects.filter(scope).values("pk")
        return Facility.objects.filter(pk__in=ids)
    return Facility.objects.none()


def facilities_editable_by(user: AnyUser) -> QuerySet[Facility]:
    """Facilities whose data (places, features, hours) the user may change."""
    if access.has_any_role(user, DATA_STEWARD_ROLES):
        return Facility.objects.all()
    if Role.FACILITY_MANAGER in access.roles_of(user):
        return facilities_visible_to(user)
    return Facility.objects.none()


@scoped_to_territories()
def providers_visible_to(user: AnyUser) -> QuerySet[Provider]:
    if access.is_city_staff(user):
        return Provider.objects.all()
    return Provider.objects.filter(facilities__in=facilities_visible_to(user)).distinct()
