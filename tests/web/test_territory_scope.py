"""Territory scope (issue 13, part 1): a user whose roles name a territory works only there.

Two territories: ``berlin`` holds every object of the access matrix, ``dresden`` a small city.
A Dresden-scoped user gets 404 (never 403: another territory's objects are not told to exist)
on every page about a Berlin object, and lists and choosers show only Dresden; a Berlin-scoped
user of the same role opens the same page (so the 404 is the scope's); unscoped roles keep
seeing both; the API likewise.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from kitaplan.web.core.access import SYSTEM, territory_ids_of
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.scope import ROUTES, UNSCOPED
from kitaplan.web.territory.models import PopulationCount, Territory
from tests.web.access_matrix import PAGES, POSTS, Page
from tests.web.factories import PASSWORD, make_city
from tests.web.test_access import Fixtures, resolve, row_counts

pytestmark = pytest.mark.django_db

#: The role a page is opened with: the first the matrix allows (the administrator holds for
#: every territory; a facility manager is scoped by the provider, tested below; parents and
#: childminders see their own records wherever they are).
SCOPED_ROLES = (
    Role.PLANNER,
    Role.ALLOCATION_OFFICE,
    Role.CHILDMINDER_ADVISER,
    Role.PAYMENT_OFFICE,
)


def _role_for(page) -> Role | None:
    return next((role for role in SCOPED_ROLES if role in page.allowed), None)


def _object_pages(pages) -> list:
    return [p for p in pages if p.kwargs and p.url_name in ROUTES and _role_for(p) is not None]


@pytest.fixture
def berlin():
    return make_city("berlin")


@pytest.fixture
def dresden():
    return make_city("dresden")


def scoped_user(username: str, role: Role, territory: Territory | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=role.value, territory=territory)
    return user


def _login(client, user: User) -> None:
    assert client.login(username=user.username, password=PASSWORD)


# --- who holds which territories ----------------------------------------------------------


def test_the_territories_of_a_user_come_from_the_role_assignments(berlin, dresden):
    planner = scoped_user("p", Role.PLANNER, dresden.territory)
    assert territory_ids_of(planner) == {dresden.territory.pk}
    RoleAssignment.objects.create(
        user=planner, role=Role.ALLOCATION_OFFICE.value, territory=berlin.territory
    )
    planner = User.objects.get(pk=planner.pk)  # the cache lives on the user object
    assert territory_ids_of(planner) == {dresden.territory.pk, berlin.territory.pk}
    assert territory_ids_of(scoped_user("c", Role.PLANNER, None)) is None  # city-wide
    # an administrator holds for every territory, even with one named
    assert territory_ids_of(scoped_user("a", Role.ADMIN, dresden.territory)) is None
    manager = User.objects.create_user(username="fm", password=PASSWORD)
    RoleAssignment.objects.create(
        user=manager, role=Role.FACILITY_MANAGER.value, provider=berlin.providers[0]
    )
    assert territory_ids_of(manager) == {berlin.territory.pk}  # the provider's territory
    assert territory_ids_of(User.objects.create_user(username="none")) == frozenset()
    parent = scoped_user("parent", Role.PARENT, None)
    assert territory_ids_of(parent) is None  # own records, wherever they are
    RoleAssignment.objects.create(user=parent, role=Role.PLANNER.value, territory=dresden.territory)
    parent = User.objects.get(pk=parent.pk)
    assert territory_ids_of(parent) == {dresden.territory.pk}  # a personal role widens nothing
    assert territory_ids_of(SYSTEM) is None


# --- every page about an object -----------------------------------------------------------


@pytest.mark.parametrize("page", _object_pages(PAGES), ids=lambda p: p.url_name + p.query)
def test_a_page_about_another_territorys_object_answers_404(client, berlin, dresden, page: Page):
    role = _role_for(page)
    assert role is not None
    user = scoped_user("dresden-user", role, dresden.territory)
    url = resolve(page, berlin, user, Fixtures(berlin, user))
    _login(client, user)
    assert client.get(url).status_code == 404
    # the same user with the role in Berlin opens it: the 404 is the scope's
    RoleAssignment.objects.filter(user=user).update(territory=berlin.territory)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "route", [p for p in POSTS if p.kwargs and p.url_name in ROUTES], ids=lambda p: p.url_name
)
def test_a_post_about_another_territorys_object_answers_404_and_changes_nothing(
    client, berlin, dresden, route
):
    role = next((r for r in SCOPED_ROLES if r in route.allowed), Role.PLANNER)
    user = scoped_user("dresden-user", role, dresden.territory)
    fixtures = Fixtures(berlin, user)
    url = resolve(route, berlin, user, fixtures)
    data = {**route.data, **{name: fixtures[key] for name, key in route.refs.items()}}
    for key in route.given:
        fixtures[key]
    _login(client, user)
    before = row_counts()
    assert client.post(url, data).status_code == 404
    assert row_counts() == before


def test_every_route_with_a_url_parameter_is_scoped_or_named_unscoped():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                namespace = f"{pattern.namespace}:" if pattern.namespace else prefix
                yield from walk(pattern.url_patterns, namespace)
            elif pattern.name:
                yield prefix + pattern.name, pattern.pattern.regex.groupindex

    routes = dict(walk(get_resolver().url_patterns))
    with_parameters = {
        name for name, groups in routes.items() if groups and not name.startswith("admin:")
    }
    assert sorted(with_parameters - set(ROUTES) - UNSCOPED) == []
    assert sorted((set(ROUTES) | UNSCOPED) - set(routes)) == []  # no stale rows
    for name, parameters in ROUTES.items():  # every URL parameter of a route is checked
        url_parameters = {p for p in parameters if not p.startswith("?")}
        assert url_parameters == set(routes[name]) - {"format"}, name


# --- lists and choosers -------------------------------------------------------------------


def test_lists_and_the_territory_chooser_show_only_the_users_territory(client, berlin, dresden):
    _login(client, scoped_user("dresden-planner", Role.PLANNER, dresden.territory))
    listing = client.get(reverse("facilities:facility-list"))
    assert {f.territory_id for f in listing.context["page_obj"]} == {dresden.territory.pk}
    balance = client.get(reverse("planning:balance"))
    assert balance.status_code == 200
    assert balance.context["territory"] == dresden.territory  # the default is the own one
    for name in ("territory:area-group-list", "planning:balance", "imports:import-new"):
        chooser = client.get(reverse(name)).content.decode()  # an include, forms' fields
        assert ">Dresden</option>" in chooser, name
        assert ">Berlin</option>" not in chooser, name  # the chooser offers no other
    assert client.get(reverse("planning:balance") + "?territory=berlin").status_code == 404
    areas = client.get(reverse("territory:area-list") + "?territory=berlin")
    assert areas.status_code == 404
    home = client.get(reverse("core:home"))
    assert [row["territory"] for row in home.context["territories"]] == [dresden.territory]
    export = client.get(reverse("facilities:facility-list") + "?format=csv")
    assert export.content.decode("utf-8-sig").count("Kita F1") == 1


def test_an_allocation_office_user_of_dresden_sees_no_berlin_round(client, berlin, dresden):
    from tests.web.allocation.helpers import allocation_objects

    user = scoped_user("dresden-office", Role.ALLOCATION_OFFICE, dresden.territory)
    made = allocation_objects(berlin)
    _login(client, user)
    rounds = client.get(reverse("allocation:round-list"))
    assert rounds.status_code == 200
    assert "round" not in rounds.context or not list(rounds.context.get("rounds", []))
    for name, pk in (
        ("allocation:round-detail", made["round"]),
        ("allocation:application-list", made["round"]),
        ("allocation:run-detail", made["run"]),
        ("allocation:application-detail", made["application"]),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name


def test_unscoped_roles_keep_seeing_every_territory(client, berlin, dresden):
    _login(client, scoped_user("city-planner", Role.PLANNER, None))
    listing = client.get(reverse("facilities:facility-list"))
    assert {f.territory_id for f in listing.context["page_obj"]} == {
        berlin.territory.pk,
        dresden.territory.pk,
    }
    assert client.get(reverse("planning:balance") + "?territory=berlin").status_code == 200
    assert client.get(reverse("planning:balance") + "?territory=dresden").status_code == 200
    area = berlin.areas[0]
    assert client.get(reverse("territory:area-detail", args=[area.pk])).status_code == 200
    _login(client, scoped_user("admin", Role.ADMIN, None))
    assert client.get(reverse("territory:area-detail", args=[area.pk])).status_code == 200


def test_a_facility_manager_is_scoped_by_the_providers_territory(client, berlin, dresden):
    manager = User.objects.create_user(username="fm", password=PASSWORD)
    RoleAssignment.objects.create(
        user=manager, role=Role.FACILITY_MANAGER.value, provider=dresden.providers[0]
    )
    _login(client, manager)
    assert client.get(reverse("planning:balance") + "?territory=berlin").status_code == 404
    own = dresden.facilities[0]
    assert client.get(reverse("facilities:facility-detail", args=[own.pk])).status_code == 200


def test_a_form_posting_another_territory_answers_404(client, berlin, dresden):
    _login(client, scoped_user("dresden-planner", Role.PLANNER, dresden.territory))
    before = row_counts()
    response = client.post(
        reverse("territory:area-group-new"),
        {"territory": berlin.territory.code, "name": "Fremd", "areas": [berlin.areas[0].pk]},
    )
    assert response.status_code == 404
    assert row_counts() == before


# --- the API ------------------------------------------------------------------------------


def _api(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)  # as a token does: the session middleware sees nobody
    return api


def test_the_api_keeps_to_the_users_territory(berlin, dresden):
    api = _api(scoped_user("dresden-planner", Role.PLANNER, dresden.territory))
    territories = api.get("/api/v1/territories/").json()["results"]
    assert [t["code"] for t in territories] == ["dresden"]
    areas = api.get("/api/v1/areas/").json()
    assert {a["territory"] for a in areas["results"]} == {"dresden"}
    for path in ("areas", "population", "indicator-values", "facilities"):  # as if unknown
        assert api.get(f"/api/v1/{path}/?territory=berlin").status_code == 404, path
    assert api.get("/api/v1/areas/?territory=dresden").status_code == 200
    assert api.get(f"/api/v1/areas/{berlin.areas[0].pk}/").status_code == 404
    assert api.get(f"/api/v1/areas/{dresden.areas[0].pk}/").status_code == 200
    facilities = api.get("/api/v1/facilities/").json()["results"]
    assert {f["territory"] for f in facilities} == {"dresden"}
    assert api.get(f"/api/v1/facilities/{berlin.facilities[0].pk}/").status_code == 404
    population = api.get("/api/v1/population/").json()["results"]
    assert {row["area"] for row in population} <= {a.pk for a in dresden.areas}
    assert api.get("/api/v1/population/").json()["count"] == 4 * 7  # Dresden's only
    before = PopulationCount.objects.count()
    refused = api.post(
        "/api/v1/population/bulk/?territory=berlin",
        [{"area_code": "0101", "year": 2030, "age": 0, "count": 1}],
        format="json",
    )
    assert refused.status_code == 404
    assert PopulationCount.objects.count() == before


def test_the_api_shows_an_unscoped_planner_every_territory(berlin, dresden):
    api = _api(scoped_user("city-planner", Role.PLANNER, None))
    territories = api.get("/api/v1/territories/").json()["results"]
    assert sorted(t["code"] for t in territories) == ["berlin", "dresden"]
    assert api.get(f"/api/v1/facilities/{berlin.facilities[0].pk}/").status_code == 200
    assert Facility.objects.count() == 6


def test_changing_a_users_territory_is_audited_and_takes_effect(berlin, dresden):
    from kitaplan.web.administration import services
    from kitaplan.web.audit.models import AuditEvent
    from kitaplan.web.audit.services import AuditAction

    user = User.objects.create_user(username="moving", password=PASSWORD)
    services.assign_role(actor=SYSTEM, user=user, role=Role.PLANNER, territory=berlin.territory)
    services.assign_role(actor=SYSTEM, user=user, role=Role.PLANNER, territory=dresden.territory)
    old = RoleAssignment.objects.get(user=user, territory=berlin.territory)
    services.remove_role(actor=SYSTEM, assignment=old)
    events = AuditEvent.objects.filter(action=AuditAction.USER_ROLE_ASSIGNED.value).order_by("pk")
    assert [(e.details["operation"], e.details["territory"]) for e in events] == [
        ("added", "berlin"),
        ("added", "dresden"),
        ("removed", "berlin"),
    ]
    assert territory_ids_of(User.objects.get(pk=user.pk)) == {dresden.territory.pk}


def test_a_forms_territory_chooser_outside_a_request_offers_every_territory(berlin, dresden):
    from kitaplan.web.core.access import acting_for
    from kitaplan.web.territory.forms import AreaFilterForm

    def offered() -> list[str]:
        return [t.code for t in AreaFilterForm().fields["territory"].queryset]

    assert offered() == ["berlin", "dresden"]  # a job, the command line
    with acting_for(scoped_user("dresden-planner", Role.PLANNER, dresden.territory)):
        assert offered() == ["dresden"]


def test_the_import_list_shows_only_the_users_territory(client, berlin, dresden):
    from kitaplan.web.imports.models import ImportRun

    for territory in (berlin.territory, dresden.territory):
        ImportRun.objects.create(
            territory=territory,
            kind="population",
            mapping="kitaplan-population",
            file_name=f"{territory.code}.csv",
            file_sha256="0" * 64,
            status="refused",
            actor_label="system",
        )
    _login(client, scoped_user("dresden-planner", Role.PLANNER, dresden.territory))
    listing = client.get(reverse("imports:import-list")).content.decode()
    assert "dresden.csv" in listing and "berlin.csv" not in listing
