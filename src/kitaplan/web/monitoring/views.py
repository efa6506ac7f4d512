"""The social monitoring page: a composite index per area, its map, and the published check."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.indicators.index import PRESETS, ClassBand, DifferenceReason
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, Column, export_response
from kitaplan.web.monitoring.selectors import IndexPage, IndexRow, build
from kitaplan.web.territory.models import Area, IndicatorValue, Territory

PRESET_LABELS = {
    "status": _("MSS 2021 status index"),
    "dynamics": _("MSS 2021 dynamics index"),
}
CLASS_LABELS = {
    "high": _("high"),
    "medium": _("medium"),
    "low": _("low"),
    "very_low": _("very low"),
    "positive": _("positive"),
    "stable": _("stable"),
    "negative": _("negative"),
}
REASON_LABELS = {
    DifferenceReason.MISSING_VALUES: _(
        "No index: an indicator value is missing, so the area was left out of the "
        "standardisation, but a class was published."
    ),
    DifferenceReason.NOT_PUBLISHED: _("No class was published for this area."),
    DifferenceReason.ROUNDING_AT_THRESHOLD: _(
        "The index lies within the rounding of the published values at a class bound."
    ),
    DifferenceReason.INDEX_DIFFERS: _(
        "The computed index differs from the published index: the input values differ."
    ),
    DifferenceReason.UNEXPLAINED: _("The index agrees, yet the class differs: not explained."),
}
SORT_KEYS = ("code", "name", "index", "class")


def class_label(band: ClassBand | None) -> str:
    return str(CLASS_LABELS.get(band.key, band.key)) if band else ""


def _require_access(request: HttpRequest) -> None:
    if not access.can_view_areas(request.user):
        raise PermissionDenied


def _territory(request: HttpRequest) -> Territory | None:
    territories = Territory.objects.order_by("name")
    code = request.GET.get("territory")
    if code:
        return get_object_or_404(territories, code=code)
    with_values = IndicatorValue.objects.values("area__territory")
    return territories.filter(pk__in=with_values).first() or territories.first()


def _context(request: HttpRequest) -> dict[str, Any]:
    territory = _territory(request)
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
    agreement = page.agreement if page else None
    confusion_rows = []
    differences = []
    if agreement is not None and page is not None:
        bands = {b.code: b for b in page.definition.bands}
        codes = agreement.class_codes
        confusion_rows = [
            (
                class_label(bands.get(c)) or str(c),
                [agreement.confusion.get((c, p), 0) for p in codes],
            )
            for c in codes
        ]
        areas = {str(r.area.pk): r.area for r in page.rows}
        differences = [
            {
                "area": areas.get(d.area),
                "computed": class_label(bands.get(d.computed or -1)),
                "published": class_label(bands.get(d.published or -1)),
                "index": d.index,
                "published_index": d.published_index,
                "reason": REASON_LABELS[d.reason],
            }
            for d in agreement.differences
        ]
    return render(
        request,
        "monitoring/index.html",
        {
            **context,
            "agreement": agreement,
            "table_rows": [
                {
                    "row": row,
                    "cells": [
                        (row.score.values[i.code], row.score.z[i.code])
                        if row.score
                        else (None, None)
                        for i in page.indicators
                    ],
                    "class_label": class_label(row.score.band) if row.score else "",
                    "published_label": class_label(row.published),
                }
                for row in context["rows"]
            ]
            if page
            else [],
            "share_percent": agreement.share * 100
            if agreement and agreement.share is not None
            else None,
            "confusion_header": [
                class_label(b)
                for b in (page.definition.bands if page else ())
                if agreement and b.code in agreement.class_codes
            ],
            "confusion_rows": confusion_rows,
            "differences": differences,
            "class_counts": [
                (class_label(b), page.result.class_counts()[b.code]) for b in page.definition.bands
            ]
            if page and page.result
            else [],
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
