"""Issue 17: a page shows no link that ends in 403 for the role looking at it; each link here is
shown to a role that may open it and hidden from one that may not (the same predicates as the
views)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kitaplan.web.allocation.services import publish_run, run_round
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from tests.web.allocation.helpers import TODAY, apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


def _hrefs(response) -> list[str]:
    return [
        h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', response.content.decode())
    ]


def _links_to(response, url: str) -> list[str]:
    return [h for h in _hrefs(response) if h.split("?")[0] == url]


@pytest.fixture
def city():
    return make_city()


def _login(client, role, city):
    facility = city.facilities[0] if role == Role.FACILITY_MANAGER else None
    user = make_user(f"u-{role.value}", role, facility=facility)
    client.login(username=user.username, password=PASSWORD)
    return user


@pytest.mark.parametrize("route", ["planning:accessibility", "planning:scenario-list"])
@pytest.mark.parametrize(("role", "shown"), [(Role.FACILITY_MANAGER, False), (Role.PLANNER, True)])
def test_the_planning_subnav_links_close_to_home_and_scenarios_only_for_city_staff(
    client, city, route, role, shown
):
    _login(client, role, city)
    page = client.get(reverse("planning:balance"))
    assert page.status_code == 200
    links = _links_to(page, reverse(route))
    assert bool(links) is shown
    assert client.get(reverse(route)).status_code == (200 if shown else 403)


def test_the_office_sees_change_the_application_only_while_it_may_change_it(client, city):
    _login(client, Role.ALLOCATION_OFFICE, city)
    round_ = make_round(city)
    app = apply(round_, city, "Anna", ["F1"])
    edit = reverse("allocation:application-edit", args=[app.pk])
    detail = reverse("allocation:application-detail", args=[app.pk])

    assert _links_to(client.get(detail), edit)
    assert client.get(edit).status_code == 200

    publish_run(run=run_round(round_=round_, actor=SYSTEM), actor=SYSTEM, today=TODAY)
    assert app.offers.exists()  # the office changes an application until the child had an offer
    page = client.get(detail)
    assert not _links_to(page, edit)
    assert "kann nicht mehr geändert werden" in page.content.decode()
    assert client.get(edit).status_code == 403
