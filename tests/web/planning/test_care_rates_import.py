"""Import of care-rate sets: example file, every bad-input class, all or nothing, re-import
unchanged, a changed set audited, choosing the active set, sets per area class, the German
mapping, the page offer, the command line, and the balance using the imported rates."""

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
from kitaplan.web.planning import selectors
from kitaplan.web.planning.models import CareRateSet
from kitaplan.web.territory.models import IndicatorDefinition
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "care_rates.csv"
HEADER = (
    "valid_from_year,name,class_indicator,class_value,rate_0,rate_1,rate_2,rate_3,rate_4,rate_5"
)
GOOD_ROW = "2025,,,,0.1,0.6,0.8,0.95,0.95,0.95"


@pytest.fixture
def city() -> SmallCity:
    return make_city()


def write(tmp_path: Path, text: str, name: str = "quoten.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, **kwargs: object) -> ImportRun:
    return import_file(
        territory=city.territory, kind="care_rates", path=path, actor=SYSTEM, **kwargs
    )


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def sets() -> list[tuple[int, str, bool]]:
    return list(
        CareRateSet.objects.order_by("valid_from_year", "name").values_list(
            "valid_from_year", "name", "active"
        )
    )


def test_the_example_file_imports_three_sets_and_the_chosen_one_applies(city):
    run = run_import(city, EXAMPLE)
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (3, 0, 0, 0)
    assert sets() == [(2024, "", True), (2026, "Entwurf", False), (2026, "beschlossen", True)]
    rates, stored = selectors.care_rates_for(city.territory, 2027)
    assert stored is not None and stored.name == "beschlossen"
    assert (rates.rate(1), rates.integration_rate) == (0.66, 0.03)
    assert selectors.care_rates_for(city.territory, 2025)[0].rate(1) == 0.641


def test_importing_the_same_file_again_changes_nothing(city):
    run_import(city, EXAMPLE)
    before = list(CareRateSet.objects.order_by("pk").values())
    again = run_import(city, EXAMPLE)
    assert (again.status, again.added, again.changed, again.unchanged) == ("succeeded", 0, 0, 3)
    assert list(CareRateSet.objects.order_by("pk").values()) == before


def test_a_changed_rate_is_changed_and_audited(city, tmp_path):
    run_import(city, EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8").replace("0.02,0.641", "0.02,0.65")
    run = run_import(city, write(tmp_path, text))
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 0, 1, 2)
    assert CareRateSet.objects.get(valid_from_year=2024).rates["1"] == 0.65
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    [change] = event.details["changes"]
    assert change["key"] == "2024:" and set(change["fields"]) == {"rates"}


def test_activating_the_draft_deactivates_the_adopted_set(city, tmp_path):
    run_import(city, EXAMPLE)
    text = f"{HEADER},active\n2026,Entwurf,,,0.03,0.70,0.86,0.98,0.98,0.98,ja\n"
    run = run_import(city, write(tmp_path, text))
    assert (run.status, run.changed) == ("succeeded", 2), run.problems
    assert sets() == [(2024, "", True), (2026, "Entwurf", True), (2026, "beschlossen", False)]
    assert selectors.care_rates_for(city.territory, 2026)[0].rate(1) == 0.70


def test_a_new_set_beside_an_active_one_is_not_active_unless_the_file_says_so(city, tmp_path):
    run_import(city, EXAMPLE)
    run = run_import(city, write(tmp_path, f"{HEADER}\n2024,Variante B,,,0,0.5,0.7,0.9,0.9,0.9\n"))
    assert run.added == 1
    assert CareRateSet.objects.get(name="Variante B").active is False
    assert selectors.care_rates_for(city.territory, 2024)[1].name == ""


def test_sets_of_an_area_class(city, tmp_path):
    IndicatorDefinition.objects.create(code="mss-status", name="MSS-Status")
    text = f"{HEADER}\n{GOOD_ROW}\n2025,,mss-status,4,0.1,0.7,0.9,1,1,1\n"
    run = run_import(city, write(tmp_path, text))
    assert (run.status, run.added) == ("succeeded", 2), run.problems
    class_set = CareRateSet.objects.get(class_indicator__code="mss-status")
    assert (class_set.class_value, class_set.active, class_set.rates["3"]) == (4.0, True, 1.0)
    assert run_import(city, write(tmp_path, text)).unchanged == 2


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            [GOOD_ROW.rsplit(",", 1)[0]],
            HEADER.rsplit(",", 1)[0],
            1,
            "rate_5",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [GOOD_ROW.replace(",0.6,", ",viel,")], HEADER, 2, "rate_1", "Zeile 2", id="bad-type"
        ),
        pytest.param(
            [GOOD_ROW.replace(",0.6,", ",60,")], HEADER, 2, "rate_1", "0 bis 1", id="percent"
        ),
        pytest.param(
            [GOOD_ROW.replace("2025,,,", "2025,,armut,2")],
            HEADER,
            2,
            "class_indicator",
            "Indikator",
            id="unknown-indicator",
        ),
        pytest.param(
            [GOOD_ROW.replace("2025,,,", "2025,,armut,")],
            HEADER,
            2,
            "class_value",
            "„class_value“",
            id="class-without-value",
        ),
        pytest.param(
            [GOOD_ROW, GOOD_ROW],
            HEADER,
            3,
            "valid_from_year, name, class_indicator, class_value",
            "Zeile 2",
            id="duplicate-key",
        ),
        pytest.param(
            [GOOD_ROW.replace("2025,,", "2025," + "x" * 101 + ",")],
            HEADER,
            2,
            "name",
            "100 Zeichen",
            id="too-long",
        ),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_column_and_nothing_is_written(
    city, tmp_path, rows, header, row, column, german
):
    run = run_import(city, write(tmp_path, header + "\n" + "\n".join(rows) + "\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (row, column)
    message = describe_problem(problem_from_dict(problem))
    assert "quoten.csv" in message and german in message, message
    assert not CareRateSet.objects.exists()


def test_two_active_sets_of_one_year_are_refused(city, tmp_path):
    text = (
        f"{HEADER},active\n2025,A,,,0,0.5,0.7,0.9,0.9,0.9,true\n"
        "2025,B,,,0,0.5,0.7,0.9,0.9,0.9,true\n"
    )
    problem = refused_problem(run_import(city, write(tmp_path, text)))
    assert (problem["row"], problem["column"]) == (3, "active")
    message = describe_problem(problem_from_dict(problem))
    assert "Zeile 3" in message and ("(row 2 " in message or "(Zeile 2 " in message), message
    assert not CareRateSet.objects.exists()


def test_one_bad_row_among_good_ones_refuses_the_whole_file(city, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace("0.03,0.70", "0.03,1.70")
    problem = refused_problem(run_import(city, write(tmp_path, text)))
    assert (problem["row"], problem["column"], problem["value"]) == (4, "rate_1", "1.70")
    assert not CareRateSet.objects.exists()


def test_the_german_mapping_reads_german_columns(city, tmp_path):
    text = (
        "Gültig ab Jahr;Variante;Alter 0;Alter 1;Alter 2;Alter 3;Alter 4;Alter 5;"
        "Integrationsbedarf\n2025;Fachplan;0,02;0,6;0,8;0,95;0,95;0,95;0,03\n"
    )
    run = run_import(city, write(tmp_path, text), mapping_name="care-rates-de")
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    stored = CareRateSet.objects.get()
    assert (stored.name, stored.rates["1"], stored.integration_rate) == ("Fachplan", 0.6, 0.03)


def test_the_import_page_offers_care_rates_to_planners_and_admins_only(client, city):
    make_user("planer", Role.PLANNER)
    make_user("amt", Role.ALLOCATION_OFFICE)
    for username, offered in (("planer", True), ("amt", False)):
        client.login(username=username, password=PASSWORD)
        page = client.get(reverse("imports:import-new")).content.decode()
        assert ('value="care_rates"' in page) is offered, username
        client.logout()


def test_the_command_line_imports_the_example(city, capsys):
    code = main(
        ["import", str(EXAMPLE), "--territory", city.territory.code, "--kind", "care_rates"]
    )
    assert code == 0, capsys.readouterr().err
    assert CareRateSet.objects.filter(territory=city.territory).count() == 3
