"""apply_mapping: typed records, every problem code with row and column, geometry rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon

from kitaplan.domain.common.problems import (
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange import (
    GEOMETRY,
    ROW_NUMBER,
    ColumnMapping,
    FieldKind,
    FieldSpec,
    GeometryRequirement,
    ImportKind,
    SourceFormat,
    SourceTable,
    apply_mapping,
    get_mapping,
    read_table,
)

MakeTable = Callable[..., SourceTable]

SQUARE = Polygon([(13.3, 52.5), (13.4, 52.5), (13.4, 52.6), (13.3, 52.6)])
BOWTIE = Polygon([(13.3, 52.5), (13.4, 52.6), (13.4, 52.5), (13.3, 52.6)])
FLAT = Polygon([(13.3, 52.5), (13.35, 52.5), (13.4, 52.5), (13.3, 52.5)])


def _codes(problems: tuple[ImportProblem, ...]) -> list[tuple[ProblemCode, int, str]]:
    return [(problem.code, problem.row, problem.column) for problem in problems]


FACILITY_COLUMNS = ("official_number", "name", "lat", "lon", "places_u3", "places_ue3")


# --------------------------------------------------------------------------- files


def test_broken_rows_among_good_rows(files: Path) -> None:
    result = apply_mapping(
        read_table(files / "population_broken.csv"), get_mapping("kitaplan-population")
    )
    assert _codes(result.problems) == [
        (ProblemCode.NOT_AN_INTEGER, 3, "count"),
        (ProblemCode.NEGATIVE_NUMBER, 4, "count"),
        (ProblemCode.UNKNOWN_CHOICE, 4, "method"),
        (ProblemCode.DUPLICATE_KEY, 6, "area_code, year, age"),
        (ProblemCode.NOT_A_NUMBER, 7, "year"),
        (ProblemCode.OUT_OF_RANGE, 7, "age"),
        (ProblemCode.MISSING_VALUE, 8, "area_code"),
    ]
    problem = result.problems[0]
    assert problem.file == "population_broken.csv"
    assert problem.value == "12,5"
    assert problem.expected == expectation(ExpectationCode.WHOLE_NUMBER_AT_LEAST, low=0)
    assert result.problems[2].expected == expectation(
        ExpectationCode.ONE_OF, choices="counted, disaggregated, estimated"
    )
    assert result.problems[3].expected.param("row") == "3"  # names the first row with that key
    assert result.problems[3].value == "01011101 / 2022 / 1"
    # the good rows still parse; the persistence layer decides to refuse
    assert not result.ok
    assert [record[ROW_NUMBER] for record in result.records] == [2, 5]
    assert result.records[0] == {
        "area_code": "01011101",
        "year": 2022,
        "age": 0,
        "count": 35,
        "method": "counted",
        "source": "Amt für Statistik",
        GEOMETRY: None,
        ROW_NUMBER: 2,
    }
    assert result.records[1]["method"] == "counted"  # default for an empty cell
    assert result.rows_with_problems == (3, 4, 6, 7, 8)
    assert result.rows_read == 7


def test_standard_facilities_csv(files: Path) -> None:
    result = apply_mapping(read_table(files / "facilities.csv"), get_mapping("kitaplan-facilities"))
    assert result.ok
    first, second = result.records
    assert first["lat"] == Decimal("52.5231")
    assert first["opening_time"] == time(7, 0)
    assert second["closing_time"] == time(18, 0)
    assert first["places_school"] == 0  # empty → default 0
    assert first["integration_places"] == 0  # column absent → default 0
    assert first["step_free_entrance"] is True
    assert first["lift"] is None  # absent boolean: not stated
    assert first["places_valid_from"] == date(2024, 8, 1)
    point = first[GEOMETRY]
    assert isinstance(point, Point)
    assert (point.x, point.y) == (13.3841, 52.5231)


def test_german_csv_decimal_comma_and_dates(files: Path) -> None:
    result = apply_mapping(
        read_table(files / "facilities_de_cp1252.csv"), get_mapping("kitaplan-facilities")
    )
    assert _codes(result.problems) == [(ProblemCode.MISSING_VALUE, 3, "places_u3")]
    (record,) = result.records
    assert record["name"] == "Kita Gänseblümchen"
    assert record["lat"] == Decimal("51.0654")
    assert record["lon"] == Decimal("13.7512")
    assert record["places_valid_from"] == date(2024, 8, 1)
    assert record["postcode"] == "01099"  # leading zero restored
    assert record["lift"] is False


def test_xlsx_rows_keep_spreadsheet_numbers(files: Path) -> None:
    result = apply_mapping(read_table(files / "providers.xlsx"), get_mapping("kitaplan-providers"))
    assert _codes(result.problems) == [(ProblemCode.UNKNOWN_CHOICE, 5, "provider_type")]
    assert "parent_initiative" in result.problems[0].expected.param("choices")
    assert [record["provider_type"] for record in result.records] == ["non_profit", "company"]


def test_berlin_kita_wfs_fixture(files: Path) -> None:
    table = read_table(files / "facilities_25833.geojson")
    result = apply_mapping(table, get_mapping("berlin-kita-wfs"))
    assert _codes(result.problems) == [
        (ProblemCode.MISSING_VALUE, 3, "e_platz"),
        (ProblemCode.MISSING_GEOMETRY, 3, GEOMETRY),
        (ProblemCode.NEGATIVE_NUMBER, 4, "e_platz"),
        (ProblemCode.WRONG_GEOMETRY_TYPE, 4, GEOMETRY),
        (ProblemCode.DUPLICATE_KEY, 5, "e_nr"),
    ]
    assert result.problems[3].value == "Polygon"
    first = result.records[0]
    assert first["places_total"] == 69
    assert "places_u3" not in first  # no age split in this source
    assert first["provider_number"] == "1224"
    assert isinstance(first[GEOMETRY], Point)
    assert 13.0 < first[GEOMETRY].x < 13.8


def test_berlin_kita_wfs_providers_collapse(files: Path) -> None:
    table = read_table(files / "facilities_25833.geojson")
    result = apply_mapping(table, get_mapping("berlin-kita-wfs-providers"))
    # 1224 repeats with the same values: kept once; 1334 repeats with another name
    assert _codes(result.problems) == [(ProblemCode.INCONSISTENT_VALUES, 5, "t_name")]
    assert result.problems[0].expected.param("row") == "2"
    assert [(r["official_number"], r["provider_type"]) for r in result.records] == [
        ("1224", "other"),
        ("1334", "other"),
        ("2001", "parent_initiative"),
    ]


def test_areas_geojson_geometry_rules(files: Path) -> None:
    result = apply_mapping(read_table(files / "areas_wgs84.geojson"), get_mapping("kitaplan-areas"))
    assert _codes(result.problems) == [
        (ProblemCode.INCONSISTENT_VALUES, 2, "valid_to"),
        (ProblemCode.INVALID_GEOMETRY, 3, GEOMETRY),
        (ProblemCode.WRONG_GEOMETRY_TYPE, 4, GEOMETRY),
        (ProblemCode.MISSING_GEOMETRY, 5, GEOMETRY),
        (ProblemCode.INVALID_GEOMETRY, 6, GEOMETRY),
    ]
    assert result.problems[0].value == "31.12.2020"
    assert result.problems[0].expected.param("value") == "01.01.2021"
    # the bow-tie of row 3 is refused with GEOS' reason and place, never repaired
    bowtie = result.problems[1]
    assert bowtie.value.startswith("Self-intersection[")
    assert bowtie.expected.code is ExpectationCode.VALID_POLYGON_REASON
    assert bowtie.expected.param("geometry_reason") == "Self-intersection"
    assert bowtie.expected.param("at")
    assert result.problems[4].value.startswith("Self-intersection")
    assert 3 not in {record[ROW_NUMBER] for record in result.records}


# --------------------------------------------------------------------------- header


def test_missing_required_columns_once_per_column(make_table: MakeTable) -> None:
    table = make_table(("official_number", "city"), [("1", "Berlin"), ("2", "Berlin")])
    result = apply_mapping(table, get_mapping("kitaplan-facilities"))
    assert _codes(result.problems) == [
        (ProblemCode.MISSING_COLUMN, 1, "name"),
        (ProblemCode.MISSING_COLUMN, 1, "lat"),
        (ProblemCode.MISSING_COLUMN, 1, "lon"),
        (ProblemCode.MISSING_COLUMN, 1, "places_u3"),
        (ProblemCode.MISSING_COLUMN, 1, "places_ue3"),
    ]
    assert result.records == ()  # nothing usable when the header is wrong
    assert result.problems[0].expected.param("column") == "name"


def test_missing_column_in_geodata_is_a_file_problem(make_table: MakeTable) -> None:
    table = make_table(
        ("official_number",),
        [("1",)],
        geometries=[Point(13.4, 52.5)],
        source_format=SourceFormat.GEOJSON,
    )
    result = apply_mapping(table, get_mapping("kitaplan-facilities"))
    # lat/lon are not needed with point geometry; the header row is "row 0" in geodata
    assert _codes(result.problems) == [
        (ProblemCode.MISSING_COLUMN, 0, "name"),
        (ProblemCode.MISSING_COLUMN, 0, "places_u3"),
        (ProblemCode.MISSING_COLUMN, 0, "places_ue3"),
    ]


def test_columns_match_ignoring_case(make_table: MakeTable) -> None:
    table = make_table(("CODE", "Name", "Direction"), [("mss", "Status", "Neutral")])
    result = apply_mapping(table, get_mapping("kitaplan-indicators"))
    assert result.ok
    assert result.records[0]["direction"] == "neutral"


def test_duplicate_column(make_table: MakeTable) -> None:
    table = make_table(
        ("official_number", "name", "name (2)", "provider_type"),
        [("1", "A", "B", "other")],
    )
    table = type(table)(
        file_name=table.file_name,
        columns=table.columns,
        rows=table.rows,
        source_format=table.source_format,
        duplicate_columns=("name",),
    )
    result = apply_mapping(table, get_mapping("kitaplan-providers"))
    assert _codes(result.problems) == [(ProblemCode.DUPLICATE_COLUMN, 1, "name")]


def test_point_mapping_needs_geodata_without_coordinates(make_table: MakeTable) -> None:
    table = make_table(("e_nr", "e_name", "e_platz"), [("01010010", "Kita", "10")])
    result = apply_mapping(table, get_mapping("berlin-kita-wfs"))
    assert _codes(result.problems) == [(ProblemCode.MISSING_GEOMETRY, 0, GEOMETRY)]


def test_shapefile_truncated_columns(tmp_path: Path) -> None:
    geopandas = pytest.importorskip("geopandas")
    frame = geopandas.GeoDataFrame(
        {"level": ["bezirk"], "official_code": ["01"], "name": ["Mitte"], "parent_code": [None]},
        geometry=[SQUARE],
        crs="EPSG:4326",
    )
    with pytest.warns((UserWarning, RuntimeWarning)):
        frame.to_file(tmp_path / "bezirke.shp", driver="ESRI Shapefile")
    result = apply_mapping(read_table(tmp_path / "bezirke.shp"), get_mapping("kitaplan-areas"))
    assert result.ok, result.problems
    assert result.records[0]["official_code"] == "01"


# --------------------------------------------------------------------------- cells


GOOD_TEXT = {
    FieldKind.TEXT: "ok",
    FieldKind.INTEGER: "2",
    FieldKind.DECIMAL: "2,5",
    FieldKind.DATE: "2024-02-29",
    FieldKind.TIME: "07:30",
    FieldKind.BOOLEAN: "ja",
    FieldKind.CHOICE: "b",
}


@pytest.mark.parametrize(
    ("spec", "text", "code"),
    [
        (FieldSpec("n", "n", FieldKind.INTEGER), "12,5", ProblemCode.NOT_AN_INTEGER),
        (FieldSpec("n", "n", FieldKind.INTEGER), "1.000", ProblemCode.NOT_AN_INTEGER),
        (FieldSpec("n", "n", FieldKind.INTEGER), "abc", ProblemCode.NOT_A_NUMBER),
        (FieldSpec("n", "n", FieldKind.DECIMAL), "12,5 %", ProblemCode.NOT_A_NUMBER),
        (FieldSpec("n", "n", FieldKind.INTEGER, minimum=0), "-1", ProblemCode.NEGATIVE_NUMBER),
        (FieldSpec("n", "n", FieldKind.DECIMAL, minimum=0), "-0,5", ProblemCode.NEGATIVE_NUMBER),
        (
            FieldSpec("n", "n", FieldKind.INTEGER, minimum=1, maximum=3),
            "0",
            ProblemCode.OUT_OF_RANGE,
        ),
        (
            FieldSpec("n", "n", FieldKind.INTEGER, minimum=1, maximum=3),
            "4",
            ProblemCode.OUT_OF_RANGE,
        ),
        (FieldSpec("n", "n", FieldKind.DATE), "2024-02-30", ProblemCode.NOT_A_DATE),
        (FieldSpec("n", "n", FieldKind.DATE), "1.8.24", ProblemCode.NOT_A_DATE),
        (FieldSpec("n", "n", FieldKind.TIME), "7 Uhr", ProblemCode.NOT_A_TIME),
        (FieldSpec("n", "n", FieldKind.TIME), "24:00", ProblemCode.NOT_A_TIME),
        (FieldSpec("n", "n", FieldKind.BOOLEAN), "vielleicht", ProblemCode.NOT_A_BOOLEAN),
        (
            FieldSpec("n", "n", FieldKind.CHOICE, choices=("a", "b")),
            "c",
            ProblemCode.UNKNOWN_CHOICE,
        ),
        (FieldSpec("n", "n", required=True), "", ProblemCode.MISSING_VALUE),
    ],
)
def test_cell_problem_codes(
    make_table: MakeTable, spec: FieldSpec, text: str, code: ProblemCode
) -> None:
    mapping = ColumnMapping("test", ImportKind.PROVIDERS, key=(), fields=(spec,))
    table = make_table(
        ("other", "n"),
        [("x", GOOD_TEXT[spec.kind]), ("x", text or None)],
    )
    result = apply_mapping(table, mapping)
    assert [(p.code, p.row, p.column, p.value) for p in result.problems] == [(code, 3, "n", text)]
    assert result.problems[0].expected == spec.expected
    assert result.problems[0].file == "test.csv"
    assert len(result.records) == 1


def test_expected_texts_are_generated() -> None:
    e = ExpectationCode
    assert FieldSpec("a", "a", FieldKind.INTEGER, minimum=0).expected == expectation(
        e.WHOLE_NUMBER_AT_LEAST, low=0
    )
    assert FieldSpec("a", "a", FieldKind.INTEGER, minimum=0, maximum=17).expected == expectation(
        e.WHOLE_NUMBER_RANGE, low=0, high=17
    )
    assert FieldSpec("a", "a", FieldKind.CHOICE, choices=("x", "y")).expected == expectation(
        e.ONE_OF, choices="x, y"
    )
    assert FieldSpec("a", "a", expected=expectation(e.VALUE)).expected == expectation(e.VALUE)


def test_value_types(make_table: MakeTable) -> None:
    fields = (
        FieldSpec("t", "t"),
        FieldSpec("i", "i", FieldKind.INTEGER),
        FieldSpec("d", "d", FieldKind.DECIMAL),
        FieldSpec("day", "day", FieldKind.DATE),
        FieldSpec("at", "at", FieldKind.TIME),
        FieldSpec("b", "b", FieldKind.BOOLEAN),
        FieldSpec("c", "c", FieldKind.CHOICE, choices=("Alpha", "beta")),
    )
    mapping = ColumnMapping("types", ImportKind.PROVIDERS, key=("t",), fields=fields)
    table = make_table(
        ("t", "i", "d", "day", "at", "b", "c"),
        [
            ("x", "+7", "1.234,5", "31.12.2024", "7:05", "WAHR", "alpha"),
            ("y", "12.0", "-0,25", "2024-01-02", "23:59:30", "x", "BETA"),
            ("z", "0", "1,234.5", "1.2.2024", "00:00", "nein", None),
        ],
    )
    result = apply_mapping(table, mapping)
    assert result.ok, result.problems
    values = [
        {key: record[key] for key in ("i", "d", "day", "at", "b", "c")} for record in result.records
    ]
    assert values == [
        {
            "i": 7,
            "d": Decimal("1234.5"),
            "day": date(2024, 12, 31),
            "at": time(7, 5),
            "b": True,
            "c": "Alpha",
        },
        {
            "i": 12,
            "d": Decimal("-0.25"),
            "day": date(2024, 1, 2),
            "at": time(23, 59, 30),
            "b": True,
            "c": "beta",
        },
        {
            "i": 0,
            "d": Decimal("1234.5"),
            "day": date(2024, 2, 1),
            "at": time(0, 0),
            "b": False,
            "c": None,
        },
    ]


def test_lat_lon_range_and_missing(make_table: MakeTable) -> None:
    table = make_table(
        FACILITY_COLUMNS,
        [
            ("1", "A", "52.5", "13.4", "1", "2"),
            ("2", "B", "5820383.1", "390387.4", "1", "2"),  # UTM in lat/lon columns
            ("3", "C", "", "13.4", "1", "2"),
            ("4", "D", "52,5", "-200", "1", "2"),
        ],
    )
    result = apply_mapping(table, get_mapping("kitaplan-facilities"))
    assert _codes(result.problems) == [
        (ProblemCode.OUT_OF_RANGE, 3, "lat"),
        (ProblemCode.OUT_OF_RANGE, 3, "lon"),
        (ProblemCode.MISSING_VALUE, 4, "lat"),
        (ProblemCode.OUT_OF_RANGE, 5, "lon"),
    ]
    assert result.problems[0].expected.code is ExpectationCode.WGS84_LATITUDE
    assert [record["official_number"] for record in result.records] == ["1"]


def test_opening_hours_order(make_table: MakeTable) -> None:
    table = make_table(
        (*FACILITY_COLUMNS, "opening_time", "closing_time"),
        [("1", "A", "52.5", "13.4", "1", "2", "17:00", "7:00")],
    )
    result = apply_mapping(table, get_mapping("kitaplan-facilities"))
    assert _codes(result.problems) == [(ProblemCode.INCONSISTENT_VALUES, 2, "closing_time")]
    assert result.problems[0].value == "7:00"


def test_duplicate_key_names_first_row(make_table: MakeTable) -> None:
    table = make_table(
        ("official_number", "name", "provider_type"),
        [("1", "A", "other"), ("2", "B", "other"), ("1", "C", "church"), ("1", "D", "church")],
    )
    result = apply_mapping(table, get_mapping("kitaplan-providers"))
    assert [(p.code, p.row, p.column, p.value) for p in result.problems] == [
        (ProblemCode.DUPLICATE_KEY, 4, "official_number", "1"),
        (ProblemCode.DUPLICATE_KEY, 5, "official_number", "1"),
    ]
    assert all(problem.expected.param("row") == "2" for problem in result.problems)
    assert [record["name"] for record in result.records] == ["A", "B"]


# --------------------------------------------------------------------------- geometry


def _geo(make_table: MakeTable, *geometries: object) -> SourceTable:
    return make_table(
        ("official_number", "name", "places_u3", "places_ue3"),
        [(str(index), "Kita", "1", "2") for index in range(len(geometries))],
        geometries=list(geometries),
        source_format=SourceFormat.GEOJSON,
    )


def test_point_geometry_rules(make_table: MakeTable) -> None:
    table = _geo(
        make_table,
        Point(13.4, 52.5, 34.0),  # Z dropped
        MultiPoint([(13.41, 52.51)]),  # single point accepted
        LineString([(13.4, 52.5), (13.5, 52.5)]),
        Point(390387.4, 5820383.1),  # projected, not WGS84
        None,
    )
    result = apply_mapping(table, get_mapping("kitaplan-facilities"))
    assert _codes(result.problems) == [
        (ProblemCode.WRONG_GEOMETRY_TYPE, 3, GEOMETRY),
        (ProblemCode.OUT_OF_RANGE, 4, GEOMETRY),
        (ProblemCode.MISSING_GEOMETRY, 5, GEOMETRY),
    ]
    first, second = result.records
    assert first[GEOMETRY] == Point(13.4, 52.5)
    assert not first[GEOMETRY].has_z
    assert first["lat"] == Decimal("52.5")  # filled from the point
    assert first["lon"] == Decimal("13.4")
    assert second[GEOMETRY] == Point(13.41, 52.51)


def test_geodata_feature_without_geometry_may_give_lat_lon(make_table: MakeTable) -> None:
    table = make_table(
        FACILITY_COLUMNS,
        [("1", "A", "52.5", "13.4", "1", "2")],
        geometries=[None],
        source_format=SourceFormat.GEOPACKAGE,
    )
    result = apply_mapping(table, get_mapping("kitaplan-facilities"))
    assert result.ok
    assert result.records[0][GEOMETRY] == Point(13.4, 52.5)


def test_polygon_rules(make_table: MakeTable) -> None:
    table = make_table(
        ("level", "official_code", "name"),
        [("bezirk", str(index), "X") for index in range(4)],
        geometries=[SQUARE, BOWTIE, FLAT, Polygon([(0, 0), (500_000, 0), (500_000, 500_000)])],
        source_format=SourceFormat.SHAPEFILE,
    )
    result = apply_mapping(table, get_mapping("kitaplan-areas"))
    assert _codes(result.problems) == [
        (ProblemCode.INVALID_GEOMETRY, 2, GEOMETRY),  # the bow-tie: refused, not repaired
        (ProblemCode.INVALID_GEOMETRY, 3, GEOMETRY),
        (ProblemCode.OUT_OF_RANGE, 4, GEOMETRY),
    ]
    assert result.problems[0].expected.param("at") == "13.35 52.55"
    assert [record[ROW_NUMBER] for record in result.records] == [1]


def test_areas_csv_without_geometry_is_fine(make_table: MakeTable) -> None:
    table = make_table(
        ("level", "official_code", "name", "parent_code"),
        [("bezirksregion", "011001", "Tiergarten Süd", "01")],
    )
    result = apply_mapping(table, get_mapping("kitaplan-areas"))
    assert result.ok
    assert result.records[0][GEOMETRY] is None


def test_geometry_none_and_optional(make_table: MakeTable) -> None:
    fields = (FieldSpec("code", "code", required=True),)
    table = make_table(("code",), [("a",)], geometries=[SQUARE], source_format=SourceFormat.GEOJSON)
    ignored = ColumnMapping("n", ImportKind.INDICATORS, key=("code",), fields=fields)
    kept = ColumnMapping(
        "o",
        ImportKind.INDICATORS,
        key=("code",),
        fields=fields,
        geometry=GeometryRequirement.OPTIONAL,
    )
    assert apply_mapping(table, ignored).records[0][GEOMETRY] is None
    assert apply_mapping(table, kept).records[0][GEOMETRY] == SQUARE


# --------------------------------------------------------------------------- real data

BERLIN_KITAS = Path("/work/shared/data/berlin-kitas-2022/kindertagesstaetten.geojson")
BERLIN_PLR = Path("/work/shared/data/berlin-lor-2021/lor_planungsraeume_2021.shp")


def _shared(path: Path) -> Path:
    candidates = [
        path,
        Path(__file__).resolve().parents[3] / "shared" / path.relative_to("/work/shared"),
    ]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    pytest.skip(f"shared data not available: {path}")


def test_real_berlin_kita_wfs() -> None:
    table = read_table(_shared(BERLIN_KITAS))
    result = apply_mapping(table, get_mapping("berlin-kita-wfs"))
    assert result.ok, result.problems[:5]
    assert len(result.records) == 2880
    assert sum(int(str(record["places_total"])) for record in result.records) == 194_979
    for record in result.records:
        point = record[GEOMETRY]
        assert isinstance(point, Point)
        assert 13.0 < point.x < 13.8
        assert 52.3 < point.y < 52.7
    providers = apply_mapping(table, get_mapping("berlin-kita-wfs-providers"))
    assert providers.ok
    assert len(providers.records) == len({record["provider_number"] for record in result.records})


def test_real_berlin_lor_planungsraeume() -> None:
    result = apply_mapping(read_table(_shared(BERLIN_PLR)), get_mapping("berlin-lor-plr-2021"))
    assert result.ok, result.problems[:5]
    assert len(result.records) == 542
    record = result.records[0]
    assert record["level"] == "planungsraum"
    assert record["parent_code"] == str(record["official_code"])[:6]
    assert record["valid_from"] == date(2021, 1, 1)
    assert isinstance(record[GEOMETRY], Polygon | MultiPolygon)
