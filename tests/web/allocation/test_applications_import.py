"""Import of a round's applications with ranked choices: example file, every bad-input class,
all or nothing, re-import unchanged, changes audited without personal values, the long layout,
and an allocation run on imported applications equal to one on applications typed in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.web.allocation.models import AllocationRound, Application, ApplicationChoice
from kitaplan.web.allocation.services import run_round
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM, AnyUser
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from tests.web.allocation.helpers import apply, make_round
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "applications.csv"
HEADER = "round;reference;child_name;birth_date;desired_start;home_area_code;choice_1;choice_2"
ROUND = "Kita-Jahr 2027/28"
GOOD_ROW = f"{ROUND};X-1;Kind Eins;2026-01-15;2027-08-01;0101;F1;F2"


@pytest.fixture
def city() -> SmallCity:
    city = make_city()
    make_round(city)
    return city


def write(tmp_path: Path, text: str, name: str = "anmeldungen.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, actor: AnyUser = SYSTEM, **kwargs: object) -> ImportRun:
    return import_file(
        territory=city.territory, kind="applications", path=path, actor=actor, **kwargs
    )


def counts() -> tuple[int, int]:
    return Application.objects.count(), ApplicationChoice.objects.count()


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def choices_of(reference: str) -> list[str]:
    return [
        c.facility.official_number
        for c in ApplicationChoice.objects.filter(application__reference=reference)
        .select_related("facility")
        .order_by("rank")
    ]


def test_the_example_file_imports_applications_with_their_ranked_choices(city):
    run = run_import(city, EXAMPLE, effective_day=dt.date(2026, 12, 15))
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (4, 0, 0, 0)
    b = Application.objects.get(reference="LB-0002")
    assert (b.child_name, b.birth_date, b.weekly_hours, b.integration_need) == (
        "Kind Beispiel B",
        dt.date(2025, 10, 3),
        45,
        True,
    )
    assert b.home_area.official_code == "0102" and b.round.name == ROUND
    assert [f.official_number for f in b.siblings_at.all()] == ["F1"]
    assert choices_of("LB-0002") == ["F1", "F3", "F2"]
    assert choices_of("LB-0003") == ["F3"]
    # no registration day in the file: the day of the import
    assert Application.objects.get(reference="LB-0004").registered_on == dt.date(2026, 12, 15)
    assert Application.objects.get(reference="LB-0001").registered_on == dt.date(2026, 11, 12)


def test_importing_the_same_file_again_changes_nothing(city):
    run_import(city, EXAMPLE, effective_day=dt.date(2026, 12, 15))
    before = counts()
    again = run_import(city, EXAMPLE, effective_day=dt.date(2026, 12, 20))
    assert (again.status, again.added, again.changed, again.unchanged) == ("succeeded", 0, 0, 4)
    assert counts() == before
    assert Application.objects.get(reference="LB-0004").registered_on == dt.date(2026, 12, 15)


def test_a_changed_row_is_changed_with_its_choices_replaced_and_audited_without_values(
    city, tmp_path
):
    run_import(city, EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8")
    changed = text.replace("Kind Beispiel B", "Kind Geheimname").replace(
        "0102;;;;F1;F3;F2", "0102;;;;F2;F1;"
    )
    run = run_import(city, write(tmp_path, changed))
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 0, 1, 3)
    assert choices_of("LB-0002") == ["F2", "F1"]
    assert Application.objects.get(reference="LB-0002").child_name == "Kind Geheimname"
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    assert event.details["changes"] == [
        {"key": f"{ROUND}|LB-0002", "fields": ["child_name", "choices"]}
    ]
    assert "Geheimname" not in json.dumps([event.before, event.after, event.details])


def _other_facility(city: SmallCity) -> None:
    Facility.objects.create(
        territory=city.territory,
        official_number="F4",
        name="Kita F4",
        provider=city.providers[0],
        area=city.areas[0],
        lat=52.005,
        lon=13.005,
    )


WIDE = HEADER + ";choice_3;choice_4"


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            [GOOD_ROW.replace(";Kind Eins", "")],
            HEADER.replace(";child_name", ""),
            1,
            "child_name",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [GOOD_ROW.replace("2026-01-15", "15.13.2026")],
            HEADER,
            2,
            "birth_date",
            "Datum",
            id="bad-type",
        ),
        pytest.param(
            [GOOD_ROW.replace(ROUND, "Kita-Jahr 2030/31")],
            HEADER,
            2,
            "round",
            "Vergaberunde",
            id="unknown-round",
        ),
        pytest.param(
            [GOOD_ROW.replace(";F2", ";F9")], HEADER, 2, "choice_2", "Einrichtung", id="unknown"
        ),
        pytest.param(
            [GOOD_ROW.replace(";F2", ";F4")],
            HEADER,
            2,
            "choice_2",
            "Plätze",
            id="not-in-round",
        ),
        pytest.param(
            [GOOD_ROW.replace(";F2", ";F1")], HEADER, 2, "choice_2", "Wunsch 1", id="twice"
        ),
        pytest.param(
            [GOOD_ROW.replace(";F1;F2", ";;F2")], HEADER, 2, "choice_2", "Lücke", id="gap"
        ),
        pytest.param([GOOD_ROW + ";F3;F4"], WIDE, 2, "choice_4", "höchstens 3", id="too-many"),
        pytest.param(
            [GOOD_ROW.replace(";0101", ";0101;social_urgency")],
            HEADER.replace(";home_area_code", ";home_area_code;criteria"),
            2,
            "criteria",
            "Kriterien",
            id="unknown-criterion",
        ),
        pytest.param(
            [GOOD_ROW.replace(";0101", ";9999")],
            HEADER,
            2,
            "home_area_code",
            "Gebiet",
            id="unknown-area",
        ),
        pytest.param(
            [GOOD_ROW.replace(";0101", ";")],
            HEADER,
            2,
            "home_area_code",
            "Wohngebiet",
            id="no-home",
        ),
        pytest.param(
            [GOOD_ROW.replace("2026-01-15", "2020-01-15")],
            HEADER,
            2,
            "birth_date",
            "2027-08-01",
            id="too-old",
        ),
        pytest.param(
            [GOOD_ROW, GOOD_ROW], HEADER, 3, "round, reference", "Zeile 2", id="duplicate-key"
        ),
        pytest.param(
            [GOOD_ROW.replace("Kind Eins", "x" * 161)],
            HEADER,
            2,
            "child_name",
            "160 Zeichen",
            id="too-long",
        ),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_column_and_nothing_is_written(
    city, tmp_path, rows, header, row, column, german
):
    _other_facility(city)
    before = counts()
    run = run_import(city, write(tmp_path, header + "\n" + "\n".join(rows) + "\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (row, column)
    message = describe_problem(problem_from_dict(problem))
    assert "anmeldungen.csv" in message and german in message, message
    assert counts() == before


def test_one_bad_row_among_good_ones_refuses_the_whole_file(city, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(";0201;", ";9999;")
    run = run_import(city, write(tmp_path, text))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"], problem["value"]) == (4, "home_area_code", "9999")
    assert counts() == (0, 0)


def test_a_round_already_allocated_is_refused(city, tmp_path):
    round_ = AllocationRound.objects.get()
    apply(round_, city, "Getipptes Kind", ["F1"])
    run_round(round_=round_, actor=SYSTEM)
    before = counts()
    run = run_import(city, EXAMPLE)
    assert run.status == "refused"
    assert {(p["row"], p["column"]) for p in run.problems} == {(2, "round")}
    message = describe_problem(problem_from_dict(run.problems[0]))
    assert "bereits" in message, message
    assert counts() == before


def test_a_round_name_two_rounds_share_is_refused(city):
    first = AllocationRound.objects.get()
    AllocationRound.objects.create(
        territory=city.territory,
        name=ROUND,
        care_start=first.care_start,
        applications_open=first.applications_open,
        applications_close=first.applications_close,
        offers_on=first.offers_on,
    )
    run = run_import(city, EXAMPLE)
    assert [(p["row"], p["column"]) for p in run.problems] == [(2, "round")]


def test_the_long_layout_gives_the_same_applications(city, tmp_path):
    header = "round;reference;child_name;birth_date;desired_start;home_area_code;rank;facility"
    person = f"{ROUND};X-1;Kind Eins;2026-01-15;2027-08-01;0101"
    rows = [f"{person};2;F3", f"{person};1;F2"]
    run = run_import(
        city,
        write(tmp_path, "\n".join([header, *rows]) + "\n"),
        mapping_name="kitaplan-applications-long",
    )
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    assert choices_of("X-1") == ["F2", "F3"]
    wide = write(tmp_path, f"{HEADER}\n{GOOD_ROW.replace(';F1;F2', ';F2;F3')}\n", "wide.csv")
    assert run_import(city, wide).unchanged == 1

    gap = [f"{person};1;F2", f"{person};3;F3"]
    run = run_import(
        city,
        write(tmp_path, "\n".join([header, *gap]) + "\n"),
        mapping_name="kitaplan-applications-long",
    )
    assert [(p["row"], p["column"]) for p in run.problems] == [(3, "rank")]
    other = [f"{person};1;F2", f"{person.replace('Kind Eins', 'Kind Zwei')};2;F3"]
    run = run_import(
        city,
        write(tmp_path, "\n".join([header, *other]) + "\n"),
        mapping_name="kitaplan-applications-long",
    )
    assert [(p["row"], p["column"]) for p in run.problems] == [(3, "child_name")]


def test_an_allocation_run_on_imported_applications_equals_one_on_typed_in_ones(tmp_path):
    imported_city = make_city("importiert")
    typed_city = make_city("getippt")
    rounds = []
    for city in (imported_city, typed_city):
        round_ = make_round(city, places={"F1": (1, 1), "F2": (1, 0), "F3": (1, 0)})
        round_.lottery_seed = 20270801
        round_.save()
        rounds.append(round_)
    run = run_import(imported_city, EXAMPLE, effective_day=dt.date(2026, 12, 20))
    assert run.status == "succeeded", run.problems

    typed = rounds[1]
    for reference, name, birth, area, choices, fields in (
        ("LB-0001", "A", dt.date(2026, 1, 15), 0, ["F1", "F2"], {"registered_on": "2026-11-12"}),
        ("LB-0002", "B", dt.date(2025, 10, 3), 1, ["F1", "F3", "F2"], {"integration_need": True}),
        ("LB-0003", "C", dt.date(2026, 3, 30), 2, ["F3"], {"registered_on": "2026-12-01"}),
        ("LB-0004", "D", dt.date(2025, 12, 24), 3, ["F2", "F1"], {"registered_on": "2026-12-20"}),
    ):
        application = apply(typed, typed_city, name, choices, area=area, birth_date=birth)
        Application.objects.filter(pk=application.pk).update(reference=reference, **fields)
    sibling = Application.objects.get(round=typed, reference="LB-0002")
    sibling.siblings_at.set([typed_city.facilities[0]])
    Application.objects.filter(round=typed, reference="LB-0002").update(
        registered_on=dt.date(2026, 11, 20)
    )

    imported_run = run_round(round_=rounds[0], actor=SYSTEM)
    typed_run = run_round(round_=typed, actor=SYSTEM)
    assert imported_run.inputs == typed_run.inputs
    assert imported_run.result == typed_run.result
    assert imported_run.result  # the run placed children


def test_the_import_page_offers_applications_to_the_office_and_admins_only(client, city):
    for username, role in (
        ("vergabe", Role.ALLOCATION_OFFICE),
        ("admin", Role.ADMIN),
        ("planer", Role.PLANNER),
    ):
        make_user(username, role)
    for username, offered in (("vergabe", True), ("admin", True), ("planer", False)):
        client.login(username=username, password=PASSWORD)
        page = client.get(reverse("imports:import-new")).content.decode()
        assert ('value="applications"' in page) is offered, username
        client.logout()


def test_a_planner_may_not_import_applications(city):
    planner = make_user("planer", Role.PLANNER)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run_import(city, EXAMPLE, actor=planner)


def test_the_command_line_imports_the_example(city, capsys):
    code = main(
        ["import", str(EXAMPLE), "--territory", city.territory.code, "--kind", "applications"]
    )
    assert code == 0, capsys.readouterr().err
    assert Application.objects.filter(round__territory=city.territory).count() == 4


ADDRESS_HEADER = (
    "round;reference;child_name;birth_date;desired_start;home_area_code;home_street;"
    "home_house_number;home_postcode;choice_1"
)


def _register(city: SmallCity) -> None:
    from kitaplan.domain.territory.addresses import house_number_key, street_key
    from kitaplan.web.territory.models import AddressPoint

    AddressPoint.objects.create(
        territory=city.territory,
        street="Hauptstraße",
        house_number="8",
        postcode="01067",
        city="Teststadt",
        street_key=street_key("Hauptstraße"),
        number_key=house_number_key("8"),
        lat=52.005,
        lon=13.015,
        area=city.areas[1],
    )


def test_a_home_address_is_placed_on_the_address_register(city, tmp_path):
    _register(city)
    row = f"{ROUND};X-1;Kind Eins;2026-01-15;2027-08-01;;Hauptstr.;8;;F1"
    run = run_import(city, write(tmp_path, f"{ADDRESS_HEADER}\n{row}\n"))
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    application = Application.objects.get(reference="X-1")
    assert application.home_area == city.areas[1]
    assert (application.home_lat, application.home_lon) == (52.005, 13.015)
    assert application.home_address == "Hauptstraße 8, 01067 Teststadt"
    assert run_import(city, write(tmp_path, f"{ADDRESS_HEADER}\n{row}\n")).unchanged == 1


@pytest.mark.parametrize(
    ("row", "column", "german"),
    [
        (f"{ROUND};X-1;Kind Eins;2026-01-15;2027-08-01;;Hauptstraße;99;;F1", "home_street", "8"),
        (f"{ROUND};X-1;Kind Eins;2026-01-15;2027-08-01;;Nebenweg;1;;F1", "home_street", "Adress"),
        (
            f"{ROUND};X-1;Kind Eins;2026-01-15;2027-08-01;0201;Hauptstraße;8;;F1",
            "home_area_code",
            "0102",
        ),
    ],
    ids=["unknown-number", "unknown-street", "other-area"],
)
def test_an_address_the_register_does_not_place_is_refused(city, tmp_path, row, column, german):
    _register(city)
    run = run_import(city, write(tmp_path, f"{ADDRESS_HEADER}\n{row}\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (2, column)
    message = describe_problem(problem_from_dict(problem))
    assert "Adressverzeichnis" in message or column == "home_area_code", message
    assert german in message, message
    assert not Application.objects.exists()


def test_case_numbers_given_after_an_import_continue_the_rounds_own_numbering(city, tmp_path):
    from kitaplan.web.allocation.services import next_reference

    round_ = AllocationRound.objects.get(name=ROUND)
    first = write(
        tmp_path, f"{HEADER}\n{ROUND};A00001;Kind Eins;2026-01-15;2027-08-01;0101;F1;F2\n"
    )
    assert run_import(city, first).status == "succeeded"
    assert run_import(city, EXAMPLE, effective_day=dt.date(2026, 12, 15)).status == "succeeded"
    # "LB-0004" sorts after "A00001"; the next own number must not restart at A00001
    assert next_reference(round_) == "A00002"
