"""The forecast on the page and in the balance of a future year."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core import derived
from kitaplan.web.core.roles import Role
from kitaplan.web.planning.forecasting import history_run
from kitaplan.web.territory.models import PopulationCount
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(client):
    city = make_city()  # population 2024: 10 + age children of each age in 4 areas
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    return client


def add_year_before(city, year=2023):
    for area in city.areas:
        for age in range(7):
            PopulationCount.objects.create(area=area, year=year, age=age, count=10 + age)


def test_the_history_is_the_run_of_consecutive_years_before_the_forecast():
    assert history_run([2011, 2012, 2013, 2015]) == [2011, 2012, 2013]
    assert history_run([2020, 2022]) == []
    assert history_run([2019, 2020, 2021, 2022]) == [2019, 2020, 2021, 2022]


def test_without_two_consecutive_years_the_page_says_what_is_missing(planner):
    response = planner.get(reverse("planning:forecast") + "?territory=testcity")
    assert response.context["result"] is None
    assert "mindestens zwei aufeinanderfolgenden Jahren" in response.content.decode()


def test_a_stable_population_is_forecast_as_stable_and_drives_the_balance(planner):
    add_year_before(planner.city)
    response = planner.get(reverse("planning:forecast") + "?territory=testcity")
    result = response.context["result"]
    assert result.base_year == 2024 and result.projection.years[0] == 2025
    # With the same counts in 2023 and 2024, ageing ratios are (10+a)/(9+a) and births stay at 10:
    # age 1 in 2025 = age 0 of 2024 × 11/10 = 11.
    assert result.children_by_age(2025)[planner.city.areas[0].pk][1] == pytest.approx(11)
    balance = planner.get(
        reverse("planning:balance") + "?territory=testcity&level=district&year=2025"
    )
    assert balance.context["is_forecast"] is True
    u3 = balance.context["rows"][0].balance.groups["u3"]
    assert u3.children == pytest.approx(2 * (10 + 11 + 12))


def test_the_backtest_table_shows_the_forecast_beside_every_baseline(planner):
    response = planner.get(reverse("planning:forecast"))
    lines = response.context["backtest"]
    assert lines, "the packaged back-test is missing"
    assert set(lines[0].wape) == {
        "kitaplan",
        "cohort",
        "carry_forward",
        "district_trend",
        "hamilton_perry",
        "hamilton_perry_district",
    }
    assert {line.level for line in lines} >= {"Planungsraum", "Bezirk"}
    assert {line.horizon for line in lines} == {1, 2, 3, 4, 5}
    page = response.content.decode()
    assert "Hamilton–Perry" in page and "WAPE" in page


def test_the_forecast_follows_counts_moved_between_areas(planner):
    from kitaplan.web.planning.forecasting import forecast_for

    add_year_before(planner.city)
    territory = planner.city.territory
    before = forecast_for(territory).children_by_age(2025)[planner.city.areas[0].pk][1]
    # move 5 one-year-olds of 2024 from the first area to the second: the total stays the same
    first, second = planner.city.areas[0], planner.city.areas[1]
    PopulationCount.objects.filter(area=first, year=2024, age=0).update(count=5)
    PopulationCount.objects.filter(area=second, year=2024, age=0).update(count=15)
    derived.bump(territory.pk)  # a bulk write sends no signal: it bumps (as imports do)
    after = forecast_for(territory).children_by_age(2025)[first.pk][1]
    assert after < before


def test_a_counted_year_after_the_base_year_is_set_against_the_forecast(planner):
    city = planner.city
    add_year_before(city)
    for area in city.areas:  # a count two years after the base year, 10 % more under-3s
        for age in range(7):
            PopulationCount.objects.create(
                area=area, year=2026, age=age, count=11 if age < 3 else 10 + age
            )
    response = planner.get(reverse("planning:forecast") + "?territory=testcity")
    checks = response.context["checks"]
    total = [c for c in checks if c.area is None and c.year == 2026][0]
    assert total.counted_u3 == 4 * 33
    assert total.forecast_u3 == pytest.approx(
        sum(c.forecast_u3 for c in checks if c.area is not None)
    )
    assert total.error_u3 == pytest.approx(100 * (total.forecast_u3 - 132) / 132)
    assert "Prognose und Zählung" in response.content.decode()
