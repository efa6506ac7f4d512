"""Writes: PATCH of a facility through the service, bulk upserts of population and indicators."""

from __future__ import annotations

import datetime as dt

import pytest

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.facilities.models import FacilityPlaces
from kitaplan.web.territory.models import IndicatorValue, PopulationCount

pytestmark = pytest.mark.django_db

POPULATION = "/api/v1/population/bulk/?territory=apitown"
INDICATORS = "/api/v1/indicator-values/bulk/?territory=apitown"


def test_the_owner_changes_places_from_a_day_on_and_it_is_audited(api, town):
    facility = town.facilities[0]
    response = api["manager"].patch(
        f"/api/v1/facilities/{facility.pk}/",
        {"places": {"places_u3": 14}, "places_valid_from": "2026-01-01", "lift": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["lift"] is True
    history = list(FacilityPlaces.objects.filter(facility=facility).order_by("valid_from"))
    assert [(p.valid_from, p.valid_to, p.places_u3, p.places_ue3) for p in history] == [
        (dt.date(2020, 1, 1), dt.date(2025, 12, 31), 10, 20),
        (dt.date(2026, 1, 1), None, 14, 20),  # places not named keep their value
    ]
    events = AuditEvent.objects.filter(
        target_type="facilities.facility", target_id=str(facility.pk)
    )
    assert {e.action for e in events} == {
        AuditAction.FACILITY_UPDATED.value,
        AuditAction.FACILITY_PLACES_CHANGED.value,
    }
    assert all(e.actor.username == "manager" for e in events)
    on_day = api["manager"].get(f"/api/v1/facilities/{facility.pk}/?day=2026-02-01").json()
    assert on_day["places"]["places_u3"] == 14


def test_a_planner_may_patch_any_facility(api, town):
    facility = town.facilities[2]
    response = api["planner"].patch(
        f"/api/v1/facilities/{facility.pk}/", {"name": "Kita Drei"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Kita Drei"


@pytest.mark.parametrize(
    "payload",
    [
        {"official_number": "F9"},  # not editable
        {"lat": 1.0},  # not editable
        {"places": {"places_u3": -1}},
        {"places": {"toddler_places": 3}},
        {"places_valid_from": "2026-01-01"},  # without places
        {
            "places": {"places_u3": 1},
            "places_valid_from": "2019-01-01",
        },  # before the current record
        {"opening_time": "18:00", "closing_time": "07:00"},
    ],
)
def test_invalid_patches_are_400_and_change_nothing(api, town, payload):
    facility = town.facilities[0]
    response = api["manager"].patch(f"/api/v1/facilities/{facility.pk}/", payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) & (set(payload) | {"closing_time"})
    assert FacilityPlaces.objects.filter(facility=facility).count() == 1
    assert not AuditEvent.objects.exists()


def _population(count: int = 7) -> list[dict[str, object]]:
    return [{"area_code": "11", "year": 2025, "age": age, "count": count} for age in range(3)] + [
        {"area_code": "12", "year": 2024, "age": 0, "count": 100, "source": "Statistik"}
    ]


def _api_writes():
    return AuditEvent.objects.filter(action=AuditAction.API_WRITE.value)


def test_bulk_population_adds_then_reports_unchanged(api):
    first = api["planner"].post(POPULATION, _population(), format="json")
    assert first.status_code == 200, first.json()
    assert {k: first.json()[k] for k in ("rows", "added", "changed", "unchanged")} == {
        "rows": 4,
        "added": 3,
        "changed": 1,
        "unchanged": 0,
    }  # the source of 12/2024/0 changed
    assert PopulationCount.objects.filter(year=2025).count() == 3
    again = api["planner"].post(POPULATION, _population(), format="json")
    assert {k: again.json()[k] for k in ("added", "changed", "unchanged")} == {
        "added": 0,
        "changed": 0,
        "unchanged": 4,
    }
    events = list(_api_writes().order_by("pk"))
    assert len(events) == 2  # one per request
    assert events[0].details["added"] == 3 and events[1].details["unchanged"] == 4
    assert events[0].actor.username == "planner"
    assert events[0].pk == first.json()["audit_event"]


def test_bulk_population_updates_changed_counts_and_deletes_nothing(api):
    api["admin"].post(POPULATION, _population(7), format="json")
    rows = [{"area_code": "11", "year": 2025, "age": 0, "count": "8"}]
    response = api["admin"].post(POPULATION, rows, format="json")
    assert {k: response.json()[k] for k in ("added", "changed", "unchanged")} == {
        "added": 0,
        "changed": 1,
        "unchanged": 0,
    }
    assert PopulationCount.objects.get(area__official_code="11", year=2025, age=0).count == 8
    assert PopulationCount.objects.filter(year=2025).count() == 3
    assert _api_writes().order_by("-pk").first().details["changes"] == [
        {"key": "11:2025:0", "fields": {"count": [7, 8]}}
    ]


def test_a_bad_row_refuses_the_whole_request_naming_row_and_field(api):
    rows = _population()
    rows[1]["count"] = -3
    rows[2]["area_code"] = "1"  # a district: population belongs to the finest level
    rows.append({"area_code": "77", "year": 2025, "age": 4, "count": 1})
    response = api["planner"].post(POPULATION, rows, format="json")
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [(p["row"], p["field"], p["code"]) for p in problems] == [
        (1, "count", "negative_number"),
        (2, "area_code", "unknown_area"),
        (4, "area_code", "unknown_area"),
    ]
    assert problems[0]["value"] == "-3"
    assert problems[0]["expected"]
    assert problems[0]["message"]
    assert not PopulationCount.objects.filter(year=2025).exists()
    assert PopulationCount.objects.get(area__official_code="12", year=2024, age=0).source == ""
    assert not _api_writes().exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"area_code": "11"}, [(None, "", "not_a_list")]),
        ([], [(None, "", "no_rows")]),
        ([7], [(0, "", "not_an_object")]),
        (
            [{"area_code": "11", "year": 2025, "age": 0, "count": 1, "cnt": 2}],
            [(0, "cnt", "unknown_field")],
        ),
        ([{"area_code": "11", "year": 2025, "age": 0, "count": [1]}], [(0, "count", "wrong_type")]),
        ([{"area_code": "11", "year": 2025, "age": 0}], [(0, "count", "missing_value")]),
        ([{"area_code": "11", "year": 2025, "age": 18, "count": 1}], [(0, "age", "out_of_range")]),
        (
            [{"area_code": "11", "year": 2025, "age": 0, "count": 1.5}],
            [(0, "count", "not_an_integer")],
        ),
        (
            [{"area_code": "11", "year": 2025, "age": 0, "count": 1, "method": "guessed"}],
            [(0, "method", "unknown_choice")],
        ),
        (
            [{"area_code": "11", "year": 2025, "age": 0, "count": 1}] * 2,
            [(1, "area_code, year, age", "duplicate_key")],
        ),
    ],
)
def test_malformed_bodies_are_refused_with_their_problems(api, body, expected):
    response = api["planner"].post(POPULATION, body, format="json")
    assert response.status_code == 400
    assert [(p["row"], p["field"], p["code"]) for p in response.json()["problems"]] == expected
    assert not PopulationCount.objects.filter(year=2025).exists()


def test_a_bulk_write_needs_a_known_territory(api):
    response = api["planner"].post("/api/v1/population/bulk/", _population(), format="json")
    assert response.status_code == 400
    assert "territory" in response.json()
    response = api["planner"].post(
        "/api/v1/population/bulk/?territory=nowhere", _population(), format="json"
    )
    assert response.status_code == 400


def test_bulk_indicator_values_upsert(api, town):
    rows = [
        {"indicator_code": "poverty", "area_code": "11", "year": 2023, "value": 12.5},
        {"indicator_code": "poverty", "area_code": "12", "year": 2023, "value": "31,5"},
        {"indicator_code": "poverty", "area_code": "1", "year": 2023, "value": 20},
    ]
    response = api["planner"].post(INDICATORS, rows, format="json")
    assert response.status_code == 200, response.json()
    assert {k: response.json()[k] for k in ("added", "changed", "unchanged")} == {
        "added": 1,
        "changed": 1,
        "unchanged": 1,
    }
    assert IndicatorValue.objects.get(area=town.areas[1], year=2023).value == 31.5
    again = api["planner"].post(INDICATORS, rows, format="json")
    assert again.json()["unchanged"] == 3


def test_bulk_indicator_values_name_unknown_indicators_and_areas(api):
    rows = [
        {"indicator_code": "unemployment", "area_code": "11", "year": 2023, "value": 1},
        {"indicator_code": "poverty", "area_code": "99", "year": 2023, "value": "n/a"},
        {"indicator_code": "poverty", "area_code": "99", "year": 2022, "value": 2},
    ]
    response = api["planner"].post(INDICATORS, rows, format="json")
    assert response.status_code == 400
    assert [(p["row"], p["field"], p["code"]) for p in response.json()["problems"]] == [
        (0, "indicator_code", "unknown_indicator"),
        (1, "value", "not_a_number"),
        (2, "area_code", "unknown_area"),
    ]
    assert IndicatorValue.objects.count() == 2
