"""Targets with traffic lights per area, and a change that turns a light green."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.planning.models import TargetRule
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(client):
    city = make_city()
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    TargetRule.objects.create(
        territory=city.territory,
        code="1.7",
        name="Zwei inklusive Kitas je Bezirk",
        metric="facilities_with_inclusion_profile",
        level=city.districts[0].level,
        comparison="at_least",
        threshold=2,
        tolerance=1,
    )
    return client


def lights(client):
    response = client.get(reverse("planning:targets") + "?territory=testcity&year=2024")
    [item] = response.context["evaluated"]
    return {area.official_code: result.light.value for area, result in item["results"]}


def test_districts_without_inclusive_facilities_are_red(planner):
    assert lights(planner) == {"01": "red", "02": "red"}


def test_two_inclusive_facilities_turn_the_district_green_and_one_amber(planner):
    Facility.objects.filter(official_number__in=["F1", "F2"]).update(inclusion_profile=True)
    Facility.objects.filter(official_number="F3").update(inclusion_profile=True)
    assert lights(planner) == {"01": "green", "02": "amber"}


def test_the_page_words_the_lights(planner):
    content = planner.get(reverse("planning:targets") + "?territory=testcity").content.decode()
    assert "nicht erfüllt" in content


def test_demand_targets_use_the_balance(planner):
    city = planner.city
    TargetRule.objects.create(
        territory=city.territory,
        code="2.1",
        name="U3-Bedarf gedeckt",
        metric="demand_met_u3",
        level=city.areas[0].level,
        threshold=1.0,
        tolerance=0.1,
    )
    response = planner.get(reverse("planning:targets") + "?territory=testcity&year=2024")
    item = response.context["evaluated"][1]
    values = {area.official_code: round(result.value, 3) for area, result in item["results"]}
    # area 0101: 10 places under 3 for 10×0.02 + 11×0.641 + 12×0.812 = 16.995 needed
    assert values["0101"] == round(10 / 16.995, 3)
