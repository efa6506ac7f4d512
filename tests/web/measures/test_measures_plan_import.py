"""Import of a measures plan (Handlungsfeld, Teilziel, Maßnahme, Zeitraum, Beteiligte) into a
plan version: example file, the Dresden layout, every bad-input class, all or nothing,
re-import unchanged, a changed row audited, closed plans refused, who may import, the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM, AnyUser
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.measures import plan_services, services
from kitaplan.web.measures.models import ActionField, Measure, Objective, Plan
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "measures_plan.csv"
HEADER = "plan_code;plan_year;field_code;field_title;objective_code;objective_text;measure_code;measure_text;period;participants"
GOOD_ROW = (
    "inklusion;2026;1;Angebote;1.1;Plätze sind ausgebaut.;1.1-1;Zielgrößen bestimmen;2026;Amt 58"
)
GOOD_ROW_2 = "inklusion;2026;1;;1.1;;1.1-2;Träger beraten;ab 2027;Amt 58, Stadtelternrat"


@pytest.fixture
def city() -> SmallCity:
    return make_city()


@pytest.fixture
def plan(city: SmallCity) -> Plan:
    for short, name in (
        ("Amt 58", "Amt für Kindertagesbetreuung"),
        ("Sozialamt", "Sozialamt"),
        ("Stadtelternrat", "Stadtelternrat"),
        ("Netzwerk QE", "Dresdner Netzwerk Qualitätsentwicklung"),
    ):
        services.save_organisation(
            actor=SYSTEM, territory=city.territory, short_name=short, name=name, kind="other"
        )
    return plan_services.save_plan(
        actor=SYSTEM,
        territory=city.territory,
        values={
            "code": "inklusion",
            "version_year": 2026,
            "title": "Inklusive Kindertagesbetreuung",
            "first_year": 2020,
            "last_year": 2027,
            "council_decision": "",
        },
    )


def write(tmp_path: Path, text: str, name: str = "massnahmen.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, actor: AnyUser = SYSTEM, **kwargs: object) -> ImportRun:
    return import_file(
        territory=city.territory, kind="measures_plan", path=path, actor=actor, **kwargs
    )


def counts() -> tuple[int, int, int]:
    return ActionField.objects.count(), Objective.objects.count(), Measure.objects.count()


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def test_the_example_file_imports_fields_objectives_and_measures(city, plan):
    run = run_import(city, EXAMPLE)
    assert run.status == "succeeded", run.problems
    # 2 fields + 3 objectives + 4 measures
    assert (run.added, run.changed, run.unchanged, run.removed) == (9, 0, 0, 0)
    measure = Measure.objects.get(objective__field__plan=plan, code="1.1-2")
    assert measure.objective.code == "1.1" and measure.objective.field.code == "1"
    assert (measure.period_text, measure.start, measure.end) == (
        "ab 2026",
        dt.date(2026, 1, 1),
        None,
    )
    assert measure.lead is not None and measure.lead.short_name == "Amt 58"
    assert [o.short_name for o in measure.participants.order_by("short_name")] == ["Amt 58"]
    assert measure.participants_text == "Amt 58, Träger der Kindertagesbetreuung"
    dated = Measure.objects.get(objective__field__plan=plan, code="2.1-1")
    assert (dated.start, dated.end) == (dt.date(2026, 9, 1), dt.date(2027, 6, 30))
    assert ActionField.objects.get(plan=plan, code="2").title.startswith("Professionalisierung")


def test_importing_the_same_file_again_changes_nothing(city, plan):
    assert run_import(city, EXAMPLE).status == "succeeded"
    before = counts()
    run = run_import(city, EXAMPLE)
    assert (run.added, run.changed, run.unchanged, run.removed) == (0, 0, 9, 0)
    assert counts() == before


def test_a_changed_row_is_changed_and_audited_and_the_status_is_kept(city, plan, tmp_path):
    assert run_import(city, EXAMPLE).status == "succeeded"
    measure = Measure.objects.get(objective__field__plan=plan, code="1.2-1")
    services.change_status(measure=measure, actor=SYSTEM, status="running")
    text = EXAMPLE.read_text(encoding="utf-8").replace("2026/2027", "2026/2028")
    run = run_import(city, write(tmp_path, text))
    assert (run.added, run.changed, run.unchanged) == (0, 1, 8), run.problems
    measure.refresh_from_db()
    assert (measure.end, measure.status) == (dt.date(2028, 12, 31), "running")
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    [change] = event.details["changes"]
    assert change["key"] == "measure 1.2 1.2-1"
    assert change["changes"]["period_text"] == ["2026/2027", "2026/2028"]


def test_measures_the_file_does_not_list_stay(city, plan, tmp_path):
    assert run_import(city, EXAMPLE).status == "succeeded"
    row = "inklusion;2026;1;;1.1;;1.1-9;Neue Maßnahme;2027;"
    run = run_import(city, write(tmp_path, HEADER + "\n" + row + "\n"))
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged) == (1, 0, 2)  # the measure; field, objective
    assert run.removed == 0 and Measure.objects.filter(objective__field__plan=plan).count() == 5


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            [GOOD_ROW.replace(";Zielgrößen bestimmen;", ";;")],
            HEADER,
            2,
            "measure_text",
            "Wert",
            id="missing-value",
        ),
        pytest.param(
            ["inklusion;1;Angebote;1.1;Text;1.1-1;Zielgrößen;2026;Amt 58"],
            HEADER.replace("plan_year;", ""),
            1,
            "plan_year",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [GOOD_ROW.replace("inklusion;2026", "inklusion;zwanzig")],
            HEADER,
            2,
            "plan_year",
            "ganze Zahl",
            id="bad-type",
        ),
        pytest.param(
            [GOOD_ROW.replace("inklusion;2026", "inklusion;2031")],
            HEADER,
            2,
            "plan_code",
            "Planversion",
            id="unknown-plan",
        ),
        pytest.param(
            [GOOD_ROW, GOOD_ROW],
            HEADER,
            3,
            "plan_code, plan_year, field_code, objective_code, measure_code",
            "Zeile 2",
            id="duplicate-key",
        ),
        pytest.param(
            [GOOD_ROW.replace("1.1-1", "x" * 21)],
            HEADER,
            2,
            "measure_code",
            "20 Zeichen",
            id="too-long",
        ),
        pytest.param(
            [GOOD_ROW, GOOD_ROW_2.replace("1;;1.1;;", "1;Andere Angebote;1.1;;")],
            HEADER,
            3,
            "field_title",
            "Zeile 2",
            id="contradicting-title",
        ),
        pytest.param(
            [GOOD_ROW.replace(";1;Angebote;", ";;;")],
            HEADER,
            2,
            "field_code",
            "darüber",
            id="no-field-in-first-row",
        ),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_column_and_nothing_is_written(
    city, plan, tmp_path, rows, header, row, column, german
):
    before = counts()
    run = run_import(city, write(tmp_path, header + "\n" + "\n".join(rows) + "\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (row, column)
    message = describe_problem(problem_from_dict(problem))
    assert "massnahmen.csv" in message and german in message, message
    assert counts() == before


def test_one_bad_row_among_good_ones_refuses_the_whole_file(city, plan, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(";2026-09-01;", ";1. September;")
    run = run_import(city, write(tmp_path, text))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (5, "start")
    assert counts() == (0, 0, 0)


def test_a_closed_plan_is_refused(city, plan):
    plan_services.close_plan(actor=SYSTEM, plan=plan)
    run = run_import(city, EXAMPLE)
    problem = refused_problem(run)
    assert problem["column"] == "plan_code"
    assert "geschlossen" in describe_problem(problem_from_dict(problem))
    assert counts() == (0, 0, 0)


DRESDEN = (
    "Handlungsfeld;Teilziel;Maßnahmen;Zeitraum;Beteiligte\n"
    "Handlungsfeld 1: Entwicklung einer stadträumlichen Angebotsstruktur;"
    "1.1. Die Anzahl der Kitas ist bedarfsgerecht ausgebaut.;"
    "Grundlegende Abstimmung einer Infrastruktur;2020;Amt 58, Sozialamt, Gesundheitsamt\n"
    ";;Regelmäßige Abstimmungen mit den Trägern;ab 2020;"
    "Amt 58, Beteiligte am Qualitätsentwicklungsdialog\n"
    ";1.3 Informationen sind für alle Eltern aufbereitet.;Informationsmaterial erarbeiten;"
    "2022 ff.;Amt 58, Stadtelternrat, Dresdner Netzwerk, Kindertagesbetreuung (Netzwerk QE)\n"
)


def test_the_dresden_layout_reads_codes_from_the_cells_and_fills_merged_cells(city, plan, tmp_path):
    path = write(tmp_path, DRESDEN, "strategie.csv")
    run = run_import(city, path, mapping_name="massnahmenplan-de")
    assert run.status == "succeeded", [describe_problem(problem_from_dict(p)) for p in run.problems]
    assert (run.added, run.changed, run.unchanged) == (6, 0, 0)  # 1 field, 2 objectives, 3
    field = ActionField.objects.get(plan=plan, code="1")
    assert field.title == "Entwicklung einer stadträumlichen Angebotsstruktur"
    codes = list(
        Measure.objects.filter(objective__field__plan=plan)
        .order_by("objective__code", "code")
        .values_list("code", flat=True)
    )
    assert codes == ["1.1-1", "1.1-2", "1.3-1"]
    info = Measure.objects.get(objective__field__plan=plan, code="1.3-1")
    assert info.objective.text == "Informationen sind für alle Eltern aufbereitet."
    assert sorted(o.short_name for o in info.participants.all()) == [
        "Amt 58",
        "Netzwerk QE",
        "Stadtelternrat",
    ]
    assert run_import(city, path, mapping_name="massnahmenplan-de").unchanged == 6


def test_the_dresden_layout_names_its_own_columns_in_problems(city, plan, tmp_path):
    text = DRESDEN.replace("Handlungsfeld 1: Entwicklung", "Entwicklung")
    run = run_import(city, write(tmp_path, text), mapping_name="massnahmenplan-de")
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (2, "Handlungsfeld")


def test_without_plan_columns_several_open_plans_are_refused(city, plan, tmp_path):
    plan_services.save_plan(
        actor=SYSTEM,
        territory=city.territory,
        values={**{n: getattr(plan, n) for n in plan_services.PLAN_FIELDS}, "code": "zweiter"},
    )
    run = run_import(city, write(tmp_path, DRESDEN), mapping_name="massnahmenplan-de")
    problem = refused_problem(run)
    assert problem["column"] == "Plan"
    assert "genau einen offenen Plan" in describe_problem(problem_from_dict(problem))


def test_the_import_page_offers_the_kind_to_planners_and_admins_only(client, city):
    make_user("planer", Role.PLANNER)
    make_user("admin1", Role.ADMIN)
    make_user("berater", Role.CHILDMINDER_ADVISER)
    for username, offered in (("planer", True), ("admin1", True), ("berater", False)):
        client.login(username=username, password=PASSWORD)
        response = client.get(reverse("imports:import-new"))
        page = response.content.decode() if response.status_code == 200 else ""
        assert ('value="measures_plan"' in page) is offered, username
        client.logout()


def test_the_command_line_imports_the_example(city, plan, capsys):
    code = main(
        ["import", str(EXAMPLE), "--territory", city.territory.code, "--kind", "measures_plan"]
    )
    assert code == 0, capsys.readouterr().err
    assert Measure.objects.filter(objective__field__plan=plan).count() == 4
