"""Import of childminders with their permits: example file, every bad-input class, all or
nothing, re-import unchanged, changes audited without personal values, advisers' scope."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from kitaplan.cli import main
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import (
    AdvisoryService,
    CareContract,
    Childminder,
    Permit,
    StatusChange,
)
from kitaplan.web.core.access import SYSTEM, AnyUser
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "childminders.csv"
HEADER = (
    "number;name;care_location;service;area_code;permit_valid_from;permit_valid_to;permit_places"
)


@pytest.fixture
def city() -> SmallCity:
    city = make_city()
    # the advisory service the example file names (set up on the advisory services page)
    AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Musterstadt")
    return city


def write(tmp_path: Path, text: str, name: str = "tagespflege.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, actor: AnyUser = SYSTEM, **kwargs: object) -> ImportRun:
    return import_file(
        territory=city.territory, kind="childminders", path=path, actor=actor, **kwargs
    )


def counts() -> tuple[int, int, int]:
    return Childminder.objects.count(), Permit.objects.count(), StatusChange.objects.count()


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def test_the_example_file_imports_childminders_with_their_permits(city):
    run = run_import(city, EXAMPLE, effective_day=dt.date(2026, 9, 1))
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (3, 0, 0, 0)
    a = Childminder.objects.get(territory=city.territory, number="TP-101")
    assert a.area is not None and a.area.official_code == "0101"
    assert (a.postcode, a.care_location, a.inclusion_skills, a.experience_group) == (
        "01067",
        "own_home",
        True,
        "BG2",
    )
    [permit] = a.permits.all()
    assert (permit.valid_from, permit.valid_to, permit.max_children, permit.reference) == (
        dt.date(2024, 1, 1),
        dt.date(2028, 12, 31),
        5,
        "51-TP-101",
    )
    c = Childminder.objects.get(number="TP-103")
    assert c.status == "paused" and c.area is None
    assert list(c.status_history.values_list("status", "valid_from")) == [
        ("paused", dt.date(2026, 9, 1))
    ]
    assert Permit.objects.get(childminder__number="TP-102").conditions == "nur Kinder ab 1 Jahr"


def test_importing_the_same_file_again_changes_nothing(city):
    run_import(city, EXAMPLE)
    before = counts()
    again = run_import(city, EXAMPLE)
    assert (again.status, again.added, again.changed, again.unchanged) == ("succeeded", 0, 0, 3)
    assert counts() == before


def test_a_changed_row_is_changed_and_audited_without_personal_values(city, tmp_path):
    run_import(city, EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8")
    changed = text.replace("Tagesvater Beispiel B", "Tagesvater Geheimname").replace(
        "2030-02-28;4;", "2030-02-28;3;"
    )
    run = run_import(city, write(tmp_path, changed))
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 0, 1, 2)
    b = Childminder.objects.get(number="TP-102")
    assert b.name == "Tagesvater Geheimname" and b.permits.get().max_children == 3
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    assert event.details["changes"] == [{"key": "TP-102", "fields": ["name", "permit_places"]}]
    assert "Geheimname" not in json.dumps([event.before, event.after, event.details])


def test_a_later_permit_is_a_renewal_and_keeps_the_old_one(city, tmp_path):
    run_import(city, EXAMPLE)
    renewed = f"{HEADER}\nTP-103;Tagesmutter Beispiel C;parents_home;;;2028-08-01;2033-07-31;4\n"
    run = run_import(city, write(tmp_path, renewed))
    assert (run.status, run.changed) == ("succeeded", 1), run.problems
    permits = Permit.objects.filter(childminder__number="TP-103").order_by("valid_from")
    assert [(p.valid_from.year, p.max_children) for p in permits] == [(2023, 3), (2028, 4)]
    # no status in the file: the stored one stays
    assert Childminder.objects.get(number="TP-103").status == "paused"


GOOD_ROW = "TP-1;Tagesmutter Eins;own_home;;0101;2024-01-01;2028-12-31;5"


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            ["TP-1;Tagesmutter Eins;own_home;;0101;2024-01-01;2028-12-31"],
            HEADER.rsplit(";", 1)[0],
            1,
            "permit_places",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [GOOD_ROW.replace(";5", ";fünf")], HEADER, 2, "permit_places", "Zeile 2", id="bad-type"
        ),
        pytest.param(
            [GOOD_ROW.replace(";5", ";6")], HEADER, 2, "permit_places", "0 bis 5", id="six"
        ),
        pytest.param(
            [GOOD_ROW.replace("2024-01-01", "31.02.2024")],
            HEADER,
            2,
            "permit_valid_from",
            "Datum",
            id="bad-date",
        ),
        pytest.param(
            [GOOD_ROW.replace("0101", "9999")], HEADER, 2, "area_code", "Gebiet", id="unknown-area"
        ),
        pytest.param(
            [GOOD_ROW.replace(";;", ";Fachberatung Nord;")],
            HEADER,
            2,
            "service",
            "Fachberatung",
            id="unknown-service",
        ),
        pytest.param(
            [GOOD_ROW.replace("own_home", "garden")],
            HEADER,
            2,
            "care_location",
            "own_home",
            id="unknown-choice",
        ),
        pytest.param([GOOD_ROW, GOOD_ROW], HEADER, 3, "number", "Zeile 3", id="duplicate-key"),
        pytest.param(
            [GOOD_ROW.replace("Tagesmutter Eins", "x" * 161)],
            HEADER,
            2,
            "name",
            "160 Zeichen",
            id="too-long",
        ),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_column_and_nothing_is_written(
    city, tmp_path, rows, header, row, column, german
):
    before = counts()
    run = run_import(city, write(tmp_path, header + "\n" + "\n".join(rows) + "\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (row, column)
    message = describe_problem(problem_from_dict(problem))
    assert "tagespflege.csv" in message and german in message, message
    assert counts() == before


def test_one_bad_row_among_good_ones_refuses_the_whole_file(city, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(";0102;", ";9999;")
    run = run_import(city, write(tmp_path, text))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"], problem["value"]) == (3, "area_code", "9999")
    assert counts() == (0, 0, 0)


def test_fewer_places_than_the_contracts_need_are_refused(city, tmp_path):
    run_import(city, EXAMPLE)
    a = Childminder.objects.get(number="TP-101")
    for k in range(3):
        CareContract.objects.create(
            childminder=a,
            child_reference=f"K{k}",
            child_birth_date=dt.date(2025, 1, 1),
            valid_from=dt.date(2026, 1, 5),
            weekly_hours=35,
            slots=[[d, "08:00", "15:00"] for d in range(5)],
        )
    text = f"{HEADER}\nTP-101;Tagesmutter Beispiel A;own_home;;0101;2024-01-01;2028-12-31;2\n"
    run = run_import(city, write(tmp_path, text))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"], problem["value"]) == (2, "permit_places", "2")
    message = describe_problem(problem_from_dict(problem))
    assert "höchstens 2 Kinder" in message and "3 am 2026-01-05" in message, message
    assert a.permits.get().max_children == 5


def test_an_erased_childminder_is_not_filled_again(city, tmp_path):
    run_import(city, EXAMPLE)
    Childminder.objects.filter(number="TP-103").update(erased_at=timezone.now())
    run = run_import(city, EXAMPLE)
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (4, "number")


def test_the_german_mapping_reads_german_columns(city, tmp_path):
    text = (
        "Nummer;Name;Betreuungsort;Erlaubnis gültig ab;Erlaubnis gültig bis;Erlaubnis Plätze\n"
        "TP-7;Tagesmutter Sieben;own_home;01.01.2025;31.12.2029;4\n"
    )
    run = run_import(city, write(tmp_path, text), mapping_name="childminders-de")
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    assert Permit.objects.get(childminder__number="TP-7").max_children == 4


def test_an_adviser_imports_into_her_own_service_only(city, tmp_path):
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    own = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Süd")
    own.advisers.add(adviser)
    other = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Nord")
    Childminder.objects.create(
        territory=city.territory,
        number="TP-9",
        name="Fremd",
        care_location="own_home",
        service=other,
    )
    ok = f"{HEADER}\nTP-1;Tagesmutter Eins;own_home;Fachberatung Süd;0101;2024-01-01;2028-12-31;5\n"
    run = run_import(city, write(tmp_path, ok), actor=adviser)
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    assert Childminder.objects.get(number="TP-1").service == own

    for row, column in (
        ("TP-2;Zwei;own_home;Fachberatung Nord;;2024-01-01;2028-12-31;5", "service"),
        ("TP-3;Drei;own_home;;;2024-01-01;2028-12-31;5", "service"),
        ("TP-9;Fremd;own_home;Fachberatung Süd;;2024-01-01;2028-12-31;5", "number"),
    ):
        run = run_import(city, write(tmp_path, f"{HEADER}\n{row}\n"), actor=adviser)
        assert refused_problem(run)["column"] == column
    assert Childminder.objects.get(number="TP-9").service == other


def test_the_import_page_offers_the_registry_kinds_to_advisers_and_admins_only(client, city):
    make_user("berater", Role.CHILDMINDER_ADVISER)
    make_user("planer", Role.PLANNER)
    make_user("zahlstelle", Role.PAYMENT_OFFICE)
    for username, offered in (("berater", True), ("planer", False)):
        client.login(username=username, password=PASSWORD)
        page = client.get(reverse("imports:import-new")).content.decode()
        assert ('value="childminders"' in page) is offered, username
        assert ('value="care_contracts"' in page) is offered, username
        client.logout()
    client.login(username="zahlstelle", password=PASSWORD)
    assert client.get(reverse("imports:import-new")).status_code == 403


def test_the_command_line_imports_the_example(city, capsys):
    code = main(
        ["import", str(EXAMPLE), "--territory", city.territory.code, "--kind", "childminders"]
    )
    assert code == 0, capsys.readouterr().err
    assert Childminder.objects.filter(territory=city.territory).count() == 3


def test_an_adviser_imports_on_the_page_in_two_steps(client, city, tmp_path):
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    service = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Süd")
    service.advisers.add(adviser)
    text = (
        f"{HEADER}\nTP-1;Tagesmutter Eins;own_home;Fachberatung Süd;0101;2024-01-01;2028-12-31;5\n"
    )
    path = write(tmp_path, text)
    client.login(username="berater", password=PASSWORD)
    with path.open("rb") as handle:
        data = {"territory": city.territory.pk, "kind": "childminders", "file": handle}
        response = client.post(reverse("imports:import-new"), data)
    checked = ImportRun.objects.get()
    assert response.status_code == 302 and checked.status == "dry_run", checked.problems
    assert not Childminder.objects.exists()
    response = client.post(reverse("imports:import-confirm", args=[checked.pk]))
    done = ImportRun.objects.exclude(pk=checked.pk).get()
    assert (response.status_code, done.status, done.added) == (302, "succeeded", 1)
    assert Childminder.objects.get(number="TP-1").permits.get().max_children == 5
