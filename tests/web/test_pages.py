"""The list and detail pages show the right numbers, filter, sort, export and stay cheap."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner_client(client):
    city = make_city()
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    return client


def test_facility_list_totals_are_the_sum_of_current_places(planner_client):
    response = planner_client.get(reverse("facilities:facility-list"))
    totals = response.context["totals"]
    assert (totals["count"], totals["places_u3"], totals["places_ue3"], totals["total"]) == (
        3,
        27,
        65,
        92,
    )
    assert totals["integration_places"] == 6


def test_facility_list_filters_by_district_including_its_areas(planner_client):
    response = planner_client.get(reverse("facilities:facility-list") + "?area=01&sort=-total")
    names = [f.name for f in response.context["page_obj"]]
    assert names == ["Kita F1", "Kita F2"]  # sorted by total places, descending


def test_facility_list_shows_the_places_of_a_past_day(planner_client):
    facility = planner_client.city.facilities[0]
    import datetime as dt

    FacilityPlaces.objects.filter(facility=facility).update(valid_to=dt.date(2025, 12, 31))
    FacilityPlaces.objects.create(
        facility=facility, valid_from=dt.date(2026, 1, 1), places_u3=1, places_ue3=1
    )
    past = planner_client.get(reverse("facilities:facility-list") + "?q=F1&day=2025-06-01")
    now = planner_client.get(reverse("facilities:facility-list") + "?q=F1&day=2026-06-01")
    assert past.context["page_obj"][0].current_total == 30
    assert now.context["page_obj"][0].current_total == 2


@pytest.mark.parametrize("url_name", ["facilities:facility-list", "territory:area-list"])
def test_list_pages_need_the_same_number_of_queries_for_many_rows(
    planner_client, url_name, django_assert_max_num_queries
):
    planner_client.get(reverse(url_name))  # warm caches (sessions, content types)
    city = planner_client.city
    with django_assert_max_num_queries(16) as few:
        planner_client.get(reverse(url_name))
    for i in range(40):
        facility = Facility.objects.create(
            territory=city.territory,
            official_number=f"X{i}",
            name=f"Extra {i}",
            provider=city.providers[i % 2],
            area=city.areas[i % 4],
            lat=52.005,
            lon=13.005,
        )
        FacilityPlaces.objects.create(
            facility=facility, valid_from="2020-01-01", places_u3=1, places_ue3=2
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        planner_client.get(reverse(url_name))


def test_area_list_rolls_children_and_places_up_to_districts(planner_client):
    response = planner_client.get(reverse("territory:area-list") + "?level=district&sort=code")
    rows = list(response.context["page_obj"])
    assert [r.area.official_code for r in rows] == ["01", "02"]
    d1 = rows[0]
    assert (d1.children_u3, d1.children_ue3) == (2 * (10 + 11 + 12), 2 * (13 + 14 + 15))
    assert (d1.facilities, d1.places_u3, d1.places_ue3) == (2, 15, 35)


def test_area_detail_shows_population_by_age_and_its_facilities(planner_client):
    district = planner_client.city.districts[0]
    response = planner_client.get(reverse("territory:area-detail", args=[district.pk]))
    assert response.context["population_rows"] == [(2024, [20, 22, 24, 26, 28, 30, 32])]
    assert response.context["facility_count"] == 2
    assert [c.area.official_code for c in response.context["children"]] == ["0101", "0102"]


def test_exports_contain_what_the_list_shows(planner_client):
    url = reverse("facilities:facility-list") + "?area=01"
    rows = list(
        csv.reader(
            io.StringIO(planner_client.get(url + "&format=csv").content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert len(rows) == 3 and "Kita F1" in rows[1] + rows[2]
    book = openpyxl.load_workbook(io.BytesIO(planner_client.get(url + "&format=xlsx").content))
    assert book.active.max_row == 3
    geo = json.loads(planner_client.get(url + "&format=geojson").content)
    assert len(geo["features"]) == 2 and geo["features"][0]["geometry"]["type"] == "Point"
    areas = json.loads(
        planner_client.get(reverse("territory:area-list") + "?format=geojson").content
    )
    assert len(areas["features"]) == 4 and areas["features"][0]["geometry"]["type"] == "Polygon"


def test_editing_places_keeps_history_and_writes_an_audit_event(planner_client):
    from kitaplan.web.audit.models import AuditEvent

    facility = planner_client.city.facilities[0]
    form = {
        "name": "Kita Eins",
        "street": "",
        "house_number": "",
        "postcode": "",
        "city": "",
        "opening_time": "07:00",
        "closing_time": "17:00",
        "step_free_entrance": "on",
        "places-places_u3": "15",
        "places-places_ue3": "20",
        "places-places_school": "0",
        "places-integration_places": "2",
        "places-special_needs_group_places": "0",
        "places-valid_from": "2026-09-01",
    }
    response = planner_client.post(reverse("facilities:facility-edit", args=[facility.pk]), form)
    assert response.status_code == 302
    history = list(FacilityPlaces.objects.filter(facility=facility).order_by("valid_from"))
    assert [(p.places_u3, str(p.valid_to)) for p in history] == [(10, "2026-08-31"), (15, "None")]
    actions = set(
        AuditEvent.objects.filter(target_id=str(facility.pk)).values_list("action", flat=True)
    )
    assert actions == {"facility.updated", "facility.places_changed"}
    updated = AuditEvent.objects.get(action="facility.updated")
    assert updated.before["name"] == "Kita F1" and updated.after["name"] == "Kita Eins"


def test_editing_refuses_more_integration_places_than_places(planner_client):
    facility = planner_client.city.facilities[0]
    form = {
        "name": "Kita F1",
        "places-places_u3": "1",
        "places-places_ue3": "1",
        "places-places_school": "0",
        "places-integration_places": "5",
        "places-special_needs_group_places": "0",
        "places-valid_from": "2026-09-01",
    }
    response = planner_client.post(reverse("facilities:facility-edit", args=[facility.pk]), form)
    assert response.status_code == 200
    assert "integration_places" in response.context["places_form"].errors
    assert FacilityPlaces.objects.filter(facility=facility).count() == 1


def test_the_area_map_colours_areas_by_the_chosen_statistic_or_indicator(planner_client):
    from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue

    city = planner_client.city
    url = reverse("territory:area-geojson") + "?territory=testcity&level=district&value=children_u3"
    values = {
        f["properties"]["official_code"]: f["properties"]["value"]
        for f in planner_client.get(url).json()["features"]
    }
    assert values == {"01": 66, "02": 66}
    indicator = IndicatorDefinition.objects.create(
        code="poverty", name="Kinderarmut", direction="higher_is_worse"
    )
    IndicatorValue.objects.create(indicator=indicator, area=city.areas[0], year=2024, value=12.5)
    url = (
        reverse("territory:area-geojson") + "?territory=testcity&level=area&value=indicator:poverty"
    )
    values = {
        f["properties"]["official_code"]: f["properties"]["value"]
        for f in planner_client.get(url).json()["features"]
    }
    assert values == {"0101": 12.5, "0102": None, "0201": None, "0202": None}
    page = planner_client.get(reverse("territory:area-list") + "?level=area&show=indicator:poverty")
    assert page.context["map_value_label"] == "Kinderarmut"
