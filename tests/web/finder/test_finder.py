"""The parents' Kita-Finder: public, results equal independent counts, the apply link,
English and Ukrainian, and nothing else open to anonymous visitors."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kitaplan.web.allocation.models import AllocationRound
from kitaplan.web.childminding.models import CareContract, Childminder, Permit
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.finder.views import PAGE_SIZE
from tests.web.allocation.helpers import make_round
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db

URL = reverse("finder:search")
WEEK = [[d, "08:00", "15:00"] for d in range(5)]


def _today() -> dt.date:
    return timezone.localdate()


def _childminder(city, number, *, area, languages="Deutsch", inclusion=False, children=0, **kw):
    today = _today()
    cm = Childminder.objects.create(
        territory=city.territory,
        number=number,
        name=f"Tagesmutter {number}",
        street="Geheimweg 1",
        postcode="01234",
        city="Teststadt",
        lat=52.005,
        lon=area.geometry["coordinates"][0][0][0] + 0.004,
        area=area,
        care_location="own_home",
        languages=languages,
        inclusion_skills=inclusion,
        **kw,
    )
    Permit.objects.create(
        childminder=cm,
        valid_from=today - dt.timedelta(days=400),
        valid_to=today + dt.timedelta(days=1000),
        max_children=5,
    )
    for k in range(children):
        CareContract.objects.create(
            childminder=cm,
            child_reference=f"{number}-K{k}",
            child_birth_date=today - dt.timedelta(days=400),
            valid_from=today - dt.timedelta(days=30),
            weekly_hours=35,
            slots=WEEK,
        )
    return cm


@pytest.fixture
def city():
    city = make_city()
    f1, f2, f3 = city.facilities
    f1.step_free_entrance = f1.accessible_toilet = True
    f1.street, f1.postcode = "Lindenstraße", "01067"
    f1.save()
    f2.step_free_entrance = True  # not barrier-free: no accessible toilet
    f2.inclusion_profile = True
    f2.street, f2.postcode = "Birkenweg", "01069"
    f2.save()
    f3.street, f3.postcode = "Lindenstraße", "01099"
    f3.save()
    # F2 has no integration places; F3 has no places for under-3s
    FacilityPlaces.objects.filter(facility=f2).update(integration_places=0)
    FacilityPlaces.objects.filter(facility=f3).update(places_u3=0)
    # a closed Kita and a Kita that opens later
    closed = Facility.objects.create(
        territory=city.territory,
        official_number="F9",
        name="Kita geschlossen",
        area=city.areas[3],
        lat=52.005,
        lon=13.035,
        valid_to=_today() - dt.timedelta(days=1),
    )
    FacilityPlaces.objects.create(
        facility=closed, valid_from=dt.date(2020, 1, 1), places_u3=5, places_ue3=5
    )
    _childminder(city, "TP1", area=city.areas[0], languages="Deutsch, Ukrainisch", children=2)
    _childminder(city, "TP2", area=city.areas[3], languages="Deutsch, Arabisch", inclusion=True)
    _childminder(city, "TP3", area=city.areas[1], children=5)  # full
    _childminder(city, "TP4", area=city.areas[2], status="paused")  # not active
    return city


def names(response) -> set[str]:
    return {entry.result.name for entry in response.context["entries"]}


def found(client, **params) -> set[str]:
    response = client.get(URL, {"territory": "testcity", **params})
    assert response.status_code == 200
    assert response.context["total"] <= PAGE_SIZE
    return names(response)


def independent(city, *, age="", integration=False, barrier_free=False, profile=False,
                kind="", language="", postcode=""):  # fmt: skip
    """The same filters counted straight from the rows, without the finder's code."""
    today = _today()
    out = set()
    if kind != "childminder" and not language:
        for f in Facility.objects.filter(territory=city.territory):
            if f.valid_to is not None and f.valid_to < today:
                continue
            p = f.places_history.get(valid_to__isnull=True)
            wanted = {"u3": p.places_u3, "ue3": p.places_ue3}.get(age, p.places_u3 + p.places_ue3)
            if wanted == 0 or (integration and not p.integration_places):
                continue
            if barrier_free and not (f.step_free_entrance and f.accessible_toilet):
                continue
            if (profile and not f.inclusion_profile) or (postcode and f.postcode != postcode):
                continue
            out.add(f.name)
    if kind != "kita" and age != "ue3" and not integration and not barrier_free:
        for cm in Childminder.objects.filter(territory=city.territory, status="active"):
            children = cm.contracts.count()
            if children >= 5 or (profile and not cm.inclusion_skills):
                continue
            if language and language not in [x.strip() for x in cm.languages.split(",")]:
                continue
            if postcode and cm.postcode != postcode:
                continue
            out.add(cm.name)
    return out


def test_anonymous_visitors_can_use_the_finder_and_the_easy_language_page(client, city):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="get"' in html and "<h1" in html and html.count("<h1") == 1
    easy = client.get(reverse("finder:easy-language"))
    assert easy.status_code == 200
    assert "Leichte Sprache" in easy.content.decode()
    assert easy.content.decode().count("<h1") == 1


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"age": "u3"},
        {"age": "ue3"},
        {"integration": True},
        {"barrier_free": True},
        {"profile": True},
        {"kind": "kita"},
        {"kind": "childminder"},
        {"language": "Ukrainisch"},
        {"age": "u3", "profile": True},
        {"age": "u3", "kind": "kita", "integration": True},
        {"postcode": "01067"},
    ],
    ids=lambda f: "-".join(f"{k}={v}" for k, v in f.items()) or "all",
)
def test_results_equal_an_independent_count(client, city, filters):
    params = {
        "age_group": filters.get("age", ""),
        "kind": filters.get("kind", ""),
        "language": filters.get("language", ""),
        "address": filters.get("postcode", ""),
    }
    for flag, name in (
        ("integration", "integration"),
        ("barrier_free", "barrier_free"),
        ("profile", "inclusion_profile"),
    ):
        if filters.get(flag):
            params[name] = "on"
    assert found(client, **params) == independent(city, **filters)


def test_known_answers_on_the_test_city(client, city):
    assert found(client) == {"Kita F1", "Kita F2", "Kita F3", "Tagesmutter TP1", "Tagesmutter TP2"}
    assert found(client, barrier_free="on") == {"Kita F1"}
    assert found(client, age_group="ue3") == {"Kita F1", "Kita F2", "Kita F3"}
    assert found(client, language="Arabisch") == {"Tagesmutter TP2"}
    assert found(client, address="Lindenstraße") == {"Kita F1", "Kita F3"}
    assert found(client, address="Area 0202") == {"Tagesmutter TP2"}


def test_sorted_by_distance_from_the_chosen_area(client, city):
    response = client.get(URL, {"territory": "testcity", "area": city.areas[3].pk})
    order = [entry.result.name for entry in response.context["entries"]]
    assert order[0] == "Tagesmutter TP2"  # lives in area 0202
    distances = [e.result.distance_km for e in response.context["entries"]]
    assert distances == sorted(distances)


def test_features_are_explained_in_plain_words(client, city):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(URL, {"territory": "testcity", "barrier_free": "on"})
    html = response.content.decode()
    assert "The entrance is step-free and there is an accessible toilet." in html
    response = client.get(URL, {"territory": "testcity", "language": "Arabisch"})
    assert "Languages spoken: Deutsch, Arabisch." in response.content.decode()


def test_the_apply_link_goes_through_the_login_to_the_open_round(client, city):
    today = _today()
    round_ = make_round(city)
    AllocationRound.objects.filter(pk=round_.pk).update(
        applications_open=today - dt.timedelta(days=5),
        applications_close=today + dt.timedelta(days=20),
    )
    target = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    expected = f"{reverse('login')}?{urlencode({'next': target})}"
    response = client.get(URL, {"territory": "testcity", "kind": "kita"})
    assert response.context["apply_url"] == expected
    assert expected.replace("&", "&amp;") in response.content.decode()
    login_page = client.get(expected)
    assert login_page.status_code == 200
    assert login_page.context["next"] == target
    # without an open round there is no link, only the advice to ask the Jugendamt
    AllocationRound.objects.filter(pk=round_.pk).update(applications_close=today - dt.timedelta(1))
    response = client.get(URL, {"territory": "testcity"})
    assert response.context["apply_url"] == ""
    assert "Jugendamt" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("core:home", {}),
        ("facilities:facility-list", {}),
        ("territory:area-list", {}),
        ("childminding:childminder-list", {}),
        ("allocation:round-list", {}),
        ("allocation:my-applications", {}),
        ("planning:balance", {}),
        ("audit:event-list", {}),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_everywhere_else(client, city, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_application_page_needs_a_login(client, city):
    round_ = make_round(city)
    response = client.get(reverse("allocation:application-new", kwargs={"round_pk": round_.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("language", "text"),
    [("de", "Anmelden"), ("en", "Kind of care"), ("uk", "Шукати")],
)
def test_the_finder_speaks_german_english_and_ukrainian(client, city, language, text):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(URL)
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert text in html


def test_the_login_page_speaks_ukrainian(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    assert "Увійти" in client.get(reverse("login")).content.decode()


def test_the_basic_search_needs_no_javascript(client, city):
    html = client.get(URL).content.decode()
    form = html[
        html.index('<form method="get"') : html.index("</form>", html.index('<form method="get"'))
    ]
    assert f'action="{URL}"' in form
    assert "hx-" not in form and "onchange" not in form and "<script" not in form
    assert 'type="submit"' in form
    # every input of the search form has a label
    for field in ("id_territory", "id_area", "id_address", "id_start", "id_language"):
        assert f'for="{field}"' in form


def test_a_kita_card_names_its_provider_whom_a_family_can_ask(client, city):
    """Issue 17: the cards told parents to ask the Kita directly and gave no contact. The
    facilities hold no phone, e-mail or website (facilities.models.Facility); the card shows
    what is stored: the address, the opening hours and the provider (Träger)."""
    html = client.get(URL, {"territory": "testcity"}).content.decode()
    cards = dict(re.findall(r"<h3[^>]*>([^<]+)</h3>(.*?)</article>", html, re.S))
    for facility in city.facilities:
        card = cards[facility.name]
        assert "Träger" in card and facility.provider.name in card
    assert "Träger" not in cards["Tagesmutter TP1"]
