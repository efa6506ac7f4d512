"""The monitoring pages read their computed index and indicator tables from the derived-data
cache (core.derived), and a changed indicator value shows on the next view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core.roles import Role
from kitaplan.web.monitoring import selectors, timeseries
from kitaplan.web.territory.models import IndicatorValue
from tests.web.factories import PASSWORD, make_user
from tests.web.monitoring.test_monitoring import territory  # noqa: F401 (the fixture)
from tests.web.monitoring.test_trends import city  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(client):
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    return client


def fail(*args, **kwargs):
    pytest.fail("computed again although nothing changed")


def index_of(response, code: str) -> float:
    (row,) = [r for r in response.context["rows"] if r.area.official_code == code]
    return row.score.values["mss_s1"]


def test_the_index_page_is_computed_once_until_a_value_changes(planner, territory, monkeypatch):  # noqa: F811
    url = reverse("monitoring:index")
    first = planner.get(url, {"territory": "mini"})
    assert index_of(first, "0101") == 2.0
    with monkeypatch.context() as patched:
        patched.setattr(selectors, "_build", fail)
        second = planner.get(url, {"territory": "mini", "sort": "-index"})  # sorting: no compute
        assert index_of(second, "0101") == 2.0
    value = IndicatorValue.objects.get(area__official_code="0101", indicator__code="mss_s1")
    value.value = 7.5
    value.save()  # a saved input bumps the territory's data version
    assert index_of(planner.get(url, {"territory": "mini"}), "0101") == 7.5


def test_the_indicator_table_is_computed_once_until_a_value_changes(
    planner,
    territory,  # noqa: F811
    monkeypatch,
):
    url = reverse("monitoring:indicators")
    query = {"territory": "mini", "indicator": "mss_s1"}

    def value_of(response) -> float:
        (row,) = [r for r in response.context["rows"] if r.area.official_code == "0202"]
        return row.change.after

    assert value_of(planner.get(url, query)) == 9.0
    with monkeypatch.context() as patched:
        patched.setattr(timeseries, "indicator_table", fail)
        assert value_of(planner.get(url, query)) == 9.0
        alerts = planner.get(reverse("monitoring:alerts"), query)  # the same table
        assert alerts.status_code == 200
    value = IndicatorValue.objects.get(area__official_code="0202", indicator__code="mss_s1")
    value.value = 11.0
    value.save()
    assert value_of(planner.get(url, query)) == 11.0


def test_the_index_table_is_paginated_and_the_links_keep_the_sort(
    planner,
    territory,  # noqa: F811
    monkeypatch,
):
    from kitaplan.web.monitoring import views

    monkeypatch.setattr(views, "ROWS_PER_PAGE", 4)
    url = reverse("monitoring:index")
    query = {"territory": "mini", "sort": "-code"}
    first = planner.get(url, query)
    shown = [item["row"].area.official_code for item in first.context["table_rows"]]
    assert shown == ["0203", "0202", "0201", "0103"]
    assert 'href="?territory=mini&amp;sort=-code&amp;page=2"' in first.content.decode()
    second = planner.get(url, {**query, "page": 2})
    assert [item["row"].area.official_code for item in second.context["table_rows"]] == [
        "0102",
        "0101",
    ]
    # the map shows every area, not one page
    features = planner.get(reverse("monitoring:index-geojson"), query).json()["features"]
    assert len(features) == 6


def test_every_districts_report_reads_the_same_cached_tables(city, monkeypatch):  # noqa: F811
    from kitaplan.domain.indicators.trends import ChangeBasis
    from kitaplan.web.monitoring import report

    def district_report(district):
        data = report.district_report(
            territory=city.territory,
            district=district,
            period=2024,
            compare=2022,
            basis=ChangeBasis.RELATIVE,
            threshold=10.0,
        )
        return {line.name: line.after for line in data.lines}

    first = district_report(city.districts[0])
    assert first["Single-parent households"] == "19,0 %"  # as test_trends computes it
    with monkeypatch.context() as patched:
        patched.setattr(timeseries, "indicator_table", fail)
        assert district_report(city.districts[1])["Single-parent households"]
        patched.setattr(report, "collect_report", fail)  # the same district: the whole report
        assert district_report(city.districts[0]) == first
    value = IndicatorValue.objects.get(
        area=city.areas[1], year=2024, indicator__code="single_parents"
    )
    value.value = 30.0
    value.save()
    assert district_report(city.districts[0])["Single-parent households"] != "19,0 %"


def test_the_indicators_table_is_paginated_and_the_map_keeps_every_area(
    planner,
    city,  # noqa: F811
    monkeypatch,
):
    from kitaplan.web.monitoring import trend_views

    monkeypatch.setattr(trend_views, "ROWS_PER_PAGE", 3)
    url = reverse("monitoring:indicators")
    query = {"territory": "testcity", "indicator": "single_parents"}
    first = planner.get(url, query)
    shown = [item["row"].area.official_code for item in first.context["table_rows"]]
    assert shown == ["0201", "0101", "0202"]  # by value, highest first (as test_trends)
    assert 'href="?territory=testcity&amp;indicator=single_parents&amp;page=2"' in (
        first.content.decode()
    )
    second = planner.get(url, {**query, "page": 2})
    assert [item["row"].area.official_code for item in second.context["table_rows"]] == ["0102"]
    features = planner.get(reverse("monitoring:indicators-geojson"), query).json()["features"]
    assert len(features) == 4
