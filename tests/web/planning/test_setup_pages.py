"""The planning set-up pages: care-rate sets (create, edit, copy to a new year, choose the
active one) and target rules (create, edit, deactivate), audited; the targets page shows a rule
created on the page beside an imported one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.services import import_file
from kitaplan.web.planning import selectors
from kitaplan.web.planning.models import CareRateSet, TargetRule
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

TARGETS = Path(__file__).resolve().parents[3] / "docs" / "examples" / "targets.csv"
RATES = {
    f"rate_{age}": rate for age, rate in enumerate(["2", "64.1", "81.2", "96.7", "96.7", "96.7"])
}


@pytest.fixture
def planner(client):
    city = make_city()
    make_user("planer", Role.PLANNER)
    client.login(username="planer", password=PASSWORD)
    client.city = city
    return client


def rate_data(**changes: str) -> dict[str, str]:
    return {"valid_from_year": "2025", "name": "", "integration_rate": "2.5", **RATES} | changes


def new_set(planner, **changes: str):
    url = reverse("planning:setup-care-rate-new") + "?territory=testcity"
    return planner.post(url, rate_data(active="on", **changes))


def test_a_planner_creates_a_care_rate_set_in_percent_stored_as_shares(planner):
    response = new_set(planner, source="Fachplan 2025")
    assert response.status_code == 302
    stored = CareRateSet.objects.get()
    assert (stored.rates["1"], stored.integration_rate, stored.active) == (0.641, 0.025, True)
    event = AuditEvent.objects.get(action="planning.care_rates_saved")
    assert event.before is None and event.after["source"] == "Fachplan 2025"
    page = planner.get(reverse("planning:setup-care-rates") + "?territory=testcity")
    assert page.status_code == 200 and [s for s, _r in page.context["rows"]] == [stored]


def test_editing_a_set_changes_it_and_is_audited_with_before_and_after(planner):
    new_set(planner)
    stored = CareRateSet.objects.get()
    url = reverse("planning:setup-care-rate-edit", args=[stored.pk])
    assert planner.get(url).context["form"].initial["rate_1"] == Decimal("64.1")
    planner.post(url, rate_data(rate_1="70", active="on"))
    stored.refresh_from_db()
    assert stored.rates["1"] == 0.7
    event = AuditEvent.objects.filter(action="planning.care_rates_saved").latest("pk")
    assert (event.before["rates"]["1"], event.after["rates"]["1"]) == (0.641, 0.7)


def test_copy_to_a_new_year_then_choose_the_active_one(planner):
    new_set(planner, name="beschlossen")
    adopted = CareRateSet.objects.get()
    copy_url = reverse("planning:setup-care-rate-copy", args=[adopted.pk])
    assert planner.get(copy_url).context["form"].initial["valid_from_year"] == 2026
    planner.post(copy_url, {"valid_from_year": "2027", "name": "beschlossen"})
    copy = CareRateSet.objects.get(valid_from_year=2027)
    assert (copy.rates, copy.active) == (adopted.rates, True)  # nothing else applied in 2027
    planner.post(copy_url, {"valid_from_year": "2025", "name": "Entwurf"})
    draft = CareRateSet.objects.get(name="Entwurf")
    assert draft.active is False  # the adopted set still applies to 2025
    assert selectors.care_rates_for(planner.city.territory, 2025)[1] == adopted
    planner.post(reverse("planning:setup-care-rate-activate", args=[draft.pk]))
    adopted.refresh_from_db()
    draft.refresh_from_db()
    assert (adopted.active, draft.active) == (False, True)
    assert selectors.care_rates_for(planner.city.territory, 2026)[1] == draft


def test_a_set_of_the_same_year_class_and_name_is_refused_on_the_form(planner):
    new_set(planner)
    response = new_set(planner)
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert CareRateSet.objects.count() == 1
    copy_url = reverse("planning:setup-care-rate-copy", args=[CareRateSet.objects.get().pk])
    response = planner.post(copy_url, {"valid_from_year": "2025", "name": ""})
    assert "name" in response.context["form"].errors


def target_data(**changes: str) -> dict[str, str]:
    return {
        "code": "1.7",
        "name": "Zwei inklusive Kitas je Stadtbezirk",
        "metric": "facilities_with_inclusion_profile",
        "comparison": "at_least",
        "threshold": "2",
        "tolerance": "1",
        "valid_from_year": "2020",
        "valid_to_year": "2027",
        "source": "Strategie 2020-2027",
    } | changes


def new_rule(planner, **changes: str):
    level = planner.city.districts[0].level
    url = reverse("planning:setup-target-new") + "?territory=testcity"
    return planner.post(url, target_data(level=str(level.pk), **changes))


def targets_page(planner, year: int = 2024) -> dict[str, object]:
    url = reverse("planning:targets") + f"?territory=testcity&year={year}"
    return {item["rule"].code: item for item in planner.get(url).context["evaluated"]}


def test_the_targets_page_shows_a_rule_created_on_the_page_and_an_imported_one(planner):
    assert new_rule(planner).status_code == 302
    run = import_file(territory=planner.city.territory, kind="targets", path=TARGETS, actor=SYSTEM)
    assert run.status == "succeeded", run.problems
    shown = targets_page(planner)
    assert {"1.7", "T.1", "T.2", "T.3"} <= set(shown)
    lights = {area.official_code: r.light.value for area, r in shown["1.7"]["results"]}
    assert lights == {"01": "red", "02": "red"}
    event = AuditEvent.objects.get(action="planning.target_rule_saved")
    assert event.after["code"] == "1.7" and event.before is None


def test_editing_and_deactivating_a_rule(planner):
    new_rule(planner)
    rule = TargetRule.objects.get()
    edit = reverse("planning:setup-target-edit", args=[rule.pk])
    assert planner.get(edit).context["form"].initial["code"] == "1.7"
    level = str(rule.level_id)
    planner.post(edit, target_data(level=level, threshold="3", valid_to_year=""))
    rule.refresh_from_db()
    assert (rule.threshold, rule.valid_to_year) == (3.0, None)
    planner.post(reverse("planning:setup-target-active", args=[rule.pk]), {"active": "0"})
    rule.refresh_from_db()
    assert rule.active is False and "1.7" not in targets_page(planner)
    listing = planner.get(reverse("planning:setup-targets") + "?territory=testcity")
    assert list(listing.context["rules"]) == [rule]  # kept, shown as deactivated
    planner.post(reverse("planning:setup-target-active", args=[rule.pk]), {"active": "1"})
    assert "1.7" in targets_page(planner)
    actions = AuditEvent.objects.filter(action="planning.target_rule_saved").count()
    assert actions == 4


def test_a_rule_outside_its_valid_years_has_no_lights(planner):
    new_rule(planner, valid_from_year="2026")
    assert targets_page(planner, 2024)["1.7"]["results"] == []


def test_rule_form_refuses_reversed_years_and_a_second_code(planner):
    response = new_rule(planner, valid_from_year="2027", valid_to_year="2020")
    assert "valid_to_year" in response.context["form"].errors
    new_rule(planner)
    response = new_rule(planner)
    assert "code" in response.context["form"].errors
    assert TargetRule.objects.count() == 1


def test_only_planners_and_admins_set_up(client):
    make_city()
    make_user("amt", Role.ALLOCATION_OFFICE)
    client.login(username="amt", password=PASSWORD)
    for name in ("planning:setup-care-rates", "planning:setup-targets"):
        assert client.get(reverse(name) + "?territory=testcity").status_code == 403
