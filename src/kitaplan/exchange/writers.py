"""Export lists as CSV, XLSX or GeoJSON (de: Export).

* :func:`write_csv` — for German Excel by default: UTF-8 **with BOM** (so Excel detects
  the encoding), ``;`` as separator and decimal comma (``12,5``); pass ``delimiter=","``
  for international CSV (decimal point then, unless ``decimal_comma=True``). Dates ISO
  ``YYYY-MM-DD``, times ``HH:MM``, booleans ``ja``/``nein``, ``None`` empty. Text starting
  with ``= + - @`` is prefixed with ``'`` against formula injection (``escape_formulas``).
* :func:`write_xlsx` — one sheet, bold frozen header, auto filter, column widths from the
  content; numbers stay numbers, dates/times are real Excel dates/times, text is never a
  formula.
* :func:`write_geojson` — RFC 7946 FeatureCollection in WGS84 lon/lat without ``crs``
  member; polygon rings oriented counter-clockwise (exterior), coordinates rounded to
  ``precision`` decimals (7 ≈ 1 cm).

Everything written can be read back by :func:`kitaplan.exchange.readers.read_table`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

import numpy as np
import shapely
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry import mapping as geometry_mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

__all__ = ["ExportColumn", "TextSink", "write_csv", "write_geojson", "write_xlsx"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60
_MIN_WIDTH = 6
_WIDTH_SAMPLE = 2000


class TextSink(Protocol):
    """Anything with ``write(str)``: an open text file, ``io.StringIO``, an HTTP response."""

    def write(self, text: str, /) -> Any: ...


@dataclass(frozen=True, slots=True)
class ExportColumn:
    """One column of an export: ``key`` in the row mappings, ``label`` in the header."""

    key: str
    label: str


# --------------------------------------------------------------------------- CSV


def _time_text(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _number_text(value: int | float | Decimal, decimal_comma: bool) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        text = (
            str(int(value))
            if value.is_integer() and abs(value) < 1e16
            else format(Decimal(repr(value)), "f")
        )
    elif isinstance(value, Decimal):
        if not value.is_finite():
            return ""
        text = format(value, "f")
    else:
        text = str(value)
    return text.replace(".", ",") if decimal_comma else text


def _csv_text(
    value: object, *, decimal_comma: bool, booleans: tuple[str, str], escape_formulas: bool
) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return booleans[0] if value else booleans[1]
    if isinstance(value, int | float | Decimal):
        return _number_text(value, decimal_comma)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {_time_text(value.time())}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _time_text(value)
    if isinstance(value, BaseGeometry):
        return str(value.wkt)
    text = str(value)
    if escape_formulas and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_csv(
    columns: Sequence[ExportColumn],
    rows: Iterable[Mapping[str, object]],
    stream: TextSink,
    *,
    delimiter: str = ";",
    decimal_comma: bool | None = None,
    bom: bool = True,
    booleans: tuple[str, str] = ("ja", "nein"),
    escape_formulas: bool = True,
) -> int:
    """Write a header of labels and one line per row; returns the number of data rows.

    ``decimal_comma`` defaults to ``True`` exactly when ``delimiter`` is ``";"``.
    """
    if decimal_comma is None:
        decimal_comma = delimiter == ";"
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([column.label for column in columns])
    count = 0
    for row in rows:
        writer.writerow(
            [
                _csv_text(
                    row.get(column.key),
                    decimal_comma=decimal_comma,
                    booleans=booleans,
                    escape_formulas=escape_formulas,
                )
                for column in columns
            ]
        )
        count += 1
    return count


# --------------------------------------------------------------------------- XLSX


def _xlsx_value(value: object) -> tuple[object, str | None]:
    """The cell value and its number format (``None`` = General)."""
    if value is None:
        return None, None
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return value, None
    if isinstance(value, float):
        return (value if math.isfinite(value) else None), None
    if isinstance(value, Decimal):
        return (value if value.is_finite() else None), None
    if isinstance(value, int):
        return value, None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), "YYYY-MM-DD HH:MM"
    if isinstance(value, date):
        return value, "YYYY-MM-DD"
    if isinstance(value, time):
        return value, "HH:MM:SS" if value.second else "HH:MM"
    if isinstance(value, BaseGeometry):
        value = value.wkt
    return ILLEGAL_CHARACTERS_RE.sub("", str(value)), None


def _plain_xlsx_value(value: object) -> bool:
    """Whether openpyxl stores ``value`` as it is without a cell of its own: a number, a truth
    value or a text that it would not read as a formula or an error code."""
    if isinstance(value, str):
        return not value.startswith("=") and value not in ERROR_CODES
    return value is None or isinstance(value, bool | int | float | Decimal)


def _display_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 16 if isinstance(value, datetime) else 10
    if isinstance(value, float | Decimal):
        return min(len(format(value, "f")), 15)
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(
    columns: Sequence[ExportColumn],
    rows: Iterable[Mapping[str, object]],
    *,
    sheet_title: str = "Export",
) -> bytes:
    """An XLSX workbook (bytes) with one sheet: bold frozen header row, then the rows."""
    materialized = [[_xlsx_value(row.get(column.key)) for column in columns] for row in rows]
    widths = [len(column.label) for column in columns]
    for cells in materialized[:_WIDTH_SAMPLE]:
        for index, (value, _format) in enumerate(cells):
            widths[index] = max(widths[index], _display_width(value))

    workbook = Workbook(write_only=True)
    title = _SHEET_TITLE_FORBIDDEN.sub("_", sheet_title)[:31] or "Export"
    sheet: Any = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(width + 2, _MIN_WIDTH), _MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
    if columns:
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{len(materialized) + 1}"

    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", column.label))
        cell.font = bold
        cell.data_type = "s"
        header.append(cell)
    sheet.append(header)
    for cells in materialized:
        out: list[object] = []
        for value, number_format in cells:
            if number_format is None and _plain_xlsx_value(value):
                out.append(value)  # openpyxl binds plain values to one reused cell: faster
                continue
            cell = WriteOnlyCell(sheet, value=value)
            if number_format is not None:
                cell.number_format = number_format
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, even when it starts with "="
            out.append(cell)
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- GeoJSON


def _json_value(value: object) -> object:
    if isinstance(value, Enum):
        return _json_value(value.value)
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _time_text(value)
    if isinstance(value, BaseGeometry):
        return value.wkt
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(item) for item in value]
    return str(value)


def _geojson_geometry(
    geometry: Mapping[str, Any] | BaseGeometry | None, precision: int
) -> dict[str, Any] | None:
    if geometry is None:
        return None
    if isinstance(geometry, Mapping) and geometry.get("type") == "Point":
        point = _geojson_point(geometry.get("coordinates"), precision)
        if point is not None:
            return point
    geom = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
    if geom.is_empty:
        return None
    geom = shapely.force_2d(geom)
    geom = _orient_counter_clockwise(geom)
    geom = shapely.transform(geom, lambda coords: coords.round(precision))
    result: dict[str, Any] = json.loads(json.dumps(geometry_mapping(geom)))
    return result


def _geojson_point(coordinates: object, precision: int) -> dict[str, Any] | None:
    """A finite 2D or 3D point as the general path writes it (x, y rounded as numpy rounds
    them), without building a shapely geometry: an export of thousands of facility points
    spent most of its time there. ``None``: leave it to the general path."""
    if not isinstance(coordinates, list | tuple) or len(coordinates) not in (2, 3):
        return None
    try:
        xy = np.asarray(coordinates[:2], dtype=float)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(xy).all():
        return None
    x, y = xy.round(precision).tolist()
    return {"type": "Point", "coordinates": [x, y]}


def _orient_counter_clockwise(geom: BaseGeometry) -> BaseGeometry:
    """RFC 7946 right-hand rule: exterior rings counter-clockwise, holes clockwise."""
    orient_polygons = getattr(shapely, "orient_polygons", None)  # shapely >= 2.1
    if orient_polygons is not None:
        oriented: BaseGeometry = orient_polygons(geom, exterior_cw=False)
        return oriented
    if isinstance(geom, Polygon):
        return orient(geom, sign=1.0)
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(part, sign=1.0) for part in geom.geoms])
    return geom


def write_geojson(
    features: Iterable[tuple[Mapping[str, Any] | BaseGeometry | None, Mapping[str, object]]],
    stream: TextSink,
    *,
    precision: int = 7,
) -> int:
    """Write an RFC 7946 FeatureCollection; returns the number of features.

    Each feature is ``(geometry, properties)``: the geometry as a GeoJSON-like mapping or a
    shapely geometry in WGS84 lon/lat (``None`` for a feature without geometry). Property
    values: ``Decimal`` → JSON number, dates/times → ISO text, enums → their value.
    """
    stream.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for geometry, properties in features:
        feature = {
            "type": "Feature",
            "geometry": _geojson_geometry(geometry, precision),
            "properties": {str(key): _json_value(value) for key, value in properties.items()},
        }
        if count:
            stream.write(",\n")
        stream.write(json.dumps(feature, ensure_ascii=False, allow_nan=False))
        count += 1
    stream.write("\n]}\n")
    return count
