"""Writers: CSV/XLSX/GeoJSON round trips through read_table and apply_mapping."""

from __future__ import annotations

import io
import json
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from kitaplan.domain.common.vocabulary import ProviderType
from kitaplan.exchange import (
    ExportColumn,
    apply_mapping,
    get_mapping,
    read_table,
    write_csv,
    write_geojson,
    write_xlsx,
)

COLUMNS = (
    ExportColumn("official_number", "official_number"),
    ExportColumn("name", "name"),
    ExportColumn("provider_type", "provider_type"),
    ExportColumn("places", "Plätze"),
    ExportColumn("share", "Anteil"),
    ExportColumn("since", "seit"),
    ExportColumn("opens", "öffnet"),
    ExportColumn("lift", "Aufzug"),
)

ROWS = [
    {
        "official_number": "01010010",
        "name": "Kita Gänseblümchen; Haus 2",
        "provider_type": ProviderType.NON_PROFIT,
        "places": 45,
        "share": Decimal("12.5"),
        "since": date(2024, 8, 1),
        "opens": time(7, 30),
        "lift": True,
    },
    {
        "official_number": "01010020",
        "name": 'Kinderhaus "Rübe"',
        "provider_type": "church",
        "places": 0,
        "share": 0.25,
        "since": None,
        "opens": None,
        "lift": False,
    },
]


def _csv_text(**options: object) -> str:
    buffer = io.StringIO()
    assert write_csv(COLUMNS, ROWS, buffer, **options) == 2
    return buffer.getvalue()


def test_csv_defaults_for_german_excel() -> None:
    text = _csv_text()
    assert text.startswith("\ufeffofficial_number;name;provider_type;Plätze;")
    lines = text.splitlines()
    assert lines[1] == (
        '01010010;"Kita Gänseblümchen; Haus 2";non_profit;45;12,5;2024-08-01;07:30;ja'
    )
    assert lines[2] == '01010020;"Kinderhaus ""Rübe""";church;0;0,25;;;nein'


def test_csv_international_options() -> None:
    text = _csv_text(delimiter=",", bom=False, booleans=("true", "false"))
    assert not text.startswith("\ufeff")
    assert text.splitlines()[1].endswith(",45,12.5,2024-08-01,07:30,true")


def test_csv_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(_csv_text(), encoding="utf-8")  # BOM is part of the text
    table = read_table(path)
    assert table.columns == tuple(column.label for column in COLUMNS)
    assert [dict(row.values) for row in table.rows] == [
        {
            "official_number": "01010010",
            "name": "Kita Gänseblümchen; Haus 2",
            "provider_type": "non_profit",
            "Plätze": "45",
            "Anteil": "12,5",
            "seit": "2024-08-01",
            "öffnet": "07:30",
            "Aufzug": "ja",
        },
        {
            "official_number": "01010020",
            "name": 'Kinderhaus "Rübe"',
            "provider_type": "church",
            "Plätze": "0",
            "Anteil": "0,25",
            "seit": None,
            "öffnet": None,
            "Aufzug": "nein",
        },
    ]
    # and the standard mapping reads its own export back
    result = apply_mapping(table, get_mapping("kitaplan-providers"))
    assert result.ok
    assert [record["provider_type"] for record in result.records] == ["non_profit", "church"]


def test_csv_formula_injection_is_escaped() -> None:
    buffer = io.StringIO()
    write_csv(
        [ExportColumn("name", "name"), ExportColumn("n", "n")],
        [{"name": '=HYPERLINK("http://x")', "n": -3}, {"name": "-Kita", "n": None}],
        buffer,
    )
    lines = buffer.getvalue().splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://x"")";-3'  # text escaped, numbers not
    assert lines[2] == "'-Kita;"


def test_xlsx_layout_and_types() -> None:
    data = write_xlsx(COLUMNS, ROWS, sheet_title="Träger: Liste")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert sheet.title == "Träger_ Liste"
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == [column.label for column in COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["B"].width >= len("Kita Gänseblümchen; Haus 2")
    row = sheet[2]
    assert row[0].value == "01010010"  # text stays text, leading zero kept
    assert row[0].data_type == "s"
    assert row[3].value == 45
    assert row[3].data_type == "n"
    assert row[4].value == 12.5
    assert row[5].is_date
    assert row[5].value.date() == date(2024, 8, 1)
    assert row[7].value is True
    assert sheet[3][5].value is None


def test_xlsx_text_is_never_a_formula() -> None:
    data = write_xlsx([ExportColumn("name", "name")], [{"name": "=1+1"}])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["A2"].value == "=1+1"
    assert sheet["A2"].data_type == "s"


def test_xlsx_round_trip_through_reader(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(write_xlsx(COLUMNS, ROWS))
    table = read_table(path)
    first = dict(table.rows[0].values)
    assert first["official_number"] == "01010010"
    assert first["Plätze"] == "45"
    assert first["Anteil"] == "12.5"
    assert first["seit"] == "2024-08-01"
    assert first["öffnet"] == "07:30"
    assert first["Aufzug"] == "true"
    result = apply_mapping(table, get_mapping("kitaplan-providers"))
    assert result.ok


def test_geojson_rfc7946(tmp_path: Path) -> None:
    clockwise = Polygon([(13.3, 52.5), (13.3, 52.6), (13.4, 52.6), (13.4, 52.5)])
    buffer = io.StringIO()
    count = write_geojson(
        [
            (clockwise, {"official_code": "01", "value": Decimal("1.5"), "from": date(2021, 1, 1)}),
            ({"type": "Point", "coordinates": [13.123456789, 52.5, 30.0]}, {"n": 3}),
            (None, {"name": "ohne Geometrie"}),
        ],
        buffer,
    )
    assert count == 3
    document = json.loads(buffer.getvalue())
    assert document["type"] == "FeatureCollection"
    assert "crs" not in document
    first, second, third = document["features"]
    assert first["properties"] == {"official_code": "01", "value": 1.5, "from": "2021-01-01"}
    ring = shape(first["geometry"]).exterior
    assert ring.is_ccw  # right-hand rule: exterior counter-clockwise
    assert second["geometry"] == {"type": "Point", "coordinates": [13.1234568, 52.5]}
    assert third["geometry"] is None

    path = tmp_path / "export.geojson"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    table = read_table(path)
    assert table.rows[0].values["official_code"] == "01"
    assert table.rows[0].geometry is not None
    assert table.rows[0].geometry.equals(clockwise)
    assert table.rows[1].geometry == Point(13.1234568, 52.5)


def test_geojson_round_trip_through_areas_mapping(tmp_path: Path) -> None:
    square = MultiPolygon([Polygon([(13.3, 52.5), (13.4, 52.5), (13.4, 52.6), (13.3, 52.6)])])
    path = tmp_path / "areas.geojson"
    with path.open("w", encoding="utf-8") as stream:
        write_geojson(
            [(square, {"level": "bezirk", "official_code": "01", "name": "Mitte"})], stream
        )
    result = apply_mapping(read_table(path), get_mapping("kitaplan-areas"))
    assert result.ok
    assert result.records[0]["geometry"].equals(square)


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=20))
def test_any_count_written_to_csv_parses_back(tmp_path: Path, counts: list[int]) -> None:
    columns = [ExportColumn(key, key) for key in ("area_code", "year", "age", "count")]
    rows = [
        {"area_code": f"{index:08d}", "year": 2024, "age": index % 18, "count": count}
        for index, count in enumerate(counts)
    ]
    buffer = io.StringIO()
    write_csv(columns, rows, buffer)
    path = tmp_path / "population.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = apply_mapping(read_table(path), get_mapping("kitaplan-population"))
    assert result.ok, result.problems
    assert [record["count"] for record in result.records] == counts
