"""The Sozialraumbudget slice: runs add up, terms explain, reruns reproduce, publishing freezes,
facility managers see only their own shares, use reports are audited, exports have one row per
share."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.budget import services
from kitaplan.web.budget.models import BudgetRun, BudgetShareRecord, FrozenRunError, UseReport
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

RULE = {
    "need_classes": ["3", "4"],
    "min_index": None,
    "base_cents": 500_000,
    "class_weights": {"3": "1", "4": "3/2"},
    "default_weight": "1",
    "floor_cents": None,
    "cap_cents": None,
    "rounding": {"mode": "money", "unit_cents": 100},
}


@pytest.fixture
def city():
    city = make_city()
    indicator = IndicatorDefinition.objects.create(code="mss_status_class", name="MSS class")
    # F1 in 0101 (class 3), F2 in 0102 (class 4), F3 in 0201 (class 4); 0202 class 1.
    for area, value in zip(city.areas, (3, 4, 4, 1), strict=True):
        IndicatorValue.objects.create(indicator=indicator, area=area, year=2021, value=value)
        IndicatorValue.objects.create(indicator=indicator, area=area, year=2019, value=1)
    return city


def euro_budget(city, cents=10_000_000):
    return services.create_budget(
        territory=city.territory, actor=SYSTEM, year=2026, total_cents=cents, source="Test"
    )


def login(client, role, city, name=None):
    provider = city.providers[0] if role == Role.FACILITY_MANAGER else None
    user = make_user(name or f"u-{role.value}", role, provider=provider)
    client.login(username=user.username, password=PASSWORD)
    return user


def test_the_need_class_is_the_latest_mss_class_of_the_facility_area(city):
    from kitaplan.web.budget.selectors import facility_records

    records = {r["official_number"]: r for r in facility_records(city.territory)}
    assert records["F1"]["need_class"] == "3"
    assert records["F2"]["need_class"] == "4"
    assert records["F1"]["children"] == 30  # places u3 10 + ue3 20
    assert records["F3"]["district_name"] == "District 2"


def test_a_run_allocates_the_whole_budget_to_the_cent_and_every_share_is_its_terms(city):
    budget = euro_budget(city, 12_345_600)
    run = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    shares = list(run.shares.all())
    assert len(shares) == 3
    assert sum(s.amount_cents for s in shares) == budget.total_cents
    for share in shares:
        assert sum(t["cents"] for t in share.terms) == share.amount_cents
        assert share.terms[0]["code"] == "base" and share.terms[-1]["code"] == "rounding"
    assert run.version == 1 and run.status == BudgetRun.DRAFT
    assert AuditEvent.objects.filter(action="budget.run_created").count() == 1


def test_staff_position_rounding_reports_the_rest_as_unallocated(city):
    budget = euro_budget(city, 30_000_000)
    rule = {
        **RULE,
        "base_cents": 0,
        "rounding": {"mode": "staff", "annual_cost_cents": 7_000_000, "step": "1/4"},
    }
    run = services.create_run(budget=budget, rule=rule, actor=SYSTEM)
    allocated = sum(s.amount_cents for s in run.shares.all())
    assert allocated + run.unallocated_cents == budget.total_cents
    assert all(s.staff_positions for s in run.shares.all())


def test_a_rerun_of_the_same_rule_and_data_reproduces_the_shares_exactly(city):
    budget = euro_budget(city)
    first = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    second = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    assert second.version == 2

    def shares(run):
        return [
            (s.facility_id, s.amount_cents, s.terms) for s in run.shares.order_by("facility_id")
        ]

    assert shares(first) == shares(second)
    assert services.reproduce(first)


def test_publishing_freezes_the_run_and_its_shares(city):
    budget = euro_budget(city)
    run = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    services.publish_run(run=run, actor=SYSTEM)
    run.refresh_from_db()
    assert run.is_published and run.published_at
    run.rule = {**RULE, "base_cents": 0}
    with pytest.raises(FrozenRunError):
        run.save()
    share = run.shares.first()
    share.amount_cents += 100
    with pytest.raises(FrozenRunError):
        share.save()
    with pytest.raises(FrozenRunError):
        share.delete()
    with pytest.raises(FrozenRunError):
        services.publish_run(run=run, actor=SYSTEM)
    run.refresh_from_db()
    assert run.rule == {**RULE, "need_indicator": "", "higher_is_more_need": True}
    assert AuditEvent.objects.filter(action="budget.run_published").count() == 1
    # A new rule makes a new version.
    again = services.create_run(budget=budget, rule={**RULE, "cap_cents": 5_000_000}, actor=SYSTEM)
    assert again.version == 2 and not again.is_published


def test_only_planners_create_and_publish(city):
    budget = euro_budget(city)
    manager = make_user("m", Role.FACILITY_MANAGER, provider=city.providers[0])
    office = make_user("o", Role.ALLOCATION_OFFICE)
    for actor in (manager, office):
        with pytest.raises(PermissionDenied):
            services.create_run(budget=budget, rule=RULE, actor=actor)


def test_a_facility_manager_sees_only_own_published_shares(client, city):
    budget = euro_budget(city)
    run = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    login(client, Role.FACILITY_MANAGER, city)
    own = run.shares.get(facility=city.facilities[0])
    other = run.shares.get(facility=city.facilities[2])
    # Drafts are not shown to providers.
    assert client.get(reverse("budget:shares") + f"?share={own.pk}").status_code == 404
    services.publish_run(run=run, actor=SYSTEM)
    listing = client.get(reverse("budget:shares"))
    assert listing.status_code == 200
    assert {r["share"].facility.official_number for r in listing.context["rows"]} == {"F1", "F2"}
    assert client.get(reverse("budget:shares") + f"?share={own.pk}").status_code == 200
    assert client.get(reverse("budget:shares") + f"?share={other.pk}").status_code == 404
    response = client.post(
        reverse("budget:shares") + f"?share={other.pk}",
        {"share": other.pk, "amount_spent_euros": "1", "purpose": "x"},
    )
    assert response.status_code == 404
    assert client.get(reverse("budget:run") + f"?run={run.pk}").status_code == 403
    export = client.get(reverse("budget:shares") + "?format=csv").content.decode("utf-8-sig")
    assert "Kita F1" in export and "Kita F3" not in export
    assert not UseReport.objects.exists()


def test_a_use_report_is_stored_and_audited(client, city):
    budget = euro_budget(city)
    run = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    services.publish_run(run=run, actor=SYSTEM)
    own = run.shares.get(facility=city.facilities[0])
    user = login(client, Role.FACILITY_MANAGER, city)
    response = client.post(
        reverse("budget:shares") + f"?share={own.pk}",
        {
            "share": own.pk,
            "amount_spent_euros": "1234.56",
            "purpose": "Kita-Sozialarbeit",
            "staff": "0,5 VZÄ",
        },
    )
    assert response.status_code == 302
    report = UseReport.objects.get()
    assert report.amount_spent_cents == 123_456 and report.reported_by == user
    event = AuditEvent.objects.get(action="budget.use_reported")
    assert event.after["amount_spent_cents"] == 123_456
    # A provider manager of another provider may not report; an allocation office neither.
    other_manager = make_user("other", Role.FACILITY_MANAGER, provider=city.providers[1])
    with pytest.raises(PermissionDenied):
        services.report_use(share=own, actor=other_manager, amount_spent_cents=1, purpose="x")
    with pytest.raises(PermissionDenied):
        services.report_use(
            share=own,
            actor=make_user("o", Role.ALLOCATION_OFFICE),
            amount_spent_cents=1,
            purpose="x",
        )
    # The planner sees use against allocation.
    client.logout()
    login(client, Role.PLANNER, city)
    page = client.get(reverse("budget:run") + f"?run={run.pk}")
    assert page.status_code == 200
    assert page.context["reported_total"] == "1.234,56 €"


def test_the_run_export_has_one_row_per_share(client, city):
    budget = euro_budget(city)
    run = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    login(client, Role.PLANNER, city)
    response = client.get(reverse("budget:run") + f"?run={run.pk}&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    body = [r for r in rows[1:] if r]
    assert len(body) == run.shares.count() == 3
    xlsx = client.get(reverse("budget:run") + f"?run={run.pk}&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_planner_builds_a_rule_publishes_and_compares(client, city):
    budget = euro_budget(city)
    login(client, Role.PLANNER, city)
    assert client.get(reverse("budget:overview")).status_code == 200
    form = {
        "action": "run",
        "budget": budget.pk,
        "need_classes": ["3", "4"],
        "base_euros": "5000",
        "weight_3": "1",
        "weight_4": "1.5",
        "cap_euros": "",
        "floor_euros": "",
        "rounding": "money",
        "unit_euros": "1",
        "step": "1/4",
    }
    response = client.post(reverse("budget:overview"), form)
    assert response.status_code == 302, response.context and response.context["rule_form"].errors
    first = BudgetRun.objects.get()
    assert first.rule["class_weights"] == {"3": "1", "4": "3/2"}
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["adds_up"] and page.context["reproduced"]
    assert "Sockelbetrag" in page.content.decode() or "Base amount" in page.content.decode()
    client.post(reverse("budget:run"), {"action": "publish", "run": first.pk})
    first.refresh_from_db()
    assert first.is_published
    client.post(reverse("budget:overview"), {**form, "need_classes": ["4"]})
    second = BudgetRun.objects.get(version=2)
    page = client.get(reverse("budget:run") + f"?run={first.pk}&compare={second.pk}")
    comparison = page.context["comparison"]
    assert comparison["losing"] == 1  # F1 (class 3) drops out
    assert {a["name"] for a in comparison["areas"]} == {"District 1", "District 2"}
    # A rule the budget cannot carry is refused with a message, nothing stored.
    response = client.post(reverse("budget:overview"), {**form, "base_euros": "60000"})
    assert response.status_code == 200 and response.context["rule_error"]
    assert BudgetRun.objects.count() == 2


def test_the_run_page_without_a_run_shows_a_chooser(client, city):
    login(client, Role.PLANNER, city)
    assert client.get(reverse("budget:run")).status_code == 200
    run = services.create_run(budget=euro_budget(city), rule=RULE, actor=SYSTEM)
    response = client.get(reverse("budget:run"))
    assert list(response.context["choices"]) == [run]


def test_shares_are_unique_per_run(city):
    run = services.create_run(budget=euro_budget(city), rule=RULE, actor=SYSTEM)
    assert BudgetShareRecord.objects.filter(run=run).values("facility").distinct().count() == 3
