"""Authentication and role scoping of the HTTP API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

READ_URLS = [
    "/api/v1/territories/",
    "/api/v1/areas/",
    "/api/v1/population/",
    "/api/v1/indicators/",
    "/api/v1/indicator-values/",
    "/api/v1/facilities/",
]


@pytest.mark.parametrize("url", READ_URLS)
def test_a_token_authenticates_and_anonymous_requests_get_401(api, url):
    assert api["planner"].get(url).status_code == 200
    response = api["anonymous"].get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_wrong_token_gets_401(town):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/areas/").status_code == 401


def test_a_logged_in_browser_session_works_too(client, users):
    client.force_login(users["office"])
    assert client.get("/api/v1/facilities/").status_code == 200


@pytest.mark.parametrize("role", ["parent", "nobody"])
@pytest.mark.parametrize("url", READ_URLS)
def test_parents_and_users_without_a_role_get_403(api, role, url):
    assert api[role].get(url).status_code == 403


@pytest.mark.parametrize("role", ["parent", "nobody", "manager", "office"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/population/bulk/?territory=apitown",
        "/api/v1/indicator-values/bulk/?territory=apitown",
    ],
)
def test_only_data_stewards_may_write_in_bulk(api, role, url):
    assert api[role].post(url, [], format="json").status_code == 403


@pytest.mark.parametrize("role", ["parent", "nobody"])
def test_parents_and_users_without_a_role_cannot_patch_facilities(api, town, role):
    facility = town.facilities[0]
    response = api[role].patch(f"/api/v1/facilities/{facility.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 403


def test_a_facility_manager_lists_only_own_facilities(api):
    response = api["manager"].get("/api/v1/facilities/")
    assert response.status_code == 200
    assert sorted(f["official_number"] for f in response.json()["results"]) == ["F1", "F2"]
    assert response.json()["count"] == 2


def test_city_staff_list_every_facility(api):
    for role in ("planner", "office"):
        numbers = [
            f["official_number"] for f in api[role].get("/api/v1/facilities/").json()["results"]
        ]
        assert sorted(numbers) == ["F1", "F2", "F3"]


def test_another_providers_facility_is_not_found_for_a_facility_manager(api, town):
    other = town.facilities[2]
    assert api["manager"].get(f"/api/v1/facilities/{other.pk}/").status_code == 404
    response = api["manager"].patch(
        f"/api/v1/facilities/{other.pk}/", {"name": "taken over"}, format="json"
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "Kita F3"


def test_the_filter_cannot_widen_a_facility_managers_scope(api):
    response = api["manager"].get("/api/v1/facilities/?territory=apitown&area=1&include_closed=1")
    assert sorted(f["official_number"] for f in response.json()["results"]) == ["F1", "F2"]


def test_staff_who_may_see_but_not_change_a_facility_get_403(api, town):
    facility = town.facilities[0]
    response = api["office"].patch(
        f"/api/v1/facilities/{facility.pk}/", {"name": "x"}, format="json"
    )
    assert response.status_code == 403
    facility.refresh_from_db()
    assert facility.name == "Kita F1"


def test_put_and_delete_are_not_offered(api, town):
    url = f"/api/v1/facilities/{town.facilities[0].pk}/"
    assert api["planner"].put(url, {"name": "x"}, format="json").status_code == 405
    assert api["planner"].delete(url).status_code == 405


def test_a_session_patch_needs_the_csrf_token(users, town):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["planner"])
    response = client.patch(
        f"/api/v1/facilities/{town.facilities[0].pk}/", {"name": "x"}, format="json"
    )
    assert response.status_code == 403
