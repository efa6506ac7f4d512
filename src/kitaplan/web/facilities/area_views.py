"""Pages of areas: list with statistics, detail with map, population, indicators and the
facilities of the area (so they live in facilities, one layer above territory)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, export_response
from kitaplan.web.facilities.area_selectors import area_statistics
from kitaplan.web.facilities.selectors import FacilityFilter, facility_list
from kitaplan.web.territory import selectors
from kitaplan.web.territory.forms import STATISTIC_VALUES, AreaFilterForm
from kitaplan.web.territory.models import Area, AreaLevel, Territory
from kitaplan.web.territory.requests import territory_from_request
from kitaplan.web.territory.selectors import AreaStatistics
from kitaplan.web.territory.tables import AREA_COLUMNS

AREA_SORTS = {
    "code": lambda s: s.area.official_code,
    "name": lambda s: s.area.name.lower(),
    "children_u3": lambda s: s.children_u3 or 0,
    "children_ue3": lambda s: s.children_ue3 or 0,
    "facilities": lambda s: s.facilities,
    "places": lambda s: s.places_total,
    "ratio": lambda s: s.places_per_100_children if s.places_per_100_children is not None else -1,
}


def _require_area_access(request: HttpRequest) -> None:
    if not access.can_view_areas(request.user):
        raise PermissionDenied


def _area_rows(
    territory: Territory | None, data: dict[str, Any], sort: str
) -> tuple[list[AreaStatistics], AreaLevel | None, int | None]:
    """The areas of the chosen level (the finest by default) matching the search, sorted; the
    level and the population year used."""
    rows: list[AreaStatistics] = []
    level = data.get("level")
    year = None
    if territory is not None:
        level = level or territory.levels.order_by("-rank").first()
        stats, year = area_statistics(territory=territory)
        rows = [s for s in stats.values() if s.area.level_id == (level.pk if level else None)]
        term = (data.get("q") or "").strip().lower()
        if term:
            rows = [
                s
                for s in rows
                if term in s.area.name.lower() or s.area.official_code.startswith(term)
            ]
    key = AREA_SORTS.get(sort.lstrip("-"), AREA_SORTS["code"])
    rows.sort(key=key, reverse=sort.startswith("-"))
    return rows, level, year


def _area_export(
    export_format: str, rows: list[AreaStatistics], territory: Territory | None
) -> HttpResponse:
    area_geometry = {}
    if export_format == "geojson":
        area_geometry = dict(
            Area.objects.filter(pk__in=[s.area.pk for s in rows]).values_list("pk", "geometry")
        )
    return export_response(
        export_format=export_format,
        columns=AREA_COLUMNS,
        objects=rows,
        base_name=f"gebiete-{territory.code if territory else ''}",
        geometry=lambda s: area_geometry.get(s.area.pk),
    )


def _map_url(territory: Territory | None, level: AreaLevel | None, show: str) -> str:
    query = {
        "territory": territory.code if territory else "",
        "level": level.code if level else "",
        "value": show,
    }
    return reverse("territory:area-geojson") + "?" + urlencode(query)


def _map_value_label(form: AreaFilterForm, show: str) -> object:
    """The label of the value the map shows (``""`` when it shows none)."""
    widget = form.fields["show"].widget  # a Select: its choices are the field's, normalised
    assert isinstance(widget, forms.Select)
    return dict(widget.choices).get(show, "") if show else ""


def area_list(request: HttpRequest) -> HttpResponse:
    _require_area_access(request)
    territory = territory_from_request(request, having=("areas",))
    form = AreaFilterForm(
        request.GET or None,
        territory=territory,
        initial={"territory": territory.code if territory else None},
    )
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    sort = request.GET.get("sort") or "code"
    rows, level, year = _area_rows(territory, data, sort)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        return _area_export(export_format, rows, territory)
    query = request.GET.copy()
    query.pop("page", None)
    show = data.get("show") or ""
    return render(
        request,
        "territory/area_list.html",
        {
            "form": form,
            "territory": territory,
            "level": level,
            "page_obj": Paginator(rows, 50).get_page(request.GET.get("page")),
            "year": year,
            "current_sort": sort,
            "querystring": query.urlencode(),
            "row_count": len(rows),
            "map_url": _map_url(territory, level, show),
            "map_value_label": _map_value_label(form, show),
            "export_url": reverse("territory:area-list"),
        },
    )


def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_area_access(request)
    area = get_object_or_404(Area.objects.select_related("territory", "level", "parent"), pk=pk)
    years, ages, table = selectors.population_table(area)
    stats, stats_year = area_statistics(territory=area.territory)
    children = [
        stats[c.pk]
        for c in area.children.filter(valid_to__isnull=True).order_by("official_code")
        if c.pk in stats
    ]
    facilities = facility_list(user=request.user, filters=FacilityFilter(area=area))
    return render(
        request,
        "territory/area_detail.html",
        {
            "area": area,
            "ancestors": selectors.ancestors(area),
            "stats": stats.get(area.pk),
            "stats_year": stats_year,
            "ages": ages,
            "population_rows": [(y, [table[y].get(age) for age in ages]) for y in years],
            "indicators": selectors.indicator_rows(area),
            "children": children,
            "facilities": facilities[:200],
            "facility_count": facilities.count(),
            "map_url": reverse("territory:area-geojson") + f"?area={area.pk}&facilities=1",
        },
    )


def area_geojson(request: HttpRequest) -> JsonResponse:
    """Boundaries for the maps: a level of a territory, or one area with its child areas."""
    _require_area_access(request)
    qs = Area.objects.filter(valid_to__isnull=True).select_related("level")
    area_id = request.GET.get("area")
    if area_id:
        area = get_object_or_404(Area, pk=area_id)
        qs = qs.filter(Q(pk=area.pk) | Q(parent=area))
    else:
        territory = territory_from_request(request, having=("areas",))
        level_code = request.GET.get("level")
        qs = qs.filter(territory=territory)
        qs = (
            qs.filter(level__code=level_code)
            if level_code
            else qs.filter(level=territory.levels.order_by("-rank").first() if territory else None)
        )
    values = _map_values(request.GET.get("value") or "", qs)
    features = [
        {
            "type": "Feature",
            "geometry": a.geometry,
            "properties": {
                "name": a.name,
                "official_code": a.official_code,
                "level": a.level.name,
                "url": reverse("territory:area-detail", args=[a.pk]),
                **({"value": values.get(a.pk)} if values is not None else {}),
            },
        }
        for a in qs
        if a.geometry
    ]
    if area_id and request.GET.get("facilities"):
        features += _facility_points(request, area)
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _map_values(key: str, areas: QuerySet[Area]) -> dict[int, float | None] | None:
    """The value the map colours each area by (a statistic or an indicator), or ``None``."""
    if not key:
        return None
    first = areas.first()
    if first is None:
        return {}
    if key.startswith("indicator:"):
        code = key.split(":", 1)[1]
        stats, _year = area_statistics(territory=first.territory, indicator_codes=(code,))
        return {pk: s.indicators.get(code) for pk, s in stats.items()}
    if key not in STATISTIC_VALUES:
        return None
    stats, _year = area_statistics(territory=first.territory)
    return {pk: getattr(s, key) for pk, s in stats.items()}


def _facility_points(request: HttpRequest, area: Area) -> list[dict[str, Any]]:
    """The facilities in an area that the user may see, as points for the area's map."""
    rows = facility_list(user=request.user, filters=FacilityFilter(area=area)).values_list(
        "pk", "name", "official_number", "lat", "lon"
    )
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "name": name,
                "official_code": number,
                "url": reverse("facilities:facility-detail", args=[pk]),
            },
        }
        for pk, name, number, lat, lon in rows
    ]
