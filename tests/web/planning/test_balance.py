"""The balance page: demand from children × care rates against places, per level and drill-down."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from kitaplan.domain.planning.demand import DEFAULT_CARE_RATES
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.roles import Role
from kitaplan.web.planning.models import CareRateSet
from kitaplan.web.territory.models import PopulationCount
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(client):
    city = make_city()
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    return client


def demand(counts_by_age, ages):
    return sum(counts_by_age[a] * DEFAULT_CARE_RATES.rate(a) for a in ages)


def test_district_balance_is_children_times_care_rates_against_places(planner):
    response = planner.get(reverse("planning:balance") + "?level=district&sort=code")
    rows = response.context["rows"]
    assert [r.area.official_code for r in rows] == ["01", "02"]
    d1 = rows[0].balance.groups["u3"]
    # two areas with 10, 11, 12 children aged 0, 1, 2 (factories.make_city)
    expected = 2 * demand({0: 10, 1: 11, 2: 12}, (0, 1, 2))
    assert d1.children == 66 and d1.demand == pytest.approx(expected)
    assert d1.places == 15 and d1.balance == pytest.approx(15 - expected)


def test_drilling_down_shows_the_parts_with_the_parent_total(planner):
    district = planner.city.districts[0]
    response = planner.get(reverse("planning:balance") + f"?parent={district.pk}")
    assert [r.area.official_code for r in response.context["rows"]] == ["0101", "0102"]
    assert response.context["totals"].groups["ue3"].places == 35


def test_sorting_by_the_balance_puts_the_largest_deficit_first(planner):
    response = planner.get(reverse("planning:balance") + "?level=area&sort=u3:balance")
    balances = [r.balance.groups["u3"].balance for r in response.context["rows"]]
    assert balances == sorted(balances)


def test_the_fachplan_export_has_one_row_per_area_with_the_balance(planner):
    content = planner.get(
        reverse("planning:balance") + "?level=district&format=csv"
    ).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    assert len(rows) == 2
    assert rows[0]["Plätze unter 3 Jahren"] == "15"


def test_saving_care_rates_changes_the_demand_and_is_audited(planner):
    url = reverse("planning:care-rates") + "?territory=testcity"
    form = {
        "valid_from_year": 2024,
        "rate_0": "0",
        "rate_1": "50",
        "rate_2": "100",
        "rate_3": "100",
        "rate_4": "100",
        "rate_5": "100",
        "integration_rate": "10",
        "source": "Test",
    }
    assert planner.post(url, form).status_code == 302
    stored = CareRateSet.objects.get()
    assert stored.rates["1"] == 0.5 and stored.integration_rate == pytest.approx(0.1)
    assert AuditEvent.objects.filter(action="planning.care_rates_saved").count() == 1
    response = planner.get(reverse("planning:balance") + "?level=district")
    assert response.context["rows"][0].balance.groups["u3"].demand == pytest.approx(
        2 * (0 + 5.5 + 12)
    )


def test_other_roles_may_read_but_not_change_care_rates(client):
    make_city()
    make_user("vergabe", Role.ALLOCATION_OFFICE)
    client.login(username="vergabe", password=PASSWORD)
    url = reverse("planning:care-rates") + "?territory=testcity"
    assert client.get(url).status_code == 200
    assert client.post(url, {"valid_from_year": 2024}).status_code == 403


def test_the_committee_report_is_a_pdf_with_the_districts_and_the_total(planner):
    response = planner.get(reverse("planning:balance-pdf") + "?level=district&compress=0")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 2000
    assert b"Bedarfsplanung" in response.content  # document title in the info dictionary


def test_care_rates_for_an_area_class_change_only_that_class(planner):
    from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue

    status = IndicatorDefinition.objects.create(code="status_class", name="Statusklasse")
    areas = planner.city.areas  # 0101, 0102 in district 01; 0201, 0202 in district 02
    for area, value in zip(areas, (4, 1, 1, 1), strict=True):
        IndicatorValue.objects.create(indicator=status, area=area, year=2024, value=value)
    url = reverse("planning:care-rates") + "?territory=testcity"
    form = {
        "valid_from_year": 2024,
        "rate_0": "0",
        "rate_1": "0",
        "rate_2": "0",
        "rate_3": "100",
        "rate_4": "100",
        "rate_5": "100",
        "integration_rate": "0",
        "source": "Test: Klasse 4",
        "class_indicator": status.pk,
        "class_value": "4",
    }
    assert planner.post(url, form).status_code == 302
    stored = CareRateSet.objects.get()
    assert stored.class_indicator == status and stored.class_value == 4
    response = planner.get(reverse("planning:balance") + "?level=area&sort=code")
    u3 = {r.area.official_code: r.balance.groups["u3"].demand for r in response.context["rows"]}
    assert u3["0101"] == 0  # class 4: no demand under 3 under these rates
    assert u3["0102"] == pytest.approx(demand({0: 10, 1: 11, 2: 12}, (0, 1, 2)))
    # a class without a value is refused on the field
    bad = planner.post(url, {**form, "class_value": ""})
    assert "class_value" in bad.context["form"].errors


def _selected_year(response) -> str | None:
    """The value of the year select's selected option in the rendered page (None: none)."""
    html = response.content.decode()
    select = re.search(r'<select[^>]*name="year"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    chosen = re.findall(r'<option value="(\d+)"[^>]*\bselected\b', select.group(1))
    return chosen[0] if chosen else None


@pytest.mark.parametrize("query", ["", "?level=district", "?year=1900"])
def test_the_year_select_shows_the_year_the_page_shows(planner, query):
    """Issue 17: the select had no selected option, so it showed the first year (2011) while
    the page showed the last, and "Show" after changing only the map loaded the first year."""
    for area in planner.city.areas:
        PopulationCount.objects.create(area=area, year=2011, age=0, count=1)
    response = planner.get(reverse("planning:balance") + query)
    assert response.context["year"] == 2024
    assert _selected_year(response) == "2024"


def test_the_year_select_keeps_the_chosen_year(planner):
    for area in planner.city.areas:
        PopulationCount.objects.create(area=area, year=2011, age=0, count=1)
    response = planner.get(reverse("planning:balance") + "?year=2011&show=u3:coverage")
    assert response.context["year"] == 2011
    assert _selected_year(response) == "2011"
