"""Every HTML page of the access matrix, for every role allowed to see it, has zero axe-core
violations (WCAG 2.1 A/AA and best practices), one h1 and a language."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from kitaplan.web.core.roles import Role
from kitaplan.web.imports.models import ImportRun
from tests.web.access_matrix import PAGES, Page
from tests.web.allocation.helpers import allocation_objects
from tests.web.budget.helpers import budget_objects
from tests.web.childminding.helpers import childminder_objects
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.inclusion.helpers import inclusion_objects
from tests.web.measures.helpers import measure_objects
from tests.web.networks.helpers import network_objects
from tests.web.payments.helpers import payment_objects
from tests.web.qualification.helpers import qualification_objects
from tests.web.test_access import Fixtures

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}
#: The roles whose views differ (city-wide staff, scoped Kita manager, data steward).
CHECKED_ROLES = (
    Role.PLANNER,
    Role.FACILITY_MANAGER,
    Role.ALLOCATION_OFFICE,
    Role.PARENT,
    Role.CHILDMINDER,
)


def url_for(
    page: Page,
    city,
    run: ImportRun,
    allocation: dict[str, int] | None = None,
    fixtures: Fixtures | None = None,
) -> str:
    """The page's URL; keys the objects here do not name come from the access test's fixtures
    (the set-up pages, Sozialräume, …)."""
    known = {
        "own_facility": city.facilities[0].pk,
        "area": city.districts[0].pk,
        "import": run.pk,
        **(allocation or {}),
    }
    fixtures = fixtures if fixtures is not None else Fixtures(city)

    def value_of(name: str) -> object:
        return known[name] if name in known else fixtures[name]

    kwargs = {key: value_of(value) for key, value in page.kwargs.items()}
    named = {k: value_of(k) for k in re.findall(r"{(\w+)}", page.query) if k != "district"}
    query = page.query.format(district=city.districts[0].pk, **named)
    return reverse(page.url_name, kwargs=kwargs) + query


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def assert_accessible(page, where: str) -> None:
    results = AXE.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"
    assert page.locator("h1").count() == 1, f"{where}: expected exactly one h1"
    assert page.locator("html").get_attribute("lang") in ("de", "en"), where


def test_every_page_is_accessible_for_every_role(live_server, page):
    city = make_city()
    run = ImportRun.objects.create(
        territory=city.territory,
        kind="population",
        mapping="kitaplan-population",
        file_name="e.csv",
        file_sha256="0" * 64,
        status="refused",
        actor_label="system",
        problems=[
            {
                "code": "not_a_number",
                "file": "e.csv",
                "row": 3,
                "column": "count",
                "value": "abc",
                "expected": "a whole number ≥ 0",
            }
        ],
    )
    checked = 0
    for page_spec in [p for p in PAGES if p.anonymous and p.html]:
        page.goto(live_server.url + url_for(page_spec, city, run))
        assert_accessible(page, f"{page_spec.url_name} (anonymous)")
        checked += 1
    for role in CHECKED_ROLES:
        provider = city.providers[0] if role == Role.FACILITY_MANAGER else None
        user = make_user(f"b-{role.value}", role, provider=provider)
        allocation = allocation_objects(city, parent=user if role == Role.PARENT else None)
        allocation.update(payment_objects(city, user=user))
        allocation.update(childminder_objects(city, user=user))
        allocation.update(qualification_objects(city, user=user))
        allocation.update(measure_objects(city))
        allocation.update(network_objects(city))
        allocation.update(inclusion_objects(city, user=user))
        allocation.update(budget_objects(city, user=user))
        fixtures = Fixtures(city, user)
        page.context.clear_cookies()
        log_in(page, live_server, f"b-{role.value}")
        for page_spec in PAGES:
            if not page_spec.html or page_spec.anonymous or role not in page_spec.allowed:
                continue
            page.goto(live_server.url + url_for(page_spec, city, run, allocation, fixtures))
            page.wait_for_load_state("networkidle")
            assert_accessible(page, f"{page_spec.url_name}{page_spec.query} as {role.value}")
            checked += 1
    assert checked >= 20


def test_the_childminding_pages_are_accessible_for_advisers_and_the_payment_office(
    live_server, page
):
    """The Kindertagespflege pages (registry, substitutes, payments) with their forms, for the
    roles that only appear there; the city-wide pages are checked above."""
    city = make_city()
    run = ImportRun.objects.create(
        territory=city.territory,
        kind="population",
        mapping="kitaplan-population",
        file_name="e.csv",
        file_sha256="0" * 64,
        status="refused",
        actor_label="system",
    )
    prefixes = ("childminding:", "reports:", "substitutes:", "payments:", "qualification:")
    checked = 0
    for role in (Role.CHILDMINDER_ADVISER, Role.PAYMENT_OFFICE):
        user = make_user(f"c-{role.value}", role)
        objects = allocation_objects(city)
        objects.update(payment_objects(city, user=user))
        objects.update(childminder_objects(city, user=user))
        objects.update(qualification_objects(city, user=user))
        fixtures = Fixtures(city, user)
        page.context.clear_cookies()
        log_in(page, live_server, f"c-{role.value}")
        for page_spec in PAGES:
            if (
                not page_spec.html
                or role not in page_spec.allowed
                or not page_spec.url_name.startswith(prefixes)
            ):
                continue
            page.goto(live_server.url + url_for(page_spec, city, run, objects, fixtures))
            page.wait_for_load_state("networkidle")
            assert_accessible(page, f"{page_spec.url_name}{page_spec.query} as {role.value}")
            checked += 1
    assert checked >= 15
