"""A new territory set up as a newcomer would (issue 13, "Done when"): the command lines of
``docs/howto/new-territory.md`` run in their order through the CLI entry point, the records a
page sets up are set up through the page (the programme set-up) or the service the page calls,
every registered import kind is filled from its example in ``docs/examples/``, and every
capability page answers for the territory with a figure of the imported data.

One test for the whole chain (about 20 imports, some seconds); runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.domain.allocation.priorities import Criterion
from kitaplan.web.allocation.models import AllocationRound, Application, RoundProgramme
from kitaplan.web.allocation.services import run_round, save_programme, save_round
from kitaplan.web.childminding.models import AdvisoryService
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.registry import kind_entries
from kitaplan.web.measures.models import Plan
from kitaplan.web.measures.plan_services import save_plan
from kitaplan.web.measures.services import save_organisation
from kitaplan.web.networks.services import create_network
from kitaplan.web.qualification.models import Course, Module, Programme
from kitaplan.web.qualification.services import save_module
from kitaplan.web.territory.models import Territory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
HOWTO = ROOT / "docs" / "howto" / "new-territory.md"
PASSWORD = "Musterstadt-2026-geheim"
PREFIX = ".venv/bin/kitaplan "


def howto_commands() -> list[list[str]]:
    """The ``kitaplan`` command lines of the how-to's bash blocks, in order (``serve`` left
    out: it would not return)."""
    text = HOWTO.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(PREFIX) and " serve" not in line:
                lines.append(shlex.split(line[len(PREFIX) :]))
    return lines


def _kind(args: list[str]) -> str | None:
    return args[args.index("--kind") + 1] if args[0] == "import" else None


# --- the page steps, before the import of the kind that needs them ----------------------------


def set_up_programme(client) -> None:
    """The programme set-up page (adviser or administrator), as a newcomer fills it."""
    territory = Territory.objects.get(code="musterstadt")
    response = client.post(
        reverse("qualification:setup"),
        {
            "programme-territory": territory.pk,
            "programme-code": "QHB",
            "programme-name": "Qualifizierungshandbuch Kindertagespflege",
            "programme-kind": "qhb",
            "programme-courses_per_year": "2",
        },
    )
    programme = Programme.objects.get(territory=territory, code="QHB")
    assert response.status_code == 302
    page = reverse("qualification:setup-programme", args=[programme.pk])
    for order, name, timing, units, deadline in (
        ("1", "Grundqualifizierung", "before_start", "160", ""),
        ("2", "tätigkeitsbegleitend", "alongside_work", "140", "24"),
    ):
        response = client.post(
            page,
            {
                "action": "part",
                "part-order": order,
                "part-name": name,
                "part-timing": timing,
                "part-units": units,
                "part-internship_hours": "0",
                "part-deadline_months": deadline,
            },
        )
        assert response.status_code == 302, response.content.decode()
    assert programme.total_units == 300


def set_up_advisory_service(client) -> None:
    """The advisory services page (administrator): the service of the childminders file."""
    territory = Territory.objects.get(code="musterstadt")
    adviser = get_user_model().objects.get(username="fachberatung")
    response = client.post(
        reverse("childminding:service-list"),
        {"territory": territory.pk, "name": "Fachberatung Musterstadt", "advisers": [adviser.pk]},
    )
    assert response.status_code == 302, response.content.decode()
    service = AdvisoryService.objects.get(territory=territory, name="Fachberatung Musterstadt")
    assert list(service.advisers.all()) == [adviser]


def set_up_modules() -> None:
    course = Course.objects.get(code="QHB-2026-1")
    part = course.programme.parts.get(order=1)
    for k, day in enumerate((dt.date(2026, 2, 2), dt.date(2026, 2, 16)), start=1):
        module = Module(course=course, part=part, title=f"Modul {k}", start=day, units=20)
        save_module(module=module, actor=SYSTEM)


def set_up_network() -> None:
    territory = Territory.objects.get(code="musterstadt")
    save_organisation(
        actor=SYSTEM,
        territory=territory,
        short_name="JA",
        name="Jugendamt Musterstadt",
        kind="city_unit",
    )
    create_network(
        territory=territory, actor=SYSTEM, name="Netzwerk Frühprävention", code="fruehpraevention"
    )


def set_up_round() -> None:
    territory = Territory.objects.get(code="musterstadt")
    round_ = AllocationRound(
        territory=territory,
        name="Kita-Jahr 2027/28",
        care_start=dt.date(2027, 8, 1),
        applications_open=dt.date(2026, 11, 1),
        applications_close=dt.date(2027, 1, 31),
        offers_on=dt.date(2027, 3, 1),
        response_days=14,
        max_choices=3,
        district_level="district",
    )
    criteria = [Criterion.INTEGRATION_NEED, Criterion.WAITING_TIME]
    save_round(round_=round_, criteria=criteria, actor=SYSTEM)
    for number, capacity in (("F1", 4), ("F2", 2), ("F3", 3)):
        facility = Facility.objects.get(territory=territory, official_number=number)
        programme = RoundProgramme(
            round=round_, facility=facility, age_group="u3", capacity=capacity
        )
        save_programme(programme=programme, actor=SYSTEM)


def set_up_plan() -> None:
    save_plan(
        actor=SYSTEM,
        territory=Territory.objects.get(code="musterstadt"),
        values={
            "code": "inklusion",
            "version_year": 2026,
            "title": "Inklusion in der Kindertagesbetreuung (Beispiel)",
            "first_year": 2026,
            "last_year": 2030,
            "council_decision": "",
        },
    )


def login(client, username: str) -> None:
    assert client.login(username=username, password=PASSWORD)


def test_a_new_territory_from_the_howto_fills_every_kind_and_every_page_shows_it(
    client, monkeypatch, capsys
):
    monkeypatch.setenv("KITAPLAN_NEW_PASSWORD", PASSWORD)
    commands = howto_commands()
    imported = [_kind(args) for args in commands if _kind(args)]
    # a new kind without an example (and a line in the how-to) fails here
    assert set(imported) == {entry.kind.value for entry in kind_entries()}
    for args in commands:
        kind = _kind(args)
        if kind == "childminders":
            login(client, "admin")
            set_up_advisory_service(client)
            client.logout()
        elif kind == "courses":
            login(client, "fachberatung")
            set_up_programme(client)
        elif kind == "attendance":
            set_up_modules()
        elif kind == "network_members":
            set_up_network()
        elif kind == "applications":
            set_up_round()
        elif kind == "measures_plan":
            set_up_plan()
        code = main(args)
        out = capsys.readouterr()
        if args[0] != "check":  # the check reports findings with exit 1; it must not crash
            assert code == 0, (args, out.out, out.err)
    runs = ImportRun.objects.filter(territory__code="musterstadt")
    assert set(runs.filter(status="succeeded").values_list("kind", flat=True)) == set(imported)
    assert not runs.exclude(status="succeeded").exists()

    round_ = AllocationRound.objects.get(name="Kita-Jahr 2027/28")
    assert Application.objects.filter(round=round_).count() == 4
    run = run_round(round_=round_, actor=SYSTEM, today=round_.offers_on)
    check_pages(client, round_, run)


def get(client, name: str, *args: object, query: str = "territory=musterstadt") -> str:
    response = client.get(reverse(name, args=args) + (f"?{query}" if query else ""))
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def check_pages(client, round_, run) -> None:
    client.logout()
    finder = text(get(client, "finder:search", query="address=Falkenseer+Chaussee+8"))
    assert "Kita Falkenseer Chaussee (Beispiel)" in finder
    login(client, "planung")
    # the balance uses the imported care rates (2024 set) and the population years
    assert "Alter 1: 0,641" in text(get(client, "planning:balance"))
    targets = text(get(client, "planning:targets"))
    assert "T.2 Barrierefreie Plätze" in targets and "Bezirk 2 (Beispiel) 0,34" in targets
    forecast = text(get(client, "planning:forecast"))
    assert "Einwohner der Jahre 2024 bis 2025" in forecast
    assert "Bezirk 1 (Beispiel) 72 / 91" in forecast
    assert "19,57 passende Plätze je 100 Kinder" in text(get(client, "planning:accessibility"))
    assert "Musterstadt" in text(get(client, "monitoring:index"))
    indicators = text(get(client, "monitoring:indicators"))
    assert "Anteil Kinder unter 15 Jahren in Bedarfsgemeinschaften" in indicators
    assert "Sozialraumbudget: Musterstadt" in text(get(client, "budget:overview"))
    networks = text(get(client, "networks:network-list"))
    assert "Netzwerk Frühprävention Musterstadt 3 " in networks  # the three imported members
    plan = Plan.objects.get(code="inklusion")
    plan_page = text(get(client, "measures:plan-detail", plan.pk, query=""))
    assert "Informationsmaterial für Eltern erarbeiten" in plan_page
    client.logout()
    login(client, "vergabe")
    detail = text(get(client, "allocation:round-detail", round_.pk, query=""))
    assert "Freigegebene Plätze 9 Plätze" in detail and "Anmeldungen 4" in detail
    assert "Mit Platz 3, 3 beim Erstwunsch" in text(
        get(client, "allocation:run-detail", run.pk, query="")
    )
    client.logout()
    login(client, "fachberatung")  # the childminders of her service
    courses = text(get(client, "qualification:programme-list"))
    assert "QHB-Grundqualifizierung Frühjahr 2026 QHB Bildungsträger A" in courses
    childminders = text(get(client, "childminding:childminder-list"))
    assert "Tagesvater Beispiel B Gebiet 0102 (Beispiel)" in childminders
    course = Course.objects.get(code="QHB-2026-1")
    attendance = text(get(client, "qualification:course-detail", course.pk, query=""))
    assert re.search(r"Tagesmutter Beispiel A .*?20 18 38", attendance), attendance[-2000:]
    client.logout()
    login(client, "zahlstelle")
    assert "Geldleistung Kindertagespflege: Musterstadt" in text(get(client, "payments:overview"))
