"""Home addresses placed through the address register: resolve_address, the Kita-Finder sorted
by distance from the address, the parents' application form and the move-to-a-Kita page, each
refusing an unknown address with a German message and the nearest known street."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from kitaplan.domain.common.calendar import add_months
from kitaplan.web.allocation.models import Application, RoundProgramme
from kitaplan.web.childminding.models import AdvisoryService, CareContract, Childminder
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.services import import_file
from kitaplan.web.territory.addresses import AddressMatch, AddressUnknown, resolve_address
from tests.web.allocation.helpers import make_round
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "address_register.csv"
FINDER = reverse("finder:search")


@pytest.fixture
def city() -> SmallCity:
    city = make_city()
    run = import_file(territory=city.territory, kind="address_register", path=EXAMPLE, actor=SYSTEM)
    assert run.status == "succeeded", run.problems
    return city


# --- the lookup --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Falkenseer Chaussee 8",
        "falkenseer chaussee 8",
        "FALKENSEER CHAUSSEE 8, 13583 Teststadt",
        "13583 Teststadt, Falkenseer Chaussee 8",
    ],
)
def test_resolve_address_finds_the_point_and_the_finest_area(city, text):
    found = resolve_address(city.territory, text)
    assert isinstance(found, AddressMatch), found
    assert (found.street, found.house_number, found.postcode) == (
        "Falkenseer Chaussee",
        "8",
        "13583",
    )
    assert (found.lat, found.lon) == (52.005, 13.005)
    assert found.area == city.areas[0]


def test_resolve_address_spellings_and_letter_suffix(city):
    assert resolve_address(city.territory, "Karl Marx Allee 1").area == city.areas[1]
    suffixed = resolve_address(city.territory, "Falkenseer Chaussee 8 A")
    assert isinstance(suffixed, AddressMatch) and suffixed.house_number == "8a"
    # 8b is not in the register: the plain number 8 stands for it
    assert resolve_address(city.territory, "Falkenseer Chaussee 8b").house_number == "8"
    assert resolve_address(city.territory, "Hauptstr. 12, 13055").area == city.areas[3]


def test_resolve_address_unknown_street_suggests_the_nearest_street(city):
    found = resolve_address(city.territory, "Falkenseer Chausee 8")
    assert isinstance(found, AddressUnknown)
    assert found.suggestions[0] == "Falkenseer Chaussee"
    nothing = resolve_address(city.territory, "Xylophonweg 3")
    assert isinstance(nothing, AddressUnknown) and nothing.suggestions == []


def test_resolve_address_ambiguous_and_unknown_number(city):
    twice = resolve_address(city.territory, "Hauptstraße 12")
    assert isinstance(twice, AddressUnknown) and twice.reason == "ambiguous"
    assert {s.split(", ")[1][:5] for s in twice.suggestions} == {"10827", "13055"}
    number = resolve_address(city.territory, "Falkenseer Chaussee 99")
    assert isinstance(number, AddressUnknown) and number.reason == "house_number"
    assert number.suggestions[0].startswith("Falkenseer Chaussee 10")


# --- the Kita-Finder ---------------------------------------------------------------------------


def test_the_finder_sorts_by_distance_from_the_address_and_says_how_far(client, city):
    page = client.get(FINDER, {"territory": city.territory.code, "address": "Hauptstr. 12, 10827"})
    assert page.status_code == 200
    names = [entry.result.name for entry in page.context["entries"]]
    # the address lies at 13.025 °E: Kita F3 (13.025) is nearest, then F2 (13.015), F1 (13.005)
    assert names == ["Kita F3", "Kita F2", "Kita F1"]
    distances = [entry.result.distance_km for entry in page.context["entries"]]
    assert distances == sorted(distances) and distances[0] < 0.05
    text = page.content.decode()
    assert "Etwa 0,7 km Luftlinie von Hauptstraße 12, 10827 Teststadt." in text
    assert "Die nächstgelegenen zu Hauptstraße 12, 10827 Teststadt stehen vorn" in text
    assert "synthetisch (Beispiel)" in text  # the register's source is credited
    assert 'name="area"' not in text  # no list of areas where a register exists


def test_the_finder_refuses_an_unknown_address_with_the_nearest_street(client, city):
    page = client.get(FINDER, {"territory": city.territory.code, "address": "Falkenseer Chausee 8"})
    text = page.content.decode()
    assert "Diese Adresse haben wir nicht gefunden" in text
    assert "Meinten Sie „Falkenseer Chaussee“?" in text
    assert page.context["entries"] == []
    assert "Area 0101" not in text  # never a list of the areas


def test_the_finder_without_a_register_keeps_the_area_list(client):
    city = make_city("ohneverzeichnis")
    page = client.get(FINDER, {"territory": city.territory.code})
    text = page.content.decode()
    assert 'name="area"' in text and "Area 0101" in text


# --- the application form ----------------------------------------------------------------------


@pytest.fixture
def open_round(city):
    round_ = make_round(city)
    today = timezone.localdate()
    round_.applications_open = today - dt.timedelta(days=10)
    round_.applications_close = today + dt.timedelta(days=30)
    round_.save()
    return round_


def application_data(city, address):
    f1, f2 = city.facilities[0], city.facilities[1]
    return {
        "child_name": "Mia Muster",
        "birth_date": "2026-01-15",
        "desired_start": "2027-08-01",
        "weekly_hours": "35",
        "home_address": address,
        "lives_in_municipality": "on",
        "choice_1": f"f{f1.pk}",
        "choice_2": f"f{f2.pk}",
        "choice_3": "",
    }


def test_a_parent_applies_with_an_address_and_gets_its_area(client, city, open_round):
    make_user("eltern", Role.PARENT)
    client.login(username="eltern", password=PASSWORD)
    url = reverse("allocation:application-new", kwargs={"round_pk": open_round.pk})
    form_page = client.get(url).content.decode()
    assert 'name="home_area"' not in form_page  # the area picker is gone
    response = client.post(url, application_data(city, "karl-marx-allee 1"))
    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get()
    assert application.home_area == city.areas[1]
    assert application.home_address == "Karl-Marx-Allee 1, 10178 Teststadt"


def test_a_parent_with_an_unknown_address_is_told_the_nearest_street(client, city, open_round):
    make_user("eltern", Role.PARENT)
    client.login(username="eltern", password=PASSWORD)
    url = reverse("allocation:application-new", kwargs={"round_pk": open_round.pk})
    response = client.post(url, application_data(city, "Karl-Marx-Alle 1"))
    assert response.status_code == 200
    errors = response.context["form"].errors["home_address"]
    assert errors == [
        "Das Adressverzeichnis kennt diese Straße nicht. Meinten Sie „Karl-Marx-Allee“?"
    ]
    assert not Application.objects.exists()


# --- the move to a Kita ------------------------------------------------------------------------


@pytest.fixture
def transition(city):
    today = timezone.localdate()
    turns_three_next_month = add_months(today, 1).replace(day=1)  # before the care start
    service = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung")
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    service.advisers.add(adviser)
    cm = Childminder.objects.create(
        territory=city.territory,
        number="T1",
        name="Tagesmutter Eins",
        care_location="own_home",
        area=city.areas[0],
        service=service,
        lat=52.005,
        lon=13.004,
    )
    contract = CareContract.objects.create(
        childminder=cm,
        child_reference="K1",
        child_birth_date=turns_three_next_month.replace(year=turns_three_next_month.year - 3),
        valid_from=today - dt.timedelta(days=400),
        weekly_hours=30,
        slots=[[d, "08:00", "15:00"] for d in range(5)],
    )
    round_ = make_round(city)
    round_.applications_open = today - dt.timedelta(days=10)
    round_.applications_close = today + dt.timedelta(days=30)
    round_.care_start = add_months(today, 3).replace(day=1)
    round_.save()
    for facility in city.facilities:
        RoundProgramme.objects.create(round=round_, facility=facility, age_group="ue3", capacity=4)
    return {"contract": contract, "round": round_}


def test_the_transition_page_places_the_home_address(client, city, transition):
    client.login(username="berater", password=PASSWORD)
    page = client.get(reverse("reports:transition")).content.decode()
    assert 'name="home_address"' in page
    response = client.post(
        reverse("reports:transition-enter"),
        {
            "contract": transition["contract"].pk,
            "round": transition["round"].pk,
            "home_address": "Hauptstraße 12, 13055",
        },
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.home_area == city.areas[3]  # the address's area, not the childminder's
    assert application.home_address == "Hauptstraße 12, 13055 Teststadt"
    ranked = [c.facility.official_number for c in application.choices.order_by("rank")]
    assert ranked == ["F3", "F2", "F1"]  # nearest to the address at 13.035 °E


def test_the_transition_page_refuses_an_unknown_address(client, city, transition):
    client.login(username="berater", password=PASSWORD)
    response = client.post(
        reverse("reports:transition-enter"),
        {
            "contract": transition["contract"].pk,
            "round": transition["round"].pk,
            "home_address": "Hauptstrase 12",
        },
        follow=True,
    )
    assert "Meinten Sie „Hauptstraße“?" in response.content.decode()
    assert not Application.objects.exists()
