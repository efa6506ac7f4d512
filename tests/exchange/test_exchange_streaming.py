"""Streaming readers (issue 14, bounded input): ``open_table`` gives the rows and errors that
``read_table`` gives, checking a stream gives the records and problems that checking the
table gives, and a stream reads no further than it is asked to."""

from __future__ import annotations

import csv
import types
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

import kitaplan.exchange.formats as formats_package
from kitaplan.exchange import readers
from kitaplan.exchange.errors import ExchangeError
from kitaplan.exchange.mappings import MAPPINGS, ColumnMapping, get_mapping
from kitaplan.exchange.readers import SUPPORTED_SUFFIXES, SourceRow, open_table, read_table
from kitaplan.exchange.validation import MappingResult, apply_mapping

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_FOLDERS = ("docs/examples", "tests/exchange/files")


def tracked_files(*folders: str, max_bytes: int = 1_000_000) -> list[Path]:
    """The files under ``folders`` (of the repository) that a reader reads by suffix."""
    found = [
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES
    ]
    return sorted(path for path in found if path.stat().st_size <= max_bytes)


def all_mappings() -> list[ColumnMapping]:
    """The territorial mappings and those of every format module."""
    found: dict[str, ColumnMapping] = dict(MAPPINGS)
    for path in sorted(Path(formats_package.__file__).parent.glob("*.py")):
        module = __import__(f"kitaplan.exchange.formats.{path.stem}", fromlist=["_"])
        for value in vars(module).values():
            candidates = value.values() if isinstance(value, dict) else [value]
            for candidate in candidates:
                if isinstance(candidate, ColumnMapping):
                    found.setdefault(candidate.name, candidate)
    return list(found.values())


def row_view(row: SourceRow) -> tuple[int, dict[str, str | None], bytes | None]:
    geometry = None if row.geometry is None else shapely.to_wkb(row.geometry)
    return row.number, dict(row.values), geometry


def outcome(read: Callable[[], Any]) -> Any:
    """What ``read`` gives, or the problems of the ``ExchangeError`` it raises."""
    try:
        return read()
    except ExchangeError as error:
        return ("refused", error.problems)


def table_view(path: Path) -> Any:
    table = read_table(path)
    return table.columns, table.duplicate_columns, [row_view(row) for row in table.rows]


def stream_view(path: Path) -> Any:
    stream = open_table(path)
    columns, duplicates = stream.scan_columns()
    return columns, duplicates, [row_view(row) for row in stream.rows(columns)]


def result_view(result: MappingResult) -> Any:
    return result.records, result.problems, result.rows_read, result.problem_count


FILES = tracked_files(*EXAMPLE_FOLDERS, "src/kitaplan/demo/data")


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(ROOT)) for path in FILES])
def test_the_stream_reads_the_rows_and_errors_of_read_table(path: Path) -> None:
    assert outcome(lambda: stream_view(path)) == outcome(lambda: table_view(path))


def test_the_example_files_are_many_and_of_every_kind_of_reader() -> None:
    suffixes = {path.suffix for path in FILES}
    assert len(FILES) >= 30
    assert {".csv", ".geojson", ".xlsx"} <= suffixes


EXAMPLES = tracked_files(*EXAMPLE_FOLDERS)


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_checking_the_stream_gives_the_records_and_problems_of_the_table(path: Path) -> None:
    checked = 0
    for mapping in all_mappings():
        whole = outcome(lambda m=mapping: result_view(apply_mapping(read_table(path), m)))
        streamed = outcome(lambda m=mapping: result_view(apply_mapping(open_table(path), m)))
        assert streamed == whole, mapping.name
        checked += 1
    assert checked > 20


def test_a_header_narrower_than_the_rows_names_the_extra_columns_when_a_mapping_asks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("a;b\n1;2;3\n4;5;6;7\n", encoding="utf-8")
    stream = open_table(path)
    assert stream.columns == ("a", "b")  # from the header alone
    assert not stream.complete_columns
    assert stream.scan_columns() == (("a", "b", "column_3", "column_4"), ())
    assert [row_view(row) for row in stream.rows(stream.scan_columns()[0])] == [
        row_view(row) for row in read_table(path).rows
    ]
    mapping = get_mapping("kitaplan-population").tightened(
        lambda spec: replace(spec, source="column_4") if spec.target == "count" else spec
    )
    assert result_view(apply_mapping(open_table(path), mapping)) == result_view(
        apply_mapping(read_table(path), mapping)
    )


def test_max_problems_keeps_the_first_by_row_and_column_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "einwohner.csv"
    lines = ["area_code;year;age;count"]
    lines += [f"01{i:02d};20x4;{'x' if i % 2 else '1'};abc" for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = get_mapping("kitaplan-population")
    every = apply_mapping(read_table(path), mapping).problems
    assert len(every) > 60
    for limit in (0, 1, 7, 50):
        result = apply_mapping(open_table(path), mapping, max_problems=limit)
        first = sorted(every, key=lambda p: (p.row, p.column))[:limit]
        assert sorted(result.problems, key=lambda p: (p.row, p.column)) == first
        assert result.problems == tuple(p for p in every if p in first)  # in the order found
        assert result.problem_count == len(every)
        assert result.problems_not_kept == len(every) - limit
        assert not result.ok


# --------------------------------------------------------------------------- geodata batches


def write_points(
    path: Path, count: int, *, x0: float = 13.0, crs: str | None = "EPSG:4326"
) -> None:
    from pyogrio.raw import write

    x = x0 + np.arange(count) / 1000
    geometry = shapely.to_wkb(shapely.points(x, np.full(count, 52.5)))
    names = np.array([f"Kita {i}" for i in range(count)], dtype=object)
    places = np.array([str(i % 90) for i in range(count)], dtype=object)
    driver = "GPKG" if path.suffix == ".gpkg" else "ESRI Shapefile"
    write(
        str(path),
        geometry,
        [names, places],
        ["name", "places"],
        geometry_type="Point",
        crs=crs,
        driver=driver,
    )


def zipped(shp: Path) -> Path:
    archive = shp.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as out:
        for part in shp.parent.glob(shp.stem + ".*"):
            if part.suffix != ".zip":
                out.write(part, part.name)
    return archive


def test_batches_of_features_give_the_rows_of_one_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gpkg = tmp_path / "kitas.gpkg"
    write_points(gpkg, 25)
    shp = tmp_path / "kitas.shp"
    write_points(shp, 25, crs="EPSG:25833", x0=390_000)
    for path in (gpkg, zipped(shp)):
        whole = table_view(path)
        monkeypatch.setattr(readers, "GEODATA_BATCH", 4)
        assert stream_view(path) == whole
        assert table_view(path) == whole
        monkeypatch.undo()
        assert len(whole[2]) == 25


@pytest.mark.filterwarnings("ignore:Non-conformant content:RuntimeWarning")
def test_date_columns_are_decided_over_every_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from pyogrio.raw import write

    path = tmp_path / "dates.gpkg"
    count = 9
    geometry = shapely.to_wkb(shapely.points(np.full(count, 13.4), np.full(count, 52.5)))
    when = np.array([f"2024-01-0{i + 1}T10:00:00" for i in range(count)], dtype="datetime64[ms]")
    names = np.array([f"n{i}" for i in range(count)], dtype=object)
    write(str(path), geometry, [names, when], ["name", "seit"], geometry_type="Point",
          crs="EPSG:4326", driver="GPKG")  # fmt: skip
    with sqlite3.connect(path) as connection:  # one offset, in the last batch only
        for (trigger,) in connection.execute("select name from sqlite_master where type='trigger'"):
            connection.execute(f'drop trigger "{trigger}"')
        connection.execute("update dates set seit = '2024-01-09T10:00:00+02:00' where name = 'n8'")
    whole = outcome(lambda: table_view(path))
    monkeypatch.setattr(readers, "GEODATA_BATCH", 2)
    batched = outcome(lambda: stream_view(path))
    assert batched == whole
    # mixed offsets in the column (decided over all batches): the last one's value in UTC
    assert batched[2][8][1]["seit"] == "2024-01-09 08:00"


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_a_file_without_crs_quotes_the_corner_of_all_its_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyogrio.raw import write

    shp = tmp_path / "ohne_crs.shp"
    x = np.array([13.1, 13.2, 13.3, 390_000.0, 13.4, 12.9, 13.0])
    geometry = shapely.to_wkb(shapely.points(x, np.full(len(x), 52.5)))
    names = np.array([f"Kita {i}" for i in range(len(x))], dtype=object)
    write(str(shp), geometry, [names], ["name"], geometry_type="Point", driver="ESRI Shapefile")
    whole = outcome(lambda: table_view(shp))
    assert whole[0] == "refused"
    assert "coordinates like 12.9, 52.5" in whole[1][0].value
    monkeypatch.setattr(readers, "GEODATA_BATCH", 3)
    assert outcome(lambda: stream_view(shp)) == whole


# --------------------------------------------------------------------------- laziness


def test_a_geodata_stream_reads_only_the_first_batch_for_its_first_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyogrio.raw

    shp = tmp_path / "gross.shp"
    write_points(shp, 1000)
    archive = zipped(shp)
    monkeypatch.setattr(readers, "GEODATA_BATCH", 100)
    reads: list[tuple[int, int | None]] = []
    real_read = pyogrio.raw.read

    def counting_read(*args: Any, **kwargs: Any) -> Any:
        reads.append((kwargs["skip_features"], kwargs["max_features"]))
        return real_read(*args, **kwargs)

    monkeypatch.setattr(pyogrio.raw, "read", counting_read)
    rows = open_table(archive).rows()
    first = [next(rows) for _ in range(100)]
    assert [row.number for row in first] == list(range(1, 101))
    assert reads == [(0, 100)]  # one batch of 100 features of 1,000
    next(rows)
    assert reads == [(0, 100), (100, 100)]
    assert sum(1 for _ in rows) == 899
    # ten batches, and one read after the last that finds no more features (1,000 = 10 x 100)
    assert reads == [(skip, 100) for skip in range(0, 1001, 100)]


def counting(monkeypatch: pytest.MonkeyPatch, module: types.ModuleType, name: str) -> list[int]:
    """Count the calls of ``module.name`` (patched for the test)."""
    calls = [0]
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_csv_stream_parses_no_record_beyond_the_rows_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "gross.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["area_code", "year", "age", "count"])
        writer.writerows([f"{i:06d}", "2024", str(i % 6), "1"] for i in range(200_000))
    cleaned = counting(monkeypatch, readers, "_clean_text")  # once per cell of a parsed record
    rows: Iterator[SourceRow] = open_table(path).rows()
    first = next(rows)
    assert first.number == 2
    assert first.values == {"area_code": "000000", "year": "2024", "age": "0", "count": "1"}
    assert cleaned[0] <= 3 * 4  # header, first data row (and at most one more record)
    assert sum(1 for _ in rows) == 199_999


def test_an_xlsx_stream_converts_no_cell_beyond_the_rows_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    path = tmp_path / "gross.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Daten")
    sheet.append(["area_code", "year", "age", "count"])
    for i in range(3000):
        sheet.append([f"{i:04d}", 2024, i % 6, 1])
    workbook.save(path)
    converted = counting(monkeypatch, readers, "_xlsx_cell_text")
    rows = open_table(path).rows()
    assert next(rows).values == {"area_code": "0000", "year": "2024", "age": "0", "count": "1"}
    assert converted[0] <= 3 * 4
    assert sum(1 for _ in rows) == 2999


def test_collapsed_repeats_are_dropped_or_reported_from_the_first_row_values(
    tmp_path: Path,
) -> None:
    path = tmp_path / "traeger.csv"
    path.write_text(
        "t_nr;t_name;t_art\n"
        "T1;Träger Eins;Eigenbetrieb\n"
        "T2;Träger Zwei;EKT\n"
        "T1;Träger Eins;Eigenbetrieb\n"  # the same again: dropped
        "T2;Träger 2;EKT\n",  # another name under the same key: reported
        encoding="utf-8",
    )
    mapping = get_mapping("berlin-kita-wfs-providers")
    assert mapping.collapse_duplicates
    result = apply_mapping(open_table(path), mapping)
    assert [record["official_number"] for record in result.records] == ["T1", "T2"]
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (5, "t_name", "Träger 2")
    assert problem.expected.param("row") == "3"
    assert result_view(result) == result_view(apply_mapping(read_table(path), mapping))
