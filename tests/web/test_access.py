"""Who may open which page: the access matrix, scoping of facility managers, the route inventory."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from kitaplan.web.core.access import SYSTEM, roles_of
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.models import ImportRun
from tests.web.access_matrix import (
    ALLOCATION_KEYS,
    BUDGET_KEYS,
    CHILDMINDING_KEYS,
    INCLUSION_KEYS,
    MEASURE_KEYS,
    NETWORK_KEYS,
    NOT_PAGES,
    PAGES,
    PAYMENT_KEYS,
    QUALIFICATION_KEYS,
    Page,
)
from tests.web.allocation.helpers import allocation_objects
from tests.web.budget.helpers import budget_objects
from tests.web.childminding.helpers import childminder_objects
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.inclusion.helpers import inclusion_objects
from tests.web.measures.helpers import measure_objects
from tests.web.networks.helpers import network_objects
from tests.web.payments.helpers import payment_objects
from tests.web.qualification.helpers import qualification_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def resolve(page: Page, city, user=None) -> str:
    kwargs = {}
    allocation = None
    payments = None
    qualification = None
    budget = None
    for key, value in page.kwargs.items():
        if value in INCLUSION_KEYS:
            kwargs[key] = inclusion_objects(city, user=user)[value]
        elif value in BUDGET_KEYS:
            if budget is None:
                budget = budget_objects(city, user=user)
            kwargs[key] = budget[value]
        elif value in NETWORK_KEYS:
            kwargs[key] = network_objects(city)[value]
        elif value in MEASURE_KEYS:
            kwargs[key] = measure_objects(city)[value]
        elif value in QUALIFICATION_KEYS:
            if qualification is None:
                qualification = qualification_objects(city, user=user)
            kwargs[key] = qualification[value]
        elif value in PAYMENT_KEYS:
            if payments is None:
                payments = payment_objects(city, user=user)
            kwargs[key] = payments[value]
        elif value in CHILDMINDING_KEYS:
            kwargs[key] = childminder_objects(city, user=user)[value]
        elif value in ALLOCATION_KEYS:
            if allocation is None:
                parent = user if user is not None and Role.PARENT in roles_of(user) else None
                allocation = allocation_objects(city, parent=parent)
            kwargs[key] = allocation[value]
        elif value == "own_facility":
            kwargs[key] = city.facilities[0].pk
        elif value == "area":
            kwargs[key] = city.areas[0].pk
        elif value == "import":
            run = ImportRun.objects.create(
                territory=city.territory,
                kind="population",
                mapping="kitaplan-population",
                file_name="x.csv",
                file_sha256="0" * 64,
                status="refused",
                actor_label="system",
            )
            kwargs[key] = run.pk
    return reverse(page.url_name, kwargs=kwargs) + page.query.format(district=city.districts[0].pk)


def login(client, role: Role, city):
    provider = city.providers[0] if role == Role.FACILITY_MANAGER else None
    user = make_user(f"u-{role.value}", role, provider=provider)
    client.login(username=user.username, password=PASSWORD)
    return user


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.url_name + p.query)
def test_every_page_answers_each_role_as_the_matrix_says(client, city, page, role):
    user = login(client, role, city)
    response = client.get(resolve(page, city, user))
    if role in page.allowed:
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize(
    "page", [p for p in PAGES if not p.anonymous], ids=lambda p: p.url_name + p.query
)
def test_anonymous_users_are_sent_to_the_login(client, city, page):
    response = client.get(resolve(page, city))
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))


def test_every_named_route_is_in_the_access_matrix():
    names = set()
    resolver = get_resolver()

    def collect(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                namespace = f"{pattern.namespace}:" if pattern.namespace else prefix
                collect(pattern.url_patterns, namespace)
            elif pattern.name:
                names.add(prefix + pattern.name)

    collect(resolver.url_patterns)
    covered = {p.url_name for p in PAGES} | NOT_PAGES
    api = {n for n in names if n.startswith(("api", "admin:"))}  # API and Django admin: own tests
    assert sorted(names - covered - api) == []


def test_a_facility_manager_sees_only_the_own_providers_facilities(client, city):
    login(client, Role.FACILITY_MANAGER, city)
    listing = client.get(reverse("facilities:facility-list"))
    names = {f.name for f in listing.context["page_obj"]}
    assert names == {"Kita F1", "Kita F2"}
    other = city.facilities[2]
    assert client.get(reverse("facilities:facility-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("facilities:facility-edit", args=[other.pk])).status_code == 404
    response = client.post(
        reverse("facilities:facility-edit", args=[other.pk]), {"name": "gekapert"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "Kita F3"
    export = client.get(reverse("facilities:facility-list") + "?format=csv").content.decode(
        "utf-8-sig"
    )
    assert "Kita F1" in export and "Kita F3" not in export


def test_the_system_actor_of_the_command_line_sees_everything(city):
    from kitaplan.web.core.access import facilities_visible_to

    assert facilities_visible_to(SYSTEM).count() == 3


def test_the_area_map_shows_only_the_facilities_the_user_may_see(client, city):
    login(client, Role.FACILITY_MANAGER, city)
    district_2 = city.districts[1]  # holds F3 of the other provider
    data = client.get(
        reverse("territory:area-geojson") + f"?area={district_2.pk}&facilities=1"
    ).json()
    points = [
        f["properties"]["official_code"]
        for f in data["features"]
        if f["geometry"]["type"] == "Point"
    ]
    assert points == []
    district_1 = city.districts[0]
    data = client.get(
        reverse("territory:area-geojson") + f"?area={district_1.pk}&facilities=1"
    ).json()
    points = sorted(
        f["properties"]["official_code"]
        for f in data["features"]
        if f["geometry"]["type"] == "Point"
    )
    assert points == ["F1", "F2"]
