"""Read import files into a neutral table of text cells (de: Datei einlesen).

Every format ends up as a :class:`SourceTable`: column names, and rows whose values are
stripped strings (``None`` for an empty cell) plus an optional WGS84 geometry. Typing and
checking the values is the job of :mod:`kitaplan.exchange.validation`.

Formats, chosen by the file suffix (of ``path``, or of ``display_name`` when ``path`` has
no known suffix, as with uploads stored under a temporary name):

* ``.csv`` (also ``.tsv``, ``.txt``): UTF-8 with or without BOM, else Windows-1252
  (UTF-16 with BOM is accepted too); the delimiter is sniffed among ``,`` ``;`` and tab.
* ``.xlsx`` / ``.xlsm``: first worksheet, header in the first non-empty row. Cells become
  the text a user sees: whole numbers without ``.0``, numbers formatted ``00000`` keep
  their leading zeros, dates as ISO ``YYYY-MM-DD``, times as ``HH:MM``.
* ``.geojson`` / ``.json``, ``.gpkg`` (first layer, or ``layer=``), ``.shp`` and ``.zip``
  (with a Shapefile inside): read with pyogrio; any declared CRS is reprojected to WGS84
  lon/lat (EPSG:4326, RFC 7946 axis order). A file without CRS is taken as WGS84, unless
  its coordinates cannot be lon/lat, which is an error.

Row numbers are those the user sees: in CSV/XLSX the header is row 1 and the first data
row is row 2 (blank lines count, as in a spreadsheet, but yield no row); in geodata files
the row number is the 1-based feature number.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from shapely.geometry.base import BaseGeometry

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange.errors import ExchangeError

_E = ExpectationCode

__all__ = [
    "ExchangeError",
    "SUPPORTED_SUFFIXES",
    "SourceFormat",
    "SourceRow",
    "SourceTable",
    "read_table",
]


class SourceFormat(StrEnum):
    """The file formats :func:`read_table` understands."""

    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"
    GEOPACKAGE = "gpkg"
    SHAPEFILE = "shapefile"

    @property
    def is_geodata(self) -> bool:
        """True for formats whose rows are features (numbered 1.., no header row)."""
        return self in _GEODATA_FORMATS


_GEODATA_FORMATS = frozenset(
    {SourceFormat.GEOJSON, SourceFormat.GEOPACKAGE, SourceFormat.SHAPEFILE}
)

#: File suffixes (lower case) and the format read for them.
SUPPORTED_SUFFIXES: Mapping[str, SourceFormat] = MappingProxyType(
    {
        ".csv": SourceFormat.CSV,
        ".tsv": SourceFormat.CSV,
        ".txt": SourceFormat.CSV,
        ".xlsx": SourceFormat.XLSX,
        ".xlsm": SourceFormat.XLSX,
        ".geojson": SourceFormat.GEOJSON,
        ".json": SourceFormat.GEOJSON,
        ".gpkg": SourceFormat.GEOPACKAGE,
        ".shp": SourceFormat.SHAPEFILE,
        ".zip": SourceFormat.SHAPEFILE,
    }
)

_EXPECTED_FORMATS = expectation(_E.SUPPORTED_FILE)
_DELIMITERS = (",", ";", "\t")
_SNIFF_RECORDS = 50
_ZERO_PAD_FORMAT = re.compile(r"^0+$")


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row (or feature) of a source file.

    ``values`` maps every column of the table to its stripped text, ``None`` when empty.
    ``geometry`` is in WGS84 lon/lat, ``None`` for tabular files and null geometries.
    """

    number: int
    values: Mapping[str, str | None]
    geometry: BaseGeometry | None = None

    def get(self, column: str) -> str | None:
        """The text in ``column``, ``None`` when empty or when the column does not exist."""
        return self.values.get(column)


@dataclass(frozen=True, slots=True)
class SourceTable:
    """A read file: its display name, column names in file order and its data rows.

    ``duplicate_columns`` names header cells that occur more than once; the first occurrence
    keeps the name, later ones are renamed ``"<name> (2)"``, ``"<name> (3)"`` ...
    Header cells that are empty but have data below are named ``column_<n>`` (1-based).
    """

    file_name: str
    columns: tuple[str, ...]
    rows: tuple[SourceRow, ...]
    source_format: SourceFormat | None = None
    duplicate_columns: tuple[str, ...] = field(default=())

    @property
    def is_geodata(self) -> bool:
        """True when the rows are features of a geodata file (GeoJSON, GPKG, Shapefile)."""
        return self.source_format is not None and self.source_format.is_geodata


def read_table(
    path: Path, *, display_name: str | None = None, layer: str | None = None
) -> SourceTable:
    """Read ``path`` into a :class:`SourceTable`.

    ``display_name`` is the name used in problems (default ``path.name``), e.g. the original
    name of an upload. ``layer`` picks a layer of a GeoPackage (or the Shapefile inside a
    ZIP, by file stem); the default is the first.

    Raises :class:`ExchangeError` with a ``FILE_UNREADABLE``, ``UNSUPPORTED_FORMAT`` or
    ``EMPTY_FILE`` problem (row 0) when there is no table to validate.
    """
    path = Path(path)
    file_name = display_name or path.name
    source_format = _detect_format(path, display_name)
    if source_format is None:
        suffix = path.suffix or (Path(display_name).suffix if display_name else "")
        raise ExchangeError(
            [_file_problem(ProblemCode.UNSUPPORTED_FORMAT, file_name, suffix, _EXPECTED_FORMATS)]
        )
    if not path.is_file():
        raise ExchangeError(
            [
                _file_problem(
                    ProblemCode.FILE_UNREADABLE, file_name, "", expectation(_E.EXISTING_FILE)
                )
            ]
        )
    if source_format is SourceFormat.CSV:
        return _read_csv(path, file_name)
    if source_format is SourceFormat.XLSX:
        return _read_xlsx(path, file_name)
    return _read_geodata(path, file_name, source_format, layer)


# --------------------------------------------------------------------------- helpers


def _file_problem(
    code: ProblemCode, file_name: str, value: str, expected: Expectation
) -> ImportProblem:
    return ImportProblem(
        code=code, file=file_name, row=0, column="", value=value[:200], expected=expected
    )


def _detect_format(path: Path, display_name: str | None) -> SourceFormat | None:
    found = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if found is None and display_name:
        found = SUPPORTED_SUFFIXES.get(Path(display_name).suffix.lower())
    return found


def _clean_text(value: str) -> str | None:
    stripped = value.strip()
    return stripped or None


def _float_text(value: float) -> str | None:
    """A float as a user would type it: ``69.0`` → ``"69"``, ``1e-05`` → ``"0.00001"``."""
    if math.isnan(value) or math.isinf(value):
        return None
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _time_text(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second or value.microsecond else "%H:%M")


def _scalar_text(value: object) -> str | None:
    """Any cell value of a spreadsheet or attribute table as the text a user sees."""
    if value is None:
        return None
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {_time_text(value.time())}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _time_text(value)
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bytes):
        return value.hex() or None
    return _clean_text(str(value))


def _build_table(
    file_name: str,
    source_format: SourceFormat,
    raw_rows: Iterable[tuple[int, Sequence[str | None]]],
) -> SourceTable:
    """Header = first non-blank row; later non-blank rows are data, numbered as given."""
    rows_iter: Iterator[tuple[int, Sequence[str | None]]] = iter(raw_rows)
    header: Sequence[str | None] | None = None
    for _number, cells in rows_iter:
        if any(cell is not None for cell in cells):
            header = cells
            break
    if header is None:
        raise ExchangeError(
            [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.HEADER_ROW))]
        )
    data: list[tuple[int, Sequence[str | None]]] = [
        (number, cells) for number, cells in rows_iter if any(c is not None for c in cells)
    ]
    if not data:
        raise ExchangeError(
            [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.DATA_ROW))]
        )

    def used_width(cells: Sequence[str | None]) -> int:
        for index in range(len(cells) - 1, -1, -1):
            if cells[index] is not None:
                return index + 1
        return 0

    width = max([used_width(header)] + [used_width(cells) for _n, cells in data])
    columns: list[str] = []
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for index in range(width):
        name = header[index] if index < len(header) else None
        name = name or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            if name not in duplicates:
                duplicates.append(name)
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        columns.append(name)

    rows = tuple(
        SourceRow(
            number=number,
            values=MappingProxyType(
                {
                    column: (cells[index] if index < len(cells) else None)
                    for index, column in enumerate(columns)
                }
            ),
        )
        for number, cells in data
    )
    return SourceTable(
        file_name=file_name,
        columns=tuple(columns),
        rows=rows,
        source_format=source_format,
        duplicate_columns=tuple(duplicates),
    )


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _sniff_delimiter(text: str) -> str:
    """Pick the candidate that splits the header into most columns consistently."""
    best = ","
    best_score: tuple[bool, int, int] = (False, 0, 0)
    for delimiter in _DELIMITERS:
        records: list[list[str]] = []
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if record and any(cell.strip() for cell in record):
                records.append(record)
                if len(records) >= _SNIFF_RECORDS:
                    break
        if not records:
            continue
        width = len(records[0])
        consistent = sum(1 for record in records if len(record) == width) if width > 1 else 0
        score = (width > 1, consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(path: Path, file_name: str) -> SourceTable:
    expected = expectation(_E.CSV_FILE)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    try:
        text = _decode(data)
    except UnicodeDecodeError as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    if "\x00" in text:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, "binary content", expected)]
        )
    if not text.strip():
        raise ExchangeError(
            [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.HEADER_ROW))]
        )
    # A cell may be as long as the file: an over-long value is reported by the validation
    # with its row and column (as TOO_LONG), not as a CSV error of the whole file.
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(len(text))
    try:
        delimiter = _sniff_delimiter(text)
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    raw = (
        (index + 1, [_clean_text(cell) for cell in record]) for index, record in enumerate(records)
    )
    return _build_table(file_name, SourceFormat.CSV, raw)


# --------------------------------------------------------------------------- XLSX


def _xlsx_cell_text(value: object, number_format: object) -> str | None:
    text = _scalar_text(value)
    if (
        text is not None
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and isinstance(number_format, str)
        and _ZERO_PAD_FORMAT.match(number_format)
        and text.isdigit()
    ):
        return text.zfill(len(number_format))
    return text


def _read_xlsx(path: Path, file_name: str) -> SourceTable:
    import openpyxl

    expected = expectation(_E.XLSX_FILE)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    try:
        if not workbook.worksheets:
            raise ExchangeError(
                [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.WORKSHEET))]
            )
        sheet: Any = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # stored dimensions are often wrong; read everything

        def raw_rows() -> Iterator[tuple[int, list[str | None]]]:
            number = 0
            for cells in sheet.iter_rows():
                number += 1
                for cell in cells:
                    row_of_cell = getattr(cell, "row", None)
                    if isinstance(row_of_cell, int):
                        number = row_of_cell
                        break
                yield (
                    number,
                    [
                        _xlsx_cell_text(cell.value, getattr(cell, "number_format", None))
                        for cell in cells
                    ],
                )

        try:
            return _build_table(file_name, SourceFormat.XLSX, raw_rows())
        except ExchangeError:
            raise
        except Exception as error:
            raise ExchangeError(
                [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
            ) from error
    finally:
        workbook.close()


# --------------------------------------------------------------------------- geodata


def _zip_member(path: Path, file_name: str, layer: str | None) -> str:
    expected = expectation(_E.ZIPPED_SHAPEFILE)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                name
                for name in archive.namelist()
                if not name.startswith("__MACOSX/") and not name.endswith("/")
            ]
    except (OSError, zipfile.BadZipFile) as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    shapefiles = sorted(name for name in names if name.lower().endswith(".shp"))
    if not shapefiles:
        raise ExchangeError(
            [
                _file_problem(
                    ProblemCode.UNSUPPORTED_FORMAT, file_name, ", ".join(names[:10]), expected
                )
            ]
        )
    if layer is not None:
        wanted = [name for name in shapefiles if Path(name).stem == layer]
        if not wanted:
            stems = ", ".join(Path(name).stem for name in shapefiles)
            raise ExchangeError(
                [
                    _file_problem(
                        ProblemCode.FILE_UNREADABLE,
                        file_name,
                        layer,
                        expectation(_E.LAYER_ONE_OF, layers=stems),
                    )
                ]
            )
        return wanted[0]
    return shapefiles[0]


def _read_geodata(
    path: Path, file_name: str, source_format: SourceFormat, layer: str | None
) -> SourceTable:
    import pyogrio

    expected = {
        SourceFormat.GEOJSON: expectation(_E.GEOJSON_FILE),
        SourceFormat.GEOPACKAGE: expectation(_E.GEOPACKAGE_FILE),
        SourceFormat.SHAPEFILE: expectation(_E.SHAPEFILE),
    }[source_format]

    uri = str(path.resolve())
    read_layer: str | None = None
    if path.suffix.lower() == ".zip" or (
        source_format is SourceFormat.SHAPEFILE and zipfile.is_zipfile(path)
    ):
        uri = f"/vsizip/{uri}/{_zip_member(path, file_name, layer)}"
    elif source_format is SourceFormat.GEOPACKAGE:
        read_layer = layer

    options: dict[str, str] = {}
    if source_format is SourceFormat.GEOJSON:
        options["DATE_AS_STRING"] = "YES"  # keep dates as the text in the file
    try:
        if source_format is SourceFormat.GEOPACKAGE:
            names = [str(entry[0]) for entry in pyogrio.list_layers(uri)]
            if read_layer is None and names:
                read_layer = names[0]
            if read_layer not in names:
                raise ExchangeError(
                    [
                        _file_problem(
                            ProblemCode.FILE_UNREADABLE,
                            file_name,
                            read_layer or "",
                            expectation(_E.LAYER_ONE_OF, layers=", ".join(names)),
                        )
                    ]
                )
        layer_data = _read_layer(uri, read_layer, options)
    except ExchangeError:
        raise
    except Exception as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error

    if layer_data.count == 0:
        raise ExchangeError(
            [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.FEATURE))]
        )

    geometries: list[BaseGeometry | None] = [None] * layer_data.count
    if layer_data.geometries is not None:
        projected = _to_wgs84(layer_data.geometries, layer_data.crs, file_name)
        geometries = [
            None if geometry is None or geometry.is_empty else geometry
            for geometry in projected.tolist()
        ]
    columns = layer_data.columns
    column_values = {
        column: [_scalar_text(value) for value in values]
        for column, values in zip(columns, layer_data.values, strict=True)
    }
    rows = tuple(
        SourceRow(
            number=index + 1,
            values=MappingProxyType({column: column_values[column][index] for column in columns}),
            geometry=geometries[index],
        )
        for index in range(layer_data.count)
    )
    return SourceTable(file_name=file_name, columns=columns, rows=rows, source_format=source_format)


@dataclass(frozen=True, slots=True)
class _Layer:
    """The features of one layer as read by pyogrio: attribute columns (plain Python values,
    in file order), the geometries (``None`` when the layer has none) and the declared CRS."""

    count: int
    columns: tuple[str, ...]
    values: tuple[list[object], ...]
    geometries: Any  # numpy object array of shapely geometries (None for a null geometry)
    crs: str | None


def _read_layer(uri: str, layer: str | None, options: Mapping[str, str]) -> _Layer:
    """Read a layer with pyogrio's raw API (numpy arrays and WKB), without pandas.

    The values are those ``pyogrio.read_dataframe`` gave: date and time fields are read as
    text and parsed as ISO 8601 (mixed UTC offsets in one column are turned into UTC, text
    that does not parse stays text), JSON fields are parsed, geometries are decoded from WKB.
    """
    import shapely
    from pyogrio.raw import read

    meta, _fids, wkb, field_data = read(uri, layer=layer, datetime_as_string=True, **options)
    columns = tuple(str(name) for name in meta["fields"])
    subtypes = list(meta.get("ogr_subtypes") or [None] * len(columns))
    values: list[list[object]] = []
    for dtype, subtype, data in zip(meta["dtypes"], subtypes, field_data, strict=True):
        cells: list[object] = data.tolist()
        if str(dtype).startswith("datetime"):
            cells = _parse_datetimes(cells)
        elif subtype == "OFSTJSON":
            cells = _parse_json(cells)
        values.append(cells)
    geometries = None if wkb is None else shapely.from_wkb(wkb)
    count = len(geometries) if geometries is not None else _feature_count(field_data)
    crs = meta.get("crs")
    return _Layer(
        count=count,
        columns=columns,
        values=tuple(values),
        geometries=geometries,
        crs=str(crs) if crs else None,
    )


def _feature_count(field_data: Sequence[Any]) -> int:
    return len(field_data[0]) if len(field_data) else 0


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _parse_datetimes(cells: list[object]) -> list[object]:
    """ISO 8601 text to datetimes, as pandas' ``to_datetime(format="ISO8601")`` would."""
    parsed: list[object] = []
    for cell in cells:
        if _is_missing(cell):
            parsed.append(None)
            continue
        try:
            parsed.append(datetime.fromisoformat(str(cell).replace(" ", "T")))
        except ValueError:
            return cells
    offsets = {value.utcoffset() for value in parsed if isinstance(value, datetime)}
    if len(offsets) > 1:
        return [value.astimezone(UTC) if isinstance(value, datetime) else value for value in parsed]
    return parsed


def _parse_json(cells: list[object]) -> list[object]:
    """JSON fields parsed (a column with text that is not JSON stays text)."""
    try:
        return [
            None if _is_missing(cell) else json.loads(cell) if isinstance(cell, str) else cell
            for cell in cells
        ]
    except ValueError:
        return cells


def _to_wgs84(geometries: Any, crs: str | None, file_name: str) -> Any:
    """Reproject to EPSG:4326 (lon/lat); no CRS means WGS84 if the coordinates allow it."""
    import shapely

    if crs is None:
        bounds = [float(value) for value in shapely.total_bounds(geometries)]
        if all(math.isfinite(value) for value in bounds) and not (
            -180.0 <= bounds[0] <= 180.0
            and -180.0 <= bounds[2] <= 180.0
            and -90.0 <= bounds[1] <= 90.0
            and -90.0 <= bounds[3] <= 90.0
        ):
            value = (
                f"no coordinate reference system; coordinates like {bounds[0]:.1f}, {bounds[1]:.1f}"
            )
            raise ExchangeError(
                [
                    _file_problem(
                        ProblemCode.FILE_UNREADABLE,
                        file_name,
                        value,
                        expectation(_E.DECLARED_CRS),
                    )
                ]
            )
        return geometries
    try:
        return _reproject(geometries, crs)
    except Exception as error:
        raise ExchangeError(
            [
                _file_problem(
                    ProblemCode.FILE_UNREADABLE,
                    file_name,
                    str(error),
                    expectation(_E.TRANSFORMABLE_CRS),
                )
            ]
        ) from error


def _reproject(geometries: Any, crs: str) -> Any:
    """Coordinates from ``crs`` to WGS84 lon/lat (z kept), as GeoPandas' ``to_crs`` does."""
    import numpy as np
    import shapely
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs)
    target = CRS.from_epsg(4326)
    if source == target:
        return geometries
    transformer = Transformer.from_crs(source, target, always_xy=True)
    result = np.array(geometries, dtype=object, copy=True)
    present = ~shapely.is_missing(result)
    for with_z in (False, True):
        chosen = present & (shapely.has_z(result) == with_z)
        if not chosen.any():
            continue
        coordinates = shapely.get_coordinates(result[chosen], include_z=with_z)
        moved = np.column_stack(transformer.transform(*coordinates.T))
        result[chosen] = shapely.set_coordinates(result[chosen].copy(), moved)
    return result
