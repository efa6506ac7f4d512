"""The forecast of a city with only births per area and a citywide forecast by age (Dresden's
case, issue 13 part 8): the imported inputs give a forecast with the method named, the city's
sum per year and age is kept, the areas follow the births, and a new import changes the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.services import import_file
from kitaplan.web.planning.forecast_models import BirthCount, CityForecastCount
from kitaplan.web.planning.forecasting import METHOD_BIRTHS_CITYWIDE, forecast_for
from kitaplan.web.territory.models import PopulationCount
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
#: docs/examples/births.csv: areas 0101, 0102, 0201, 0202
BIRTHS = {2023: (9, 11, 12, 8), 2024: (10, 12, 11, 9)}
#: docs/examples/city_forecast.csv: 2026 … 2028, ages 0–6, (40, 42, 44, 46, 47, 48, 49) + k
CITY = {2026 + k: {a: c + k for a, c in enumerate((40, 42, 44, 46, 47, 48, 49))} for k in range(3)}


@pytest.fixture
def planner(client):
    city = make_city()  # population of one year only (2024): no history of its own
    for kind in ("births", "city_forecast"):
        run = import_file(
            territory=city.territory, kind=kind, path=EXAMPLES / f"{kind}.csv", actor=SYSTEM
        )
        assert run.status == "succeeded", run.problems
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    return client


def page(client):
    return client.get(reverse("planning:forecast") + "?territory=testcity")


def test_the_city_forecast_is_shared_out_by_the_births_of_each_cohort(planner):
    result = page(planner).context["result"]
    assert result.method == METHOD_BIRTHS_CITYWIDE
    assert result.projection.years == (2026, 2027, 2028)
    assert result.projection.ages == tuple(range(7))
    assert result.history_years == (2023, 2024)
    values = result.projection.values  # area × year × age
    for j, year in enumerate(result.projection.years):
        for a in result.projection.ages:  # every year's areas sum to the city's forecast
            assert values[:, j, a].sum() == pytest.approx(CITY[year][a])
    areas = [area.pk for area in planner.city.areas]
    assert result.area_ids == tuple(sorted(areas))
    first = result.area_ids.index(planner.city.areas[0].pk)  # area 0101
    # 2026, age 3: born 2023 → 9 of 40 births; age 2: born 2024 → 10 of 42;
    # age 0: born 2026, no births yet → the latest year with births, 2024
    assert values[first, 0, 3] == pytest.approx(46 * 9 / 40)
    assert values[first, 0, 2] == pytest.approx(44 * 10 / 42)
    assert values[first, 0, 0] == pytest.approx(40 * 10 / 42)
    # 2028, age 5: born 2023
    assert values[first, 2, 5] == pytest.approx(50 * 9 / 40)


def test_the_page_names_the_method_and_the_sources(planner):
    response = page(planner)
    text = response.content.decode()
    assert "Geburten und stadtweite Altersstruktur" in text
    assert ">2028</th>" in text  # the city's forecast years are the columns
    assert (
        "Grundlage sind die Geburten je Gebiet der Jahre 2023 bis 2024 und die stadtweite "
        "Prognose nach Alter für 2026 bis 2028."
    ) in " ".join(text.split())
    assert "Umzüge zwischen Gebieten lassen sich aus den Geburten allein nicht schätzen" in text
    assert "Beispiel (synthetisch)" in text
    assert "mindestens zwei aufeinanderfolgenden Jahren" not in text
    # district 1 = areas 0101 + 0102; under 3 in 2026: (40 + 42 + 44) × their births shares
    [row] = [r for r in response.context["rows"] if r.area.official_code == "01"]
    year, u3, ue3 = row.values[0]
    expected_u3 = (40 + 42) * 22 / 42 + 44 * 22 / 42
    expected_ue3 = 46 * 20 / 40 + 47 * 20 / 40 + 48 * 20 / 40
    assert (year, u3, ue3) == (2026, pytest.approx(expected_u3), pytest.approx(expected_ue3))


def test_a_new_births_import_changes_the_page(planner, tmp_path):
    first = planner.city.areas[0]
    before = page(planner).context["result"].children_by_age(2026)[first.pk][2]
    path = tmp_path / "geborene.csv"
    path.write_text("area_code,year,count\n0101,2024,31\n", encoding="utf-8")  # 31 of 63
    run = import_file(territory=planner.city.territory, kind="births", path=path, actor=SYSTEM)
    assert (run.status, run.changed) == ("succeeded", 1)
    after = page(planner).context["result"].children_by_age(2026)[first.pk][2]
    assert before == pytest.approx(44 * 10 / 42)
    assert after == pytest.approx(44 * 31 / 63)


def test_a_saved_forecast_count_changes_the_page(planner):
    cell = CityForecastCount.objects.get(year=2027, age=1)
    cell.count = 430
    cell.save()  # a signal of derived.watch bumps the territory's version
    result = page(planner).context["result"]
    assert result.projection.values[:, 1, 1].sum() == pytest.approx(430)


def test_the_balance_of_a_forecast_year_uses_the_shared_out_children(planner):
    balance = planner.get(
        reverse("planning:balance") + "?territory=testcity&level=district&year=2027"
    )
    assert balance.context["is_forecast"] is True
    u3 = sum(row.balance.groups["u3"].children for row in balance.context["rows"])
    assert u3 == pytest.approx(41 + 43 + 45)


def test_without_a_complete_citywide_year_or_without_births_there_is_no_forecast(planner):
    territory = planner.city.territory
    CityForecastCount.objects.filter(age=6).delete()
    assert forecast_for(territory) is None
    text = page(planner).content.decode()
    assert "mindestens zwei aufeinanderfolgenden Jahren" in text
    assert "Importe „Geburten je Gebiet“ und „Stadtweite Bevölkerungsprognose" in text
    BirthCount.objects.all().delete()
    assert forecast_for(territory) is None


def test_a_population_history_of_its_own_wins_over_the_births(planner):
    for area in planner.city.areas:
        for age in range(7):
            PopulationCount.objects.create(area=area, year=2023, age=age, count=10 + age)
    result = page(planner).context["result"]
    assert result.method != METHOD_BIRTHS_CITYWIDE
    assert result.base_year == 2024


def test_counts_estimated_from_the_same_inputs_are_not_set_against_the_forecast(planner):
    for area in planner.city.areas:
        for age in range(7):
            PopulationCount.objects.create(
                area=area, year=2026, age=age, count=10, method="estimated"
            )
    assert page(planner).context["checks"] == []
    PopulationCount.objects.filter(year=2026).update(method="counted")
    CityForecastCount.objects.get(year=2026, age=0).save()  # bump: a bulk update sends none
    checks = page(planner).context["checks"]
    assert {c.year for c in checks} == {2026}
