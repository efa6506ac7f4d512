"""Who may open which page: the access matrix, scoping of facility managers, the route inventory.

The POST part: every route that accepts POST, posted by every role and anonymously; a role
that may not must be refused and no row may change.
"""

from __future__ import annotations

import inspect
import re
import types

import pytest
from django.apps import apps
from django.urls import get_resolver, reverse

from kitaplan.web.core.access import SYSTEM, roles_of
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.models import ImportRun
from tests.web.access_matrix import (
    ADMINISTRATION_KEYS,
    ALLOCATION_KEYS,
    BUDGET_KEYS,
    CHILDMINDING_KEYS,
    INCLUSION_KEYS,
    MEASURE_KEYS,
    NETWORK_KEYS,
    NOT_PAGES,
    PAGES,
    PAYMENT_KEYS,
    PLANNING_SETUP_KEYS,
    POSTS,
    QUALIFICATION_KEYS,
    Page,
    Post,
)
from tests.web.administration.helpers import administration_objects
from tests.web.allocation.helpers import allocation_objects
from tests.web.budget.helpers import budget_objects
from tests.web.childminding.helpers import childminder_objects
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.inclusion.helpers import inclusion_objects
from tests.web.measures.helpers import measure_objects
from tests.web.networks.helpers import network_objects
from tests.web.payments.helpers import payment_objects
from tests.web.planning.setup_helpers import planning_setup_objects
from tests.web.qualification.helpers import qualification_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


class Fixtures:
    """The matrix's objects for one user by key (``own_facility``, ``round`` …); each helper
    runs at most once, so a route's URL and its POST body point at the same objects."""

    def __init__(self, city, user=None):
        self.city, self.user, self.made = city, user, {}

    def _once(self, name, make):
        if name not in self.made:
            self.made[name] = make()
        return self.made[name]

    def _allocation(self):
        user = self.user
        parent = user if user is not None and Role.PARENT in roles_of(user) else None
        return self._once("allocation", lambda: allocation_objects(self.city, parent=parent))

    def __getitem__(self, value: str):
        city, user = self.city, self.user
        if value in PLANNING_SETUP_KEYS:
            return self._once("planning_setup", lambda: planning_setup_objects(city))[value]
        if value in ADMINISTRATION_KEYS:
            return self._once("administration", lambda: administration_objects(city))[value]
        if value in INCLUSION_KEYS:
            return self._once("inclusion", lambda: inclusion_objects(city, user=user))[value]
        if value in BUDGET_KEYS:
            return self._once("budget", lambda: budget_objects(city, user=user))[value]
        if value in NETWORK_KEYS:
            return self._once("network", lambda: network_objects(city))[value]
        if value in MEASURE_KEYS:
            return self._once("measure", lambda: measure_objects(city))[value]
        if value in QUALIFICATION_KEYS:
            made = self._once("qualification", lambda: qualification_objects(city, user=user))
            return made[value]
        if value in PAYMENT_KEYS:
            return self._once("payment", lambda: payment_objects(city, user=user))[value]
        if value in CHILDMINDING_KEYS:
            made = self._once("childminding", lambda: childminder_objects(city, user=user))
            return made[value]
        if value in ALLOCATION_KEYS:
            return self._allocation()[value]
        if value == "offer":
            return self._once("offer", lambda: published_offer(self._allocation()))
        if value == "cm_contract":  # a current care contract of the ``childminder``
            return self._once("cm_contract", lambda: care_contract(self["childminder"]))
        if value == "scenario":
            return self._once("scenario", lambda: scenario(city))
        if value == "other_token":
            return self._once("other_token", others_token)
        if value == "territory_code":
            return city.territory.code
        if value == "territory":
            return city.territory.pk
        if value == "advisory_service":
            return self._once("advisory_service", lambda: advisory_service(city))
        if value == "own_facility":
            return city.facilities[0].pk
        if value == "area":
            return city.areas[0].pk
        if value == "area_group":  # a Sozialraum of two areas
            return self._once("area_group", lambda: area_group(city))
        if value == "job":  # a failed job of another user
            return self._once("job", other_users_job)
        if value == "import":
            return self._once(
                "import",
                lambda: (
                    ImportRun.objects.create(
                        territory=city.territory,
                        kind="population",
                        mapping="kitaplan-population",
                        file_name="x.csv",
                        file_sha256="0" * 64,
                        status="refused",
                        actor_label="system",
                    ).pk
                ),
            )
        raise KeyError(value)


def resolve(page: Page | Post, city, user=None, fixtures: Fixtures | None = None) -> str:
    fixtures = fixtures if fixtures is not None else Fixtures(city, user)
    kwargs = {key: fixtures[value] for key, value in page.kwargs.items()}
    named = {k: fixtures[k] for k in re.findall(r"{(\w+)}", page.query) if k != "district"}
    query = page.query.format(district=city.districts[0].pk, **named)
    return reverse(page.url_name, kwargs=kwargs) + query


def area_group(city) -> int:
    from kitaplan.web.territory.models import AreaGroup

    # get_or_create: the browser tests build the fixtures once per role in the same city
    group, _ = AreaGroup.objects.get_or_create(territory=city.territory, name="Sozialraum Matrix")
    group.areas.set(city.areas[:2])
    return group.pk


def care_contract(childminder: int) -> int:
    from kitaplan.web.childminding.models import Childminder
    from tests.web.payments.helpers import make_contract

    return make_contract(Childminder.objects.get(pk=childminder), "K-MATRIX", start=_today()).pk


def _today():
    from django.utils import timezone

    return timezone.localdate()


def scenario(city) -> int:
    from kitaplan.web.planning.scenario_models import Scenario

    return Scenario.objects.create(territory=city.territory, name="Matrix").pk


def advisory_service(city) -> int:
    from kitaplan.web.childminding.models import AdvisoryService

    return AdvisoryService.objects.create(territory=city.territory, name="Fachberatung A").pk


def published_offer(allocation: dict[str, int]) -> int:
    """Send the offers of the matrix's run; the offer for the own application (else any)."""
    from kitaplan.web.allocation.models import AllocationRun, Offer
    from kitaplan.web.allocation.services import publish_run

    publish_run(run=AllocationRun.objects.get(pk=allocation["run"]), actor=SYSTEM)
    offers = Offer.objects.filter(run_id=allocation["run"])
    own = offers.filter(application_id=allocation["own_application"]).first()
    return (own or offers.first()).pk


def other_users_job() -> int:
    from kitaplan.web.jobs.models import Job

    owner = make_user("job-owner", Role.PLANNER)
    return Job.objects.create(
        kind="imports.check", actor=owner, actor_label=owner.username, status="failed"
    ).pk


def others_token() -> int:
    """The number of an API token that belongs to another planner."""
    from kitaplan.web.api.tokens import create_token

    owner = make_user("token-owner", Role.PLANNER)
    token, _key = create_token(actor=owner, label="Fremd", days=30)
    return token.kitaplan_label.pk


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
    from kitaplan.web.facilities.selectors import facilities_visible_to

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


# --- POST routes ------------------------------------------------------------------------------

#: Routes outside the POST matrix: the login and logout (own tests), the language switch and
#: the JavaScript catalogue (i18n), the Django admin; DRF views are found by their class below.
NOT_IN_POST_MATRIX = {"login", "logout", "set_language", "javascript-catalog"}
#: What a view that handles POST contains (in itself or a helper of the project it calls).
HANDLES_POST = re.compile(r"request\.(POST|FILES|method)\b|require_POST|require_http_methods")


def _routes():
    """(name, callback) of every named route, namespaces included."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                namespace = f"{pattern.namespace}:" if pattern.namespace else prefix
                yield from walk(pattern.url_patterns, namespace)
            elif pattern.name:
                yield prefix + pattern.name, pattern.callback

    yield from walk(get_resolver().url_patterns)


def _is_drf(callback) -> bool:
    from rest_framework.views import APIView

    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def _project_functions(function, seen=None):
    """The function and the project's functions it calls by name, transitively."""
    seen = seen if seen is not None else set()
    function = inspect.unwrap(function)
    if function in seen or not getattr(function, "__module__", "").startswith("kitaplan."):
        return seen
    seen.add(function)
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        for name in code.co_names:
            target = function.__globals__.get(name)
            if isinstance(target, types.FunctionType):
                _project_functions(target, seen)
            elif isinstance(target, types.ModuleType):
                for attr in code.co_names:
                    member = getattr(target, attr, None)
                    if isinstance(member, types.FunctionType):
                        _project_functions(member, seen)
    return seen


def handles_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    return any(HANDLES_POST.search(inspect.getsource(f)) for f in _project_functions(callback))


def post_capable_routes() -> set[str]:
    return {
        name
        for name, callback in _routes()
        if not name.startswith("admin:")
        and name not in NOT_IN_POST_MATRIX
        and not _is_drf(callback)
        and handles_post(callback)
    }


def row_counts() -> dict[str, int]:
    """Rows of every table but the sessions (a login writes one); audit events included."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.label != "sessions.Session"
    }


def test_every_route_that_accepts_post_is_in_the_post_matrix():
    names = {name for name, _ in _routes()}
    listed = [p.url_name for p in POSTS]
    assert len(listed) == len(set(listed))
    assert sorted(set(listed) - names) == []  # no stale rows
    assert sorted(post_capable_routes() - set(listed)) == []


def test_the_post_inventory_finds_views_that_handle_post():
    """The inventory itself: it sees a require_POST view, a method branch inside a helper of
    the project, and leaves a read-only page out."""
    callbacks = dict(_routes())
    assert handles_post(callbacks["allocation:run-publish"])  # require_POST
    assert handles_post(callbacks["measures:organisation-create"])  # in _organisation_form
    assert not handles_post(callbacks["territory:area-list"])
    assert "planning:balance" not in post_capable_routes()


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("route", POSTS, ids=lambda p: p.url_name)
def test_every_post_route_refuses_the_roles_that_may_not_post(client, city, route, role):
    user = login(client, role, city)
    fixtures = Fixtures(city, user)
    url = resolve(route, city, user, fixtures)
    data = {**route.data, **{name: fixtures[key] for name, key in route.refs.items()}}
    for key in route.given:
        fixtures[key]
    before = row_counts()
    response = client.post(url, data)
    if role in route.allowed:
        assert response.status_code < 500
        assert response.status_code not in (401, 403, 405)
    else:
        assert response.status_code in (403, 404), response.status_code
        assert row_counts() == before


@pytest.mark.parametrize("route", POSTS, ids=lambda p: p.url_name)
def test_anonymous_posts_are_sent_to_the_login_and_change_nothing(client, city, route):
    fixtures = Fixtures(city)
    url = resolve(route, city, fixtures=fixtures)
    data = {**route.data, **{name: fixtures[key] for name, key in route.refs.items()}}
    before = row_counts()
    response = client.post(url, data)
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
    assert row_counts() == before
