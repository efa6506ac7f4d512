"""The facility list exports: every column of every facility, read as plain values in one
query, equal to what the models say."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_and_city(client):
    city = make_city()
    f1 = city.facilities[0]
    f1.street, f1.house_number, f1.postcode, f1.city = "Lindenstraße", "3a", "01067", "Teststadt"
    f1.step_free_entrance = f1.accessible_toilet = f1.inclusion_profile = True
    f1.save()
    Facility.objects.create(
        territory=city.territory, official_number="F9", name="Kita ohne Gebiet", lat=52.5, lon=13.9
    )  # no area, no provider, no places
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    return client, city


def _expected() -> list[list[object]]:
    rows = []
    with translation.override("de"):
        for f in Facility.objects.select_related("area", "provider").order_by("name"):
            places = f.places_history.first()
            u3, ue3, school, integ, special = (
                (
                    p.places_u3,
                    p.places_ue3,
                    p.places_school,
                    p.integration_places,
                    p.special_needs_group_places,
                )
                if (p := places) is not None
                else (0, 0, 0, 0, 0)
            )
            rows.append(
                [
                    f.official_number,
                    f.name,
                    f.address,
                    f.area.official_code if f.area else "",
                    f.area.name if f.area else "",
                    f.provider.name if f.provider else "",
                    f.provider.get_provider_type_display() if f.provider else "",
                    u3,
                    ue3,
                    school,
                    u3 + ue3 + school,
                    integ,
                    special,
                    f.is_barrier_free,
                    f.inclusion_profile,
                    f.lat,
                    f.lon,
                ]
            )
    return rows


def test_the_excel_export_has_every_value(client_and_city):
    client, _city = client_and_city
    response = client.get(reverse("facilities:facility-list") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[1:] == _expected()
    assert len(rows[0]) == 17


def test_the_csv_and_geojson_exports_have_every_facility(client_and_city):
    client, _city = client_and_city
    expected = _expected()
    text = client.get(reverse("facilities:facility-list") + "?format=csv").content.decode(
        "utf-8-sig"
    )
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert [line[:7] for line in lines[1:]] == [[str(v) for v in row[:7]] for row in expected]
    assert "Lindenstraße 3a, 01067 Teststadt" in text
    collection = json.loads(
        client.get(reverse("facilities:facility-list") + "?format=geojson").content
    )
    points = [f["geometry"]["coordinates"] for f in collection["features"]]
    assert points == [[row[16], row[15]] for row in expected]
