"""Indicators over time: the indicators page, an area's series, alerts, the district report."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kitaplan.domain.indicators.trends import Assessment, ChangeBasis, MeanMethod
from kitaplan.web.core.roles import Role
from kitaplan.web.monitoring import report
from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue, PopulationCount
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

SHARES = {  # area: (2022, 2024)
    "0101": (21.4, 24.0),
    "0102": (10.0, 9.0),
    "0201": (30.0, 30.5),
    "0202": (15.0, 18.0),
}


@pytest.fixture
def city():
    city = make_city()
    share = IndicatorDefinition.objects.create(
        code="single_parents",
        name="Single-parent households",
        unit="%",
        direction="higher_is_worse",
        source="Test statistics office",
        description="Share of single-parent households.",
    )
    births = IndicatorDefinition.objects.create(
        code="births", name="Births", unit="Anzahl", direction="neutral"
    )
    for area in city.areas:
        before, after = SHARES[area.official_code]
        IndicatorValue.objects.create(indicator=share, area=area, year=2022, value=before)
        IndicatorValue.objects.create(indicator=share, area=area, year=2024, value=after)
        IndicatorValue.objects.create(indicator=births, area=area, year=2024, value=10)
    # area 0101 has twice the residents of the others (182 against 91 in 2024)
    PopulationCount.objects.create(area=city.areas[0], year=2024, age=7, count=91)
    return city


def login(client, role=Role.PLANNER, english=True, **scope):
    user = make_user(f"u-{role.value}", role, **scope)
    client.login(username=user.username, password=PASSWORD)
    if english:
        client.post(reverse("set_language"), {"language": "en", "next": "/"})


def page(client, name="monitoring:indicators", **query):
    params = {"territory": "testcity", "indicator": "single_parents", **query}
    return client.get(reverse(name), params)


def test_indicators_page_ranks_changes_and_compares(client, city):
    login(client)
    response = page(client)
    assert response.status_code == 200
    table = response.context["table"]
    assert (table.period, table.compare) == (2024, 2022)
    assert table.territory_mean.method == MeanMethod.WEIGHTED
    assert table.territory_mean.mean == pytest.approx(9600.5 / 455)
    rows = {r.area.official_code: r for r in response.context["rows"]}
    assert [r.area.official_code for r in response.context["rows"]] == [
        "0201",
        "0101",
        "0202",
        "0102",
    ]  # sorted by value, highest first
    assert {k: r.rank for k, r in rows.items()} == {"0201": 1, "0101": 2, "0202": 3, "0102": 4}
    assert rows["0101"].change.absolute == pytest.approx(2.6)
    assert rows["0101"].district.official_code == "01"
    assert rows["0101"].comparison.district.mean == pytest.approx(19.0)  # (24·182 + 9·91) / 273
    assert rows["0201"].comparison.district.mean == pytest.approx(24.25)
    content = response.content.decode()
    assert "+2.6 percentage points" in content
    assert 'id="legend-text"' in content
    assert "Class 1:" in content


def test_sorting_by_change_and_plain_means(client, city):
    login(client)
    response = page(client, sort="-change", weighting="none")
    order = [r.area.official_code for r in response.context["rows"]]
    assert order == ["0202", "0101", "0201", "0102"]
    table = response.context["table"]
    assert table.territory_mean.method == MeanMethod.PLAIN
    assert table.territory_mean.mean == pytest.approx((24.0 + 9.0 + 30.5 + 18.0) / 4)


def test_only_one_period_is_said(client, city):
    login(client)
    response = page(client, indicator="births")
    assert response.status_code == 200
    assert response.context["table"].only_one_period
    assert 'id="only-one-period"' in response.content.decode()
    alerts = page(client, "monitoring:alerts", indicator="births")
    assert alerts.status_code == 200
    assert alerts.context["items"] == []
    assert 'id="only-one-period"' in alerts.content.decode()


def test_csv_export_columns(client, city):
    login(client)
    response = page(client, format="csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "Code",
        "Area",
        "District",
        "Value 2024",
        "Value 2022",
        "Change",
        "Change in %",
        "Rank",
        "District mean",
        "City mean",
        "Map class",
    ]
    assert len(rows) == 5
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Code"] == "0201"
    assert first["Rank"] == "1"
    assert first["Change"] == "0,5"


def test_xlsx_and_geojson(client, city):
    login(client)
    sheet = load_workbook(io.BytesIO(page(client, format="xlsx").content)).active
    assert sheet.max_row == 5
    features = page(client, "monitoring:indicators-geojson").json()["features"]
    assert len(features) == 4
    assert {f["properties"]["value"] for f in features} == {24.0, 9.0, 30.5, 18.0}


def test_area_series_table(client, city):
    login(client)
    area = city.areas[0]
    response = client.get(
        reverse("monitoring:area-series", args=[area.pk]), {"indicator": "single_parents"}
    )
    assert response.status_code == 200
    rows = response.context["period_rows"]
    assert [r["period"] for r in rows] == [2022, 2024]
    assert rows[1]["change"] == "+2.6 percentage points"
    assert rows[1]["rank"] == 2
    assert "rose from 21.4 % to 24.0 %" in response.context["sentence"]


def test_alerts_worded_and_direction_aware(client, city):
    login(client)
    response = page(client, "monitoring:alerts", threshold="2")
    assert response.status_code == 200
    items = response.context["items"]
    assert [i["row"].area.official_code for i in items] == ["0202", "0101"]
    assert all(i["alert"].assessment == Assessment.WORSENED for i in items)
    assert items[1]["sentence"] == (
        "In Area 0101, “Single-parent households” rose from 21.4 % to 24.0 % "
        "(+2.6 percentage points). This is a less favourable development."
    )
    assert items[1]["sentence"] in response.content.decode()
    relative = page(client, "monitoring:alerts", threshold="10", basis="relative")
    codes = [i["row"].area.official_code for i in relative.context["items"]]
    assert codes == ["0202", "0101", "0102"]  # +20 %, +12.1 %, −10 %
    assert relative.context["items"][2]["alert"].assessment == Assessment.IMPROVED
    improved = page(client, "monitoring:alerts", threshold="10", basis="relative", only="improved")
    assert [i["row"].area.official_code for i in improved.context["items"]] == ["0102"]


def test_invalid_threshold_falls_back_and_says_so(client, city):
    login(client)
    response = page(client, "monitoring:alerts", threshold="viel")
    assert response.status_code == 200
    assert response.context["threshold_error"]
    assert response.context["threshold"] == 1.0


def test_german_alert_sentence_structure(client, city):
    login(client, english=False)
    response = page(client, "monitoring:alerts", threshold="2")
    assert response["Content-Language"] == "de"
    sentence = response.context["items"][1]["sentence"]
    # the German wording comes with the merged catalogue; numbers are German already
    assert "21,4 %" in sentence and "24,0 %" in sentence and "+2,6" in sentence


def test_report_pdf_and_its_data(client, city):
    login(client)
    response = client.get(
        reverse("monitoring:report-pdf"),
        {"territory": "testcity", "district": "01", "period": "2024", "compare": "2022"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    data = report.district_report(
        territory=city.territory,
        district=city.districts[0],
        period=2024,
        compare=2022,
        basis=ChangeBasis.RELATIVE,
        threshold=10.0,
    )
    assert [line.name for line in data.lines] == ["Births", "Single-parent households"]
    share = data.lines[1]
    assert share.after == "19.0 %"  # weighted by residents
    assert share.assessment == Assessment.WORSENED
    assert len(data.alerts) == 2
    assert data.alerts[0].startswith("In Area 0101, “Single-parent households” rose")
    assert "fell from 10.0 % to 9.0 %" in data.alerts[1]
    assert "1 and more favourably for 0 of 2 indicators" in data.summary
    assert "Test statistics office" in " ".join(data.sources)


def test_report_with_one_period_only(client, city):
    login(client)
    IndicatorValue.objects.filter(year=2022).delete()
    data = report.district_report(
        territory=city.territory,
        district=city.districts[1],
        period=None,
        compare=None,
        basis=ChangeBasis.RELATIVE,
        threshold=10.0,
    )
    assert data.compare is None
    assert "Es liegt nur ein Zeitraum vor (2024)" in data.summary
    assert report.render_pdf(data).startswith(b"%PDF")


@pytest.mark.parametrize(
    "name", ["monitoring:indicators", "monitoring:alerts", "monitoring:report-pdf"]
)
def test_parents_get_403(client, city, name):
    login(client, Role.PARENT)
    assert client.get(reverse(name)).status_code == 403


def test_facility_manager_may_see_the_pages(client, city):
    login(client, Role.FACILITY_MANAGER, facility=city.facilities[0])
    assert page(client).status_code == 200
    assert client.get(reverse("monitoring:area-series", args=[city.areas[0].pk])).status_code == 200
    assert json.loads(page(client, "monitoring:indicators-geojson").content)["features"]
