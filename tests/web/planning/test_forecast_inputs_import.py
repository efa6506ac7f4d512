"""Imports of the forecast inputs ``births`` and ``city_forecast``: the example files, every
bad-input class, all or nothing, re-import unchanged, a changed count audited, the page offer
and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.planning.forecast_models import BirthCount, CityForecastCount
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
BIRTHS = EXAMPLES / "births.csv"
FORECAST = EXAMPLES / "city_forecast.csv"
MODELS = {"births": BirthCount, "city_forecast": CityForecastCount}


@pytest.fixture
def city() -> SmallCity:
    return make_city()


def write(tmp_path: Path, text: str, name: str = "geborene.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, kind: str, path: Path) -> ImportRun:
    return import_file(territory=city.territory, kind=kind, path=path, actor=SYSTEM)


def stored(kind: str) -> list[dict[str, object]]:
    return list(MODELS[kind].objects.order_by("pk").values())


def test_the_births_example_imports_one_count_per_area_and_year(city):
    run = run_import(city, "births", BIRTHS)
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 8, 0, 0)
    assert BirthCount.objects.get(area__official_code="0102", year=2024).count == 12
    assert set(BirthCount.objects.values_list("area__territory", flat=True)) == {city.territory.pk}
    assert BirthCount.objects.get(area__official_code="0101", year=2023).source == (
        "Beispiel (synthetisch)"
    )


def test_the_city_forecast_example_imports_every_year_and_age(city):
    run = run_import(city, "city_forecast", FORECAST)
    assert (run.status, run.added) == ("succeeded", 21), run.problems
    cell = CityForecastCount.objects.get(territory=city.territory, year=2027, age=3)
    assert cell.count == 47
    assert sorted(set(CityForecastCount.objects.values_list("year", flat=True))) == [
        2026,
        2027,
        2028,
    ]


@pytest.mark.parametrize(
    ("kind", "path", "rows"), [("births", BIRTHS, 8), ("city_forecast", FORECAST, 21)]
)
def test_importing_the_same_file_again_changes_nothing(city, kind, path, rows):
    run_import(city, kind, path)
    before = stored(kind)
    again = run_import(city, kind, path)
    assert (again.status, again.added, again.changed, again.unchanged) == (
        "succeeded",
        0,
        0,
        rows,
    )
    assert stored(kind) == before


def test_a_changed_birth_count_is_changed_and_audited_and_other_years_are_kept(city, tmp_path):
    run_import(city, "births", BIRTHS)
    path = write(tmp_path, "area_code,year,count,source\n0102,2024,15,Nachmeldung\n")
    run = run_import(city, "births", path)
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 0, 1, 0)
    changed = BirthCount.objects.get(area__official_code="0102", year=2024)
    assert (changed.count, changed.source) == (15, "Nachmeldung")
    assert BirthCount.objects.count() == 8  # nothing the file does not list is deleted
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    [change] = event.details["changes"]
    assert change == {
        "key": "0102:2024",
        "fields": {"count": [12, 15], "source": ["Beispiel (synthetisch)", "Nachmeldung"]},
    }


def test_a_newer_forecast_edition_changes_the_listed_cells_only(city, tmp_path):
    run_import(city, "city_forecast", FORECAST)
    path = write(tmp_path, "year,age,count,source\n2027,3,50,Prognose 2026\n", "prognose.csv")
    run = run_import(city, "city_forecast", path)
    assert (run.status, run.changed) == ("succeeded", 1)
    assert CityForecastCount.objects.get(year=2027, age=3).count == 50
    assert CityForecastCount.objects.get(year=2027, age=2).count == 45
    assert CityForecastCount.objects.count() == 21


BIRTHS_HEADER = "area_code,year,count,source"
FORECAST_HEADER = "year,age,count,source"


@pytest.mark.parametrize(
    ("kind", "text", "row", "column", "german"),
    [
        pytest.param(
            "births", "area_code,year\n0101,2024\n", 1, "count", "fehlt", id="missing-column"
        ),
        pytest.param(
            "births",
            f"{BIRTHS_HEADER}\n0101,2024,viele,\n",
            2,
            "count",
            "ganze Zahl",
            id="bad-type",
        ),
        pytest.param("births", f"{BIRTHS_HEADER}\n0101,2024,-3,\n", 2, "count", "0", id="negative"),
        pytest.param(
            "births", f"{BIRTHS_HEADER}\n0101,1800,3,\n", 2, "year", "1900", id="year-range"
        ),
        pytest.param(
            "births", f"{BIRTHS_HEADER}\n0101,2024,,\n", 2, "count", "Zeile 2", id="empty-required"
        ),
        pytest.param(
            "births", f"{BIRTHS_HEADER}\n9999,2024,3,\n", 2, "area_code", "9999", id="unknown-area"
        ),
        pytest.param(
            "births",
            f"{BIRTHS_HEADER}\n01,2024,3,\n",
            2,
            "area_code",
            "feinsten Ebene",
            id="not-finest",
        ),
        pytest.param(
            "births",
            f"{BIRTHS_HEADER}\n0101,2024,3,\n0101,2024,4,\n",
            3,
            "area_code, year",
            "Zeile 2",
            id="duplicate-key",
        ),
        pytest.param(
            "births",
            f"{BIRTHS_HEADER}\n0101,2024,3,{'x' * 256}\n",
            2,
            "source",
            "255 Zeichen",
            id="too-long",
        ),
        pytest.param(
            "city_forecast",
            "year,count\n2026,40\n",
            1,
            "age",
            "fehlt",
            id="forecast-missing-column",
        ),
        pytest.param(
            "city_forecast",
            f"{FORECAST_HEADER}\n2026,18,40,\n",
            2,
            "age",
            "17",
            id="forecast-age-range",
        ),
        pytest.param(
            "city_forecast",
            f"{FORECAST_HEADER}\n2026,1,4.5,\n",
            2,
            "count",
            "ganze Zahl",
            id="forecast-fraction",
        ),
        pytest.param(
            "city_forecast",
            f"{FORECAST_HEADER}\n2026,1,40,\n2026,1,41,\n",
            3,
            "year, age",
            "Zeile 2",
            id="forecast-duplicate",
        ),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_column_and_nothing_is_written(
    city, tmp_path, kind, text, row, column, german
):
    run = run_import(city, kind, write(tmp_path, text))
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    problem = run.problems[0]
    assert (problem["row"], problem["column"]) == (row, column)
    message = describe_problem(problem_from_dict(problem))
    assert "geborene.csv" in message and german in message, message
    assert not MODELS[kind].objects.exists()


@pytest.mark.parametrize(
    ("kind", "path", "old", "new", "row"),
    [
        ("births", BIRTHS, "0202,2024,9,", "0203,2024,9,", 9),
        ("city_forecast", FORECAST, "2028,6,51,", "2028,6,-51,", 22),
    ],
)
def test_one_bad_row_among_good_ones_refuses_the_whole_file(
    city, tmp_path, kind, path, old, new, row
):
    text = path.read_text(encoding="utf-8")
    assert old in text
    run = run_import(city, kind, write(tmp_path, text.replace(old, new)))
    assert run.status == "refused"
    assert [p["row"] for p in run.problems] == [row]
    assert not MODELS[kind].objects.exists()


def test_the_import_page_offers_both_kinds_to_the_data_stewards_only(client, city):
    make_user("planer", Role.PLANNER)
    make_user("amt", Role.ALLOCATION_OFFICE)
    for username, offered in (("planer", True), ("amt", False)):
        client.login(username=username, password=PASSWORD)
        page = client.get(reverse("imports:import-new")).content.decode()
        assert ('value="births"' in page) is offered, username
        assert ('value="city_forecast"' in page) is offered, username
        client.logout()


def test_the_command_line_imports_both_examples(city, capsys):
    for kind, path in (("births", BIRTHS), ("city_forecast", FORECAST)):
        code = main(["import", str(path), "--territory", city.territory.code, "--kind", kind])
        assert code == 0, capsys.readouterr().err
    assert BirthCount.objects.count() == 8
    assert CityForecastCount.objects.filter(territory=city.territory).count() == 21
