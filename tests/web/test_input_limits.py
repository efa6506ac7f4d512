"""One validation for every way in: bad input gets a German answer naming the field, never a 500.

Each test reproduces one probe that failed before (most of them only on PostgreSQL, where an
``integer`` column overflows at 2^31 and a ``varchar`` refuses a longer text); they run on both
databases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from knox.models import AuthToken
from rest_framework.test import APIClient

from kitaplan.cli import main
from kitaplan.exchange.mappings import MAPPINGS, FieldKind
from kitaplan.web.api.serializers import PlacesInputSerializer
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.forms import PlacesForm
from kitaplan.web.facilities.models import MAX_PLACES, FacilityPlaces, Provider
from kitaplan.web.imports.expectations import is_translatable
from kitaplan.web.imports.limits import COLUMNS, limited_mapping
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.territory.models import PopulationCount
from tests.web.allocation.helpers import allocation_objects
from tests.web.budget.helpers import budget_objects
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
POPULATION_BULK = "/api/v1/population/bulk/?territory=testcity"


def token_client(user) -> APIClient:
    _, key = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def login(client, role: Role = Role.PLANNER, **scope):
    user = make_user(f"user-{role.value}", role, **scope)
    client.login(username=user.username, password=PASSWORD)
    return user


# --------------------------------------------------------------------------- places of a facility


def test_the_form_the_api_and_the_model_share_one_cap_on_places():
    assert MAX_PLACES == 2000
    for name in FacilityPlaces.PLACE_FIELDS:
        assert PlacesForm.base_fields[name].max_value == MAX_PLACES
        assert PlacesInputSerializer().fields[name].max_value == MAX_PLACES
    assert limited_mapping(MAPPINGS["kitaplan-facilities"]).field("places_u3").maximum == 2000


def test_a_manager_cannot_patch_places_beyond_the_cap_and_pages_stay_up(client):
    city = make_city()
    manager = make_user("kita", Role.FACILITY_MANAGER, provider=city.providers[0])
    facility = city.facilities[0]
    response = token_client(manager).patch(
        f"/api/v1/facilities/{facility.pk}/",
        {"places": {"places_u3": 2147483647}},
        format="json",
    )
    assert response.status_code == 400
    assert "places_u3" in response.json()["places"]
    assert "2000" in response.json()["places"]["places_u3"][0]
    assert FacilityPlaces.objects.get(facility=facility).places_u3 == 10
    # the cap itself is accepted and every page that sums places still answers
    ok = token_client(manager).patch(
        f"/api/v1/facilities/{facility.pk}/",
        {"places": {"places_u3": MAX_PLACES}, "places_valid_from": "2020-01-01"},
        format="json",
    )
    assert ok.status_code == 200, ok.json()
    assert ok.json()["places"]["total"] == MAX_PLACES + 20
    login(client)
    assert client.get("/facilities/").status_code == 200
    assert client.get("/facilities/map.geojson").status_code == 200
    assert client.get("/areas/").status_code == 200


def test_the_model_and_the_database_refuse_places_beyond_the_cap():
    city = make_city()
    places = FacilityPlaces.objects.get(facility=city.facilities[0])
    places.places_ue3 = MAX_PLACES + 1
    with pytest.raises(ValidationError) as error:
        places.full_clean()
    assert "places_ue3" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        FacilityPlaces.objects.filter(pk=places.pk).update(places_ue3=2147483647)


def test_the_places_form_names_the_field_beyond_the_cap():
    form = PlacesForm(
        data={
            "places_u3": "2147483647",
            "places_ue3": "1",
            "places_school": "0",
            "integration_places": "0",
            "special_needs_group_places": "0",
            "valid_from": "2026-01-01",
        }
    )
    assert not form.is_valid()
    assert "2000" in form.errors["places_u3"][0]


# --------------------------------------------------------------------------------------- imports


@pytest.mark.parametrize("count", [HUGE, "2147483648"])
def test_an_import_with_a_count_beyond_the_column_is_refused_naming_file_row_and_column(
    tmp_path, count
):
    city = make_city()
    path = write(tmp_path, "einwohner.csv", f"area_code;year;age;count\n0101;2024;0;{count}\n")
    run = import_file(territory=city.territory, kind="population", path=path, actor=SYSTEM)
    assert run.status == "refused"
    [problem] = run.problems
    assert (problem["code"], problem["row"], problem["column"]) == ("out_of_range", 2, "count")
    message = describe_problem(problem_from_dict(problem))
    assert message.startswith("einwohner.csv, Zeile 2, Spalte „count“")
    assert "2147483647" in message and "ganze Zahl" in message
    assert PopulationCount.objects.get(area=city.areas[0], year=2024, age=0).count == 10


def test_an_import_with_a_200_kb_cell_is_refused_naming_the_cell(tmp_path):
    city = make_city()
    name = "Kita " + "x" * 200_000
    path = write(
        tmp_path,
        "kitas.csv",
        f"official_number;name;lat;lon;places_u3;places_ue3\nF9;{name};52.005;13.005;10;20\n",
    )
    run = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
    assert run.status == "refused"
    [problem] = run.problems
    assert (problem["code"], problem["row"], problem["column"]) == ("too_long", 2, "name")
    assert len(problem["value"]) <= 200  # the history does not keep the 200 kB
    message = describe_problem(problem_from_dict(problem))
    assert message.startswith("kitas.csv, Zeile 2, Spalte „name“")
    assert "höchstens 255 Zeichen" in message
    assert not city.territory.facilities.filter(official_number="F9").exists()


@pytest.mark.django_db(transaction=True)
def test_the_cli_refuses_a_600_character_provider_name_without_a_traceback(tmp_path, capsys):
    make_city()
    path = write(
        tmp_path,
        "traeger.csv",
        f"official_number;name;provider_type\nP9;{'T' * 600};non_profit\n",
    )
    code = main(["import", str(path), "--territory", "testcity", "--kind", "providers"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err
    assert "traeger.csv, Zeile 2, Spalte „name“" in captured.err
    assert "höchstens 255 Zeichen" in captured.err
    assert not Provider.objects.filter(official_number="P9").exists()


def test_every_stored_text_and_integer_target_has_a_column_limit():
    for mapping in MAPPINGS.values():
        limited = limited_mapping(mapping)
        for spec in limited.fields:
            if spec.source is None:
                continue
            if spec.target in COLUMNS[mapping.kind_of_import] and spec.kind is FieldKind.TEXT:
                assert spec.max_length is not None, (mapping.name, spec.target)
            if spec.kind is FieldKind.INTEGER:
                assert spec.maximum is not None, (mapping.name, spec.target)
            assert is_translatable(spec.expected), spec.expected


# ------------------------------------------------------------------------------ query parameters


@pytest.mark.parametrize("parent", ["abc", "99999999999999999999", "-1"])
def test_the_planning_balance_answers_404_for_a_parent_that_is_no_id(client, parent):
    make_city()
    login(client)
    response = client.get("/planning/", {"parent": parent})
    assert response.status_code == 404


def test_the_planning_balance_still_drills_down_by_parent(client):
    city = make_city()
    login(client)
    response = client.get("/planning/", {"parent": city.districts[0].pk})
    assert response.status_code == 200
    assert response.context["parent"] == city.districts[0]


@pytest.mark.parametrize("run", ["abc", "99999999999999999999"])
def test_an_application_answers_404_for_a_run_that_is_no_id(client, run):
    city = make_city()
    objects = allocation_objects(city)
    login(client, Role.ALLOCATION_OFFICE)
    url = f"/allocation/application/{objects['application']}/"
    assert client.get(url, {"run": run}).status_code == 404
    assert client.get(url, {"run": objects["run"]}).status_code == 200


@pytest.mark.parametrize("run", ["99999999999999999999", "abc", "0"])
def test_the_budget_shares_treat_a_run_that_is_no_id_as_not_given(client, run):
    city = make_city()
    objects = budget_objects(city)
    login(client)
    response = client.get("/budget/shares/", {"run": run})
    assert response.status_code == 200
    shown = {row["share"].run_id for row in response.context["rows"]}
    assert shown == {objects["budget_run"]}


# ---------------------------------------------------------------------------------- bulk writes


@pytest.mark.parametrize("count", [int(HUGE), 2147483648, HUGE])
def test_bulk_population_beyond_the_column_is_400_naming_row_and_field(count):
    make_city()
    planner = make_user("planer", Role.PLANNER)
    rows = [
        {"area_code": "0101", "year": 2025, "age": 0, "count": 5},
        {"area_code": "0102", "year": 2025, "age": 0, "count": count},
    ]
    response = token_client(planner).post(POPULATION_BULK, rows, format="json")
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert (problem["row"], problem["field"], problem["code"]) == (1, "count", "out_of_range")
    assert "2147483647" in problem["expected"]
    assert not PopulationCount.objects.filter(year=2025).exists()


def test_the_largest_counts_the_columns_hold_are_summed_without_overflow(client):
    city = make_city()
    planner = make_user("planer", Role.PLANNER)
    rows = [
        {"area_code": area.official_code, "year": year, "age": age, "count": 2147483647}
        for area in city.areas
        for year in (2023, 2024)
        for age in range(7)
    ]
    response = token_client(planner).post(POPULATION_BULK, rows, format="json")
    assert response.status_code == 200, response.json()
    client.login(username="planer", password=PASSWORD)
    for url in ("/planning/", "/planning/forecast/", "/areas/"):
        assert client.get(url).status_code == 200, url
    assert token_client(planner).get("/api/v1/facilities/").status_code == 200
