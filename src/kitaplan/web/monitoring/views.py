"""The social monitoring page: a composite index per area, its map, and the published check."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.indicators.index import PRESETS
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, Column, export_response
from kitaplan.web.monitoring import presenters
from kitaplan.web.monitoring.presenters import class_label
from kitaplan.web.monitoring.selectors import IndexPage, IndexRow, build
from kitaplan.web.territory.models import Area, Territory
from kitaplan.web.territory.requests import territory_from_request

PRESET_LABELS = {
    "status": _("MSS 2021 status index"),
    "dynamics": _("MSS 2021 dynamics index"),
}
SORT_KEYS = ("code", "name", "index", "class")
#: Areas per page of the index table.
ROWS_PER_PAGE = 100
#: The check against the published classes where there is no index page.
NO_AGREEMENT: dict[str, Any] = {
    "agreement": None,
    "share_percent": None,
    "confusion_header": [],
    "confusion_rows": [],
    "differences": [],
    "class_counts": [],
}


def _require_access(request: HttpRequest) -> None:
    if not access.can_view_areas(request.user):
        raise PermissionDenied


def _context(request: HttpRequest) -> dict[str, Any]:
    territory = territory_from_request(request, having=("areas__indicator_values",))
    preset = request.GET.get("index") or "status"
    if preset not in PRESETS:
        preset = "status"
    definition = PRESETS[preset]
    try:
        year: int | None = int(request.GET.get("year") or 0) or None
    except ValueError:
        year = None
    page = build(territory, definition, year) if territory else None
    rows = list(page.rows) if page else []
    sort = request.GET.get("sort") or "code"
    if sort.lstrip("-") not in SORT_KEYS:
        sort = "code"
    key = sort.lstrip("-")
    missing = math.inf if not sort.startswith("-") else -math.inf

    def sort_key(row: IndexRow) -> Any:
        if key == "name":
            return row.area.name.lower()
        if key == "index":
            return row.score.index if row.score else missing
        if key == "class":
            return row.score.band.code if row.score else missing
        return row.area.official_code

    rows.sort(key=sort_key, reverse=sort.startswith("-"))
    return {
        "territory": territory,
        "territories": Territory.objects.order_by("name"),
        "preset": preset,
        "preset_choices": list(PRESET_LABELS.items()),
        "definition": definition,
        "page": page,
        "rows": rows,
        "year": page.year if page else None,
        "sort": sort,
    }


def columns(page: IndexPage) -> list[Column]:
    def value(code: str) -> Any:
        return lambda r: r.score.values[code] if r.score else None

    def z(code: str) -> Any:
        return lambda r: round(r.score.z[code], 4) if r.score else None

    cols = [
        Column("official_code", _("Code"), lambda r: r.area.official_code),
        Column("name", _("Area"), lambda r: r.area.name),
    ]
    for indicator in page.indicators:
        cols.append(Column(indicator.code, indicator.name, value(indicator.code)))
    for indicator in page.indicators:
        cols.append(Column(f"z_{indicator.code}", f"z {indicator.name}", z(indicator.code)))
    cols += [
        Column("index", _("Index"), lambda r: round(r.score.index, 4) if r.score else None),
        Column("class", _("Class"), lambda r: class_label(r.score.band) if r.score else ""),
        Column("published_class", _("Published class"), lambda r: class_label(r.published)),
    ]
    return cols


def index(request: HttpRequest) -> HttpResponse:
    _require_access(request)
    context = _context(request)
    page: IndexPage | None = context["page"]
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS and page is not None:
        geometries = dict(
            Area.objects.filter(pk__in=[r.area.pk for r in context["rows"]]).values_list(
                "pk", "geometry"
            )
        )
        return export_response(
            export_format=export_format,
            columns=columns(page),
            objects=context["rows"],
            base_name=f"sozialindex-{context['territory'].code}-{context['preset']}-{page.year}",
            geometry=lambda r: geometries.get(r.area.pk),
        )
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("page", None)
    # one page of the table is rendered (the map and the exports show every area)
    rows_page = Paginator(context["rows"], ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/index.html",
        {
            **context,
            **(presenters.agreement_context(page) if page else NO_AGREEMENT),
            "table_rows": presenters.index_table_rows(page, list(rows_page.object_list))
            if page
            else [],
            "rows_page": rows_page,
            "page_range": rows_page.paginator.get_elided_page_range(rows_page.number),
            "map_url": reverse("monitoring:index-geojson") + "?" + query.urlencode(),
            "export_url": reverse("monitoring:index"),
        },
    )


def index_geojson(request: HttpRequest) -> JsonResponse:
    """The areas of the table with the index as ``value`` for the choropleth."""
    _require_access(request)
    context = _context(request)
    geometries = dict(
        Area.objects.filter(pk__in=[r.area.pk for r in context["rows"]]).values_list(
            "pk", "geometry"
        )
    )
    features = [
        {
            "type": "Feature",
            "geometry": geometries[row.area.pk],
            "properties": {
                "name": row.area.name,
                "official_code": row.area.official_code,
                "value": round(row.score.index, 3) if row.score else None,
                "class": class_label(row.score.band) if row.score else "",
                "url": reverse("territory:area-detail", args=[row.area.pk]),
            },
        }
        for row in context["rows"]
        if geometries.get(row.area.pk)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
