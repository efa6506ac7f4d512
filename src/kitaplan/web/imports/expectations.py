"""German (or English) wording of what the exchange layer expected.

The exchange layer cannot use Django's translation machinery (ADR 0001); it states what it
expected as an :class:`~kitaplan.domain.common.problems.Expectation`: a code and its
parameters. Here every code has one msgid (English, German in the catalogue) into which the
parameters are placed. A test enumerates :class:`ExpectationCode`, so a new code without a
wording fails the suite.

A parameter whose value is a code of another app (a payment component) can be worded by that
app: it registers a function for the parameter's name with :func:`register_parameter_wording`
in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kitaplan.domain.common.problems import Expectation, ExpectationCode

C = ExpectationCode

#: The msgid of each code (``gettext_noop`` so that ``makemessages`` finds them).
WORDINGS: dict[ExpectationCode, str] = {
    C.TEXT_AS_STORED: "%(text)s",
    C.TEXT: gettext_noop("a text"),
    C.TEXT_AT_MOST: gettext_noop("a text of at most %(n)s characters"),
    C.VALUE: gettext_noop("a value"),
    C.VALUE_FOR: gettext_noop('a value for "%(key)s"'),
    C.DATE: gettext_noop("a date as YYYY-MM-DD or DD.MM.YYYY"),
    C.DATE_ISO: gettext_noop("a date as YYYY-MM-DD"),
    C.MONTH: gettext_noop("a month as YYYY-MM"),
    C.TIME: gettext_noop("a time as HH:MM"),
    C.BOOLEAN: gettext_noop("yes or no (1/0, ja/nein, true/false, yes/no, wahr/falsch, x/empty)"),
    C.ZERO_OR_ONE: gettext_noop("0 or 1"),
    C.WHOLE_NUMBER: gettext_noop("a whole number"),
    C.WHOLE_NUMBER_RANGE: gettext_noop("a whole number from %(low)s to %(high)s"),
    C.WHOLE_NUMBER_AT_LEAST: gettext_noop("a whole number ≥ %(low)s"),
    C.WHOLE_NUMBER_AT_MOST: gettext_noop("a whole number ≤ %(high)s"),
    C.NUMBER: gettext_noop("a number"),
    C.NUMBER_RANGE: gettext_noop("a number from %(low)s to %(high)s"),
    C.NUMBER_AT_LEAST: gettext_noop("a number ≥ %(low)s"),
    C.NUMBER_AT_MOST: gettext_noop("a number ≤ %(high)s"),
    C.NUMBER_POSITIVE: gettext_noop("a number > 0"),
    C.NUMBER_POSITIVE_AT_MOST: gettext_noop("a number > 0 and ≤ %(high)s"),
    C.NUMBER_OR_FRACTION: gettext_noop("a number such as 1.80 or a fraction such as 52/12"),
    C.AT_LEAST: gettext_noop("at least %(low)s"),
    C.WHOLE_CENTS: gettext_noop("an amount in whole cents"),
    C.ONE_OF: gettext_noop("one of: %(choices)s"),
    C.WGS84_LATITUDE: gettext_noop("a WGS84 latitude from -90 to 90 (Germany: about 47 to 55)"),
    C.WGS84_LONGITUDE: gettext_noop("a WGS84 longitude from -180 to 180 (Germany: about 5 to 16)"),
    C.CELL_LATITUDE: gettext_noop(
        "the WGS84 latitude of the cell centre (Germany: about 47 to 55)"
    ),
    C.CELL_LONGITUDE: gettext_noop(
        "the WGS84 longitude of the cell centre (Germany: about 5 to 16)"
    ),
    C.CELL_RESIDENTS: gettext_noop("the residents of the cell (a number ≥ 0)"),
    C.CELL_RESIDENTS_OR_NONE: gettext_noop(
        "the residents of the cell (a number ≥ 0, or – for none)"
    ),
    C.CELL_EASTING: gettext_noop(
        "the easting of the cell centre in ETRS89-LAEA (EPSG:3035), in metres"
    ),
    C.CELL_NORTHING: gettext_noop(
        "the northing of the cell centre in ETRS89-LAEA (EPSG:3035), in metres"
    ),
    C.CSV_FILE: gettext_noop("a CSV text file in UTF-8 or Windows-1252"),
    C.XLSX_FILE: gettext_noop("an Excel workbook (.xlsx)"),
    C.ZIPPED_SHAPEFILE: gettext_noop("a ZIP archive with a Shapefile (.shp, .shx, .dbf, .prj)"),
    C.GEOJSON_FILE: gettext_noop("a GeoJSON FeatureCollection"),
    C.GEOPACKAGE_FILE: gettext_noop("a GeoPackage with a vector layer"),
    C.SHAPEFILE: gettext_noop("a Shapefile (zipped with .shp, .shx, .dbf, .prj)"),
    C.SUPPORTED_FILE: gettext_noop("a CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile file"),
    C.EXISTING_FILE: gettext_noop("an existing file"),
    C.HEADER_ROW: gettext_noop("a header row with column names"),
    C.DATA_ROW: gettext_noop("at least one data row below the header"),
    C.WORKSHEET: gettext_noop("a worksheet"),
    C.FEATURE: gettext_noop("at least one feature"),
    C.LAYER_ONE_OF: gettext_noop("one of the layers: %(layers)s"),
    C.DECLARED_CRS: gettext_noop(
        "a declared coordinate reference system (.prj of a Shapefile, crs of a GeoJSON) "
        "or WGS84 longitude/latitude coordinates"
    ),
    C.TRANSFORMABLE_CRS: gettext_noop(
        "a coordinate reference system that can be transformed to WGS84"
    ),
    C.COLUMN_NAMED: gettext_noop('a column named "%(column)s"'),
    C.COLUMN_NAMED_WITH: gettext_noop('a column named "%(column)s" with %(content)s'),
    C.COLUMN_NAME_ONCE: gettext_noop("each column name only once"),
    C.COLUMN_NAME_ONCE_IN_HEADER: gettext_noop("each column name only once in the header"),
    C.NOT_BEFORE: gettext_noop("a value not before %(column)s (%(value)s)"),
    C.NOT_BEFORE_COLUMN: gettext_noop("a value not before %(column)s"),
    C.SAME_AS_ROW: gettext_noop("the same value as in row %(row)s, which has the same key"),
    C.UNIQUE_KEY: gettext_noop("a unique key; the same key is already in row %(row)s"),
    C.ONCE: gettext_noop("each %(columns)s only once (already in row %(row)s)"),
    C.ONCE_PER_CHILD: gettext_noop("each %(column)s only once per child (already in row %(row)s)"),
    C.ID_FROM: gettext_noop("a %(column)s from %(source)s"),
    C.ROW_FOR_EVERY_CHILD: gettext_noop("a row for every child of %(source)s"),
    C.AT_MOST_CAPACITY: gettext_noop("at most the capacity (%(n)s)"),
    C.POINT: gettext_noop("a Point"),
    C.POLYGON: gettext_noop("a Polygon or MultiPolygon"),
    C.VALID_POLYGON: gettext_noop("a valid Polygon or MultiPolygon (no self-intersections)"),
    C.WGS84_COORDINATES: gettext_noop(
        "WGS84 coordinates: longitude -180 to 180, latitude -90 to 90"
    ),
    C.GEODATA_WITH_POINTS: gettext_noop(
        "a geodata file (GeoJSON, GeoPackage, Shapefile) with Point geometries"
    ),
    C.LOCATION: gettext_noop("a location (lat/lon or point geometry)"),
    C.PARENT_AREA: gettext_noop("the code of an area one level up"),
    C.AREA_OF_TERRITORY: gettext_noop("the official code of an area of this territory"),
    C.FINEST_AREA: gettext_noop(
        "the official code of an area of the finest level of this territory"
    ),
    C.DEFINED_INDICATOR: gettext_noop("the code of a defined indicator"),
    C.KNOWN_PROVIDER: gettext_noop("the number of a provider imported before"),
    C.CELLS_INSIDE: gettext_noop(
        "cell centres inside the areas of this territory (check the coordinate reference system)"
    ),
    C.TOML_FILE: gettext_noop("an existing, readable TOML file"),
    C.TOML_UTF8: gettext_noop("a TOML file in UTF-8"),
    C.TOML_RATE_TABLE: gettext_noop("a rate table in TOML"),
    C.TOML_VALID: gettext_noop("valid TOML"),
    C.TOML_TABLE: gettext_noop("a TOML table [key]"),
    C.TOML_LIST: gettext_noop("a TOML list [ … ]"),
    C.TOML_INLINE_TABLE: gettext_noop("a TOML inline table { … }"),
    C.HOURS_CLASSES: gettext_noop("a list of hours classes"),
    C.AT_LEAST_ONE_RATE: gettext_noop("at least one rate"),
    C.AT_LEAST_ONE_COMPONENT: gettext_noop("at least one [[components]]"),
    C.AT_LEAST_ONE_BRACKET: gettext_noop("at least one bracket"),
    C.TABLE_CODE_ONCE: gettext_noop("each table code only once (already in %(file)s)"),
    C.DATE_AFTER_TABLE: gettext_noop("a date after the end of table %(table)s of the same scheme"),
    C.RATE_TABLE_SCHEME: gettext_noop("the scheme of a rate table: %(schemes)s"),
    C.SCHEME_OF_SEVERAL: gettext_noop(
        "a scheme for the contract (several are loaded): %(schemes)s"
    ),
    C.CONTRACT_OF_FILE: gettext_noop("the contract_id of a contract in the contracts file"),
    C.TABLE_STAGE: gettext_noop("a stage of rate table %(table)s"),
    C.TABLE_HOURS_CLASS: gettext_noop("hours covered by a class of rate table %(table)s"),
    C.COMPONENT_RATE: gettext_noop("a rate of component %(component)s in rate table %(table)s"),
    C.SCHEME_DAYS: gettext_noop("days covered by a rate table of scheme %(scheme)s"),
    C.DAILY_HOURS: gettext_noop("daily hours (a weekly schedule)"),
    C.UP_TO_ABOVE_OVER: gettext_noop("an upper bound (up_to) above the lower one (over)"),
    C.CORRIDOR_TOP: gettext_noop("an upper bound (up_to) for every corridor"),
    C.NO_OVERLAP_WITH_CLASS: gettext_noop("no overlap with class %(n)s"),
    C.COMPONENT_CODE_ONCE: gettext_noop("each component code only once"),
    C.MONTH_OR_PERCENT_UNIT: gettext_noop(
        "'month' or 'percent' (hourly rates need an hours rule with hours and weeks_per_month)"
    ),
    C.TABLE_CLASS: gettext_noop("a class of rate table %(table)s"),
    C.NON_PERCENT_COMPONENT: gettext_noop("the code of a component that is not a percentage"),
    C.NO_BASE: gettext_noop("no base (only a percentage has one)"),
    C.HOURLY_COMPONENT: gettext_noop("a table with hourly components"),
    C.OBJECT_WITH_FIELDS: gettext_noop("an object with the fields %(fields)s"),
    C.LIST_OF_OBJECTS: gettext_noop("a JSON list of objects with the fields %(fields)s"),
    C.FIELD_ONE_OF: gettext_noop("one of the fields %(fields)s"),
    C.AT_LEAST_ONE_ROW: gettext_noop("at least one row"),
    C.AT_MOST_ROWS: gettext_noop("at most %(n)s rows per request"),
    # complete-list imports and geometry validity (web.imports)
    C.VALID_POLYGON_REASON: gettext_noop(
        "a valid Polygon or MultiPolygon; the check found: %(geometry_reason)s at %(at)s"
    ),
    # address register (web.territory addresses)
    C.ADDRESSES_INSIDE: gettext_noop(
        "addresses inside the areas of this territory (check the coordinate reference system)"
    ),
    C.UTM_EASTING: gettext_noop(
        "the easting in ETRS89/UTM in metres, with the zone in front (32 or 33, e.g. "
        "33385123,45) or without it in zone 32"
    ),
    C.UTM_NORTHING: gettext_noop("the northing in ETRS89/UTM in metres (e.g. 5820456,78)"),
    # applications (web.allocation imports)
    C.ROUND_OF_TERRITORY: gettext_noop(
        "the name of an allocation round of this territory (exactly one round has it)"
    ),
    C.ROUND_NOT_ALLOCATED: gettext_noop(
        "a round that has not been allocated yet (round %(round)s already has a run)"
    ),
    C.PLACE_OF_TERRITORY: gettext_noop(
        "the official number of a facility or childminder of this territory"
    ),
    C.PLACE_IN_ROUND: gettext_noop("a facility that released places in round %(round)s"),
    C.CHOICE_ONCE: gettext_noop("each facility once; it is already choice %(rank)s"),
    C.CHOICE_WITHOUT_GAP: gettext_noop("choices ranked without gaps; choice %(rank)s is empty"),
    C.AT_MOST_CHOICES: gettext_noop("at most %(n)s choices, as the round allows"),
    C.AT_LEAST_ONE_CHOICE: gettext_noop("at least one choice (choice_1)"),
    C.ROUND_CRITERION: gettext_noop(
        "empty or criteria of the round that the file confirms: %(choices)s"
    ),
    C.AGE_IN_ROUND: gettext_noop(
        "a birth date by which the child is under school age when care starts on %(day)s"
    ),
    C.HOME_AREA_OR_ADDRESS: gettext_noop(
        "the code of the home area or, where the territory has an address register, "
        "street and house number"
    ),
    C.KNOWN_HOME_ADDRESS: gettext_noop(
        "an address of the territory's address register (nearest known: %(suggestions)s)"
    ),
    C.HOME_AREA_OF_ADDRESS: gettext_noop("empty or the area of the address (%(area)s)"),
    C.NOT_ERASED_APPLICATION: gettext_noop(
        "the case number of an application whose personal data were not erased"
    ),
    # childminders and care contracts (web.childminding imports)
    C.DAY_TIMES: gettext_noop(
        "care times of the day as HH:MM-HH:MM, several separated by spaces, not overlapping"
    ),
    C.SUPPLEMENT_CODES: gettext_noop("empty or supplement codes from: %(choices)s"),
    C.KNOWN_CHILDMINDER: gettext_noop("the number of a childminder of this territory"),
    C.ADVISORY_SERVICE: gettext_noop("the name of an advisory service of this territory"),
    C.OWN_ADVISORY_SERVICE: gettext_noop("the name of an advisory service you work in"),
    C.CHILDMINDER_OF_OWN_SERVICE: gettext_noop(
        "the number of a childminder of an advisory service you work in"
    ),
    C.NOT_ERASED_CHILDMINDER: gettext_noop(
        "the number of a childminder whose personal data were not erased"
    ),
    C.PERMIT_ON_START: gettext_noop("a childminder with a permit valid on %(day)s"),
    C.WITHIN_PERMIT: gettext_noop(
        "at most %(limit)s children at the same time as the permit allows "
        "(%(count)s on %(day)s, %(start)s-%(end)s)"
    ),
    C.WITHIN_PRACTICE: gettext_noop(
        "at most %(limit)s children at the same time in the group practice "
        "(%(count)s on %(day)s, %(start)s-%(end)s)"
    ),
    # network members (web.networks imports)
    C.KNOWN_NETWORK: gettext_noop(
        "the code of a network of this territory (set up on the network pages): %(networks)s"
    ),
    C.OPEN_NETWORK: gettext_noop("an open network (this one was closed on %(closed_on)s)"),
    C.KNOWN_ORGANISATION: gettext_noop(
        "the short name of an organisation of the territory's directory"
    ),
    C.KNOWN_FACILITY: gettext_noop("the number of a facility of this territory"),
    C.NETWORK_MEMBER_REFERENCE: gettext_noop("an organisation, a facility or a name"),
    C.NETWORK_MEMBER_CONSENT: gettext_noop(
        "the day the member consented, since the row gives a name or an e-mail address"
    ),
    C.EMAIL_ADDRESS: gettext_noop("an e-mail address"),
    C.NOT_ERASED_MEMBER: gettext_noop(
        "the key of a member whose personal data were not erased (give the member a new key)"
    ),
    # courses and attendance (web.qualification imports)
    C.KNOWN_PROGRAMME: gettext_noop(
        "the code of a qualification programme of this territory: %(programmes)s"
    ),
    C.KNOWN_COURSE: gettext_noop("the code of a course of this territory"),
    C.MODULE_OF_COURSE: gettext_noop(
        "the title of a module of the course or a day it was held on (%(modules)s)"
    ),
    # measures plan (web.measures imports)
    C.MEASURES_PLAN_VERSION: gettext_noop(
        "the code and year of a plan version of %(territory)s (set up on the plan pages)"
    ),
    C.MEASURES_PLAN_OPEN: gettext_noop(
        "an open plan version (this one was closed on %(closed_on)s and is read-only)"
    ),
    C.MEASURES_PLAN_ONE: gettext_noop(
        "a plan code and year (without them the territory needs exactly one open plan)"
    ),
    C.MEASURES_CODE_OR_ABOVE: gettext_noop(
        "a code at the start of the cell, or an empty cell below a row that names one"
    ),
    C.MEASURES_OBJECTIVE_FIELD: gettext_noop(
        "the field of action the plan stores this objective in (%(field)s)"
    ),
    # targets and care rates (web.planning imports)
    C.CARE_RATES_CLASS_PAIR: gettext_noop(
        "both an indicator code and a class value for rates of an area class, or neither"
    ),
    C.CARE_RATES_ONE_ACTIVE: gettext_noop(
        "one active set per year and area class (row %(row)s already activates one)"
    ),
    # area groups (web.territory)
}

#: Wordings without parameters: a stored plain string equal to one is still translated.
_FIXED_WORDINGS = frozenset(w for w in WORDINGS.values() if "%(" not in w)

_PARAMETER_WORDINGS: dict[str, Callable[[str], str]] = {}


def register_parameter_wording(name: str, word: Callable[[str], str]) -> None:
    """Word the parameter ``name`` with ``word`` (e.g. a component code as its label)."""
    _PARAMETER_WORDINGS[name] = word


def describe_expectation(expected: Expectation | str) -> str:
    """The expectation in the active language.

    A plain string (an import run stored before the codes) is shown as stored, translated
    when it is one of the wordings without parameters.
    """
    if isinstance(expected, str):
        expected = Expectation.of(C.TEXT_AS_STORED, text=expected)
    wording = WORDINGS[expected.code]
    values: dict[str, str] = {}
    for name, value in expected.params:
        if isinstance(value, Expectation):
            values[name] = describe_expectation(value)
        elif name in _PARAMETER_WORDINGS:
            values[name] = _PARAMETER_WORDINGS[name](value)
        else:
            values[name] = value
    if expected.code is C.TEXT_AS_STORED:
        text = values.get("text", "")
        return _(text) if text in _FIXED_WORDINGS else text
    return _(wording) % values


#: The former name (the payment pages call it).
translate_expectation = describe_expectation


def is_translatable(expected: Expectation | str) -> bool:
    """True when the expectation has a wording (every nested one too)."""
    if isinstance(expected, str):
        return expected in _FIXED_WORDINGS
    if expected.code is C.TEXT_AS_STORED or expected.code not in WORDINGS:
        return False
    return all(is_translatable(v) for _n, v in expected.params if isinstance(v, Expectation))
