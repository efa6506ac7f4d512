"""Apply a column mapping to a read table: typed records plus every problem found.

:func:`apply_mapping` never stops at the first bad cell: it checks the header, every cell
of every row, the geometries and the keys, and returns all problems at once. It does not
decide whether an import may go ahead; the persistence layer does (usually: refuse when
there is any problem, show them all).

Records
    One ``dict`` per source row *without problems* (rows with a problem are left out, and
    no record is returned at all when the header has problems). Each record has every
    target of the mapping (``None`` when empty and without default) plus ``"geometry"``
    (shapely geometry in WGS84 lon/lat, or ``None``) and ``"row_number"`` (as in problems).
    Value types: text/choice → ``str``; integer → ``int``; decimal → ``decimal.Decimal``
    (exact, ``"12,5"`` → ``Decimal("12.5")``); date → ``datetime.date``; time →
    ``datetime.time``; boolean → ``bool``. Defaults are used as declared (already typed).

Geometry
    Z coordinates are dropped. A single-point MultiPoint counts as a Point. An invalid
    (multi)polygon (``shapely.is_valid`` false: a self-intersection, a hole outside its shell,
    …) is ``INVALID_GEOMETRY`` with GEOS' reason as the value and the expectation
    ``VALID_POLYGON_REASON`` (reason and place); it is never repaired silently, because a
    "made valid" boundary is another boundary than the one the office keeps.
    Coordinates outside lon −180…180 / lat −90…90 are ``OUT_OF_RANGE`` (usually projected
    coordinates in a file that declares no CRS). For a Point mapping with ``coordinates``,
    a CSV/XLSX needs the lat/lon columns; a geodata feature without geometry may give them
    instead; a feature's point fills empty lat/lon.

Rows
    Header problems (``MISSING_COLUMN``, ``DUPLICATE_COLUMN``) carry row 1 for CSV/XLSX and
    row 0 (whole file) for geodata, which has no header row.

Bounded memory
    A :class:`~kitaplan.exchange.readers.TableStream` (``open_table``) is checked row after
    row: what is kept are the records of the good rows, the first row and values of each key
    (to find repeats) and, with ``max_problems``, the first problems in the order
    ``(row, column)`` in which they are shown; the others are only counted
    (``MappingResult.problems_not_kept``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange.coercion import (
    CoercionError,
    parse_boolean,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_time,
)
from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, GeometryRequirement
from kitaplan.exchange.readers import SourceFormat, SourceRow, SourceTable, TableStream

__all__ = [
    "GEOMETRY",
    "ROW_NUMBER",
    "MappingResult",
    "apply_mapping",
    "coerce_value",
    "shown_value",
]

#: Record key of the row's geometry (shapely, WGS84) — ``None`` when there is none.
GEOMETRY = "geometry"
#: Record key of the source row number (same numbering as in problems).
ROW_NUMBER = "row_number"

_SHAPEFILE_FIELD_LENGTH = 10
#: Whole numbers outside 64 bits are out of range whatever the mapping declares: no database
#: column of kitaplan holds them.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: The most characters of a cell value quoted in a problem (a 200 kB cell is not repeated).
SHOWN_VALUE_LENGTH = 200
_POINT_EXPECTED = expectation(ExpectationCode.POINT)
_POLYGON_EXPECTED = expectation(ExpectationCode.POLYGON)
_WGS84_EXPECTED = expectation(ExpectationCode.WGS84_COORDINATES)
#: A source name that may be one the reader gives a header cell left empty (``column_3``,
#: ``column_3 (2)``): only then must a stream's columns past its header be known.
_GENERATED_NAME = re.compile(r"column_\d+( \(\d+\))?")


@dataclass(frozen=True, slots=True)
class MappingResult:
    """Typed records of the rows without problems, and all problems of the file."""

    mapping_name: str
    file_name: str
    records: tuple[dict[str, object], ...]
    problems: tuple[ImportProblem, ...]
    rows_read: int
    #: Problems found beyond ``max_problems`` (only counted, not kept).
    problems_not_kept: int = 0

    @property
    def ok(self) -> bool:
        """True when there is no problem at all."""
        return not self.problems and not self.problems_not_kept

    @property
    def problem_count(self) -> int:
        """Every problem found, kept or only counted."""
        return len(self.problems) + self.problems_not_kept

    @property
    def rows_with_problems(self) -> tuple[int, ...]:
        """Row numbers (sorted) that have at least one problem; 0/1 may mean file/header."""
        return tuple(sorted({problem.row for problem in self.problems}))


def coerce_value(spec: FieldSpec, text: str) -> object:
    """``text`` (stripped, non-empty) as the type of ``spec``; raises ``CoercionError``."""
    if spec.kind is FieldKind.TEXT:
        return text
    if spec.kind is FieldKind.INTEGER:
        return parse_integer(text)
    if spec.kind is FieldKind.DECIMAL:
        return parse_decimal(text)
    if spec.kind is FieldKind.DATE:
        return parse_date(text)
    if spec.kind is FieldKind.TIME:
        return parse_time(text)
    if spec.kind is FieldKind.BOOLEAN:
        return parse_boolean(text)
    return parse_choice(text, spec.choices)


def apply_mapping(
    table: SourceTable | TableStream, mapping: ColumnMapping, *, max_problems: int | None = None
) -> MappingResult:
    """Type and check every row of ``table`` according to ``mapping``.

    ``table`` may be a :class:`TableStream`: its rows are then read (once) and checked one
    after the other, and a reading error of the whole file is raised as
    :class:`~kitaplan.exchange.errors.ExchangeError` from here. ``max_problems`` keeps only
    the first problems by ``(row, column)`` (the order the import page shows) and counts
    the rest; by default all are kept, in the order found.
    """
    return _Validator(table, mapping, max_problems).run()


class _BoundedProblems:
    """Problems in the order found; with a ``limit``, only the ``limit`` first by
    ``(row, column, order found)``, the others counted in ``dropped``."""

    def __init__(self, limit: int | None) -> None:
        self.limit = None if limit is None else max(limit, 0)
        self.found = 0
        self.dropped = 0
        self.items: list[tuple[tuple[int, str, int], ImportProblem]] = []
        self.largest: tuple[int, str, int] | None = None  # of the kept ones, once full

    def __bool__(self) -> bool:
        return bool(self.items) or bool(self.dropped)

    def append(self, problem: ImportProblem) -> None:
        key = (problem.row, problem.column, self.found)
        self.found += 1
        if self.limit is not None:
            if self.limit == 0 or (self.largest is not None and key > self.largest):
                self.dropped += 1
                return
            if len(self.items) >= 2 * self.limit:
                self.prune()
        self.items.append((key, problem))

    def extend(self, problems: Iterable[ImportProblem]) -> None:
        for problem in problems:
            self.append(problem)

    def prune(self) -> None:
        if self.limit is None or len(self.items) <= self.limit:
            return
        self.items.sort(key=lambda item: item[0])
        self.dropped += len(self.items) - self.limit
        del self.items[self.limit :]
        self.largest = self.items[-1][0]

    def kept(self) -> tuple[ImportProblem, ...]:
        self.prune()
        return tuple(problem for _key, problem in sorted(self.items, key=lambda item: item[0][2]))


class _Validator:
    def __init__(
        self, table: SourceTable | TableStream, mapping: ColumnMapping, max_problems: int | None
    ) -> None:
        self.table = table
        self.file_name = table.file_name
        self.source_format = table.source_format
        self.is_geodata = table.is_geodata
        self.mapping = mapping
        self.problems = _BoundedProblems(max_problems)
        columns, self.duplicate_columns = table.columns, table.duplicate_columns
        if (
            isinstance(table, TableStream)
            and not table.complete_columns
            and any(
                spec.source is not None
                and _GENERATED_NAME.fullmatch(spec.source.strip().casefold())
                for spec in mapping.fields
            )
        ):
            columns, self.duplicate_columns = table.scan_columns()
        self.all_columns = columns
        self.columns = {
            spec.target: _resolve_column(spec.source, columns, table.source_format)
            for spec in mapping.fields
        }
        self.coordinate_targets = frozenset(mapping.coordinates or ())
        self.needs_coordinates = (
            mapping.geometry is GeometryRequirement.POINT
            and mapping.coordinates is not None
            and not table.is_geodata
        )

    # ------------------------------------------------------------------ helpers

    def problem(
        self, code: ProblemCode, row: int, column: str, value: str | None, expected: Expectation
    ) -> ImportProblem:
        return ImportProblem(
            code=code,
            file=self.file_name,
            row=row,
            column=column,
            value=shown_value(value),
            expected=expected,
        )

    def column_of(self, spec: FieldSpec) -> str:
        return self.columns.get(spec.target) or spec.column

    def needed(self, spec: FieldSpec) -> bool:
        return spec.required or (self.needs_coordinates and spec.target in self.coordinate_targets)

    # ------------------------------------------------------------------ run

    def run(self) -> MappingResult:
        self.check_header()
        header_failed = bool(self.problems)
        records: list[dict[str, object]] = []
        # per key: the first row and (to compare collapsed repeats) its values, not the record
        first_by_key: dict[object, _FirstRow] = {}
        rows: Iterable[SourceRow] = (
            self.table.rows
            if isinstance(self.table, SourceTable)
            else self.table.rows(self.all_columns)
        )
        rows_read = 0
        for row in rows:
            rows_read += 1
            record, row_problems, drop = self.check_row(row, first_by_key)
            self.problems.extend(row_problems)
            if not row_problems and not header_failed and not drop:
                records.append(record)
        return MappingResult(
            mapping_name=self.mapping.name,
            file_name=self.file_name,
            records=tuple(records),
            problems=self.problems.kept(),
            rows_read=rows_read,
            problems_not_kept=self.problems.dropped,
        )

    def check_header(self) -> None:
        header_row = 0 if self.is_geodata else 1
        reported: set[str] = set()
        for spec in self.mapping.fields:
            if spec.source is None:
                continue
            column = self.columns[spec.target]
            if column is None and self.needed(spec) and spec.source not in reported:
                reported.add(spec.source)
                self.problems.append(
                    self.problem(
                        ProblemCode.MISSING_COLUMN,
                        header_row,
                        spec.source,
                        "",
                        expectation(
                            ExpectationCode.COLUMN_NAMED_WITH,
                            column=spec.source,
                            content=spec.expectation,
                        ),
                    )
                )
            if column is not None and column in self.duplicate_columns and column not in reported:
                reported.add(column)
                self.problems.append(
                    self.problem(
                        ProblemCode.DUPLICATE_COLUMN,
                        header_row,
                        column,
                        column,
                        expectation(ExpectationCode.COLUMN_NAME_ONCE_IN_HEADER),
                    )
                )
        if (
            self.mapping.geometry is GeometryRequirement.POINT
            and self.mapping.coordinates is None
            and not self.is_geodata
        ):
            self.problems.append(
                self.problem(
                    ProblemCode.MISSING_GEOMETRY,
                    0,
                    GEOMETRY,
                    self.source_format.value if self.source_format else "",
                    expectation(ExpectationCode.GEODATA_WITH_POINTS),
                )
            )

    def check_row(
        self,
        row: SourceRow,
        first_by_key: dict[object, _FirstRow],
    ) -> tuple[dict[str, object], list[ImportProblem], bool]:
        record: dict[str, object] = {}
        raw_texts: dict[str, str | None] = {}
        failed: set[str] = set()
        problems: list[ImportProblem] = []

        for spec in self.mapping.fields:
            if spec.source is None:
                record[spec.target] = spec.default
                raw_texts[spec.target] = str(spec.default)
                continue
            column = self.columns[spec.target]
            raw = row.get(column) if column is not None else None
            raw_texts[spec.target] = raw
            text = spec.derive(raw) if raw is not None and spec.derive is not None else raw
            text = (text.strip() or None) if text is not None else None
            if text is None:
                if self.needed(spec):
                    failed.add(spec.target)
                    if column is not None:  # a missing column was reported in the header
                        problems.append(
                            self.problem(
                                ProblemCode.MISSING_VALUE, row.number, column, "", spec.expectation
                            )
                        )
                record[spec.target] = spec.default
                continue
            try:
                value = coerce_value(spec, text)
            except CoercionError as error:
                failed.add(spec.target)
                record[spec.target] = None
                problems.append(
                    self.problem(
                        error.code, row.number, self.column_of(spec), raw, spec.expectation
                    )
                )
                continue
            range_code = _range_problem(spec, value)
            if range_code is not None:
                failed.add(spec.target)
                record[spec.target] = None
                problems.append(
                    self.problem(
                        range_code, row.number, self.column_of(spec), raw, spec.expectation
                    )
                )
                continue
            if (
                spec.max_length is not None
                and isinstance(value, str)
                and (len(value) > spec.max_length)
            ):
                failed.add(spec.target)
                record[spec.target] = None
                problems.append(
                    self.problem(
                        ProblemCode.TOO_LONG,
                        row.number,
                        self.column_of(spec),
                        raw,
                        spec.expectation,
                    )
                )
                continue
            record[spec.target] = value

        for earlier, later in self.mapping.ordered:
            first, second = record[earlier], record[later]
            if earlier in failed or later in failed or not _is_before(second, first):
                continue
            earlier_spec = self.mapping.field(earlier)
            problems.append(
                self.problem(
                    ProblemCode.INCONSISTENT_VALUES,
                    row.number,
                    self.column_of(self.mapping.field(later)),
                    raw_texts[later],
                    expectation(
                        ExpectationCode.NOT_BEFORE,
                        column=self.column_of(earlier_spec),
                        value=raw_texts[earlier] or "",
                    ),
                )
            )

        geometry = self.check_geometry(row, record, failed, problems)
        record[GEOMETRY] = geometry
        record[ROW_NUMBER] = row.number

        drop = self.check_key(row, record, raw_texts, failed, problems, first_by_key)
        return record, problems, drop

    def check_key(
        self,
        row: SourceRow,
        record: dict[str, object],
        raw_texts: dict[str, str | None],
        failed: set[str],
        problems: list[ImportProblem],
        first_by_key: dict[object, _FirstRow],
    ) -> bool:
        """Report a repeated key; True when the row is an identical repeat to drop."""
        key = self.mapping.key
        if not key or failed.intersection(key):
            return False
        values = tuple(record[target] for target in key)
        if any(value is None for value in values):
            return False
        # a key of one target is kept as its value (no tuple): less memory for 300,000 rows
        found: object = values[0] if len(values) == 1 else values
        first = first_by_key.get(found)
        if first is None:
            first_by_key[found] = (
                (row.number, tuple(record[target] for target in self.mapping.targets))
                if self.mapping.collapse_duplicates
                else row.number
            )
            return False
        first_row, first_values = first if isinstance(first, tuple) else (first, None)
        if first_values is not None:
            if problems:
                return False
            differing = [
                target
                for target, first_value in zip(self.mapping.targets, first_values, strict=True)
                if record[target] != first_value
            ]
            if not differing:
                return True
            spec = self.mapping.field(differing[0])
            problems.append(
                self.problem(
                    ProblemCode.INCONSISTENT_VALUES,
                    row.number,
                    self.column_of(spec),
                    raw_texts[spec.target],
                    expectation(ExpectationCode.SAME_AS_ROW, row=first_row),
                )
            )
            return False
        specs = [self.mapping.field(target) for target in key]
        problems.append(
            self.problem(
                ProblemCode.DUPLICATE_KEY,
                row.number,
                ", ".join(self.column_of(spec) for spec in specs),
                " / ".join(raw_texts[spec.target] or "" for spec in specs),
                expectation(ExpectationCode.UNIQUE_KEY, row=first_row),
            )
        )
        return False

    def check_geometry(
        self,
        row: SourceRow,
        record: dict[str, object],
        failed: set[str],
        problems: list[ImportProblem],
    ) -> BaseGeometry | None:
        requirement = self.mapping.geometry
        if requirement is GeometryRequirement.NONE:
            return None
        geometry = row.geometry
        if geometry is not None:
            geometry = shapely.force_2d(geometry)
        if requirement is GeometryRequirement.OPTIONAL:
            return geometry

        def report(code: ProblemCode, value: str, expected: Expectation) -> None:
            problems.append(self.problem(code, row.number, GEOMETRY, value, expected))

        if requirement is GeometryRequirement.POINT:
            return self.check_point(geometry, record, failed, report)

        # polygon
        if geometry is None:
            if self.is_geodata:
                report(ProblemCode.MISSING_GEOMETRY, "", _POLYGON_EXPECTED)
            return None
        if not isinstance(geometry, Polygon | MultiPolygon):
            report(ProblemCode.WRONG_GEOMETRY_TYPE, geometry.geom_type, _POLYGON_EXPECTED)
            return None
        if not _within_wgs84(geometry):
            report(ProblemCode.OUT_OF_RANGE, _bounds_text(geometry), _WGS84_EXPECTED)
            return None
        if shapely.is_valid(geometry):
            return geometry
        # refused with GEOS' reason and place, never "made valid" (ADR 0003)
        reason = explain_validity(geometry)
        report(ProblemCode.INVALID_GEOMETRY, reason, invalid_polygon_expectation(reason))
        return None

    def check_point(
        self,
        geometry: BaseGeometry | None,
        record: dict[str, object],
        failed: set[str],
        report: Callable[[ProblemCode, str, Expectation], None],
    ) -> BaseGeometry | None:
        coordinates = self.mapping.coordinates
        if geometry is None:
            if coordinates is not None:
                lat, lon = record[coordinates[0]], record[coordinates[1]]
                if isinstance(lat, Decimal) and isinstance(lon, Decimal):
                    return Point(float(lon), float(lat))
                if failed.intersection(coordinates) or not self.is_geodata:
                    return None  # already reported as a cell problem
            if self.is_geodata:
                report(ProblemCode.MISSING_GEOMETRY, "", _POINT_EXPECTED)
            return None
        if isinstance(geometry, MultiPoint) and len(geometry.geoms) == 1:
            geometry = geometry.geoms[0]
        if not isinstance(geometry, Point):
            report(ProblemCode.WRONG_GEOMETRY_TYPE, geometry.geom_type, _POINT_EXPECTED)
            return None
        if not _within_wgs84(geometry):
            report(ProblemCode.OUT_OF_RANGE, f"{geometry.x}, {geometry.y}", _WGS84_EXPECTED)
            return None
        if coordinates is not None:
            lat_target, lon_target = coordinates
            if record[lat_target] is None and lat_target not in failed:
                record[lat_target] = Decimal(str(round(geometry.y, 7)))
            if record[lon_target] is None and lon_target not in failed:
                record[lon_target] = Decimal(str(round(geometry.x, 7)))
        return geometry


#: The first row with a key, with the values of its targets when repeats may be collapsed.
_FirstRow = int | tuple[int, tuple[object, ...]]


def _resolve_column(
    source: str | None, columns: tuple[str, ...], source_format: SourceFormat | None
) -> str | None:
    """Exact name, else the one column equal ignoring case, else a Shapefile truncation."""
    if source is None:
        return None
    if source in columns:
        return source
    folded = source.strip().casefold()
    matches = [column for column in columns if column.strip().casefold() == folded]
    if len(matches) == 1:
        return matches[0]
    if source_format is SourceFormat.SHAPEFILE and len(source) > _SHAPEFILE_FIELD_LENGTH:
        truncated = [
            column
            for column in columns
            if len(column) == _SHAPEFILE_FIELD_LENGTH and folded.startswith(column.casefold())
        ]
        if len(truncated) == 1:
            return truncated[0]
    return None


def shown_value(value: str | None) -> str:
    """A cell value as quoted in a problem: cut to ``SHOWN_VALUE_LENGTH`` characters."""
    text = value or ""
    if len(text) <= SHOWN_VALUE_LENGTH:
        return text
    return text[: SHOWN_VALUE_LENGTH - 1] + "…"


def _range_problem(spec: FieldSpec, value: object) -> ProblemCode | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return ProblemCode.OUT_OF_RANGE
    if spec.minimum is not None and value < spec.minimum:
        return (
            ProblemCode.NEGATIVE_NUMBER if value < 0 <= spec.minimum else ProblemCode.OUT_OF_RANGE
        )
    if spec.maximum is not None and value > spec.maximum:
        return ProblemCode.OUT_OF_RANGE
    return None


def _is_before(later: object, earlier: object) -> bool:
    """True when ``later`` is strictly before ``earlier`` (comparable values only)."""
    if isinstance(later, date) and isinstance(earlier, date):
        return later < earlier
    if isinstance(later, time) and isinstance(earlier, time):
        return later < earlier
    if isinstance(later, int | Decimal) and isinstance(earlier, int | Decimal):
        return later < earlier
    return False


def _within_wgs84(geometry: BaseGeometry) -> bool:
    min_x, min_y, max_x, max_y = (float(value) for value in geometry.bounds)
    values = (min_x, min_y, max_x, max_y)
    return (
        all(math.isfinite(value) for value in values)
        and -180.0 <= min_x <= max_x <= 180.0
        and -90.0 <= min_y <= max_y <= 90.0
    )


def _bounds_text(geometry: BaseGeometry) -> str:
    min_x, min_y, max_x, max_y = geometry.bounds
    return f"{min_x}, {min_y}, {max_x}, {max_y}"


def invalid_polygon_expectation(reason: str) -> Expectation:
    """What an invalid polygon should have been, from GEOS' ``explain_validity`` text.

    ``"Self-intersection[13.4 52.5]"`` gives ``VALID_POLYGON_REASON`` with
    ``geometry_reason="Self-intersection"`` (worded by the web layer) and ``at="13.4 52.5"``.
    """
    name, _bracket, place = reason.partition("[")
    return expectation(
        ExpectationCode.VALID_POLYGON_REASON,
        geometry_reason=name.strip(),
        at=place.rstrip("]").strip(),
    )
