"""Problems found in input data, as data with stable codes (de: Fehler beim Import).

The domain and exchange layers never word messages; they return :class:`ImportProblem`
records and the web/CLI layer turns them into German (or English) sentences. What a cell (or
row, or file) should have contained is an :class:`Expectation`: a code from
:class:`ExpectationCode` and its parameters (column names, bounds, allowed values), never a
sentence. Problem and expectation codes are API (stored with import runs): renaming one is a
breaking change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Union


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


class ExpectationCode(StrEnum):
    """What was expected, one code per wording (parameters in brackets).

    The web layer words every code (``kitaplan.web.imports.expectations``); a test there
    enumerates this class, so a new code without a wording fails the suite.
    """

    # free text: a stored problem of an import run from before the codes (``text``)
    TEXT_AS_STORED = "text_as_stored"
    # cell types (exchange.mappings, the readers' own checks)
    TEXT = "text"
    TEXT_AT_MOST = "text_at_most"  # (n)
    VALUE = "value"
    VALUE_FOR = "value_for"  # (key)
    DATE = "date"
    DATE_ISO = "date_iso"
    MONTH = "month"
    TIME = "time"
    BOOLEAN = "boolean"
    ZERO_OR_ONE = "zero_or_one"
    WHOLE_NUMBER = "whole_number"
    WHOLE_NUMBER_RANGE = "whole_number_range"  # (low, high)
    WHOLE_NUMBER_AT_LEAST = "whole_number_at_least"  # (low)
    WHOLE_NUMBER_AT_MOST = "whole_number_at_most"  # (high)
    NUMBER = "number"
    NUMBER_RANGE = "number_range"  # (low, high)
    NUMBER_AT_LEAST = "number_at_least"  # (low)
    NUMBER_AT_MOST = "number_at_most"  # (high)
    NUMBER_POSITIVE = "number_positive"
    NUMBER_POSITIVE_AT_MOST = "number_positive_at_most"  # (high)
    NUMBER_OR_FRACTION = "number_or_fraction"
    AT_LEAST = "at_least"  # (low)
    WHOLE_CENTS = "whole_cents"
    ONE_OF = "one_of"  # (choices)
    # declared fields of the standard and source mappings
    WGS84_LATITUDE = "wgs84_latitude"
    WGS84_LONGITUDE = "wgs84_longitude"
    CELL_LATITUDE = "cell_latitude"
    CELL_LONGITUDE = "cell_longitude"
    CELL_RESIDENTS = "cell_residents"
    CELL_RESIDENTS_OR_NONE = "cell_residents_or_none"
    CELL_EASTING = "cell_easting"
    CELL_NORTHING = "cell_northing"
    # files (exchange.readers)
    CSV_FILE = "csv_file"
    XLSX_FILE = "xlsx_file"
    ZIPPED_SHAPEFILE = "zipped_shapefile"
    GEOJSON_FILE = "geojson_file"
    GEOPACKAGE_FILE = "geopackage_file"
    SHAPEFILE = "shapefile"
    SUPPORTED_FILE = "supported_file"
    EXISTING_FILE = "existing_file"
    HEADER_ROW = "header_row"
    DATA_ROW = "data_row"
    WORKSHEET = "worksheet"
    FEATURE = "feature"
    LAYER_ONE_OF = "layer_one_of"  # (layers)
    DECLARED_CRS = "declared_crs"
    TRANSFORMABLE_CRS = "transformable_crs"
    # header, keys and rows (exchange.validation, exchange.allocation_instance)
    COLUMN_NAMED = "column_named"  # (column)
    COLUMN_NAMED_WITH = "column_named_with"  # (column, content: an Expectation)
    COLUMN_NAME_ONCE = "column_name_once"
    COLUMN_NAME_ONCE_IN_HEADER = "column_name_once_in_header"
    NOT_BEFORE = "not_before"  # (column, value)
    NOT_BEFORE_COLUMN = "not_before_column"  # (column)
    SAME_AS_ROW = "same_as_row"  # (row)
    UNIQUE_KEY = "unique_key"  # (row)
    ONCE = "once"  # (columns, row)
    ONCE_PER_CHILD = "once_per_child"  # (column, row)
    ID_FROM = "id_from"  # (column, source)
    ROW_FOR_EVERY_CHILD = "row_for_every_child"  # (source)
    AT_MOST_CAPACITY = "at_most_capacity"  # (n)
    # geometries
    POINT = "point"
    POLYGON = "polygon"
    VALID_POLYGON = "valid_polygon"
    WGS84_COORDINATES = "wgs84_coordinates"
    GEODATA_WITH_POINTS = "geodata_with_points"
    LOCATION = "location"
    # stored data (web.imports.persisters)
    PARENT_AREA = "parent_area"
    AREA_OF_TERRITORY = "area_of_territory"
    FINEST_AREA = "finest_area"
    DEFINED_INDICATOR = "defined_indicator"
    KNOWN_PROVIDER = "known_provider"
    CELLS_INSIDE = "cells_inside"
    # payment inputs (exchange.childminding_payments) and the payment engine
    TOML_FILE = "toml_file"
    TOML_UTF8 = "toml_utf8"
    TOML_RATE_TABLE = "toml_rate_table"
    TOML_VALID = "toml_valid"
    TOML_TABLE = "toml_table"
    TOML_LIST = "toml_list"
    TOML_INLINE_TABLE = "toml_inline_table"
    HOURS_CLASSES = "hours_classes"
    AT_LEAST_ONE_RATE = "at_least_one_rate"
    AT_LEAST_ONE_COMPONENT = "at_least_one_component"
    AT_LEAST_ONE_BRACKET = "at_least_one_bracket"
    TABLE_CODE_ONCE = "table_code_once"  # (file)
    DATE_AFTER_TABLE = "date_after_table"  # (table)
    RATE_TABLE_SCHEME = "rate_table_scheme"  # (schemes)
    SCHEME_OF_SEVERAL = "scheme_of_several"  # (schemes)
    CONTRACT_OF_FILE = "contract_of_file"
    TABLE_STAGE = "table_stage"  # (table)
    TABLE_HOURS_CLASS = "table_hours_class"  # (table)
    COMPONENT_RATE = "component_rate"  # (component, table)
    SCHEME_DAYS = "scheme_days"  # (scheme)
    DAILY_HOURS = "daily_hours"
    # a rate table's own consistency (domain.childminding.payments_rules.table_errors)
    UP_TO_ABOVE_OVER = "up_to_above_over"
    CORRIDOR_TOP = "corridor_top"
    NO_OVERLAP_WITH_CLASS = "no_overlap_with_class"  # (n)
    COMPONENT_CODE_ONCE = "component_code_once"
    MONTH_OR_PERCENT_UNIT = "month_or_percent_unit"
    TABLE_CLASS = "table_class"  # (table)
    NON_PERCENT_COMPONENT = "non_percent_component"
    NO_BASE = "no_base"
    HOURLY_COMPONENT = "hourly_component"
    # the HTTP API's bulk writes (web.api.services)
    OBJECT_WITH_FIELDS = "object_with_fields"  # (fields)
    LIST_OF_OBJECTS = "list_of_objects"  # (fields)
    FIELD_ONE_OF = "field_one_of"  # (fields)
    AT_LEAST_ONE_ROW = "at_least_one_row"
    AT_MOST_ROWS = "at_most_rows"  # (n)
    # complete-list imports and geometry validity (web.imports)
    VALID_POLYGON_REASON = "valid_polygon_reason"  # (geometry_reason: GEOS' name, at: x y)
    # address register (web.territory addresses)
    ADDRESSES_INSIDE = "addresses_inside"
    UTM_EASTING = "utm_easting"
    UTM_NORTHING = "utm_northing"
    # applications (web.allocation imports)
    ROUND_OF_TERRITORY = "round_of_territory"
    ROUND_NOT_ALLOCATED = "round_not_allocated"  # (round)
    PLACE_OF_TERRITORY = "place_of_territory"
    PLACE_IN_ROUND = "place_in_round"  # (round)
    CHOICE_ONCE = "choice_once"  # (rank)
    CHOICE_WITHOUT_GAP = "choice_without_gap"  # (rank)
    AT_MOST_CHOICES = "at_most_choices"  # (n)
    AT_LEAST_ONE_CHOICE = "at_least_one_choice"
    ROUND_CRITERION = "round_criterion"  # (choices)
    AGE_IN_ROUND = "age_in_round"  # (day)
    HOME_AREA_OR_ADDRESS = "home_area_or_address"
    KNOWN_HOME_ADDRESS = "known_home_address"  # (suggestions)
    HOME_AREA_OF_ADDRESS = "home_area_of_address"  # (area)
    NOT_ERASED_APPLICATION = "not_erased_application"
    # childminders and care contracts (web.childminding imports)
    DAY_TIMES = "day_times"
    SUPPLEMENT_CODES = "supplement_codes"  # (choices)
    KNOWN_CHILDMINDER = "known_childminder"
    ADVISORY_SERVICE = "advisory_service"
    OWN_ADVISORY_SERVICE = "own_advisory_service"
    CHILDMINDER_OF_OWN_SERVICE = "childminder_of_own_service"
    NOT_ERASED_CHILDMINDER = "not_erased_childminder"
    PERMIT_ON_START = "permit_on_start"  # (day)
    WITHIN_PERMIT = "within_permit"  # (limit, day, start, end, count)
    WITHIN_PRACTICE = "within_practice"  # (limit, day, start, end, count)
    # network members (web.networks imports)
    KNOWN_NETWORK = "known_network"  # (networks)
    OPEN_NETWORK = "open_network"  # (closed_on)
    KNOWN_ORGANISATION = "known_organisation"
    KNOWN_FACILITY = "known_facility"
    NETWORK_MEMBER_REFERENCE = "network_member_reference"
    NETWORK_MEMBER_CONSENT = "network_member_consent"
    EMAIL_ADDRESS = "email_address"
    NOT_ERASED_MEMBER = "not_erased_member"
    # courses and attendance (web.qualification imports)
    KNOWN_PROGRAMME = "known_programme"  # (programmes)
    KNOWN_COURSE = "known_course"
    MODULE_OF_COURSE = "module_of_course"  # (modules)
    # measures plan (web.measures imports)
    MEASURES_PLAN_VERSION = "measures_plan_version"  # (territory)
    MEASURES_PLAN_OPEN = "measures_plan_open"  # (closed_on)
    MEASURES_PLAN_ONE = "measures_plan_one"
    MEASURES_CODE_OR_ABOVE = "measures_code_or_above"
    MEASURES_OBJECTIVE_FIELD = "measures_objective_field"  # (field)
    # targets and care rates (web.planning imports)
    CARE_RATES_CLASS_PAIR = "care_rates_class_pair"
    CARE_RATES_ONE_ACTIVE = "care_rates_one_active"  # (row)
    # area groups (web.territory)


#: A parameter of an expectation: a text (a number is kept as its text) or a nested one.
Parameter = Union[str, "Expectation"]


@dataclass(frozen=True, slots=True)
class Expectation:
    """What was expected: a code and its parameters (frozen and hashable).

    ``params`` are (name, value) pairs sorted by name; build one with :meth:`of`
    (``Expectation.of(ExpectationCode.ONE_OF, choices="a, b")``). Numbers are kept as the text
    the rule states them in (``"0"``, ``"17"``), so a wording only places them.
    """

    code: ExpectationCode
    params: tuple[tuple[str, Parameter], ...] = field(default=())

    @classmethod
    def of(cls, code: ExpectationCode, **params: object) -> Expectation:
        return cls(code, _pairs(params.items()))

    def param(self, name: str) -> Parameter:
        for key, value in self.params:
            if key == name:
                return value
        raise KeyError(name)

    @property
    def arguments(self) -> dict[str, Parameter]:
        return dict(self.params)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (nested expectations as dicts), read back by :meth:`from_json`."""
        return {
            "code": self.code.value,
            "params": {
                key: value.to_json() if isinstance(value, Expectation) else value
                for key, value in self.params
            },
        }

    @classmethod
    def from_json(cls, data: object) -> Expectation:
        """The expectation stored by :meth:`to_json`; a plain string (stored before the codes)
        becomes ``TEXT_AS_STORED``."""
        if isinstance(data, str):
            return cls.of(ExpectationCode.TEXT_AS_STORED, text=data)
        if not isinstance(data, Mapping):
            raise ValueError(f"not an expectation: {data!r}")
        params = data.get("params") or {}
        return cls(
            ExpectationCode(data["code"]),
            _pairs(
                (key, cls.from_json(value) if isinstance(value, Mapping) else value)
                for key, value in params.items()
            ),
        )


def _pairs(items: Iterable[tuple[str, object]]) -> tuple[tuple[str, Parameter], ...]:
    return tuple(
        sorted(
            (key, value if isinstance(value, Expectation) else str(value)) for key, value in items
        )
    )


def expectation(code: ExpectationCode, **params: object) -> Expectation:
    """Shorthand for :meth:`Expectation.of`."""
    return Expectation.of(code, **params)


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
    expected: Expectation
