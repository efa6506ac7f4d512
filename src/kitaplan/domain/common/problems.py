"""Problems found in input data, as data with stable codes (de: Fehler beim Import).

The domain and exchange layers never word messages; they return :class:`ImportProblem`
records and the web/CLI layer turns them into German (or English) sentences.
Problem codes are API: renaming one is a breaking change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemCode(StrEnum):
    FILE_UNREADABLE = "file_unreadable"
    UNSUPPORTED_FORMAT = "unsupported_format"
    EMPTY_FILE = "empty_file"
    MISSING_COLUMN = "missing_column"
    MISSING_VALUE = "missing_value"
    NOT_A_NUMBER = "not_a_number"
    NOT_AN_INTEGER = "not_an_integer"
    NEGATIVE_NUMBER = "negative_number"
    OUT_OF_RANGE = "out_of_range"
    NOT_A_DATE = "not_a_date"
    NOT_A_TIME = "not_a_time"
    NOT_A_BOOLEAN = "not_a_boolean"
    UNKNOWN_CHOICE = "unknown_choice"
    DUPLICATE_KEY = "duplicate_key"
    MISSING_GEOMETRY = "missing_geometry"
    INVALID_GEOMETRY = "invalid_geometry"
    WRONG_GEOMETRY_TYPE = "wrong_geometry_type"
    UNKNOWN_AREA = "unknown_area"
    UNKNOWN_PARENT = "unknown_parent"
    UNKNOWN_PROVIDER = "unknown_provider"
    UNKNOWN_INDICATOR = "unknown_indicator"
    UNKNOWN_LEVEL = "unknown_level"
    INCONSISTENT_VALUES = "inconsistent_values"
    DUPLICATE_COLUMN = "duplicate_column"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One problem in one cell (or row, or file) of an input file.

    ``row`` is 1-based as the user's spreadsheet counts it: the header is row 1, so the
    first data row of a CSV/XLSX file is row 2. For geodata formats (GeoJSON, GeoPackage,
    Shapefile) ``row`` is the 1-based feature number. ``row == 0`` means the whole file.
    """

    code: ProblemCode
    file: str
    row: int
    column: str
    value: str
    expected: str
