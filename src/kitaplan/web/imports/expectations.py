"""German (or English) wording of the expectations that the exchange layer states in English.

The exchange layer cannot use Django's translation machinery (ADR 0001), so it describes what
it expected in plain English; here every such description is translated, either as a literal
(marked with ``gettext_noop`` so that ``makemessages`` finds it) or by a pattern whose variable
parts (numbers, column names, lists of allowed values) are kept. A test feeds every expectation
of every declared mapping through :func:`translate_expectation`, so a new wording without a
translation fails the suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

LITERALS = [
    gettext_noop("a text"),
    gettext_noop("a date as YYYY-MM-DD or DD.MM.YYYY"),
    gettext_noop("a time as HH:MM"),
    gettext_noop("yes or no (1/0, ja/nein, true/false, yes/no, wahr/falsch, x/empty)"),
    gettext_noop("a whole number"),
    gettext_noop("a number"),
    gettext_noop("a WGS84 latitude from -90 to 90 (Germany: about 47 to 55)"),
    gettext_noop("a WGS84 longitude from -180 to 180 (Germany: about 5 to 16)"),
    gettext_noop("a CSV text file in UTF-8 or Windows-1252"),
    gettext_noop("an Excel workbook (.xlsx)"),
    gettext_noop("a ZIP archive with a Shapefile (.shp, .shx, .dbf, .prj)"),
    gettext_noop("a GeoJSON FeatureCollection"),
    gettext_noop("a GeoPackage with a vector layer"),
    gettext_noop("a Shapefile (zipped with .shp, .shx, .dbf, .prj)"),
    gettext_noop("a CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile file"),
    gettext_noop("an existing file"),
    gettext_noop("a header row with column names"),
    gettext_noop("at least one data row below the header"),
    gettext_noop("a worksheet"),
    gettext_noop("at least one feature"),
    gettext_noop("a Point"),
    gettext_noop("a Polygon or MultiPolygon"),
    gettext_noop("a valid Polygon or MultiPolygon (no self-intersections)"),
    gettext_noop("each column name only once in the header"),
    gettext_noop("a geodata file (GeoJSON, GeoPackage, Shapefile) with Point geometries"),
    gettext_noop("WGS84 coordinates: longitude -180 to 180, latitude -90 to 90"),
    gettext_noop("the code of an area one level up"),
    gettext_noop("the official code of an area of this territory"),
    gettext_noop("the official code of an area of the finest level of this territory"),
    gettext_noop("the code of a defined indicator"),
    gettext_noop("the number of a provider imported before"),
    gettext_noop("a location (lat/lon or point geometry)"),
    gettext_noop(
        "a declared coordinate reference system (.prj of a Shapefile, crs of a GeoJSON) "
        "or WGS84 longitude/latitude coordinates"
    ),
    gettext_noop("a coordinate reference system that can be transformed to WGS84"),
    gettext_noop(
        "cell centres inside the areas of this territory (check the coordinate reference system)"
    ),
    gettext_noop("the WGS84 latitude of the cell centre (Germany: about 47 to 55)"),
    gettext_noop("the WGS84 longitude of the cell centre (Germany: about 5 to 16)"),
    gettext_noop("the residents of the cell (a number ≥ 0)"),
    gettext_noop("the residents of the cell (a number ≥ 0, or – for none)"),
    gettext_noop("the easting of the cell centre in ETRS89-LAEA (EPSG:3035), in metres"),
    gettext_noop("the northing of the cell centre in ETRS89-LAEA (EPSG:3035), in metres"),
    # allocation instances (kitaplan.exchange.allocation_instance)
    gettext_noop("a value"),
    gettext_noop("0 or 1"),
    gettext_noop("each column name only once"),
    gettext_noop("each facility_id and age_group"),
    gettext_noop("each child_id"),
    gettext_noop("each rank per child"),
    gettext_noop("each facility per child"),
    gettext_noop("each facility_id and child_id"),
]


def _patterns() -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    return [
        (
            re.compile(r"^a column named '(?P<column>[^']+)'$"),
            lambda m: _('a column named "%(column)s"') % {"column": m["column"]},
        ),
        (
            re.compile(r"^(?P<what>.+) only once \(already in row (?P<row>\d+)\)$"),
            lambda m: (
                _("%(what)s only once (already in row %(row)s)")
                % {"what": translate_expectation(m["what"]), "row": m["row"]}
            ),
        ),
        (
            re.compile(r"^at most the capacity \((?P<n>\d+)\)$"),
            lambda m: _("at most the capacity (%(n)s)") % {"n": m["n"]},
        ),
        (
            re.compile(r"^a (?P<column>\w+) from (?P<source>[\w.]+)$"),
            lambda m: (
                _("a %(column)s from %(source)s") % {"column": m["column"], "source": m["source"]}
            ),
        ),
        (
            re.compile(r"^a column named '(?P<column>.+)' with (?P<rest>.+)$"),
            lambda m: (
                _('a column named "%(column)s" with %(rest)s')
                % {"column": m["column"], "rest": translate_expectation(m["rest"])}
            ),
        ),
        (
            re.compile(r"^a text of at most (?P<n>\d+) characters$"),
            lambda m: _("a text of at most %(n)s characters") % {"n": m["n"]},
        ),
        (
            re.compile(r"^one of: (?P<choices>.+)$"),
            lambda m: _("one of: %(choices)s") % {"choices": m["choices"]},
        ),
        (
            re.compile(r"^one of the layers: (?P<layers>.+)$"),
            lambda m: _("one of the layers: %(layers)s") % {"layers": m["layers"]},
        ),
        (
            re.compile(r"^(?P<noun>a whole number|a number) from (?P<low>\S+) to (?P<high>\S+)$"),
            lambda m: (
                _("%(noun)s from %(low)s to %(high)s")
                % {"noun": _(m["noun"]), "low": m["low"], "high": m["high"]}
            ),
        ),
        (
            re.compile(r"^(?P<noun>a whole number|a number) ≥ (?P<low>\S+)$"),
            lambda m: _("%(noun)s ≥ %(low)s") % {"noun": _(m["noun"]), "low": m["low"]},
        ),
        (
            re.compile(r"^(?P<noun>a whole number|a number) ≤ (?P<high>\S+)$"),
            lambda m: _("%(noun)s ≤ %(high)s") % {"noun": _(m["noun"]), "high": m["high"]},
        ),
        (
            re.compile(r"^a value not before (?P<column>\S+) \((?P<value>.*)\)$"),
            lambda m: (
                _("a value not before %(column)s (%(value)s)")
                % {"column": m["column"], "value": m["value"]}
            ),
        ),
        (
            re.compile(r"^the same value as in row (?P<row>\d+), which has the same key$"),
            lambda m: (
                _("the same value as in row %(row)s, which has the same key") % {"row": m["row"]}
            ),
        ),
        (
            re.compile(r"^a unique key; the same key is already in row (?P<row>\d+)$"),
            lambda m: _("a unique key; the same key is already in row %(row)s") % {"row": m["row"]},
        ),
    ]


def translate_expectation(text: str) -> str:
    """The expectation in the active language; unknown wordings are returned unchanged."""
    if text in LITERALS:
        return _(text)
    for pattern, word in _patterns():
        match = pattern.match(text)
        if match:
            return word(match)
    return text


def is_translatable(text: str) -> bool:
    return text in LITERALS or any(p.match(text) for p, _word in _patterns())
