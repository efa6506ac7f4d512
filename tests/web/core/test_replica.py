"""The read replica (core.routers): reports read from the alias ``replica``, writes never do.

The replica is a second alias on the same test database (``TEST: {"MIRROR": "default"}``), added
for one test the way ``KITAPLAN_REPLICA_URL`` adds it to the settings. The end-to-end tests
commit their data (``transaction=True``): the replica is a connection of its own and sees only
committed rows, like a real one. Each query is logged per alias (``CaptureQueriesContext``).
"""

from __future__ import annotations

import copy
import runpy
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitaplan.web.core import routers
from kitaplan.web.core.roles import Role
from kitaplan.web.core.routers import REPLICA, ReplicaRouter, replica_reads
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import Territory
from tests.web.factories import make_city, make_user


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup: None) -> Iterator[str]:
    """The alias ``replica``: the default database's test settings, marked as its mirror.

    Module-scoped so that it exists before pytest-django checks a test's ``databases``."""
    primary = connections["default"].settings_dict
    connections.settings[REPLICA] = {
        **copy.deepcopy(primary),
        "TEST": {**primary.get("TEST", {}), "MIRROR": "default"},
    }
    try:
        yield REPLICA
    finally:
        opened = getattr(connections._connections, REPLICA, None)
        if opened is not None:
            opened.close()
            del connections[REPLICA]
        del connections.settings[REPLICA]


def _tables(queries: CaptureQueriesContext, verb: str) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(verb)
    ]


# --- the settings --------------------------------------------------------------------------------


def _settings() -> dict[str, Any]:
    """settings.py run afresh with the current environment (Django's settings stay as they are)."""
    import kitaplan.web.settings as module

    return runpy.run_path(module.__file__)


def test_the_replica_url_adds_a_mirrored_alias(monkeypatch):
    monkeypatch.delenv("KITAPLAN_REPLICA_URL", raising=False)
    assert "replica" not in _settings()["DATABASES"]
    monkeypatch.setenv("KITAPLAN_REPLICA_URL", "postgres://reader@replica.example:5433/kitaplan")
    values = _settings()
    replica_settings = values["DATABASES"]["replica"]
    assert replica_settings["ENGINE"] == "django.db.backends.postgresql"
    assert (replica_settings["HOST"], replica_settings["PORT"]) == ("replica.example", 5433)
    assert replica_settings["TEST"] == {"MIRROR": "default"}
    assert values["DATABASE_ROUTERS"] == ["kitaplan.web.core.routers.ReplicaRouter"]
    assert "kitaplan.web.core.routers.ReplicaReadsMiddleware" in values["MIDDLEWARE"]


# --- the router's decisions -----------------------------------------------------------------------


def test_without_a_replica_the_router_has_no_opinion(monkeypatch):
    monkeypatch.delitem(connections.settings, REPLICA)
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Facility) is None
        assert router.db_for_write(Facility) is None
    assert router.allow_migrate("default", "facilities") is None


def test_reads_go_to_the_replica_only_inside_replica_reads(replica):
    router = ReplicaRouter()
    assert router.db_for_read(Facility) is None  # a page that is not a report
    with replica_reads():
        assert router.db_for_read(Facility) == REPLICA
        assert Facility.objects.all().db == REPLICA
        assert router.db_for_write(Facility) == "default"
    assert Facility.objects.all().db == "default"


def test_logins_tokens_roles_and_the_cache_stay_on_the_default_database(replica):
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session
    from knox.models import AuthToken

    from kitaplan.web.core.models import DerivedVersion, RoleAssignment

    router = ReplicaRouter()
    with replica_reads():
        for model in (User, Session, AuthToken, RoleAssignment):
            assert router.db_for_read(model) == "default", model
        # the derived-data version follows the data it versions
        assert router.db_for_read(DerivedVersion) == REPLICA


def test_migrations_run_only_on_the_default_database(replica):
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "facilities") is False
    assert router.allow_migrate("default", "facilities") is None


def test_objects_of_both_aliases_may_be_related(replica):
    router = ReplicaRouter()
    territory, facility = Territory(code="x"), Facility()
    territory._state.db, facility._state.db = REPLICA, "default"
    assert router.allow_relation(territory, facility) is True


# --- end to end: queries logged per alias ---------------------------------------------------------


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_an_export_reads_from_the_replica_and_its_page_does_not(replica, client):
    city = make_city()
    client.force_login(make_user("planner", Role.PLANNER))
    url = reverse("facilities:facility-list")
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    assert city.facilities[0].name in response.content.decode()
    facility_list = 'FROM "facilities_facility"'
    assert any(facility_list in sql for sql in _tables(on_replica, "SELECT"))
    assert not any(facility_list in sql for sql in _tables(on_default, "SELECT"))
    # the session and the user's roles came from the default database
    assert any("django_session" in sql for sql in _tables(on_default, "SELECT"))
    assert not any("django_session" in sql for sql in _tables(on_replica, "SELECT"))

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(url).status_code == 200  # the page itself is no report
    assert on_replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_read_api_reads_from_the_replica(replica):
    from rest_framework.test import APIClient

    make_city()
    api = APIClient()
    api.force_authenticate(make_user("planner", Role.PLANNER))
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = api.get("/api/v1/territories/")
    assert response.status_code == 200
    assert [t["code"] for t in response.json()["results"]] == ["testcity"]
    assert any("territory_territory" in sql for sql in _tables(on_replica, "SELECT"))


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_writes_and_reads_in_a_transaction_go_to_the_default_database(replica):
    with (
        replica_reads(),
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        territory = Territory.objects.create(code="written", name="Written")
        with transaction.atomic():
            assert Territory.objects.get(pk=territory.pk).code == "written"
        Territory.objects.filter(pk=territory.pk).update(name="Changed")
        assert Territory.objects.get(pk=territory.pk).name == "Changed"  # outside: the replica
    assert _tables(on_default, "INSERT") and _tables(on_default, "UPDATE")
    assert len(_tables(on_default, "SELECT")) == 1  # the read inside the transaction
    assert _tables(on_replica, "INSERT") == _tables(on_replica, "UPDATE") == []
    assert len(_tables(on_replica, "SELECT")) == 1


def test_every_named_report_view_exists():
    from django.urls import get_resolver

    def names(resolver, prefix: str = "") -> set[str]:
        found: set[str] = set()
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                found |= names(pattern, space)
            elif pattern.name:
                found.add(f"{prefix}{pattern.name}")
        return found

    assert routers.REPORT_VIEWS - names(get_resolver()) == set()


def test_only_a_get_of_a_report_turns_the_replica_on(rf):
    def view(request):  # type: ignore[no-untyped-def]
        return None

    assert routers._wants_replica(rf.get("/facilities/", {"format": "xlsx"}), view)
    assert not routers._wants_replica(rf.post("/facilities/?format=xlsx"), view)
    assert not routers._wants_replica(rf.get("/facilities/", {"format": "html"}), view)
    assert routers._wants_replica(rf.get("/anything/"), routers.reads_replica(view))
    assert not routers._wants_replica(rf.post("/anything/"), view)


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_health_check_reaches_the_replica(replica):
    from kitaplan.web.core.health import register_check, run_checks, unregister_check

    register_check("replica", routers.replica_reachable)
    try:
        assert run_checks()["replica"] is True
    finally:
        unregister_check("replica")
