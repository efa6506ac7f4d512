"""Pages of facilities: filterable list with exports, detail with places over time, editing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, export_response, point
from kitaplan.web.facilities import selectors, services
from kitaplan.web.facilities.forms import FacilityFilterForm, FacilityForm, PlacesForm, yes_no
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.facilities.selectors import facilities_editable_by
from kitaplan.web.facilities.tables import FACILITY_COLUMNS
from kitaplan.web.territory.models import Area


def _require_staff(request: HttpRequest) -> None:
    if not access.is_staff_user(request.user):
        raise PermissionDenied


def _filters_from(request: HttpRequest) -> tuple[FacilityFilterForm, selectors.FacilityFilter]:
    form = FacilityFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    territory = data.get("territory")
    area = None
    if data.get("area"):
        areas = Area.objects.filter(official_code=data["area"], valid_to__isnull=True)
        if territory is not None:
            areas = areas.filter(territory=territory)
        area = areas.order_by("-level__rank").first()
        if area is None:
            form.add_error("area", _("No area has this code."))
    filters = selectors.FacilityFilter(
        territory=territory,
        search=data.get("q") or "",
        area=area,
        provider_type=data.get("provider_type") or "",
        inclusion_profile=yes_no(data.get("inclusion_profile")),
        barrier_free=yes_no(data.get("barrier_free")),
        has_integration_places=yes_no(data.get("integration")),
        day=data.get("day"),
        sort=request.GET.get("sort") or "name",
    )
    return form, filters


def facility_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form, filters = _filters_from(request)
    facilities = selectors.facility_list(user=request.user, filters=filters)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        return export_response(
            export_format=export_format,
            columns=FACILITY_COLUMNS,
            objects=selectors.facility_rows(facilities),
            base_name="einrichtungen",
            geometry=lambda f: point(f.lat, f.lon),
        )
    page = Paginator(facilities, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    map_query = query.copy()
    map_query.pop("sort", None)
    return render(
        request,
        "facilities/facility_list.html",
        {
            "form": form,
            "page_obj": page,
            "totals": selectors.facility_list_totals(facilities),
            "current_sort": filters.sort,
            "querystring": query.urlencode(),
            "export_url": reverse("facilities:facility-list"),
            "map_url": reverse("facilities:facility-geojson") + "?" + map_query.urlencode(),
        },
    )


def facility_geojson(request: HttpRequest) -> JsonResponse:
    """Facility points for the maps, with the same filters as the list."""
    _require_staff(request)
    _form, filters = _filters_from(request)
    rows = selectors.facility_list(user=request.user, filters=filters).values_list(
        "pk", "name", "official_number", "lat", "lon", "current_total"
    )
    features = [
        {
            "type": "Feature",
            "geometry": point(lat, lon),
            "properties": {
                "name": name,
                "official_code": number,
                "places": total,
                "url": reverse("facilities:facility-detail", args=[pk]),
            },
        }
        for pk, name, number, lat, lon, total in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _get_visible(request: HttpRequest, pk: int) -> Facility:
    try:
        return selectors.get_facility_for(user=request.user, pk=pk)
    except Facility.DoesNotExist as missing:
        raise Http404 from missing


def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    facility = _get_visible(request, pk)
    today = timezone.localdate()
    history = list(selectors.places_history(facility))
    events = AuditEvent.objects.filter(
        target_type="facilities.facility", target_id=str(facility.pk)
    )[:20]
    return render(
        request,
        "facilities/facility_detail.html",
        {
            "facility": facility,
            "places": selectors.places_on(facility, today),
            "history": history,
            "today": today,
            "can_edit": facilities_editable_by(request.user).filter(pk=pk).exists(),
            "events": events
            if access.can_view_audit(request.user) or access.is_staff_user(request.user)
            else [],
            "map_url": (
                reverse("territory:area-geojson") + f"?area={facility.area_id}&facilities=1"
                if facility.area_id and access.can_view_areas(request.user)
                else reverse("facilities:facility-geojson") + f"?q={facility.official_number}"
            ),
        },
    )


def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    facility = _get_visible(request, pk)
    if not facilities_editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    current = selectors.places_on(facility, timezone.localdate())
    initial_places = {
        name: getattr(current, name) if current else 0 for name in FacilityPlaces.PLACE_FIELDS
    }
    if request.method == "POST":
        form = FacilityForm(request.POST, instance=Facility.objects.get(pk=facility.pk))
        places_form = PlacesForm(request.POST, prefix="places")
        if form.is_valid() and places_form.is_valid():
            values = {name: form.cleaned_data[name] for name in FacilityForm.Meta.fields}
            places = {name: places_form.cleaned_data[name] for name in FacilityPlaces.PLACE_FIELDS}
            try:
                services.update_facility(
                    facility=facility,
                    actor=request.user,
                    values=values,
                    places=places,
                    places_valid_from=places_form.cleaned_data["valid_from"],
                )
            except ValueError:
                places_form.add_error(
                    "valid_from",
                    _("Places can only change from the current record's first day or later."),
                )
            else:
                messages.success(request, _("The facility was saved."))
                return redirect("facilities:facility-detail", pk=facility.pk)
    else:
        form = FacilityForm(instance=facility)
        places_form = PlacesForm(
            prefix="places", initial={**initial_places, "valid_from": timezone.localdate()}
        )
    return render(
        request,
        "facilities/facility_edit.html",
        {
            "facility": facility,
            "form": form,
            "places_form": places_form,
        },
    )
