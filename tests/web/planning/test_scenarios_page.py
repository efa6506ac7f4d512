"""Planning scenarios: changes beside the baseline, target lights, no real data touched."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.planning import scenario_services, selectors
from kitaplan.web.planning.accessibility_selectors import Ages, Offer, accessibility_for
from kitaplan.web.planning.models import TargetRule
from kitaplan.web.planning.scenario_models import Scenario, ScenarioChange
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

DETAIL = reverse("planning:scenario-detail")
User = get_user_model()


@pytest.fixture
def city():
    city = make_city()
    # District 1 (F1, F2) has no integration places: its integration target is red.
    FacilityPlaces.objects.filter(facility__in=city.facilities[:2]).update(integration_places=0)
    TargetRule.objects.create(
        territory=city.territory,
        code="3.1",
        name="Integrationsplätze je Bezirk",
        metric="integration_places_per_demand",
        level=city.districts[0].level,
        threshold=1.0,
        tolerance=0.1,
    )
    return city


@pytest.fixture
def planner(client, city):
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    return client


def create(client, name="Mehr Integration", shared=True) -> Scenario:
    data = {"name": name, "description": "Test", **({"shared": "on"} if shared else {})}
    response = client.post(reverse("planning:scenario-new") + "?territory=testcity", data)
    assert response.status_code == 302
    return Scenario.objects.get(name=name)


def add(client, scenario, kind, **fields):
    data = {"kind": kind, **{f"{kind}-{k}": v for k, v in fields.items()}}
    return client.post(f"{DETAIL}?scenario={scenario.pk}", data)


def show(client, scenario, **query):
    params = "&".join(f"{k}={v}" for k, v in {"scenario": scenario.pk, **query}.items())
    response = client.get(f"{DETAIL}?{params}")
    assert response.status_code == 200
    return response


def test_integration_places_in_a_district_turn_its_light_green(planner, city):
    scenario = create(planner)
    places_before = list(FacilityPlaces.objects.order_by("pk").values())
    response = add(
        planner,
        scenario,
        "change_places",
        facility="F1",
        u3_delta=0,
        ue3_delta=0,
        integration_delta=3,
    )
    assert response.status_code == 302
    response = show(planner, scenario, year=2024)
    [item] = response.context["rules"]
    changed = {area.official_code: (b.light.value, a.light.value) for area, b, a in item["changed"]}
    assert changed == {"01": ("red", "green")}
    rows = response.context["rows"]
    assert [r.area.official_code for r in rows] == ["01"]
    integration = rows[0].groups[2]
    assert (integration["baseline"].places, integration["scenario"].places) == (0, 3)
    assert response.context["totals"].groups[2]["scenario"].places == 5
    content = response.content.decode()
    assert 'data-area="01"' in content
    # the real places are untouched
    assert list(FacilityPlaces.objects.order_by("pk").values()) == places_before
    [(_rule, results)], _areas = selectors.evaluate_rules(territory=city.territory, year=2024)
    real = {r.area: r.light.value for r in results}
    assert real[city.districts[0].pk] == "red"


def test_closing_a_facility_reduces_the_places_of_its_district(planner, city):
    scenario = create(planner)
    assert add(planner, scenario, "close", facility="F3").status_code == 302
    response = show(planner, scenario, year=2024)
    [row] = response.context["rows"]
    assert row.area.official_code == "02"
    u3, ue3, _integration = row.groups
    assert (u3["baseline"].places, u3["scenario"].places) == (12, 0)
    assert (ue3["baseline"].places, ue3["scenario"].places) == (30, 0)
    assert ue3["scenario"].balance < ue3["baseline"].balance


def test_open_and_convert_at_the_finest_level(planner, city):
    FacilityPlaces.objects.filter(facility=city.facilities[1]).update(special_needs_group_places=8)
    scenario = create(planner)
    assert (
        add(
            planner,
            scenario,
            "open",
            key="Kita Neu",
            area_code="0202",
            places_u3=10,
            places_ue3=20,
            integration_places=2,
        ).status_code
        == 302
    )
    assert (
        add(
            planner, scenario, "convert", facility="F2", places=8, to_integration_places=10
        ).status_code
        == 302
    )
    level = city.areas[0].level
    response = show(planner, scenario, year=2024, level=level.pk)
    rows = {r.area.official_code: r for r in response.context["rows"]}
    assert set(rows) == {"0102", "0202"}
    assert rows["0202"].groups[0]["scenario"].places == 10
    assert rows["0102"].groups[1]["scenario"].places == 25
    assert rows["0102"].groups[2]["scenario"].places == 10


def test_impossible_changes_are_refused(planner, city):
    scenario = create(planner)
    response = add(
        planner,
        scenario,
        "change_places",
        facility="F1",
        u3_delta=-11,
        ue3_delta=0,
        integration_delta=0,
    )
    assert response.status_code == 200
    assert response.context["forms"][0][2].non_field_errors()
    response = add(planner, scenario, "close", facility="F9")
    assert response.status_code == 200
    assert "facility" in response.context["forms"][1][2].errors
    response = add(
        planner,
        scenario,
        "open",
        key="x",
        area_code="01",
        places_u3=1,
        places_ue3=1,
        integration_places=0,
    )
    assert "area_code" in response.context["forms"][2][2].errors
    assert not ScenarioChange.objects.exists()


def test_a_change_can_be_removed(planner, city):
    scenario = create(planner)
    add(planner, scenario, "close", facility="F3")
    change = scenario.changes.get()
    response = planner.post(
        f"{DETAIL}?scenario={scenario.pk}", {"action": "delete", "change": change.pk}
    )
    assert response.status_code == 302
    assert not scenario.changes.exists()


def test_every_write_is_audited(planner, city):
    scenario = create(planner)
    add(planner, scenario, "close", facility="F3")
    planner.post(
        f"{DETAIL}?scenario={scenario.pk}",
        {"action": "delete", "change": scenario.changes.get().pk},
    )
    events = list(AuditEvent.objects.filter(target_type="planning.scenario").order_by("pk"))
    assert [e.details["operation"] for e in events] == [
        "planning.scenario_created",
        "planning.scenario_change_added",
        "planning.scenario_change_deleted",
    ]
    assert all(e.actor_label == "planer" for e in events)


def test_staff_may_view_shared_scenarios_but_not_change_them(client, city):
    owner = make_user("planer", Role.PLANNER)
    scenario = scenario_services.create_scenario(
        territory=city.territory, actor=owner, name="Geteilt", shared=True
    )
    draft = scenario_services.create_scenario(
        territory=city.territory, actor=owner, name="Entwurf", shared=False
    )
    make_user("amt", Role.ALLOCATION_OFFICE)
    client.login(username="amt", password=PASSWORD)
    listing = client.get(reverse("planning:scenario-list") + "?territory=testcity")
    assert [s.name for s in listing.context["scenarios"]] == ["Geteilt"]
    assert show(client, scenario).context["can_change"] is False
    assert client.get(f"{DETAIL}?scenario={draft.pk}").status_code == 404
    assert add(client, scenario, "close", facility="F3").status_code == 403
    assert client.get(reverse("planning:scenario-new") + "?territory=testcity").status_code == 403
    assert not scenario.changes.exists()


def test_the_comparison_exports_as_csv_and_excel(planner, city):
    scenario = create(planner)
    add(planner, scenario, "close", facility="F3")
    csv = planner.get(f"{DETAIL}?scenario={scenario.pk}&year=2024&format=csv")
    text = csv.content.decode("utf-8-sig")
    assert "places_u3_scenario" in text or "Plätze" in text or "Places" in text
    assert "District 2" in text and "District 1" not in text
    xlsx = planner.get(f"{DETAIL}?scenario={scenario.pk}&year=2024&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_baseline_is_the_real_balance_and_targets(city):
    scenario = Scenario.objects.create(territory=city.territory, name="leer")
    comparison = scenario_services.compare(scenario, year=2024)
    metrics, _areas = selectors.area_metrics(territory=city.territory, year=2024)
    assert comparison.baseline.metrics == metrics
    assert comparison.scenario.metrics == metrics
    balances = selectors.balance_for(territory=city.territory, year=2024)[0]
    assert comparison.baseline.balances == balances


def open_at(client, scenario, lat, lon, **fields):
    data = {
        "key": "Kita am Park",
        "area_code": "",
        "lat": lat,
        "lon": lon,
        "places_u3": 10,
        "places_ue3": 20,
        "integration_places": 2,
        **fields,
    }
    return add(client, scenario, "open", **data)


def test_a_new_facility_opens_at_a_location(planner, city):
    scenario = create(planner)
    assert open_at(planner, scenario, 52.004, 13.036).status_code == 302
    change = scenario.changes.get()
    assert change.area.official_code == "0202"
    assert (change.parameters["lat"], change.parameters["lon"]) == (52.004, 13.036)
    assert "key" in change.parameters and "area_code" not in change.parameters
    response = show(planner, scenario, year=2024, level=city.areas[0].level.pk)
    assert [r.area.official_code for r in response.context["rows"]] == ["0202"]


def test_a_location_outside_every_area_is_refused(planner, city):
    scenario = create(planner)
    response = open_at(planner, scenario, 52.5, 13.4)
    assert response.status_code == 200
    form = response.context["forms"][2][2]
    assert "außerhalb aller Gebiete" in " ".join(form.errors["lat"])
    response = open_at(planner, scenario, 52.004, "")
    assert "lon" in response.context["forms"][2][2].errors
    response = open_at(planner, scenario, "", "")
    assert "area_code" in response.context["forms"][2][2].errors
    response = open_at(planner, scenario, 52.004, 13.036, area_code="0101")
    assert "area_code" in response.context["forms"][2][2].errors
    assert not ScenarioChange.objects.exists()


def test_an_inclusive_facility_brings_inclusion_close_to_home(planner, city):
    Facility.objects.filter(official_number="F1").update(inclusion_profile=True)
    scenario = create(planner)
    fine = city.areas[0].level
    before = show(planner, scenario, year=2024, level=fine.pk).context
    assert before["access_rows"] == []
    # far from F1 (the only inclusive facility): 0202 is over 2 km away from it
    assert open_at(planner, scenario, 52.005, 13.035, inclusion_profile="on").status_code == 302
    response = show(planner, scenario, year=2024, level=fine.pk)
    rows = {r.area.official_code: r for r in response.context["access_rows"]}
    assert "0202" in rows and "0101" not in rows
    _any, _integration, inclusion = rows["0202"].shares
    assert inclusion == (0.0, 100.0)
    total = response.context["access_total"].shares
    assert total[2][1] > total[2][0]
    # the baseline stays the close-to-home page's figure
    assert [b for b, _a in total] == [b for b, _a in before["access_total"].shares]
    real = accessibility_for(
        user=User.objects.get(username="planer"),
        territory=city.territory,
        year=2024,
        ages=Ages.U6,
        offer=Offer.INCLUSION,
    )
    assert total[2][0] == pytest.approx(real.share_percent)
    assert {r.area.official_code: r.share_percent for r in real.rows}["0202"] == 0.0
    assert "Wohnortnähe: Ausgangsstand → Szenario" in response.content.decode()


def test_the_comparison_shows_whole_numbers_with_german_grouping(planner, city):
    """Issue 17: place counts and balances showed decimals ("29067,9") and no thousands
    separators; they are whole numbers grouped the German way ("12.345")."""
    scenario = create(planner)
    opened = add(
        planner,
        scenario,
        "open",
        key="Kita Groß",
        area_code="0202",
        places_u3=12345,
        places_ue3=20,
        integration_places=2,
    )
    assert opened.status_code == 302
    html = show(planner, scenario, year=2024).content.decode()
    table = re.search(r"<table[^>]*>\s*<caption[^>]*>Plätze und Saldo je.*?</table>", html, re.S)
    assert table is not None
    cells = re.findall(r'kern-table__cell--numeric">([^<]*)</td>', table.group(0))
    assert cells and all(re.fullmatch(r"-?\d{1,3}(\.\d{3})*", c) for c in cells), cells
    assert "12.357" in cells  # district 2: F3's 12 places under 3 and the new 12,345
