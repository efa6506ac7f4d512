"""Import of network members: example file, every bad-input class, all or nothing, re-import
unchanged, a changed member audited without personal values, the page offer, the command line."""

from __future__ import annotations

import json
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
from kitaplan.web.measures.models import Organisation
from kitaplan.web.networks import services
from kitaplan.web.networks.models import Member
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "network_members.csv"
HEADER = "network,member_key,role,contact_function,organisation,facility"
GOOD_ROW = "fruehpraevention,M-9,leader,Kita-Leitung,,F2"


@pytest.fixture
def city() -> SmallCity:
    city = make_city()
    Organisation.objects.create(territory=city.territory, short_name="JA", name="Jugendamt")
    services.create_network(
        territory=city.territory,
        actor=SYSTEM,
        name="Netzwerk Frühprävention",
        code="fruehpraevention",
    )
    return city


def write(tmp_path: Path, text: str, name: str = "mitglieder.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, **kwargs: object) -> ImportRun:
    return import_file(
        territory=city.territory, kind="network_members", path=path, actor=SYSTEM, **kwargs
    )


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def test_the_example_file_imports_three_members(city):
    run = run_import(city, EXAMPLE)
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (3, 0, 0, 0)
    leader = Member.objects.get(member_key="M-001")
    assert (leader.role, leader.facility.official_number, leader.contact_function) == (
        "leader",
        "F1",
        "Kita-Leitung",
    )
    assert (leader.name, leader.email, leader.consent_given_at) == ("", "", None)
    coordinator = Member.objects.get(member_key="M-003")
    assert coordinator.organisation.short_name == "JA"
    assert coordinator.name == "Erika Beispiel" and coordinator.consent_given_at is not None


def test_importing_the_same_file_again_changes_nothing(city):
    run_import(city, EXAMPLE)
    before = list(Member.objects.order_by("pk").values())
    again = run_import(city, EXAMPLE)
    assert (again.status, again.added, again.changed, again.unchanged) == ("succeeded", 0, 0, 3)
    assert list(Member.objects.order_by("pk").values()) == before


def test_a_changed_member_is_changed_and_audited_without_personal_values(city, tmp_path):
    run_import(city, EXAMPLE)
    text = (
        EXAMPLE.read_text(encoding="utf-8")
        .replace("erika.beispiel@example.org", "e.beispiel@example.org")
        .replace("M-002,specialist_adviser", "M-002,quality_officer")
    )
    run = run_import(city, write(tmp_path, text))
    assert (run.status, run.added, run.changed, run.unchanged) == ("succeeded", 0, 2, 1)
    assert Member.objects.get(member_key="M-003").email == "e.beispiel@example.org"
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    dumped = json.dumps(event.details, default=str)
    assert "beispiel@example.org" not in dumped and "Erika" not in dumped
    changes = {c["key"]: c for c in event.details["changes"]}
    assert changes["fruehpraevention/M-002"]["fields"] == {
        "role": ["specialist_adviser", "quality_officer"]
    }
    assert changes["fruehpraevention/M-003"]["personal_data_changed"] == ["email"]


def test_members_the_file_does_not_list_are_kept(city, tmp_path):
    run_import(city, EXAMPLE)
    run = run_import(city, write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n"))
    assert (run.added, run.removed) == (1, 0)
    assert Member.objects.count() == 4


def test_a_closed_network_takes_no_members(city, tmp_path):
    network = services.selectors.networks_visible_to(SYSTEM).get()
    services.close_network(network=network, actor=SYSTEM)
    problem = refused_problem(run_import(city, write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n")))
    assert problem["column"] == "network"
    assert "geschlossen" in describe_problem(problem_from_dict(problem))
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            ["fruehpraevention,leader,Kita-Leitung,,F2"],
            HEADER.replace(",member_key", ""),
            1,
            "member_key",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [GOOD_ROW + ",,,2025-13-40"],
            HEADER + ",programme,name,consent_given_on",
            2,
            "consent_given_on",
            "Zeile 2",
            id="bad-type",
        ),
        pytest.param(
            [GOOD_ROW.replace("leader", "chef")], HEADER, 2, "role", "leader", id="unknown-role"
        ),
        pytest.param(
            [GOOD_ROW.replace("fruehpraevention", "kinderschutz")],
            HEADER,
            2,
            "network",
            "fruehpraevention",
            id="unknown-network",
        ),
        pytest.param(
            [GOOD_ROW.replace(",F2", ",F9")],
            HEADER,
            2,
            "facility",
            "Einrichtung",
            id="unknown-facility",
        ),
        pytest.param(
            [GOOD_ROW.replace(",,F2", ",XY,")],
            HEADER,
            2,
            "organisation",
            "Organisation",
            id="unknown-organisation",
        ),
        pytest.param(
            [GOOD_ROW + ",Max Muster"],
            HEADER + ",name",
            2,
            "consent_given_on",
            "Einwilligung",
            id="name-without-consent",
        ),
        pytest.param(
            [GOOD_ROW + ",kein-at-zeichen,2025-01-01"],
            HEADER + ",email,consent_given_on",
            2,
            "email",
            "E-Mail",
            id="bad-email",
        ),
        pytest.param(
            [GOOD_ROW, GOOD_ROW], HEADER, 3, "network, member_key", "Zeile 3", id="duplicate-key"
        ),
        pytest.param(
            [GOOD_ROW.replace("M-9", "M" * 61)],
            HEADER,
            2,
            "member_key",
            "60 Zeichen",
            id="too-long",
        ),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_column_and_nothing_is_written(
    city, tmp_path, rows, header, row, column, german
):
    run = run_import(city, write(tmp_path, header + "\n" + "\n".join(rows) + "\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (row, column), problem
    message = describe_problem(problem_from_dict(problem))
    assert "mitglieder.csv" in message and german in message, message
    assert not Member.objects.exists()


def test_one_bad_row_among_good_ones_refuses_the_whole_file(city, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace(",JA,,,,,", ",Unbekannt,,,,,")
    problem = refused_problem(run_import(city, write(tmp_path, text)))
    assert (problem["row"], problem["column"], problem["value"]) == (3, "organisation", "Unbekannt")
    assert not Member.objects.exists()


def test_the_german_mapping_reads_german_columns_and_roles(city, tmp_path):
    text = "Netzwerk;Mitgliedsnummer;Rolle;Funktion;Einrichtungsnummer\nfruehpraevention;7;Leitung;Leitung Kita F3;F3\n"
    run = run_import(city, write(tmp_path, text), mapping_name="network-members-de")
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    assert Member.objects.get(member_key="7").role == "leader"


def test_the_import_page_offers_network_members_to_planners_and_admins_only(client, city):
    make_user("planer", Role.PLANNER)
    make_user("admin", Role.ADMIN)
    make_user("berater", Role.CHILDMINDER_ADVISER)
    for username, offered in (("planer", True), ("admin", True), ("berater", False)):
        client.login(username=username, password=PASSWORD)
        page = client.get(reverse("imports:import-new")).content.decode()
        assert ('value="network_members"' in page) is offered, username
        client.logout()


def test_the_command_line_imports_the_example(city, capsys):
    code = main(
        ["import", str(EXAMPLE), "--territory", city.territory.code, "--kind", "network_members"]
    )
    assert code == 0, capsys.readouterr().err
    assert Member.objects.count() == 3


def test_imported_members_show_on_the_network_page(client, city):
    run_import(city, EXAMPLE)
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    network = Member.objects.get(member_key="M-001").network
    page = client.get(reverse("networks:network-detail", args=[network.pk])).content.decode()
    assert "Kita-Leitung, Kita F1" in page and "Erika Beispiel" in page
