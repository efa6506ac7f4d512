"""read_table: every format, encodings, delimiters, CRS reprojection and file-level errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from kitaplan.domain.common.problems import ProblemCode
from kitaplan.exchange import ExchangeError, SourceFormat, read_table

pytestmark = pytest.mark.filterwarnings(
    "ignore:Column names longer than 10 characters:UserWarning",
    "ignore:Normalized/laundered field name:RuntimeWarning",
)


# Berlin Brandenburger Tor in ETRS89 / UTM 33N (EPSG:25833) and WGS84
TOR_UTM = (389_880.0, 5_819_700.0)
BERLIN_LON = (13.0, 13.8)
BERLIN_LAT = (52.3, 52.7)


def _single_problem(error: pytest.ExceptionInfo[ExchangeError]) -> tuple[ProblemCode, int]:
    (problem,) = error.value.problems
    return problem.code, problem.row


def _in_berlin(point: Point) -> bool:
    return bool(BERLIN_LON[0] < point.x < BERLIN_LON[1] and BERLIN_LAT[0] < point.y < BERLIN_LAT[1])


# --------------------------------------------------------------------------- CSV


def test_csv_utf8_comma(files: Path) -> None:
    table = read_table(files / "facilities.csv")
    assert table.file_name == "facilities.csv"
    assert table.source_format is SourceFormat.CSV
    assert not table.is_geodata
    assert table.columns[:3] == ("official_number", "name", "provider_number")
    assert [row.number for row in table.rows] == [2, 3]
    first, second = table.rows
    assert first.values["official_number"] == "01010010"  # leading zero kept (text)
    assert first.values["name"] == "Kita Sonnenschein"  # stripped
    assert first.values["places_school"] is None  # empty → None
    assert second.values["provider_number"] is None
    assert first.geometry is None


def test_csv_cp1252_semicolon_german(files: Path) -> None:
    table = read_table(files / "facilities_de_cp1252.csv")
    assert len(table.columns) == 12
    row = table.rows[0]
    assert row.values["name"] == "Kita Gänseblümchen"
    assert row.values["street"] == "Königsbrücker Straße 12"
    assert row.values["lat"] == "51,0654"
    assert row.values["places_valid_from"] == "01.08.2024"


def test_csv_bom_tab_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "tabs.csv"
    path.write_bytes("\ufeffcode\tname\r\n\r\nA\tÄpfel\r\n\t\r\nB\tBirnen\r\n".encode())
    table = read_table(path)
    assert table.columns == ("code", "name")
    # blank lines count like spreadsheet rows but yield no row
    assert [(row.number, row.values["name"]) for row in table.rows] == [(3, "Äpfel"), (5, "Birnen")]


def test_csv_quoted_multiline_counts_as_one_row(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('code;note\n1;"zwei\nZeilen; mit Semikolon"\n2;ok\n', encoding="utf-8")
    table = read_table(path)
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values["note"] == "zwei\nZeilen; mit Semikolon"


def test_csv_delimiter_sniffing_prefers_consistent_split(tmp_path: Path) -> None:
    path = tmp_path / "semicolon.csv"
    path.write_text("a;b;c\n1,5;2,5;x, y\n3;4;z\n", encoding="utf-8")
    table = read_table(path)
    assert table.columns == ("a", "b", "c")
    assert table.rows[0].values == {"a": "1,5", "b": "2,5", "c": "x, y"}


def test_csv_duplicate_and_empty_headers(tmp_path: Path) -> None:
    path = tmp_path / "dups.csv"
    path.write_text("name,name,,x\n1,2,3,4,5\n", encoding="utf-8")
    table = read_table(path)
    assert table.columns == ("name", "name (2)", "column_3", "x", "column_5")
    assert table.duplicate_columns == ("name",)
    assert table.rows[0].values["name"] == "1"
    assert table.rows[0].values["column_5"] == "5"


def test_csv_short_rows_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1\n", encoding="utf-8")
    assert read_table(path).rows[0].values == {"a": "1", "b": None, "c": None}


def test_csv_utf16_excel_unicode_text(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("code\tname\nA\tMöhre\n".encode("utf-16"))
    assert read_table(path).rows[0].values["name"] == "Möhre"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", ProblemCode.EMPTY_FILE),
        (b"   \r\n\r\n", ProblemCode.EMPTY_FILE),
        (b"a,b,c\r\n", ProblemCode.EMPTY_FILE),
        (b"a,b\n\x00\x01\x02\x00", ProblemCode.FILE_UNREADABLE),
    ],
)
def test_csv_file_level_problems(tmp_path: Path, content: bytes, code: ProblemCode) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ExchangeError) as error:
        read_table(path, display_name="Upload.csv")
    assert _single_problem(error) == (code, 0)
    assert error.value.problems[0].file == "Upload.csv"


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ExchangeError) as error:
        read_table(path)
    assert _single_problem(error) == (ProblemCode.UNSUPPORTED_FORMAT, 0)
    assert error.value.problems[0].value == ".xls"

    with pytest.raises(ExchangeError) as error:
        read_table(tmp_path / "nowhere.csv")
    assert _single_problem(error) == (ProblemCode.FILE_UNREADABLE, 0)


def test_format_from_display_name_when_path_has_no_suffix(tmp_path: Path) -> None:
    path = tmp_path / "upload-3f2a"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    table = read_table(path, display_name="Kitas.csv")
    assert table.file_name == "Kitas.csv"
    assert table.rows[0].values == {"a": "1", "b": "2"}


# --------------------------------------------------------------------------- XLSX


def test_xlsx_values_as_the_user_sees_them(files: Path) -> None:
    table = read_table(files / "providers.xlsx")
    assert table.source_format is SourceFormat.XLSX
    assert table.columns[:9] == (
        "official_number",
        "name",
        "provider_type",
        "since",
        "opens",
        "places",
        "share",
        "active",
        "postcode",
    )
    assert "column_11" in table.columns  # data below an empty header cell
    # first sheet only, header row 1, row 4 empty
    assert [row.number for row in table.rows] == [2, 3, 5]
    first, second, third = (dict(row.values) for row in table.rows)
    assert first["official_number"] == "1224"
    assert second["official_number"] == "1334"  # number cell, no ".0"
    assert first["since"] == "2001-05-01"
    assert first["opens"] == "07:30"
    assert first["places"] == "12"  # 12.0 → "12"
    assert first["share"] == "0.25"
    assert first["active"] == "true"
    assert first["postcode"] == "01067"  # number format 00000 keeps the zero
    assert third["name"] == "Kinderladen Rübe"
    assert third["column_11"] == "note without header"


def test_xlsx_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(ExchangeError) as error:
        read_table(path)
    assert _single_problem(error) == (ProblemCode.FILE_UNREADABLE, 0)


# --------------------------------------------------------------------------- geodata


def test_geojson_wgs84(files: Path) -> None:
    table = read_table(files / "areas_wgs84.geojson")
    assert table.source_format is SourceFormat.GEOJSON
    assert table.is_geodata
    assert [row.number for row in table.rows] == [1, 2, 3, 4, 5, 6]
    first = table.rows[0]
    assert first.values["official_code"] == "01"
    assert first.values["valid_from"] == "2021-01-01"  # date text kept, not a timestamp
    assert isinstance(first.geometry, Polygon)
    assert first.geometry.bounds == (13.30, 52.50, 13.42, 52.56)
    assert table.rows[4].geometry is None


def test_geojson_crs_member_is_reprojected(files: Path) -> None:
    table = read_table(files / "facilities_25833.geojson")
    point = table.rows[0].geometry
    assert isinstance(point, Point)
    assert _in_berlin(point)
    assert point.x == pytest.approx(13.3841, abs=1e-3)  # lon first (RFC 7946)
    assert point.y == pytest.approx(52.5230, abs=1e-3)
    assert table.rows[0].values["e_nr"] == "01010010"


def test_geojson_numbers_as_text(tmp_path: Path) -> None:
    path = tmp_path / "numbers.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"n":69,"f":1.5,"g":1e-05,"b":true,"o":{"a":1}},'
        '"geometry":{"type":"Point","coordinates":[13.4,52.5]}},'
        '{"type":"Feature","properties":{"n":null,"f":2,"g":null,"b":false,"o":null},'
        '"geometry":{"type":"Point","coordinates":[13.5,52.5]}}]}',
        encoding="utf-8",
    )
    first, second = (dict(row.values) for row in read_table(path).rows)
    assert first == {"n": "69", "f": "1.5", "g": "0.00001", "b": "true", "o": '{"a": 1}'}
    assert second == {"n": None, "f": "2", "g": None, "b": "false", "o": None}


def _berlin_frame(crs: str = "EPSG:25833") -> gpd.GeoDataFrame:
    x, y = TOR_UTM
    square = Polygon([(x, y), (x + 500, y), (x + 500, y + 500), (x, y + 500)])
    return gpd.GeoDataFrame(
        {
            "level": ["planungsraum", "planungsraum"],
            "official_code": ["01100101", "01100102"],
            "name": ["Stülerstraße", "Großer Tiergarten"],
        },
        geometry=[square, square.buffer(-100)],
        crs=crs,
    )


def test_geopackage_first_layer_and_named_layer(tmp_path: Path) -> None:
    path = tmp_path / "areas.gpkg"
    _berlin_frame().to_file(path, layer="planungsraeume", driver="GPKG")
    other = _berlin_frame().iloc[:1].copy()
    other["name"] = ["nur eins"]
    other.to_file(path, layer="zweite", driver="GPKG")

    table = read_table(path)
    assert table.source_format is SourceFormat.GEOPACKAGE
    assert [row.values["name"] for row in table.rows] == ["Stülerstraße", "Großer Tiergarten"]
    assert table.rows[0].geometry is not None
    assert _in_berlin(table.rows[0].geometry.centroid)

    second = read_table(path, layer="zweite")
    assert [row.values["name"] for row in second.rows] == ["nur eins"]

    with pytest.raises(ExchangeError) as error:
        read_table(path, layer="gibt-es-nicht")
    assert _single_problem(error) == (ProblemCode.FILE_UNREADABLE, 0)
    assert "planungsraeume" in error.value.problems[0].expected.param("layers")


def _zip_shapefile(tmp_path: Path, frame: gpd.GeoDataFrame, *, keep_prj: bool = True) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "plr.shp", driver="ESRI Shapefile", encoding="UTF-8")
    archive = tmp_path / "plr.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(folder.iterdir()):
            if part.suffix == ".prj" and not keep_prj:
                continue
            zipped.write(part, f"daten/{part.name}")
    return archive


def test_zipped_shapefile_is_reprojected(tmp_path: Path) -> None:
    archive = _zip_shapefile(tmp_path, _berlin_frame())
    table = read_table(archive, display_name="LOR.zip")
    assert table.source_format is SourceFormat.SHAPEFILE
    assert table.file_name == "LOR.zip"
    # Shapefile field names are cut to 10 characters
    assert table.columns == ("level", "official_c", "name")
    assert table.rows[0].values["official_c"] == "01100101"
    assert table.rows[0].values["name"] == "Stülerstraße"
    geometry = table.rows[0].geometry
    assert geometry is not None
    assert _in_berlin(geometry.centroid)


def test_shapefile_without_crs_and_projected_coordinates(tmp_path: Path) -> None:
    archive = _zip_shapefile(tmp_path, _berlin_frame(), keep_prj=False)
    with pytest.raises(ExchangeError) as error:
        read_table(archive)
    assert _single_problem(error) == (ProblemCode.FILE_UNREADABLE, 0)
    assert "coordinate reference system" in error.value.problems[0].value


def test_zip_without_shapefile(tmp_path: Path) -> None:
    archive = tmp_path / "stuff.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "hello")
    with pytest.raises(ExchangeError) as error:
        read_table(archive)
    assert _single_problem(error) == (ProblemCode.UNSUPPORTED_FORMAT, 0)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ('{"type": "FeatureCollection", "features": []}', ProblemCode.EMPTY_FILE),
        ("{ this is not json", ProblemCode.FILE_UNREADABLE),
    ],
)
def test_geojson_file_level_problems(tmp_path: Path, content: str, code: ProblemCode) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExchangeError) as error:
        read_table(path)
    assert _single_problem(error) == (code, 0)
