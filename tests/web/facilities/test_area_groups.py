"""Sozialräume: the set-up pages, and the balance and development report over a group's areas
(counts added, rates computed from the sums), for a year or a half year."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kitaplan.domain.indicators.periods import ReportPeriod
from kitaplan.domain.indicators.trends import ChangeBasis
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.roles import Role
from kitaplan.web.monitoring import report
from kitaplan.web.territory.models import (
    AreaGroup,
    IndicatorDefinition,
    IndicatorValue,
    PopulationCount,
)
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

SHARES = {"0101": (21.4, 24.0), "0102": (10.0, 9.0), "0201": (30.0, 30.5), "0202": (15.0, 18.0)}


@pytest.fixture
def city():
    city = make_city()
    share = IndicatorDefinition.objects.create(
        code="single_parents",
        name="Single-parent households",
        unit="%",
        direction="higher_is_worse",
    )
    for area in city.areas:
        before, after = SHARES[area.official_code]
        IndicatorValue.objects.create(indicator=share, area=area, year=2022, value=before)
        IndicatorValue.objects.create(indicator=share, area=area, year=2024, value=after)
    # area 0101 has twice the residents of the others (182 against 91 in 2024)
    PopulationCount.objects.create(area=city.areas[0], year=2024, age=7, count=91)
    return city


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def login(client, role=Role.PLANNER, **scope):
    user = make_user(f"u-{role.value}", role, **scope)
    client.login(username=user.username, password=PASSWORD)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return user


def gorbitz(city):
    """Three areas of two levels: District 1 (0101 and 0102) and area 0201 of District 2."""
    group = AreaGroup.objects.create(territory=city.territory, name="Gorbitz")
    group.areas.set([city.districts[0], city.areas[2]])
    return group


def test_a_planner_creates_edits_closes_and_deletes_a_group_audited(client, city):
    login(client)
    url = reverse("territory:area-group-new") + "?territory=testcity"
    response = client.post(
        url, {"name": " Gorbitz ", "areas": [city.areas[0].pk, city.areas[1].pk, city.areas[2].pk]}
    )
    assert response.status_code == 302
    group = AreaGroup.objects.get()
    assert group.name == "Gorbitz"
    assert sorted(a.official_code for a in group.areas.all()) == ["0101", "0102", "0201"]
    page = client.get(reverse("territory:area-group-list") + "?territory=testcity")
    assert "Gorbitz" in page.content.decode() and "3 areas" in page.content.decode()
    client.post(
        reverse("territory:area-group-edit", args=[group.pk]),
        {"name": "Gorbitz", "description": "Three Stadtteile", "areas": [city.districts[0].pk]},
    )
    group.refresh_from_db()
    assert [a.official_code for a in group.areas.all()] == ["01"]
    client.post(reverse("territory:area-group-close", args=[group.pk]))
    group.refresh_from_db()
    assert group.closed_on is not None
    balance = client.get(reverse("planning:balance") + "?territory=testcity")
    assert group not in balance.context["groups"]  # a closed group is not offered
    client.post(reverse("territory:area-group-delete", args=[group.pk]))
    assert not AreaGroup.objects.exists()
    events = AuditEvent.objects.filter(action="territory.area_group_changed").order_by("pk")
    assert events.count() == 4
    first = events.first()
    assert first is not None and first.after["areas"] == ["0101", "0102", "0201"]


def test_an_area_and_its_part_or_no_area_are_refused_with_a_message(client, city):
    login(client)
    url = reverse("territory:area-group-new") + "?territory=testcity"
    response = client.post(
        url, {"name": "Doppelt", "areas": [city.districts[0].pk, city.areas[0].pk]}
    )
    assert response.status_code == 200
    assert "0101 Area 0101 lies in District 1" in response.content.decode()
    response = client.post(url, {"name": "Leer"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    gorbitz(city)
    response = client.post(url, {"name": "Gorbitz", "areas": [city.areas[3].pk]})
    assert "already has a Sozialraum of this name" in response.content.decode()
    assert AreaGroup.objects.count() == 1
    assert not AuditEvent.objects.filter(action="territory.area_group_changed").exists()


def test_areas_of_another_territory_are_not_offered(client, city):
    other = make_city("othercity")
    login(client)
    url = reverse("territory:area-group-new") + "?territory=testcity"
    response = client.post(url, {"name": "Fremd", "areas": [other.areas[0].pk]})
    assert response.status_code == 200 and not AreaGroup.objects.exists()


@pytest.mark.parametrize("role", [Role.ALLOCATION_OFFICE, Role.FACILITY_MANAGER])
def test_other_staff_see_the_list_but_change_nothing(client, city, role):
    group = gorbitz(city)
    login(
        client, role, **({"provider": city.providers[0]} if role == Role.FACILITY_MANAGER else {})
    )
    assert client.get(reverse("territory:area-group-list")).status_code == 200
    assert client.get(reverse("territory:area-group-new")).status_code == 403
    assert client.post(reverse("territory:area-group-delete", args=[group.pk])).status_code == 403
    assert AreaGroup.objects.filter(pk=group.pk).exists()


def test_the_balance_of_a_group_is_the_sum_of_its_areas(client, city):
    group = gorbitz(city)
    login(client)
    fine = client.get(reverse("planning:balance") + "?territory=testcity&level=area").context
    by_code = {r.area.official_code: r.balance for r in fine["rows"]}
    response = client.get(reverse("planning:balance") + f"?territory=testcity&group={group.pk}")
    assert [r.area.official_code for r in response.context["rows"]] == ["01", "0201"]
    totals = response.context["totals"]
    parts = [by_code[c] for c in ("0101", "0102", "0201")]
    for age_group in ("u3", "ue3"):
        total = totals.groups[age_group]
        assert total.children == sum(p.groups[age_group].children for p in parts)
        assert total.demand == pytest.approx(sum(p.groups[age_group].demand for p in parts))
        assert total.places == sum(p.groups[age_group].places for p in parts)
        # the coverage of the sums, not the mean of the areas' coverages
        assert total.coverage == pytest.approx(total.places / total.children)
    assert totals.groups["u3"].places == 10 + 5 + 12
    assert "Gorbitz in total" in response.content.decode()
    export = client.get(
        reverse("planning:balance") + f"?territory=testcity&group={group.pk}&format=csv"
    )
    assert f"sozialraum-{group.pk}" in export["Content-Disposition"]
    pdf = client.get(reverse("planning:balance-pdf") + f"?territory=testcity&group={group.pk}")
    assert pdf.status_code == 200 and f"sozialraum-{group.pk}" in pdf["Content-Disposition"]


def test_a_group_of_another_territory_or_no_id_is_404(client, city):
    other = make_city("othercity")
    group = AreaGroup.objects.create(territory=other.territory, name="Fremd")
    login(client)
    for value in (str(group.pk), "x", "99999999"):
        url = reverse("planning:balance") + f"?territory=testcity&group={value}"
        assert client.get(url).status_code == 404


def test_the_development_report_of_a_group_weighs_its_three_areas(english, city):
    group = gorbitz(city)
    data = report.district_report(
        territory=city.territory,
        district=None,
        group=group,
        period=None,
        compare=None,
        basis=ChangeBasis.RELATIVE,
        threshold=10.0,
    )
    (line,) = data.lines
    # 24.0 × 182 + 9.0 × 91 + 30.5 × 91 over 364 residents = 21.875 (the plain mean is 21.2)
    assert line.after == "21.9 %"
    # 2022 with the weights of the closest recorded year (2024): 7534.8 / 364 = 20.70
    assert line.before == "20.7 %"
    assert data.place == "Gorbitz"
    assert data.map is not None
    assert sorted(a.code for a in data.map.areas) == ["0101", "0102", "0201"]


def test_a_half_year_report_uses_the_values_stated_by_its_end(english, city):
    group = gorbitz(city)
    data = report.district_report(
        territory=city.territory,
        district=None,
        group=group,
        period=None,
        compare=None,
        report_period=ReportPeriod(2025, 1),
        basis=ChangeBasis.RELATIVE,
        threshold=10.0,
    )
    assert data.report_period == ReportPeriod(2025, 1) and data.period == 2024
    # no values for 2023: the first half-year described by the latest earlier values (2022)
    assert data.compare_period == ReportPeriod(2023, 1) and data.compare == 2022
    assert "1st half of 2025 compared with 1st half of 2023" not in data.summary
    assert "1st half of 2023" in data.summary and "1st half of 2025" in data.summary
    assert "2025-H1" not in data.values_note and "1st half of 2025: 2024" in data.values_note


def test_the_report_pdf_names_the_group_and_the_half_year(client, city):
    group = gorbitz(city)
    login(client)
    response = client.get(
        reverse("monitoring:report-pdf"),
        {"territory": "testcity", "group": group.pk, "period": "2024-H2", "compress": "0"},
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert f"sozialraum-{group.pk}-2024-H2.pdf" in response["Content-Disposition"]
    assert b"Gorbitz" in response.content and b"2nd half of 2024" in response.content
    district = client.get(reverse("monitoring:report-pdf"), {"territory": "testcity"})
    assert "-01-2024.pdf" in district["Content-Disposition"]


def _cell_words_fit(table) -> list[str]:
    """The cell words wider than their column (ReportLab would split them mid-word)."""
    from kitaplan.web.core import pdf as kp_pdf

    too_wide = []
    for row in table._cellvalues:
        for width, cell in zip(table._argW, row, strict=True):
            text = cell.getPlainText()
            if kp_pdf.longest_word_width(text, cell.style) + kp_pdf.CELL_PADDING > width + 0.01:
                too_wide.append(text)
    return too_wide


def test_the_german_group_report_says_sozialraum_and_splits_no_word(city):
    from reportlab.platypus import Table
    from reportlab.platypus.flowables import Flowable

    group = gorbitz(city)
    with translation.override("de"):
        data = report.district_report(
            territory=city.territory,
            district=None,
            group=group,
            period=None,
            compare=2022,
            basis=ChangeBasis.RELATIVE,
            threshold=10.0,
        )
        story = report.build_story(data)
        (line,) = data.lines
        assert "Prozentpunkte" in line.change  # the longest word of the table
        texts = [f.getPlainText() for f in story if hasattr(f, "getPlainText")]
        assert "Indikatoren des Sozialraums und der Stadt" in texts
        (table,) = [f for f in story if isinstance(f, Table)]
        assert _cell_words_fit(table) == []
        legend = report.report_map.draw(data.map, width=400, max_height=400)
        assert isinstance(legend, Flowable)
        strings = [getattr(s, "text", "") for s in legend.contents]
        assert any("des Sozialraums" in s for s in strings)
        assert not any("des Bezirks" in s for s in strings)
