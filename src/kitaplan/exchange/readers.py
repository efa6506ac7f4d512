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

:func:`open_table` reads the same files as a :class:`TableStream` with bounded memory (issue
14): the rows are produced one after the other, never all held at once. CSV is decoded and
parsed from the open file (the whole-file checks of encoding, NUL bytes and blank content are
a pass over the bytes before), XLSX rows come from openpyxl's read-only worksheet, geodata in
batches of :data:`GEODATA_BATCH` features (``pyogrio.raw.read`` with ``skip_features`` /
``max_features``). Everything a row's text depends on is decided for the whole file as
:func:`read_table` decides it, so both give the same rows and the same errors.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    "GEODATA_BATCH",
    "SUPPORTED_SUFFIXES",
    "SourceFormat",
    "SourceRow",
    "SourceTable",
    "TableStream",
    "open_table",
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
#: Features read at once from a Shapefile or GeoPackage by :func:`open_table` (GeoJSON is read
#: in one go: GDAL parses the whole file at every opening, so batches would only repeat that).
GEODATA_BATCH = 50_000
#: Bytes decoded at once when a CSV file's encoding is checked.
_CHUNK = 1 << 20


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
    path, file_name, source_format = _checked_source(path, display_name)
    if source_format is SourceFormat.CSV:
        return _build_table(file_name, source_format, _csv_source(path, file_name)())
    if source_format is SourceFormat.XLSX:
        return _build_table(file_name, source_format, _xlsx_raw_rows(path, file_name))
    stream = _GeodataStream(path, file_name, source_format, layer)
    return SourceTable(
        file_name=file_name,
        columns=stream.columns,
        rows=tuple(stream.rows()),
        source_format=source_format,
    )


def open_table(
    path: Path, *, display_name: str | None = None, layer: str | None = None
) -> TableStream:
    """Open ``path`` for reading its rows one after the other (bounded memory).

    Same arguments, formats and :class:`ExchangeError` s as :func:`read_table`; the
    errors about the whole file that need no more than its header and first data row (or
    first batch of features) are raised here, the others (a CSV syntax error further down, a
    file without CRS whose coordinates are not lon/lat) while the rows are read.
    """
    path, file_name, source_format = _checked_source(path, display_name)
    if source_format is SourceFormat.CSV:
        return _TabularStream(file_name, source_format, _csv_source(path, file_name))
    if source_format is SourceFormat.XLSX:
        return _TabularStream(file_name, source_format, lambda: _xlsx_raw_rows(path, file_name))
    return _GeodataStream(path, file_name, source_format, layer)


def _checked_source(path: Path, display_name: str | None) -> tuple[Path, str, SourceFormat]:
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
    return path, file_name, source_format


class TableStream:
    """An opened file whose rows are read one after the other (:func:`open_table`).

    ``columns`` and ``duplicate_columns`` are named as in :class:`SourceTable`. For geodata
    they are the layer's fields. For CSV/XLSX they come from the header row alone
    (``complete_columns`` is false): a data row wider than the header adds ``column_<n>``
    names that only :meth:`scan_columns` knows, at the price of one more pass over the file.
    """

    file_name: str
    source_format: SourceFormat
    columns: tuple[str, ...]
    duplicate_columns: tuple[str, ...]
    complete_columns: bool

    @property
    def is_geodata(self) -> bool:
        return self.source_format.is_geodata

    def scan_columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Every column and the duplicate names, as :func:`read_table` names them."""
        return self.columns, self.duplicate_columns

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[SourceRow]:
        """The data rows in file order; ``values`` hold ``columns`` (default ``self.columns``).

        May raise :class:`ExchangeError` about the whole file while reading."""
        raise NotImplementedError


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

    width = max([_used_width(header)] + [_used_width(cells) for _n, cells in data])
    columns, duplicates = _column_names(header, width)
    rows = tuple(_tabular_row(number, cells, columns) for number, cells in data)
    return SourceTable(
        file_name=file_name,
        columns=columns,
        rows=rows,
        source_format=source_format,
        duplicate_columns=duplicates,
    )


def _used_width(cells: Sequence[str | None]) -> int:
    for index in range(len(cells) - 1, -1, -1):
        if cells[index] is not None:
            return index + 1
    return 0


def _column_names(
    header: Sequence[str | None], width: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names of the first ``width`` columns and the header names that occur more than once."""
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
    return tuple(columns), tuple(duplicates)


def _tabular_row(number: int, cells: Sequence[str | None], columns: Sequence[str]) -> SourceRow:
    return SourceRow(
        number=number,
        values=MappingProxyType(
            {
                column: (cells[index] if index < len(cells) else None)
                for index, column in enumerate(columns)
            }
        ),
    )


_RawRows = Iterator[tuple[int, Sequence[str | None]]]


def _blank(cells: Sequence[str | None]) -> bool:
    return all(cell is None for cell in cells)


class _TabularStream(TableStream):
    """CSV/XLSX rows from a factory of raw rows (a fresh pass over the file per call).

    The header and the first data row are read when the stream is opened (so that an empty
    file is refused at once); that first pass is continued by the first :meth:`rows` or
    :meth:`scan_columns` call, later calls read the file again."""

    def __init__(
        self, file_name: str, source_format: SourceFormat, raw: Callable[[], _RawRows]
    ) -> None:
        self.file_name = file_name
        self.source_format = source_format
        self.complete_columns = False
        self._raw = raw
        iterator = raw()
        header = next((cells for _n, cells in iterator if not _blank(cells)), None)
        if header is None:
            raise ExchangeError(
                [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.HEADER_ROW))]
            )
        first = next(((n, cells) for n, cells in iterator if not _blank(cells)), None)
        if first is None:
            raise ExchangeError(
                [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.DATA_ROW))]
            )
        self._header = header
        self._pending: tuple[tuple[int, Sequence[str | None]], _RawRows] | None = (
            first,
            iterator,
        )
        self.columns, self.duplicate_columns = _column_names(header, _used_width(header))

    def _data(self) -> Iterator[tuple[int, Sequence[str | None]]]:
        """The non-blank raw rows after the header, continuing the opening pass once."""
        if self._pending is not None:
            first, iterator = self._pending
            self._pending = None
            yield first
        else:
            iterator = self._raw()
            for _n, cells in iterator:
                if not _blank(cells):
                    break  # the header
        for number, cells in iterator:
            if not _blank(cells):
                yield number, cells

    def scan_columns(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        width = _used_width(self._header)
        for _n, cells in self._data():
            width = max(width, _used_width(cells))
        return _column_names(self._header, width)

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[SourceRow]:
        names = self.columns if columns is None else tuple(columns)
        for number, cells in self._data():
            yield _tabular_row(number, cells, names)


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _scan_text(path: Path, encoding: str) -> tuple[bool, bool]:
    """Decode the whole file chunk by chunk: (has a NUL character, has non-blank text).

    Raises ``UnicodeDecodeError`` when it is not in ``encoding`` (the incremental decoder of
    the codec, so nothing but one chunk is held)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    has_nul = has_text = False
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            has_nul = has_nul or "\x00" in text
            has_text = has_text or bool(text.strip())
            if not chunk:
                return has_nul, has_text


def _csv_encoding(path: Path, file_name: str, expected: Expectation) -> str:
    """The encoding :func:`_decode` would pick, checked as it checks the decoded text."""
    try:
        with path.open("rb") as handle:
            start = handle.read(2)
        candidates = (
            ("utf-16",)
            if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            else ("utf-8-sig", "cp1252")
        )
        for encoding in candidates:
            try:
                has_nul, has_text = _scan_text(path, encoding)
            except UnicodeDecodeError:
                continue
            if has_nul:
                raise ExchangeError(
                    [
                        _file_problem(
                            ProblemCode.FILE_UNREADABLE, file_name, "binary content", expected
                        )
                    ]
                )
            if not has_text:
                raise ExchangeError(
                    [
                        _file_problem(
                            ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.HEADER_ROW)
                        )
                    ]
                )
            return encoding
        # In no encoding: decoded whole once more (at most the upload limit) for the very
        # error message (position in the file) that the chunked decoder cannot give.
        _decode(path.read_bytes())
    except UnicodeDecodeError as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    except OSError as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    raise AssertionError("unreachable: _decode raises for a file no candidate decodes")


def _sniff_delimiter(lines: Callable[[], Iterable[str]]) -> str:
    """Pick the candidate that splits the header into most columns consistently."""
    best = ","
    best_score: tuple[bool, int, int] = (False, 0, 0)
    for delimiter in _DELIMITERS:
        records: list[list[str]] = []
        for record in csv.reader(lines(), delimiter=delimiter):
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


def _csv_source(path: Path, file_name: str) -> Callable[[], _RawRows]:
    """Check the file as a whole, then a factory of passes over its records (number, cells).

    The records are parsed by the ``csv`` module from the open file (``newline=""``), one
    at a time; a syntax error found on the way is raised as the file's error."""
    expected = expectation(_E.CSV_FILE)
    encoding = _csv_encoding(path, file_name, expected)
    # A cell may be as long as the file: an over-long value is reported by the validation
    # with its row and column (as TOO_LONG), not as a CSV error of the whole file. The size in
    # bytes is at least the length in characters in each of the encodings read.
    size = path.stat().st_size
    if csv.field_size_limit() < size:
        csv.field_size_limit(size)

    def lines() -> Iterator[str]:
        with path.open(encoding=encoding, newline="") as handle:
            yield from handle

    def raw_rows() -> _RawRows:
        try:
            for index, record in enumerate(csv.reader(lines(), delimiter=delimiter)):
                yield index + 1, [_clean_text(cell) for cell in record]
        except (csv.Error, OSError, UnicodeDecodeError) as error:
            raise ExchangeError(
                [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
            ) from error

    try:
        delimiter = _sniff_delimiter(lines)
    except (csv.Error, OSError) as error:
        raise ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, file_name, str(error), expected)]
        ) from error
    return raw_rows


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


def _xlsx_raw_rows(path: Path, file_name: str) -> _RawRows:
    """The rows of the first worksheet (number, cell texts), from openpyxl's read-only mode."""
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
        number = 0
        try:
            for cells in sheet.iter_rows():
                number += 1
                for cell in cells:
                    row_of_cell = getattr(cell, "row", None)
                    if isinstance(row_of_cell, int):
                        number = row_of_cell
                        break
                texts = [
                    _xlsx_cell_text(cell.value, getattr(cell, "number_format", None))
                    for cell in cells
                ]
                yield number, texts
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


_GEODATA_EXPECTED: Mapping[SourceFormat, ExpectationCode] = MappingProxyType(
    {
        SourceFormat.GEOJSON: _E.GEOJSON_FILE,
        SourceFormat.GEOPACKAGE: _E.GEOPACKAGE_FILE,
        SourceFormat.SHAPEFILE: _E.SHAPEFILE,
    }
)


@dataclass(frozen=True, slots=True)
class _Batch:
    """Features ``skip + 1 …`` of a layer as read by pyogrio: attribute columns (numpy
    arrays in file order) and the WKB geometries (``None`` when the layer has none)."""

    skip: int
    count: int
    fields: tuple[str, ...]
    values: tuple[Any, ...]
    wkb: Any


class _GeodataStream(TableStream):
    """The features of one layer in batches of :data:`GEODATA_BATCH`, read with pyogrio's raw
    API (numpy arrays and WKB, without pandas).

    The values are those ``pyogrio.read_dataframe`` gave: date and time fields are read as
    text and parsed as ISO 8601 (mixed UTC offsets in one column are turned into UTC, text
    that does not parse stays text), JSON fields are parsed, geometries are decoded from WKB.
    These are decisions about a whole column: a layer of more than one batch has its date and
    JSON columns read once before (:meth:`_decide_columns`, those columns only)."""

    def __init__(
        self, path: Path, file_name: str, source_format: SourceFormat, layer: str | None
    ) -> None:
        import pyogrio

        self.file_name = file_name
        self.source_format = source_format
        self.complete_columns = True
        self.duplicate_columns = ()
        self._expected = expectation(_GEODATA_EXPECTED[source_format])
        uri = str(path.resolve())
        read_layer: str | None = None
        if path.suffix.lower() == ".zip" or (
            source_format is SourceFormat.SHAPEFILE and zipfile.is_zipfile(path)
        ):
            uri = f"/vsizip/{uri}/{_zip_member(path, file_name, layer)}"
        elif source_format is SourceFormat.GEOPACKAGE:
            read_layer = layer
        self._uri = uri
        self._options: dict[str, str] = {}
        if source_format is SourceFormat.GEOJSON:
            self._options["DATE_AS_STRING"] = "YES"  # keep dates as the text in the file
        self._batch_size = None if source_format is SourceFormat.GEOJSON else GEODATA_BATCH
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
            self._layer = read_layer
            meta, first = self._read_batch(0, None)
        except ExchangeError:
            raise
        except Exception as error:
            raise self._unreadable(error) from error
        if first.count == 0:
            raise ExchangeError(
                [_file_problem(ProblemCode.EMPTY_FILE, file_name, "", expectation(_E.FEATURE))]
            )
        self.columns = first.fields
        self._first: _Batch | None = first
        crs = meta.get("crs")
        self._crs = str(crs) if crs else None
        self._transformer = self._wgs84_transformer()
        subtypes = list(meta.get("ogr_subtypes") or [None] * len(self.columns))
        self._datetimes = frozenset(
            name
            for name, dtype in zip(self.columns, meta["dtypes"], strict=True)
            if str(dtype).startswith("datetime")
        )
        self._jsons = frozenset(
            name
            for name, subtype in zip(self.columns, subtypes, strict=True)
            if subtype == "OFSTJSON" and name not in self._datetimes
        )
        self._modes: dict[str, _ColumnMode] | None = None
        if self._batch_size is not None and first.count >= self._batch_size:
            self._modes = self._decide_columns()

    # ------------------------------------------------------------------ reading

    def _unreadable(self, error: Exception) -> ExchangeError:
        return ExchangeError(
            [_file_problem(ProblemCode.FILE_UNREADABLE, self.file_name, str(error), self._expected)]
        )

    def _read_batch(
        self, skip: int, columns: Sequence[str] | None, *, geometry: bool = True
    ) -> tuple[Mapping[str, Any], _Batch]:
        from pyogrio.raw import read

        meta, _fids, wkb, field_data = read(
            self._uri,
            layer=self._layer,
            columns=columns,
            read_geometry=geometry,
            skip_features=skip,
            max_features=self._batch_size,
            datetime_as_string=True,
            **self._options,
        )
        count = len(wkb) if wkb is not None else _feature_count(field_data)
        fields = tuple(str(name) for name in meta["fields"])
        return meta, _Batch(skip, count, fields, tuple(field_data), wkb)

    def _batches(
        self, columns: Sequence[str] | None = None, *, geometry: bool = True
    ) -> Iterator[_Batch]:
        """Batch after batch (the one read on opening first, when it fits the request)."""
        skip = 0
        while True:
            if skip == 0 and self._first is not None and columns is None and geometry:
                batch = self._first
                self._first = None
            else:
                try:
                    batch = self._read_batch(skip, columns, geometry=geometry)[1]
                except Exception as error:
                    raise self._unreadable(error) from error
            if batch.count == 0:
                return
            yield batch
            skip += batch.count
            if self._batch_size is None or batch.count < self._batch_size:
                return

    def _decide_columns(self) -> dict[str, _ColumnMode]:
        """Read the date and JSON columns (only those) of every batch to decide their mode."""
        modes = {
            name: _ColumnMode(json=name in self._jsons) for name in self._datetimes | self._jsons
        }
        if modes:
            wanted = [name for name in self.columns if name in modes]
            for batch in self._batches(wanted, geometry=False):
                for name, data in zip(batch.fields, batch.values, strict=True):
                    modes[name].add(data.tolist())
        return modes

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[SourceRow]:
        names = self.columns if columns is None else tuple(columns)
        for batch in self._batches():
            yield from self._rows_of(batch, names)

    def _rows_of(self, batch: _Batch, names: Sequence[str]) -> Iterator[SourceRow]:
        import shapely

        geometries: list[BaseGeometry | None] = [None] * batch.count
        if batch.wkb is not None:
            projected = self._to_wgs84(shapely.from_wkb(batch.wkb))
            geometries = [
                None if geometry is None or geometry.is_empty else geometry
                for geometry in projected.tolist()
            ]
        texts: dict[str, list[str | None]] = {}
        for name, data in zip(batch.fields, batch.values, strict=True):
            cells: list[object] = data.tolist()
            if name in self._datetimes or name in self._jsons:
                mode = (
                    self._modes[name]
                    if self._modes is not None
                    else _ColumnMode(json=name in self._jsons).add(cells)
                )
                cells = mode.apply(cells)
            texts[name] = [_scalar_text(value) for value in cells]
        missing: list[str | None] = [None] * batch.count
        columns = [texts.get(name, missing) for name in names]
        for index in range(batch.count):
            yield SourceRow(
                number=batch.skip + index + 1,
                values=MappingProxyType(
                    {name: column[index] for name, column in zip(names, columns, strict=True)}
                ),
                geometry=geometries[index],
            )

    # ------------------------------------------------------------------ coordinates

    def _wgs84_transformer(self) -> Any:
        """The transformer from the declared CRS to WGS84 lon/lat; ``None`` when not needed."""
        if self._crs is None:
            return None
        try:
            from pyproj import CRS, Transformer

            source = CRS.from_user_input(self._crs)
            target = CRS.from_epsg(4326)
            if source == target:
                return None
            return Transformer.from_crs(source, target, always_xy=True)
        except Exception as error:
            raise self._crs_error(error) from error

    def _crs_error(self, error: Exception) -> ExchangeError:
        return ExchangeError(
            [
                _file_problem(
                    ProblemCode.FILE_UNREADABLE,
                    self.file_name,
                    str(error),
                    expectation(_E.TRANSFORMABLE_CRS),
                )
            ]
        )

    def _to_wgs84(self, geometries: Any) -> Any:
        """Reproject to EPSG:4326 (lon/lat); no CRS means WGS84 if the coordinates allow it."""
        import shapely

        if self._crs is None:
            if not _lon_lat_bounds(shapely.total_bounds(geometries)):
                raise self._not_lon_lat()
            return geometries
        if self._transformer is None:
            return geometries
        try:
            return _reproject(geometries, self._transformer)
        except Exception as error:
            raise self._crs_error(error) from error

    def _not_lon_lat(self) -> ExchangeError:
        """The error for a layer without CRS, quoting the corner of all its coordinates
        (a pass over the geometries only)."""
        import numpy as np
        import shapely

        low = np.array([np.nan, np.nan])
        for batch in self._batches([], geometry=True):
            bounds = shapely.total_bounds(shapely.from_wkb(batch.wkb))
            low = np.fmin(low, bounds[:2])
        value = f"no coordinate reference system; coordinates like {low[0]:.1f}, {low[1]:.1f}"
        return ExchangeError(
            [
                _file_problem(
                    ProblemCode.FILE_UNREADABLE, self.file_name, value, expectation(_E.DECLARED_CRS)
                )
            ]
        )


def _lon_lat_bounds(total_bounds: Any) -> bool:
    """False when the bounds are finite and cannot be lon/lat (``nan``: no coordinates)."""
    bounds = [float(value) for value in total_bounds]
    return not all(math.isfinite(value) for value in bounds) or (
        -180.0 <= bounds[0] <= 180.0
        and -180.0 <= bounds[2] <= 180.0
        and -90.0 <= bounds[1] <= 90.0
        and -90.0 <= bounds[3] <= 90.0
    )


def _feature_count(field_data: Sequence[Any]) -> int:
    return len(field_data[0]) if len(field_data) else 0


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class _ColumnMode:
    """How a date/time or JSON column of a layer is given, decided over all its cells.

    Date/time: ISO 8601 text to datetimes, as pandas' ``to_datetime(format="ISO8601")``
    would; a column with text that does not parse stays text, one with mixed UTC offsets is
    turned into UTC. JSON: parsed, unless some text in the column is not JSON."""

    def __init__(self, *, json: bool) -> None:
        self.json = json
        self.as_text = False
        self.offsets: set[timedelta | None] = set()

    def add(self, cells: list[object]) -> _ColumnMode:
        """Take the cells of (a batch of) the column into account."""
        if self.as_text:
            return self
        for cell in cells:
            if _is_missing(cell):
                continue
            try:
                if self.json:
                    if isinstance(cell, str):
                        json.loads(cell)
                else:
                    parsed = datetime.fromisoformat(str(cell).replace(" ", "T"))
                    if len(self.offsets) < 2:
                        self.offsets.add(parsed.utcoffset())
            except ValueError:
                self.as_text = True
                return self
        return self

    def apply(self, cells: list[object]) -> list[object]:
        if self.as_text:
            return cells
        if self.json:
            return [
                None if _is_missing(cell) else json.loads(cell) if isinstance(cell, str) else cell
                for cell in cells
            ]
        parsed: list[object] = [
            None if _is_missing(cell) else datetime.fromisoformat(str(cell).replace(" ", "T"))
            for cell in cells
        ]
        if len(self.offsets) > 1:
            return [
                value.astimezone(UTC) if isinstance(value, datetime) else value for value in parsed
            ]
        return parsed


def _reproject(geometries: Any, transformer: Any) -> Any:
    """Coordinates to WGS84 lon/lat with ``transformer`` (z kept), as GeoPandas' ``to_crs``."""
    import numpy as np
    import shapely

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
