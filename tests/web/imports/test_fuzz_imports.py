"""Importer fuzzing: random CSV and XLSX files for every import kind.

Each file is either imported or refused with a German message per problem; the service never
raises, and a refused file writes nothing but its ImportRun and the audit event.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.registry import kind_entry
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.territory.models import IndicatorDefinition
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
#: Tables a refused import may write to: its history row and the audit event.
BOOKKEEPING = {"imports.ImportRun", "audit.AuditEvent", "sessions.Session"}

#: Cells close to what the files hold (codes of the test city, years, ages, places) …
PLAUSIBLE = st.sampled_from(
    ["0101", "0102", "0201", "01", "area", "district", "P1", "F1", "F9", "2024", "0", "3",
     "17", "12,5", "52.005", "13.005", "ja", "nein", "counted", "non_profit", "higher_is_worse",
     "2026-08-01", "07:30", "Kita Neu", "Hauptstraße"]
)  # fmt: skip
#: … and hostile ones: huge numbers, unicode, quotes, delimiters, line breaks, long cells.
HOSTILE = st.one_of(
    st.just(""),
    st.just(" "),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1e308", "-0", "NaN", "inf", "9" * 400, "1.5.3", "0x1F", "1_000", "٣"]),
    st.sampled_from(['"', '""', ";", ";;", ",", "\t", "\n", "a\r\nb", "=1+1", "\x00", "\ufeff"]),
    st.text(max_size=40),
    st.text(alphabet="äöüßÄ€😀\u200b\u202e", min_size=1, max_size=10),
    st.integers(min_value=300, max_value=5000).map(lambda n: "x" * n),
)
CELL = st.one_of(PLAUSIBLE, PLAUSIBLE, HOSTILE)


#: A good row per kind for the test city (areas need a geometry, which a CSV cannot carry).
GOOD = {
    "population": {"area_code": "0101", "year": "2024", "age": "2", "count": "11"},
    "indicators": {"code": "poverty", "name": "Armut", "direction": "higher_is_worse"},
    "indicator_values": {"indicator_code": "poverty", "area_code": "0102", "year": "2023",
                         "value": "12,5"},
    "providers": {"official_number": "P3", "name": "Träger Drei", "provider_type": "non_profit"},
    "facilities": {"official_number": "F1", "name": "Kita F1", "provider_number": "P1",
                   "lat": "52.005", "lon": "13.005", "places_u3": "10", "places_ue3": "20"},
    "population_grid": {"cell_id": "c1", "lat": "52.005", "lon": "13.005", "population": "9"},
    "births": {"area_code": "0101", "year": "2024", "count": "9"},
    "city_forecast": {"year": "2026", "age": "1", "count": "40"},
}  # fmt: skip


def columns_of(kind: str) -> list[str]:
    mapping = kind_entry(kind).standard_mapping
    return [f.source for f in mapping.fields if f.source]


@st.composite
def tables(draw, kind: str) -> list[list[str]]:
    """A header (mostly the kind's own columns, some dropped, doubled or foreign) and rows."""
    own = columns_of(kind)
    good = GOOD.get(kind)
    if good is not None and draw(st.booleans()):
        # good rows with some cells spoilt: the persister runs, then a problem may refuse
        header = list(good)
        rows = [
            [draw(st.one_of(st.just(good[c]), st.just(good[c]), st.just(good[c]), CELL))
             for c in header]
            for _ in range(draw(st.integers(min_value=1, max_value=4)))
        ]  # fmt: skip
        return [header, *rows]
    header = draw(st.lists(st.sampled_from(own), unique=True, min_size=0, max_size=len(own)))
    if draw(st.booleans()):
        header = own[:]  # every column
    header += draw(st.lists(st.one_of(st.sampled_from(own), HOSTILE), max_size=3))
    width = len(header)
    rows = draw(
        st.lists(
            st.lists(CELL, min_size=max(width - 1, 0), max_size=width + 1), min_size=0, max_size=6
        )
    )
    return [header, *rows]


def csv_bytes(table: list[list[str]], delimiter: str, encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(table)
    return out.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(table: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in table:
        clean = ["".join(ch for ch in cell if ch >= " " or ch in "\t\n\r") for cell in row]
        sheet.append([int(c) if c.isdigit() and len(c) < 15 else c for c in clean])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FILES = st.one_of(
    st.tuples(
        st.just("csv"),
        st.sampled_from([";", ",", "\t"]),
        st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    ),
    st.tuples(st.just("xlsx"), st.just(""), st.just("")),
)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.label not in BOOKKEEPING
    }


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_random_files_are_imported_or_refused_in_german_and_never_half_written(kind):
    city = make_city()
    if kind == "indicator_values":
        IndicatorDefinition.objects.create(
            code="poverty", name="Armut", unit="%", direction="higher_is_worse"
        )
    outcomes: list[str] = []

    @FUZZ
    @given(table=tables(kind), file=FILES)
    def check(table, file):
        form, delimiter, encoding = file
        content = csv_bytes(table, delimiter, encoding) if form == "csv" else xlsx_bytes(table)
        before, runs = row_counts(), ImportRun.objects.count()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"zufall.{form}"
            path.write_bytes(content)
            run = import_file(territory=city.territory, kind=kind, path=path, actor=SYSTEM)
        assert ImportRun.objects.count() == runs + 1
        assert run.status in ("succeeded", "refused")
        outcomes.append(run.status)
        if run.status == "refused":
            assert run.problems
            assert row_counts() == before  # nothing half-written
            for data in run.problems:
                problem = problem_from_dict(data)
                with translation.override("de"):
                    german = describe_problem(problem)
                with translation.override("en"):
                    english = describe_problem(problem)
                assert german.strip() and german != english, (data, german)

    check()
    assert "refused" in outcomes  # both paths were exercised
    assert kind == "areas" or "succeeded" in outcomes


def test_a_facility_left_out_after_places_dated_in_the_future_is_closed_cleanly(tmp_path):
    """Found by the fuzzing: closing a facility whose newest places start after the closing
    day broke the check valid_to >= valid_from (an uncaught IntegrityError)."""
    city = make_city()
    later = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    header = "official_number;name;provider_number;lat;lon;places_u3;places_ue3;places_valid_from\n"
    path = tmp_path / "kitas.csv"
    path.write_text(
        header
        + f"F1;Kita F1;P1;52.005;13.005;11;22;{later}\n"
        + "F2;Kita F2;P1;52.005;13.015;1;2;\nF3;Kita F3;P2;52.005;13.025;1;2;\n",
        encoding="utf-8",
    )
    assert (
        import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM).status
        == "succeeded"
    )
    path.write_text(header + "F2;Kita F2;P1;52.005;13.015;1;2;\n", encoding="utf-8")
    run = import_file(
        territory=city.territory,
        kind="facilities",
        path=path,
        actor=SYSTEM,
        complete_list=True,
        confirm_closing=True,
    )
    assert run.status == "succeeded"
    f1 = Facility.objects.get(territory=city.territory, official_number="F1")
    closed = timezone.localdate() - dt.timedelta(days=1)
    assert f1.valid_to == closed
    places = list(f1.places_history.order_by("valid_from").values_list("valid_from", "valid_to"))
    assert places == [(dt.date(2020, 1, 1), closed)]  # the future places never held
