"""Declared column mappings: which source column fills which target field, typed how.

A :class:`ColumnMapping` turns the rows of one kind of source file into records of one
:class:`ImportKind`. The standard mappings ``kitaplan-<kind>`` implement the contract in
``docs/data-formats.md`` (source column == target field). Source mappings read original
open-data files directly (``berlin-kita-wfs``, ``berlin-kita-wfs-providers``,
``berlin-lor-plr-2021``). See ``docs/domain/exchange.md`` for how to declare a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from kitaplan.domain.common.problems import Expectation, ExpectationCode, expectation
from kitaplan.domain.common.vocabulary import IndicatorDirection, PopulationMethod, ProviderType

__all__ = [
    "IMPORT_KINDS",
    "MAPPINGS",
    "ColumnMapping",
    "Derive",
    "FieldKind",
    "FieldSpec",
    "GeometryRequirement",
    "ImportKind",
    "ImportKindSpec",
    "get_mapping",
    "mappings_for_kind",
    "standard_mapping",
]


class FieldKind(StrEnum):
    """The type a cell is coerced to (see :mod:`kitaplan.exchange.coercion`)."""

    TEXT = "text"  # str
    INTEGER = "integer"  # int
    DECIMAL = "decimal"  # decimal.Decimal
    DATE = "date"  # datetime.date
    TIME = "time"  # datetime.time
    BOOLEAN = "boolean"  # bool
    CHOICE = "choice"  # str, one of FieldSpec.choices


class GeometryRequirement(StrEnum):
    """What a mapping needs from each row's geometry."""

    NONE = "none"  # geometry is ignored (record geometry is None)
    OPTIONAL = "optional"  # kept when present, any type, not required
    POINT = "point"  # a Point per row, or the mapping's lat/lon columns
    POLYGON = "polygon"  # Polygon/MultiPolygon per feature of a geodata file;
    # a CSV/XLSX without geometry is accepted (records get geometry None)


class ImportKind(StrEnum):
    """What an import creates (de: Importart)."""

    AREAS = "areas"
    POPULATION = "population"
    INDICATORS = "indicators"
    INDICATOR_VALUES = "indicator_values"
    PROVIDERS = "providers"
    FACILITIES = "facilities"
    POPULATION_GRID = "population_grid"
    # operational records, persisted by the capability apps (see kitaplan.web.imports.registry)
    APPLICATIONS = "applications"
    CHILDMINDERS = "childminders"
    CARE_CONTRACTS = "care_contracts"
    NETWORK_MEMBERS = "network_members"
    COURSES = "courses"
    ATTENDANCE = "attendance"
    MEASURES_PLAN = "measures_plan"
    TARGETS = "targets"
    CARE_RATES = "care_rates"
    ADDRESS_REGISTER = "address_register"
    AREA_GROUPS = "area_groups"
    # forecast inputs of a city without children by age per area (planning app)
    BIRTHS = "births"
    CITY_FORECAST = "city_forecast"


#: A per-field transformation of the raw cell text, applied before type coercion.
#: Returning ``None`` means "no value".
Derive = Callable[[str], str | None]

_E = ExpectationCode
_DESCRIPTIONS: dict[FieldKind, ExpectationCode] = {
    FieldKind.TEXT: _E.TEXT,
    FieldKind.DATE: _E.DATE,
    FieldKind.TIME: _E.TIME,
    FieldKind.BOOLEAN: _E.BOOLEAN,
}
#: (whole number, number) codes by the bounds given: (both, minimum only, maximum only, none)
_NUMBER_CODES = {
    FieldKind.INTEGER: (
        _E.WHOLE_NUMBER_RANGE,
        _E.WHOLE_NUMBER_AT_LEAST,
        _E.WHOLE_NUMBER_AT_MOST,
        _E.WHOLE_NUMBER,
    ),
    FieldKind.DECIMAL: (_E.NUMBER_RANGE, _E.NUMBER_AT_LEAST, _E.NUMBER_AT_MOST, _E.NUMBER),
}


def _describe(
    kind: FieldKind,
    choices: tuple[str, ...],
    minimum: int | Decimal | None,
    maximum: int | Decimal | None,
    max_length: int | None = None,
) -> Expectation:
    if kind is FieldKind.TEXT and max_length is not None:
        return expectation(_E.TEXT_AT_MOST, n=max_length)
    if kind is FieldKind.CHOICE:
        return expectation(_E.ONE_OF, choices=", ".join(choices))
    if kind in _NUMBER_CODES:
        both, at_least, at_most, plain = _NUMBER_CODES[kind]
        if minimum is not None and maximum is not None:
            return expectation(both, low=minimum, high=maximum)
        if minimum is not None:
            return expectation(at_least, low=minimum)
        if maximum is not None:
            return expectation(at_most, high=maximum)
        return expectation(plain)
    return expectation(_DESCRIPTIONS[kind])


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One target field and where its value comes from.

    ``source`` is the column name in the file (matched exactly, then ignoring case, then as
    a Shapefile's 10-character truncation); ``None`` makes the field a constant
    (``default``). ``derive`` transforms the raw text before coercion (e.g. the first six
    digits of a key). ``default`` (already typed) is used when the cell is empty or the
    optional column is absent. ``minimum``/``maximum`` are inclusive bounds for numbers;
    ``max_length`` is the most characters a text may have (the persistence layer tightens the
    declared mappings with the limits of its columns, see :meth:`with_limits`).
    ``expected`` describes the field in problems; it is generated when left empty.
    """

    target: str
    source: str | None
    kind: FieldKind = FieldKind.TEXT
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    expected: Expectation | None = None
    derive: Derive | None = None
    max_length: int | None = None

    def __post_init__(self) -> None:
        if self.kind is FieldKind.CHOICE and not self.choices:
            raise ValueError(f"choice field {self.target!r} needs choices")
        if self.source is None and self.default is None:
            raise ValueError(f"field {self.target!r} has neither a source column nor a constant")
        if self.expected is None:
            object.__setattr__(self, "expected", self._generated_expectation())

    @property
    def expectation(self) -> Expectation:
        """What a cell of this field must contain (declared, else generated)."""
        return self.expected if self.expected is not None else self._generated_expectation()

    def _generated_expectation(self) -> Expectation:
        return _describe(self.kind, self.choices, self.minimum, self.maximum, self.max_length)

    def with_limits(
        self,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        max_length: int | None = None,
    ) -> FieldSpec:
        """This spec with bounds no wider than given (the tighter of declared and given wins).

        A generated ``expected`` is generated again for the new bounds; a declared one is kept.
        """
        changes: dict[str, object] = {}
        if minimum is not None and (self.minimum is None or minimum > self.minimum):
            changes["minimum"] = minimum
        if maximum is not None and (self.maximum is None or maximum < self.maximum):
            changes["maximum"] = maximum
        if max_length is not None and (self.max_length is None or max_length < self.max_length):
            changes["max_length"] = max_length
        if not changes:
            return self
        if self.expected == self._generated_expectation():
            changes["expected"] = None
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def column(self) -> str:
        """The name used for this field in problems: the source column, else the target."""
        return self.source if self.source is not None else self.target


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """A declared mapping of a source file's columns onto one import kind's targets.

    ``key`` names the targets that identify a record (checked for duplicates in the file).
    ``coordinates`` names the (latitude, longitude) targets that may stand in for a Point
    geometry. ``ordered`` lists (earlier, later) target pairs where the later must not be
    before the earlier (validity dates, opening hours). ``collapse_duplicates`` lets rows
    with the same key and identical values count once (e.g. the provider repeated on each
    facility row); differing values are ``INCONSISTENT_VALUES`` then.
    """

    name: str
    kind_of_import: ImportKind
    key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    geometry: GeometryRequirement = GeometryRequirement.NONE
    description: str = ""
    source_note: str = ""
    coordinates: tuple[str, str] | None = None
    ordered: tuple[tuple[str, str], ...] = ()
    collapse_duplicates: bool = False

    def __post_init__(self) -> None:
        targets = [spec.target for spec in self.fields]
        if len(set(targets)) != len(targets):
            raise ValueError(f"mapping {self.name!r} declares a target twice")
        named = set(self.key) | set(self.coordinates or ()) | {t for p in self.ordered for t in p}
        unknown = named - set(targets)
        if unknown:
            raise ValueError(f"mapping {self.name!r} names undeclared targets {sorted(unknown)}")

    @property
    def targets(self) -> tuple[str, ...]:
        """The target fields every record of this mapping carries, in declaration order."""
        return tuple(spec.target for spec in self.fields)

    def tightened(self, tighten: Callable[[FieldSpec], FieldSpec]) -> ColumnMapping:
        """This mapping with every field spec passed through ``tighten`` (e.g. to add the
        length and range limits of the columns the records are stored in)."""
        return replace(self, fields=tuple(tighten(spec) for spec in self.fields))

    def field(self, target: str) -> FieldSpec:
        """The spec of ``target``; ``KeyError`` when the mapping does not declare it."""
        for spec in self.fields:
            if spec.target == target:
                return spec
        raise KeyError(target)


@dataclass(frozen=True, slots=True)
class ImportKindSpec:
    """What the persistence layer accepts for one import kind.

    ``targets`` is every field a record may carry, ``required`` those each record must
    have, ``one_of`` groups of which at least one must be complete (facilities: the age
    split ``places_u3`` + ``places_ue3``, or ``places_total`` for sources without split).
    """

    kind: ImportKind
    targets: tuple[str, ...]
    key: tuple[str, ...]
    required: tuple[str, ...]
    one_of: tuple[tuple[str, ...], ...] = ()


_YEAR_MIN, _YEAR_MAX = 1900, 2100


def _text(target: str, *, required: bool = False) -> FieldSpec:
    return FieldSpec(target, target, FieldKind.TEXT, required=required)


def _count(target: str, *, required: bool = False, default: int | None = None) -> FieldSpec:
    return FieldSpec(
        target, target, FieldKind.INTEGER, required=required, default=default, minimum=0
    )


def _year(target: str) -> FieldSpec:
    return FieldSpec(
        target, target, FieldKind.INTEGER, required=True, minimum=_YEAR_MIN, maximum=_YEAR_MAX
    )


def _boolean(target: str) -> FieldSpec:
    return FieldSpec(target, target, FieldKind.BOOLEAN)


def german_postcode(text: str) -> str | None:
    """Restore the leading zero spreadsheets drop from German postcodes (``1067`` → ``01067``)."""
    return "0" + text if len(text) == 4 and text.isdigit() else text


def first_six_characters(text: str) -> str | None:
    """The parent key of a Berlin LOR Planungsraum: its Bezirksregion (first 6 digits)."""
    return text[:6] or None


_BERLIN_PROVIDER_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "Eigenbetrieb": ProviderType.MUNICIPAL.value,
        "EKT": ProviderType.PARENT_INITIATIVE.value,
        "Diakonisches Werk": ProviderType.CHURCH.value,
        "Deutscher Caritasverband": ProviderType.CHURCH.value,
        "Arbeiterwohlfahrt": ProviderType.NON_PROFIT.value,
        "Sonstiger freier Träger": ProviderType.OTHER.value,
    }
)


def berlin_provider_type(text: str) -> str | None:
    """Berlin Kita WFS ``t_art`` → :class:`ProviderType` code (unknown text stays as is)."""
    return _BERLIN_PROVIDER_TYPES.get(text, text)


_PROVIDER_TYPES = tuple(member.value for member in ProviderType)

# --------------------------------------------------------------------------- kinds

_FACILITY_TARGETS = (
    "official_number",
    "name",
    "provider_number",
    "street",
    "house_number",
    "postcode",
    "city",
    "lat",
    "lon",
    "opening_time",
    "closing_time",
    "places_u3",
    "places_ue3",
    "places_total",
    "places_school",
    "integration_places",
    "special_needs_group_places",
    "step_free_entrance",
    "accessible_toilet",
    "lift",
    "accessible_outdoor_area",
    "inclusion_profile",
    "places_valid_from",
    "data_note",
)

IMPORT_KINDS: Mapping[ImportKind, ImportKindSpec] = MappingProxyType(
    {
        ImportKind.AREAS: ImportKindSpec(
            ImportKind.AREAS,
            targets=("level", "official_code", "name", "parent_code", "valid_from", "valid_to"),
            key=("level", "official_code"),
            required=("level", "official_code", "name"),
        ),
        ImportKind.POPULATION: ImportKindSpec(
            ImportKind.POPULATION,
            targets=("area_code", "year", "age", "count", "method", "source"),
            key=("area_code", "year", "age"),
            required=("area_code", "year", "age", "count"),
        ),
        ImportKind.INDICATORS: ImportKindSpec(
            ImportKind.INDICATORS,
            targets=("code", "name", "unit", "direction", "source", "description"),
            key=("code",),
            required=("code", "name", "direction"),
        ),
        ImportKind.INDICATOR_VALUES: ImportKindSpec(
            ImportKind.INDICATOR_VALUES,
            targets=("indicator_code", "area_code", "year", "value"),
            key=("indicator_code", "area_code", "year"),
            required=("indicator_code", "area_code", "year", "value"),
        ),
        ImportKind.PROVIDERS: ImportKindSpec(
            ImportKind.PROVIDERS,
            targets=("official_number", "name", "provider_type"),
            key=("official_number",),
            required=("official_number", "name", "provider_type"),
        ),
        ImportKind.FACILITIES: ImportKindSpec(
            ImportKind.FACILITIES,
            targets=_FACILITY_TARGETS,
            key=("official_number",),
            required=("official_number", "name"),
            one_of=(("places_u3", "places_ue3"), ("places_total",)),
        ),
        ImportKind.POPULATION_GRID: ImportKindSpec(
            ImportKind.POPULATION_GRID,
            targets=("cell_id", "lat", "lon", "x", "y", "crs", "population", "year", "source"),
            key=("cell_id",),
            # Zensus tables print "–" for "no residents", so population may default to 0.
            required=("cell_id",),
            one_of=(("lat", "lon"), ("x", "y")),
        ),
    }
)

# --------------------------------------------------------------------------- standard

_STANDARD_NOTE = "kitaplan standard exchange format, see docs/data-formats.md"

KITAPLAN_AREAS = ColumnMapping(
    name="kitaplan-areas",
    kind_of_import=ImportKind.AREAS,
    key=("level", "official_code"),
    fields=(
        _text("level", required=True),
        _text("official_code", required=True),
        _text("name", required=True),
        _text("parent_code"),
        FieldSpec("valid_from", "valid_from", FieldKind.DATE),
        FieldSpec("valid_to", "valid_to", FieldKind.DATE),
    ),
    geometry=GeometryRequirement.POLYGON,
    ordered=(("valid_from", "valid_to"),),
    description="Areas (levels, codes, names, parents, boundaries) of a territory.",
    source_note=_STANDARD_NOTE,
)

KITAPLAN_POPULATION = ColumnMapping(
    name="kitaplan-population",
    kind_of_import=ImportKind.POPULATION,
    key=("area_code", "year", "age"),
    fields=(
        _text("area_code", required=True),
        _year("year"),
        FieldSpec("age", "age", FieldKind.INTEGER, required=True, minimum=0, maximum=17),
        _count("count", required=True),
        FieldSpec(
            "method",
            "method",
            FieldKind.CHOICE,
            default=PopulationMethod.COUNTED.value,
            choices=tuple(member.value for member in PopulationMethod),
        ),
        _text("source"),
    ),
    description="Residents per area, year and single year of age.",
    source_note=_STANDARD_NOTE,
)

KITAPLAN_INDICATORS = ColumnMapping(
    name="kitaplan-indicators",
    kind_of_import=ImportKind.INDICATORS,
    key=("code",),
    fields=(
        _text("code", required=True),
        _text("name", required=True),
        _text("unit"),
        FieldSpec(
            "direction",
            "direction",
            FieldKind.CHOICE,
            required=True,
            choices=tuple(member.value for member in IndicatorDirection),
        ),
        _text("source"),
        _text("description"),
    ),
    description="Definitions of social-structure indicators.",
    source_note=_STANDARD_NOTE,
)

KITAPLAN_INDICATOR_VALUES = ColumnMapping(
    name="kitaplan-indicator-values",
    kind_of_import=ImportKind.INDICATOR_VALUES,
    key=("indicator_code", "area_code", "year"),
    fields=(
        _text("indicator_code", required=True),
        _text("area_code", required=True),
        _year("year"),
        FieldSpec("value", "value", FieldKind.DECIMAL, required=True),
    ),
    description="Values of indicators per area and year.",
    source_note=_STANDARD_NOTE,
)

KITAPLAN_PROVIDERS = ColumnMapping(
    name="kitaplan-providers",
    kind_of_import=ImportKind.PROVIDERS,
    key=("official_number",),
    fields=(
        _text("official_number", required=True),
        _text("name", required=True),
        FieldSpec(
            "provider_type",
            "provider_type",
            FieldKind.CHOICE,
            required=True,
            choices=_PROVIDER_TYPES,
        ),
    ),
    description="Providers (Träger) of facilities.",
    source_note=_STANDARD_NOTE,
)

KITAPLAN_FACILITIES = ColumnMapping(
    name="kitaplan-facilities",
    kind_of_import=ImportKind.FACILITIES,
    key=("official_number",),
    fields=(
        _text("official_number", required=True),
        _text("name", required=True),
        _text("provider_number"),
        _text("street"),
        _text("house_number"),
        FieldSpec("postcode", "postcode", FieldKind.TEXT, derive=german_postcode),
        _text("city"),
        FieldSpec(
            "lat",
            "lat",
            FieldKind.DECIMAL,
            minimum=-90,
            maximum=90,
            expected=expectation(_E.WGS84_LATITUDE),
        ),
        FieldSpec(
            "lon",
            "lon",
            FieldKind.DECIMAL,
            minimum=-180,
            maximum=180,
            expected=expectation(_E.WGS84_LONGITUDE),
        ),
        FieldSpec("opening_time", "opening_time", FieldKind.TIME),
        FieldSpec("closing_time", "closing_time", FieldKind.TIME),
        _count("places_u3", required=True),
        _count("places_ue3", required=True),
        _count("places_school", default=0),
        _count("integration_places", default=0),
        _count("special_needs_group_places", default=0),
        _boolean("step_free_entrance"),
        _boolean("accessible_toilet"),
        _boolean("lift"),
        _boolean("accessible_outdoor_area"),
        _boolean("inclusion_profile"),
        FieldSpec("places_valid_from", "places_valid_from", FieldKind.DATE),
        _text("data_note"),
    ),
    geometry=GeometryRequirement.POINT,
    coordinates=("lat", "lon"),
    ordered=(("opening_time", "closing_time"),),
    description="Day-care facilities with places, location and accessibility.",
    source_note=_STANDARD_NOTE,
)

# --------------------------------------------------------------------------- sources

_BERLIN_KITA_NOTE = (
    "Land Berlin, Senatsverwaltung für Bildung, Jugend und Familie: Kindertagesstätten (WFS "
    "https://gdi.berlin.de/services/wfs/kita), Geoportal Berlin; e_platz = Plätze laut "
    "Betriebserlaubnis, not split by age group."
)

BERLIN_KITA_WFS = ColumnMapping(
    name="berlin-kita-wfs",
    kind_of_import=ImportKind.FACILITIES,
    key=("official_number",),
    fields=(
        FieldSpec("official_number", "e_nr", required=True),
        FieldSpec("name", "e_name", required=True),
        FieldSpec("provider_number", "t_nr"),
        FieldSpec("street", "e_strasse"),
        FieldSpec("house_number", "e_hnr"),
        FieldSpec("postcode", "e_plz", derive=german_postcode),
        FieldSpec("city", "e_ort"),
        FieldSpec("places_total", "e_platz", FieldKind.INTEGER, required=True, minimum=0),
    ),
    geometry=GeometryRequirement.POINT,
    description=(
        "Berlin Kita WFS (GeoJSON export, e.g. kindertagesstaetten.geojson): facilities with "
        "licensed places in total; the persistence layer splits them by age group."
    ),
    source_note=_BERLIN_KITA_NOTE,
)

BERLIN_KITA_WFS_PROVIDERS = ColumnMapping(
    name="berlin-kita-wfs-providers",
    kind_of_import=ImportKind.PROVIDERS,
    key=("official_number",),
    fields=(
        FieldSpec("official_number", "t_nr", required=True),
        FieldSpec("name", "t_name", required=True),
        FieldSpec(
            "provider_type",
            "t_art",
            FieldKind.CHOICE,
            required=True,
            choices=_PROVIDER_TYPES,
            derive=berlin_provider_type,
        ),
    ),
    collapse_duplicates=True,
    description=(
        "The providers (Träger) named in the Berlin Kita WFS, one per t_nr. t_art: "
        "Eigenbetrieb → municipal, EKT → parent_initiative, Diakonisches Werk / Deutscher "
        "Caritasverband → church, Arbeiterwohlfahrt → non_profit, Sonstiger freier Träger → "
        "other."
    ),
    source_note=_BERLIN_KITA_NOTE,
)

BERLIN_LOR_PLR_2021 = ColumnMapping(
    name="berlin-lor-plr-2021",
    kind_of_import=ImportKind.AREAS,
    key=("level", "official_code"),
    fields=(
        FieldSpec("level", None, required=True, default="planungsraum"),
        FieldSpec("official_code", "PLR_ID", required=True),
        FieldSpec("name", "PLR_NAME", required=True),
        FieldSpec("parent_code", "PLR_ID", derive=first_six_characters),
        FieldSpec("valid_from", "STAND", FieldKind.DATE),
    ),
    geometry=GeometryRequirement.POLYGON,
    description=(
        "Berlin LOR 2021 Planungsräume (Shapefile or GeoJSON): level planungsraum, parent = "
        "Bezirksregion (first 6 digits of PLR_ID), valid from STAND."
    ),
    source_note=(
        "Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen Berlin / Geoportal Berlin: "
        "Lebensweltlich orientierte Räume (LOR) – Planungsräume 01.01.2021, dl-de/by-2-0."
    ),
)


def no_value_dash(text: str) -> str | None:
    """Zensus tables print "–" (or "-") where a cell has no value; that is no residents."""
    stripped = text.strip()
    return None if stripped in {"", "-", "–", "—"} else stripped


KITAPLAN_POPULATION_GRID = ColumnMapping(
    name="kitaplan-population-grid",
    kind_of_import=ImportKind.POPULATION_GRID,
    key=("cell_id",),
    fields=(
        _text("cell_id", required=True),
        FieldSpec(
            "lat",
            "lat",
            FieldKind.DECIMAL,
            required=True,
            minimum=-90,
            maximum=90,
            expected=expectation(_E.CELL_LATITUDE),
        ),
        FieldSpec(
            "lon",
            "lon",
            FieldKind.DECIMAL,
            required=True,
            minimum=-180,
            maximum=180,
            expected=expectation(_E.CELL_LONGITUDE),
        ),
        FieldSpec(
            "population",
            "population",
            FieldKind.DECIMAL,
            required=True,
            minimum=0,
            expected=expectation(_E.CELL_RESIDENTS),
        ),
        FieldSpec("year", "year", FieldKind.INTEGER, minimum=_YEAR_MIN, maximum=_YEAR_MAX),
        _text("source"),
    ),
    description=(
        "A fine population grid: residents per cell centre, used to spread each area's "
        "children over the area for the close-to-home analysis."
    ),
    source_note=_STANDARD_NOTE,
)

ZENSUS_2022_GRID_100M = ColumnMapping(
    name="zensus-2022-grid-100m",
    kind_of_import=ImportKind.POPULATION_GRID,
    key=("cell_id",),
    fields=(
        FieldSpec("cell_id", "GITTER_ID_100m", FieldKind.TEXT, required=True),
        FieldSpec(
            "x",
            "x_mp_100m",
            FieldKind.DECIMAL,
            required=True,
            expected=expectation(_E.CELL_EASTING),
        ),
        FieldSpec(
            "y",
            "y_mp_100m",
            FieldKind.DECIMAL,
            required=True,
            expected=expectation(_E.CELL_NORTHING),
        ),
        FieldSpec("crs", None, FieldKind.TEXT, default="EPSG:3035"),
        FieldSpec(
            "population",
            "Einwohner",
            FieldKind.DECIMAL,
            minimum=0,
            default=Decimal(0),
            derive=no_value_dash,
            expected=expectation(_E.CELL_RESIDENTS_OR_NONE),
        ),
        FieldSpec("year", None, FieldKind.INTEGER, default=2022),
        FieldSpec(
            "source",
            None,
            FieldKind.TEXT,
            default="Statistische Ämter des Bundes und der Länder, Zensus 2022, "
            "Bevölkerungszahl im 100-m-Gitter (dl-de/by-2-0)",
        ),
    ),
    description=(
        "Zensus 2022 population in the 100 m grid (Bevölkerungszahl, semicolon-separated CSV "
        "with GITTER_ID_100m, x_mp_100m, y_mp_100m, Einwohner in EPSG:3035); clip it to the "
        "territory first or let the import leave out the cells outside it."
    ),
    source_note=(
        "Statistische Ämter des Bundes und der Länder: Zensus 2022, Ergebnisse im "
        "Gitterzellenformat (https://www.zensus2022.de), Datenlizenz Deutschland – "
        "Namensnennung – Version 2.0."
    ),
)

# --------------------------------------------------------------------------- registry

_ALL: tuple[ColumnMapping, ...] = (
    KITAPLAN_AREAS,
    KITAPLAN_POPULATION,
    KITAPLAN_INDICATORS,
    KITAPLAN_INDICATOR_VALUES,
    KITAPLAN_PROVIDERS,
    KITAPLAN_FACILITIES,
    KITAPLAN_POPULATION_GRID,
    BERLIN_KITA_WFS,
    BERLIN_KITA_WFS_PROVIDERS,
    BERLIN_LOR_PLR_2021,
    ZENSUS_2022_GRID_100M,
)

#: All declared mappings by name; the standard ``kitaplan-*`` ones come first.
MAPPINGS: dict[str, ColumnMapping] = {mapping.name: mapping for mapping in _ALL}


def get_mapping(name: str) -> ColumnMapping:
    """The mapping called ``name``; ``KeyError`` listing the known names otherwise."""
    try:
        return MAPPINGS[name]
    except KeyError:
        raise KeyError(f"unknown column mapping {name!r}; known: {', '.join(MAPPINGS)}") from None


def mappings_for_kind(kind: ImportKind | str) -> tuple[ColumnMapping, ...]:
    """The mappings producing ``kind`` records, the standard mapping first."""
    wanted = ImportKind(kind)
    return tuple(mapping for mapping in MAPPINGS.values() if mapping.kind_of_import is wanted)


def standard_mapping(kind: ImportKind | str) -> ColumnMapping:
    """The ``kitaplan-<kind>`` mapping of ``kind``."""
    wanted = ImportKind(kind)
    return get_mapping("kitaplan-" + wanted.value.replace("_", "-"))
