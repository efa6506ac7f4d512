"""The main menu comes from the navigation registry that the apps fill in ``ready()``: every
role sees its entries in order (since issue 13 also the set-up pages, and the import page for
every role that may import a kind of data)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from kitaplan.web.core import navigation as registry
from kitaplan.web.core.context_processors import navigation
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Provider
from tests.web.factories import make_city, make_user

pytestmark = pytest.mark.django_db

STAFF_MENU = ["/", "/areas/", "/facilities/", "/planning/", "/monitoring/", "/budget/"]
STEWARD_MENU = [*STAFF_MENU[:4], "/planning/setup/targets/", *STAFF_MENU[4:]]

MENUS = {
    Role.PLANNER: [
        *STEWARD_MENU,
        "/measures/",
        "/allocation/",
        "/imports/",
        "/audit/",
        "/api/docs/",
    ],
    Role.ALLOCATION_OFFICE: [*STAFF_MENU, "/measures/", "/allocation/", "/imports/", "/api/docs/"],
    Role.FACILITY_MANAGER: [*STAFF_MENU, "/allocation/", "/api/docs/"],
    Role.CHILDMINDER_ADVISER: [
        *STAFF_MENU,
        "/measures/",
        "/allocation/",
        "/childminding/",
        "/payments/",
        "/imports/",
        "/api/docs/",
    ],
    Role.CHILDMINDER: ["/", "/childminding/", "/payments/"],
    Role.PAYMENT_OFFICE: ["/", "/childminding/", "/payments/"],
    Role.PARENT: ["/", "/allocation/my/", "/finder/"],
    Role.ADMIN: [
        *STEWARD_MENU,
        "/measures/",
        "/allocation/",
        "/childminding/",
        "/payments/",
        "/imports/",
        "/administration/territories/",
        "/audit/",
        "/api/docs/",
    ],
    None: ["/"],
}


def _menu(user, path="/areas/"):
    request = RequestFactory().get(path)
    request.user = user
    return navigation(request)["nav_items"]


@pytest.mark.parametrize("role", list(MENUS), ids=str)
def test_every_role_sees_its_menu_in_order(role):
    provider = None
    if role == Role.FACILITY_MANAGER:
        make_city()
        provider = Provider.objects.first()
    user = make_user("someone", role, provider=provider)
    assert [item.url for item in _menu(user)] == MENUS[role]


def test_the_start_page_is_active_only_on_itself_the_others_below_their_url():
    user = make_user("planer", Role.PLANNER)
    active = {item.url for item in _menu(user, "/areas/17/") if item.active}
    assert active == {"/areas/"}
    assert {item.url for item in _menu(user, "/") if item.active} == {"/"}


def test_an_entry_registered_again_under_its_url_name_replaces_the_first():
    before = registry.entries()
    first = next(e for e in before if e.url_name == "core:home")
    try:
        registry.register(registry.NavEntry("core:home", "Start", first.order, exact=True))
        assert [e.url_name for e in registry.entries()] == [e.url_name for e in before]
        assert next(e for e in registry.entries() if e.url_name == "core:home").label == "Start"
    finally:
        registry.register(first)
