"""What the read endpoints return, their filters, and that lists stay at a fixed query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kitaplan.web.facilities.models import FacilityPlaces
from kitaplan.web.territory.models import Area, IndicatorValue, PopulationCount
from tests.web.api.conftest import add_facility, square

pytestmark = pytest.mark.django_db


def test_territories_list_their_levels_from_the_top(api):
    (territory,) = api["planner"].get("/api/v1/territories/").json()["results"]
    assert territory["code"] == "apitown"
    assert [level["code"] for level in territory["levels"]] == ["district", "area"]


def test_areas_carry_level_parent_and_path_but_no_geometry_by_default(api):
    results = api["planner"].get("/api/v1/areas/?territory=apitown").json()["results"]
    by_code = {a["official_code"]: a for a in results}
    assert set(by_code) == {"1", "11", "12"}
    assert by_code["12"]["level"] == "area"
    assert by_code["12"]["parent_code"] == "1"
    assert by_code["12"]["path"] == "1/12"
    assert by_code["1"]["parent_code"] is None
    assert all(a["geometry"] is None for a in results)


def test_areas_carry_geojson_only_when_asked(api, town):
    results = api["planner"].get("/api/v1/areas/?geometry=1").json()["results"]
    assert {a["geometry"]["type"] for a in results} == {"Polygon"}
    detail = api["planner"].get(f"/api/v1/areas/{town.areas[0].pk}/").json()
    assert detail["geometry"] is None
    detail = api["planner"].get(f"/api/v1/areas/{town.areas[0].pk}/?geometry=1").json()
    assert detail["geometry"]["coordinates"][0][0] == [13.0, 52.0]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("level=district", {"1"}),
        ("level=area", {"11", "12"}),
        ("parent=1", {"11", "12"}),
        ("territory=elsewhere", set()),
    ],
)
def test_areas_filter_by_level_parent_and_territory(api, query, codes):
    results = api["planner"].get(f"/api/v1/areas/?{query}").json()["results"]
    assert {a["official_code"] for a in results} == codes


def test_population_filters_and_pages(api):
    response = api["planner"].get("/api/v1/population/?territory=apitown&area=12&year=2024&limit=2")
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None
    first = body["results"][0]
    assert (first["area_code"], first["year"], first["age"], first["count"]) == ("12", 2024, 0, 100)


def test_a_bad_query_parameter_is_a_400_naming_it(api):
    response = api["planner"].get("/api/v1/population/?year=soon")
    assert response.status_code == 400
    assert "year" in response.json()


def test_indicators_and_their_values(api):
    definitions = api["planner"].get("/api/v1/indicators/").json()["results"]
    assert [d["code"] for d in definitions] == ["poverty"]
    values = (
        api["planner"].get("/api/v1/indicator-values/?indicator=poverty&area=12&year=2023").json()
    )
    assert [(v["indicator"], v["area_code"], v["value"]) for v in values["results"]] == [
        ("poverty", "12", 30.0)
    ]


def test_facilities_carry_the_places_of_today(api):
    results = api["planner"].get("/api/v1/facilities/?search=F3").json()["results"]
    (f3,) = results
    assert f3["provider"]["official_number"] == "P2"
    assert f3["area"]["official_code"] == "12"
    assert f3["places"]["places_u3"] == 12
    assert f3["places"]["total"] == 42


def test_facilities_carry_the_places_of_a_given_day(api, town):
    facility = town.facilities[0]
    FacilityPlaces.objects.filter(facility=facility).update(valid_to=dt.date(2025, 12, 31))
    FacilityPlaces.objects.create(
        facility=facility, valid_from=dt.date(2026, 1, 1), places_u3=1, places_ue3=1
    )
    past = api["planner"].get("/api/v1/facilities/?search=F1&day=2025-06-01").json()["results"][0]
    later = api["planner"].get("/api/v1/facilities/?search=F1&day=2026-06-01").json()["results"][0]
    assert (past["places"]["day"], past["places"]["total"]) == ("2025-06-01", 30)
    assert later["places"]["total"] == 2
    detail = api["planner"].get(f"/api/v1/facilities/{facility.pk}/?day=2025-06-01").json()
    assert detail["places"]["total"] == 30


def test_facilities_of_an_area_include_those_of_the_areas_below(api):
    district = api["planner"].get("/api/v1/facilities/?territory=apitown&area=1").json()["results"]
    assert sorted(f["official_number"] for f in district) == ["F1", "F2", "F3"]
    area = api["planner"].get("/api/v1/facilities/?area=12").json()["results"]
    assert sorted(f["official_number"] for f in area) == ["F2", "F3"]


def test_an_unknown_area_or_territory_is_a_400(api):
    assert api["planner"].get("/api/v1/facilities/?area=99").status_code == 400
    assert api["planner"].get("/api/v1/facilities/?territory=nowhere").status_code == 400
    assert api["planner"].get("/api/v1/facilities/?day=yesterday").status_code == 400


def _add_rows(town, n: int) -> None:
    for i in range(n):
        Area.objects.create(
            territory=town.territory,
            level=town.areas[0].level,
            parent=town.district,
            official_code=f"9{i:02}",
            name=f"Extra {i}",
            path=f"1/9{i:02}",
            geometry=square(14.0 + i * 0.01, 52.0),
        )
    for i in range(n):
        add_facility(town.territory, f"X{i:03}", town.providers[i % 2], town.areas[i % 2])
    PopulationCount.objects.bulk_create(
        PopulationCount(area=town.areas[i % 2], year=2000 + i // 2, age=5, count=i)
        for i in range(n)
    )
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator=town.indicator, area=town.areas[i % 2], year=1990 + i // 2, value=i
        )
        for i in range(n)
    )


@pytest.mark.parametrize("role", ["planner", "manager"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/territories/",
        "/api/v1/areas/?geometry=1",
        "/api/v1/population/?territory=apitown",
        "/api/v1/indicators/",
        "/api/v1/indicator-values/?territory=apitown",
        "/api/v1/facilities/?territory=apitown&area=1",
    ],
)
def test_list_queries_do_not_grow_with_the_number_of_rows(
    api, town, role, url, django_assert_max_num_queries
):
    client = api[role]
    with CaptureQueriesContext(connection) as few_rows:
        assert client.get(url).status_code == 200
    _add_rows(town, 40)
    with django_assert_max_num_queries(len(few_rows)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(few_rows) <= 8
