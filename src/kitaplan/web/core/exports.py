"""Exports of lists (CSV, XLSX, GeoJSON) built from the same columns the page shows."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from kitaplan.exchange.writers import ExportColumn, write_csv, write_geojson, write_xlsx

EXPORT_FORMATS = ("csv", "xlsx", "geojson")


@dataclass(frozen=True)
class Column:
    """A list column: its key in exports, its label (translated) and how to get its value."""

    key: str
    label: Any
    value: Callable[[Any], Any]


def export_response(
    *,
    export_format: str,
    columns: Sequence[Column],
    objects: Iterable[Any],
    base_name: str,
    geometry: Callable[[Any], dict[str, Any] | None] | None = None,
) -> HttpResponse:
    """Render ``objects`` as a download in ``export_format`` (one of :data:`EXPORT_FORMATS`)."""
    stamp = timezone.localdate().isoformat()
    objects = list(objects)
    export_columns = [ExportColumn(key=c.key, label=str(c.label)) for c in columns]
    rows = [{c.key: c.value(obj) for c in columns} for obj in objects]
    if export_format == "xlsx":
        content = write_xlsx(export_columns, rows)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        extension = "xlsx"
    elif export_format == "geojson":
        stream = io.StringIO()
        features = [
            ((geometry(obj) if geometry else None), row)
            for obj, row in zip(objects, rows, strict=True)
        ]
        write_geojson(features, stream)
        response = HttpResponse(
            stream.getvalue(), content_type="application/geo+json; charset=utf-8"
        )
        extension = "geojson"
    else:
        stream = io.StringIO()
        write_csv(export_columns, rows, stream)
        response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
        extension = "csv"
    response["Content-Disposition"] = f'attachment; filename="{base_name}-{stamp}.{extension}"'
    return response


def point(lat: float | None, lon: float | None) -> dict[str, Any] | None:
    if lat is None or lon is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}
