"""Import of target rules: example file, every bad-input class, all or nothing, re-import
unchanged, a changed rule audited, the German mapping, the page offer, the command line, and
the targets page showing an imported rule."""

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
from kitaplan.web.planning.models import TargetRule
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "targets.csv"
HEADER = "code,name,metric,level,threshold,valid_from_year,valid_to_year"
GOOD_ROW = "Z.1,Zwei inklusive Kitas,facilities_with_inclusion_profile,district,2,2024,2027"


@pytest.fixture
def city() -> SmallCity:
    return make_city()


def write(tmp_path: Path, text: str, name: str = "ziele.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, **kwargs: object) -> ImportRun:
    return import_file(territory=city.territory, kind="targets", path=path, actor=SYSTEM, **kwargs)


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def test_the_example_file_imports_three_rules(city):
    run = run_import(city, EXAMPLE)
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (3, 0, 0, 0)
    t1 = TargetRule.objects.get(territory=city.territory, code="T.1")
    assert (t1.metric, t1.level.code, t1.comparison, t1.threshold, t1.tolerance) == (
        "facilities_with_inclusion_profile",
        "district",
        "at_least",
        2.0,
        1.0,
    )
    assert (t1.valid_from_year, t1.valid_to_year, t1.active) == (2024, 2027, True)
    t3 = TargetRule.objects.get(code="T.3")
    assert (t3.level.code, t3.valid_from_year, t3.valid_to_year) == ("area", None, None)


def test_importing_the_same_file_again_changes_nothing(city):
    run_import(city, EXAMPLE)
    before = list(TargetRule.objects.order_by("code").values())
    again = run_import(city, EXAMPLE)
    assert (again.status, again.added, again.changed, again.unchanged) == ("succeeded", 0, 0, 3)
    assert list(TargetRule.objects.order_by("code").values()) == before


def test_a_changed_rule_is_changed_and_audited(city, tmp_path):
    run_import(city, EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8").replace(",0.3,0.05,", ",0.4,0.05,")
    run = run_import(city, write(tmp_path, text))
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 0, 1, 2)
    assert TargetRule.objects.get(code="T.2").threshold == 0.4
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    assert event.details["changes"] == [{"key": "T.2", "fields": {"threshold": [0.3, 0.4]}}]


def test_a_rule_deactivated_on_the_page_stays_so_when_the_file_says_nothing(city, tmp_path):
    run_import(city, EXAMPLE)
    TargetRule.objects.filter(code="T.1").update(active=False)
    assert run_import(city, EXAMPLE).unchanged == 3
    assert not TargetRule.objects.get(code="T.1").active
    text = EXAMPLE.read_text(encoding="utf-8").replace("synthetisch),\n", "synthetisch),ja\n", 1)
    run = run_import(city, write(tmp_path, text))
    assert run.changed == 1 and TargetRule.objects.get(code="T.1").active


def test_rules_the_file_does_not_list_are_kept(city, tmp_path):
    run_import(city, EXAMPLE)
    run = run_import(city, write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n"))
    assert (run.added, run.removed) == (1, 0)
    assert TargetRule.objects.filter(territory=city.territory).count() == 4


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            [GOOD_ROW.replace(",2,2024", ",2024")],
            HEADER.replace(",threshold", ""),
            1,
            "threshold",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [GOOD_ROW.replace(",2,2024", ",zwei,2024")],
            HEADER,
            2,
            "threshold",
            "Zeile 2",
            id="bad-type",
        ),
        pytest.param(
            [GOOD_ROW.replace("facilities_with_inclusion_profile", "happiness")],
            HEADER,
            2,
            "metric",
            "coverage_u3",
            id="unknown-metric",
        ),
        pytest.param(
            [GOOD_ROW.replace(",district,", ",stadtbezirk,")],
            HEADER,
            2,
            "level",
            "district",
            id="unknown-level",
        ),
        pytest.param(
            [GOOD_ROW.replace("2024,2027", "2027,2024")],
            HEADER,
            2,
            "valid_to_year",
            "valid_from_year",
            id="years-reversed",
        ),
        pytest.param([GOOD_ROW, GOOD_ROW], HEADER, 3, "code", "Zeile 3", id="duplicate-key"),
        pytest.param(
            [GOOD_ROW.replace("Z.1", "Z" * 21)], HEADER, 2, "code", "20 Zeichen", id="too-long"
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
    assert "ziele.csv" in message and german in message, message
    assert not TargetRule.objects.exists()


def test_one_bad_row_among_good_ones_refuses_the_whole_file(city, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(",area,", ",kiez,")
    run = run_import(city, write(tmp_path, text))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"], problem["value"]) == (4, "level", "kiez")
    assert not TargetRule.objects.exists()


def test_the_german_mapping_reads_german_columns_and_comparisons(city, tmp_path):
    text = (
        "Kürzel;Ziel;Kennzahl;Ebene;Vergleich;Schwelle;Toleranz;Gültig ab Jahr\n"
        "Z.9;Höchstens 10 % ungedeckt;demand_met_ue3;area;höchstens;0,9;0,05;2025\n"
    )
    run = run_import(city, write(tmp_path, text), mapping_name="targets-de")
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    rule = TargetRule.objects.get(code="Z.9")
    assert (rule.comparison, rule.threshold, rule.valid_from_year) == ("at_most", 0.9, 2025)


def test_the_import_page_offers_targets_to_planners_and_admins_only(client, city):
    make_user("planer", Role.PLANNER)
    make_user("admin", Role.ADMIN)
    make_user("berater", Role.CHILDMINDER_ADVISER)
    for username, offered in (("planer", True), ("admin", True), ("berater", False)):
        client.login(username=username, password=PASSWORD)
        page = client.get(reverse("imports:import-new")).content.decode()
        assert ('value="targets"' in page) is offered, username
        client.logout()


def test_the_command_line_imports_the_example(city, capsys):
    code = main(["import", str(EXAMPLE), "--territory", city.territory.code, "--kind", "targets"])
    assert code == 0, capsys.readouterr().err
    assert TargetRule.objects.filter(territory=city.territory).count() == 3


def test_the_targets_page_shows_an_imported_rule_in_its_valid_years_only(client, city):
    run_import(city, EXAMPLE)
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    url = reverse("planning:targets") + "?territory=testcity&year=2024"
    evaluated = {item["rule"].code: item for item in client.get(url).context["evaluated"]}
    assert set(evaluated) == {"T.1", "T.2", "T.3"}
    assert {a.official_code for a, _r in evaluated["T.1"]["results"]} == {"01", "02"}
    TargetRule.objects.filter(code="T.1").update(valid_from_year=2025)
    evaluated = {item["rule"].code: item for item in client.get(url).context["evaluated"]}
    assert evaluated["T.1"]["results"] == []
    TargetRule.objects.filter(code="T.2").update(active=False)
    evaluated = {item["rule"].code: item for item in client.get(url).context["evaluated"]}
    assert "T.2" not in evaluated
