"""Import of care contracts with their weekly schedule: example file, every bad-input class,
unknown childminders, the permit's places, all or nothing, re-import unchanged, audit."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from kitaplan.cli import main
from kitaplan.exchange.formats.care_contracts import day_times, weekly_slots
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import AdvisoryService, CareContract, Childminder, Permit
from kitaplan.web.core.access import SYSTEM, AnyUser
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.payments.selectors import schedule_hours
from tests.web.factories import SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
EXAMPLE = EXAMPLES / "care_contracts.csv"
HEADER = "childminder_number;child_reference;child_birth_date;valid_from;weekly_hours;mon;tue"
GOOD_ROW = "TP-101;K-1;2025-01-01;2026-09-01;20;08:00-12:00;08:00-12:00"


@pytest.fixture
def city() -> SmallCity:
    city = make_city()
    AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Musterstadt")
    run = import_file(
        territory=city.territory,
        kind="childminders",
        path=EXAMPLES / "childminders.csv",
        actor=SYSTEM,
    )
    assert run.status == "succeeded", run.problems
    return city


def write(tmp_path: Path, text: str, name: str = "vertraege.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, actor: AnyUser = SYSTEM, **kwargs: object) -> ImportRun:
    return import_file(
        territory=city.territory, kind="care_contracts", path=path, actor=actor, **kwargs
    )


def stored() -> list[tuple[object, ...]]:
    return list(
        CareContract.objects.order_by("pk").values_list("pk", "weekly_hours", "slots", "valid_to")
    )


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def test_the_example_file_imports_contracts_with_their_weekly_schedule(city):
    run = run_import(city, EXAMPLE)
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (3, 0, 0, 0)
    first = CareContract.objects.get(child_reference="K-2025-001")
    assert first.childminder.number == "TP-101"
    assert first.slots == [[d, "08:00", "15:00"] for d in range(5)]
    assert (first.settling_in_from, first.settling_in_to) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 14),
    )
    second = CareContract.objects.get(child_reference="K-2025-002")
    assert second.supplements == ["inclusion"] and second.valid_to is None
    third = CareContract.objects.get(child_reference="K-2024-017")
    assert third.weekly_hours == Decimal("25.50")
    assert third.slots[2:4] == [[2, "07:30", "12:30"], [2, "14:00", "15:06"]]
    # the payment engine reads daily hours and days per week from the stored schedule
    assert schedule_hours(third.slots) == (Fraction(5 * 60 + 66, 60), 4)


def test_importing_the_same_file_again_changes_nothing(city):
    run_import(city, EXAMPLE)
    before = stored()
    again = run_import(city, EXAMPLE)
    assert (again.status, again.added, again.changed, again.unchanged) == ("succeeded", 0, 0, 3)
    assert stored() == before


def test_a_changed_row_is_changed_and_audited_without_the_child(city, tmp_path):
    run_import(city, EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8").replace(";20;08:00-12:00;", ";22;08:00-12:30;")
    run = run_import(city, write(tmp_path, text))
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 0, 1, 2)
    contract = CareContract.objects.get(child_reference="K-2025-002")
    assert contract.weekly_hours == 22 and contract.slots[0] == [0, "08:00", "12:30"]
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    assert event.details["changes"] == [
        {"key": f"contract:{contract.pk}", "fields": ["slots", "weekly_hours"]}
    ]
    text = json.dumps([event.before, event.after, event.details, event.target_label])
    assert "K-2025-002" not in text and "2025-05-20" not in text


def test_an_unknown_childminder_is_a_problem_naming_the_row(city, tmp_path):
    run = run_import(city, write(tmp_path, f"{HEADER}\n{GOOD_ROW.replace('TP-101', 'TP-999')}\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"], problem["value"]) == (
        2,
        "childminder_number",
        "TP-999",
    )
    message = describe_problem(problem_from_dict(problem))
    assert "vertraege.csv" in message and "Zeile 2" in message
    assert "Nummer einer Kindertagespflegeperson dieser Kommune" in message, message
    assert CareContract.objects.count() == 0


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            ["TP-101;K-1;2025-01-01;2026-09-01;08:00-12:00;08:00-12:00"],
            HEADER.replace("weekly_hours;", ""),
            1,
            "weekly_hours",
            "weekly_hours",
            id="missing-column",
        ),
        pytest.param(
            [GOOD_ROW.replace(";20;", ";zwanzig;")],
            HEADER,
            2,
            "weekly_hours",
            "Zahl",
            id="bad-type",
        ),
        pytest.param(
            [GOOD_ROW.replace("2026-09-01", "2026-13-01")],
            HEADER,
            2,
            "valid_from",
            "Datum",
            id="bad-date",
        ),
        pytest.param(
            [GOOD_ROW.replace(";08:00-12:00;", ";8 bis 12;")],
            HEADER,
            2,
            "mon",
            "HH:MM-HH:MM",
            id="bad-times",
        ),
        pytest.param(
            [GOOD_ROW.replace(";08:00-12:00;", ";08:00-12:00 11:00-13:00;")],
            HEADER,
            2,
            "mon",
            "ohne Überschneidung",
            id="overlapping-times",
        ),
        pytest.param(
            [GOOD_ROW.replace(";08:00-12:00;08:00-12:00", ";;")],
            HEADER,
            2,
            "mon … sun",
            "Betreuungszeiten",
            id="no-schedule",
        ),
        pytest.param(
            [GOOD_ROW, GOOD_ROW],
            HEADER,
            3,
            "childminder_number, child_reference, valid_from",
            "Zeile 3",
            id="duplicate-key",
        ),
        pytest.param(
            [GOOD_ROW.replace("K-1", "K" * 21)],
            HEADER,
            2,
            "child_reference",
            "20 Zeichen",
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
    assert "vertraege.csv" in message and german in message, message
    assert CareContract.objects.count() == 0


def test_an_unknown_supplement_is_refused(city, tmp_path):
    text = f"{HEADER};supplements\n{GOOD_ROW};inclusion garden\n"
    problem = refused_problem(run_import(city, write(tmp_path, text)))
    assert (problem["column"], problem["value"]) == ("supplements", "inclusion garden")


def test_one_bad_row_among_good_ones_refuses_the_whole_file(city, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace("TP-102;", "TP-999;")
    problem = refused_problem(run_import(city, write(tmp_path, text)))
    assert (problem["row"], problem["column"]) == (4, "childminder_number")
    assert CareContract.objects.count() == 0


def test_more_children_than_the_permit_allows_on_a_day_are_refused(city, tmp_path):
    Permit.objects.filter(childminder__number="TP-101").update(max_children=2)
    rows = [
        f"TP-101;K-{k};2025-01-01;2026-09-01;8;08:00-12:00;{'08:00-12:00' if k < 2 else ''}"
        for k in range(3)
    ]
    # three children on Mondays (2026-09-07 is the first Monday), two on Tuesdays
    run = run_import(city, write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert run.status == "refused"
    columns = {(p["row"], p["column"]) for p in run.problems}
    assert columns == {(2, "mon"), (3, "mon"), (4, "mon")}, run.problems
    message = describe_problem(problem_from_dict(run.problems[0]))
    assert "höchstens 2 Kinder gleichzeitig" in message and "3 am 2026-09-07" in message, message
    assert "08:00-12:00" in message
    assert CareContract.objects.count() == 0


def test_a_contract_needs_a_permit_on_its_first_day(city, tmp_path):
    row = GOOD_ROW.replace("2026-09-01", "2023-01-02")  # TP-101's permit starts in 2024
    problem = refused_problem(run_import(city, write(tmp_path, f"{HEADER}\n{row}\n")))
    assert (problem["column"], problem["value"]) == ("valid_from", "2023-01-02")
    assert "2023-01-02 gültigen Pflegeerlaubnis" in describe_problem(problem_from_dict(problem))


def test_an_adviser_imports_contracts_of_her_own_childminders_only(city, tmp_path):
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    service = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Süd")
    service.advisers.add(adviser)
    Childminder.objects.filter(number="TP-101").update(service=service)
    ok = run_import(city, write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n"), actor=adviser)
    assert (ok.status, ok.added) == ("succeeded", 1), ok.problems
    other = GOOD_ROW.replace("TP-101", "TP-102")
    problem = refused_problem(
        run_import(city, write(tmp_path, f"{HEADER}\n{other}\n"), actor=adviser)
    )
    assert problem["column"] == "childminder_number"
    assert "einer Fachberatung, in der Sie arbeiten" in describe_problem(problem_from_dict(problem))


def test_the_command_line_imports_with_the_german_mapping(city, tmp_path, capsys):
    text = (
        "Tagespflegeperson;Kind;Geburtsdatum;Beginn;Ende;Wochenstunden;Mo;Di;Mi;Do;Fr\n"
        "TP-102;K-9;03.09.2024;01.09.2025;31.08.2027;12,5;8.00-12.30;;8.00-12.30;;\n"
    )
    path = write(tmp_path, text)
    code = main(
        [
            "import",
            str(path),
            "--territory",
            city.territory.code,
            "--kind",
            "care_contracts",
            "--mapping",
            "care-contracts-de",
        ]
    )
    assert code == 0, capsys.readouterr().err
    contract = CareContract.objects.get(child_reference="K-9")
    assert contract.slots == [[0, "08:00", "12:30"], [2, "08:00", "12:30"]]
    assert contract.weekly_hours == Decimal("12.50")


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("08:00-15:00", [("08:00", "15:00")]),
        ("8.00–12.30", [("08:00", "12:30")]),
        ("08:00-12:00 14:00-16:00", [("08:00", "12:00"), ("14:00", "16:00")]),
        ("07:00 - 12:00, 13:00-24:00", [("07:00", "12:00"), ("13:00", "24:00")]),
    ],
)
def test_the_day_times_of_a_weekday_cell_are_read(text, spans):
    assert day_times(text) == spans


@pytest.mark.parametrize(
    "text",
    [
        "8-12",
        "12:00-08:00",
        "08:00-25:00",
        "Mo 08:00-12:00",
        "24:00-24:00",
        "08:00-12:0013:00-14:00",
    ],
)
def test_anything_else_in_a_weekday_cell_is_not_a_time_span(text):
    with pytest.raises(ValueError, match="time span|not after|time of day|only end|separator"):
        day_times(text)


def test_overlapping_spans_of_a_day_are_refused_touching_ones_are_not():
    assert weekly_slots({0: [("08:00", "12:00"), ("12:00", "14:00")]}) == [
        [0, "08:00", "12:00"],
        [0, "12:00", "14:00"],
    ]
    with pytest.raises(ValueError, match="overlap"):
        weekly_slots({0: [("08:00", "12:00"), ("11:00", "14:00")]})
