"""The facility social index from the children's home areas: the page, its export, the budget
rule option "need level from the children's home areas"."""

from __future__ import annotations

import csv
import datetime as dt
import io
from fractions import Fraction

import pytest
from django.urls import reverse

from kitaplan.web.allocation.models import AllocationRound, AllocationRun, Application, Offer
from kitaplan.web.budget import services
from kitaplan.web.budget.selectors import facility_records
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.monitoring import facility_index
from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

#: area: (MSS status index, class) – 0101 F1's area, 0102 F2's, 0201 F3's
AREA_VALUES = {"0101": (1.2, 3), "0102": (2.0, 4), "0201": (-1.5, 1), "0202": (0.0, 2)}


def enrol(city, facility, area, n, *, status=Offer.ACCEPTED, withdrawn=False, start=0):
    """``n`` children living in ``area`` holding an offer at ``facility``."""
    round_ = AllocationRound.objects.filter(territory=city.territory).first()
    if round_ is None:
        round_ = AllocationRound.objects.create(
            territory=city.territory,
            name="Runde",
            care_start=dt.date(2026, 8, 1),
            applications_open=dt.date(2025, 11, 1),
            applications_close=dt.date(2026, 1, 31),
            offers_on=dt.date(2026, 3, 1),
        )
        AllocationRun.objects.create(
            round=round_,
            number=1,
            kind=AllocationRun.MAIN,
            seed=1,
            code_version="test",
            inputs={},
            inputs_sha256="0" * 64,
            result={},
        )
    run = round_.runs.get()
    home = next(a for a in city.areas if a.official_code == area)
    first = Application.objects.filter(round=round_).count()
    for k in range(n):
        application = Application.objects.create(
            round=round_,
            reference=f"A{first + k:05d}",
            child_name="Kind",
            birth_date=dt.date(2025, 1, 1),
            desired_start=dt.date(2026, 8, 1),
            home_area=home,
            withdrawn=withdrawn,
        )
        Offer.objects.create(
            run=run,
            application=application,
            facility=facility,
            age_group="u3",
            seat_type="regular",
            status=status,
            respond_by=dt.date(2026, 3, 15),
        )


@pytest.fixture
def city():
    city = make_city()
    index = IndicatorDefinition.objects.create(code="mss_status_index", name="Status index")
    klass = IndicatorDefinition.objects.create(code="mss_status_class", name="Status class")
    for area in city.areas:
        value, class_ = AREA_VALUES[area.official_code]
        IndicatorValue.objects.create(indicator=index, area=area, year=2020, value=value)
        IndicatorValue.objects.create(indicator=klass, area=area, year=2020, value=class_)
        # an older year must not count
        IndicatorValue.objects.create(indicator=index, area=area, year=2018, value=9.0)
    f1, f2, _f3 = city.facilities
    # F1: 6 children from 0102 (2.0), 6 from 0201 (−1.5): mean (12 − 9) / 12 = 0.25 → class 2
    enrol(city, f1, "0102", 6)
    enrol(city, f1, "0201", 6)
    enrol(city, f1, "0102", 2, status=Offer.DECLINED)  # not enrolled
    enrol(city, f1, "0102", 1, withdrawn=True)  # withdrawn: not enrolled
    # F2: 5 children from 0202 only: below the minimum of 10 → its own area 0102
    enrol(city, f2, "0202", 5)
    return city


def login(client, role=Role.PLANNER, **scope):
    user = make_user(f"u-{role.value}", role, **scope)
    client.login(username=user.username, password=PASSWORD)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return user


def test_the_needs_are_the_child_weighted_means_or_the_own_area(city):
    f1, f2, f3 = city.facilities
    table = facility_index.needs_of(
        city.territory, [(f.pk, f.area_id) for f in city.facilities]
    ).needs
    assert table[f1.pk].basis == "home_areas"
    assert (table[f1.pk].enrolled, table[f1.pk].known) == (12, 12)
    assert table[f1.pk].index == pytest.approx(0.25)
    assert table[f1.pk].need_class == 2
    assert table[f1.pk].high_need_share == pytest.approx(0.5)  # 6 of 12 from class 4
    assert table[f2.pk].basis == "own_area_fallback"
    assert table[f2.pk].known == 5
    assert (table[f2.pk].index, table[f2.pk].need_class) == (2.0, 4)
    assert table[f3.pk].basis == "own_area_fallback"
    assert table[f3.pk].enrolled == 0
    assert (table[f3.pk].index, table[f3.pk].need_class) == (-1.5, 1)
    lower = facility_index.needs_of(city.territory, [(f2.pk, f2.area_id)], min_children=5).needs
    assert lower[f2.pk].basis == "home_areas"
    assert lower[f2.pk].index == pytest.approx(0.0)


def test_the_page_lists_every_facility_with_its_basis_and_exports(client, city):
    login(client)
    url = reverse("monitoring:facility-index")
    response = client.get(url, {"territory": "testcity"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.facility.official_number for r in rows] == ["F2", "F1", "F3"]  # index, highest first
    text = response.content.decode()
    assert 'data-basis="home_areas"' in text
    assert "facility&#x27;s area (too few children known)" in text
    own = client.get(url, {"territory": "testcity", "basis": "own_area", "sort": "-known"})
    assert [r.facility.official_number for r in own.context["rows"]] == ["F1", "F2", "F3"]
    assert {r.need.basis for r in own.context["rows"]} == {"own_area"}
    exported = client.get(url, {"territory": "testcity", "format": "csv", "sort": "number"})
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [line["Facility number"] for line in lines] == ["F1", "F2", "F3"]
    assert lines[0]["Basis used"] == "children's home areas"
    assert float(lines[0]["Index used"].replace(",", ".")) == pytest.approx(0.25)
    assert float(lines[0]["Children from areas of class 3 or 4 (%)"].replace(",", ".")) == 50
    assert lines[1]["of them with a known home-area index"] == "5"
    xlsx = client.get(url, {"territory": "testcity", "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_facility_manager_sees_only_the_own_facilities(client, city):
    login(client, Role.FACILITY_MANAGER, provider=city.providers[0])
    response = client.get(reverse("monitoring:facility-index"), {"territory": "testcity"})
    assert sorted(r.facility.official_number for r in response.context["rows"]) == ["F1", "F2"]


HOME_RULE = {
    "need_basis": "home_areas",
    "min_children": 10,
    "need_classes": None,
    "min_index": None,
    "base_cents": 500_000,
    "class_weights": {"1": "1", "2": "1", "3": "3/2", "4": "2"},
    "default_weight": "1",
    "floor_cents": None,
    "cap_cents": None,
    "rounding": {"mode": "money", "unit_cents": 100},
}


def test_a_budget_run_with_the_home_areas_option_adds_up_to_the_cent(client, city):
    f1, f2, f3 = city.facilities
    records = {r["facility_id"]: r for r in facility_records(city.territory)}
    assert records[f1.pk]["need_class"] == "3"  # default: the facility's area
    assert records[f1.pk]["need_basis"] == "own_area"
    budget = services.create_budget(
        territory=city.territory, actor=SYSTEM, year=2026, total_cents=12_345_600, source="Test"
    )
    run = services.create_run(budget=budget, rule=HOME_RULE, actor=SYSTEM)
    inputs = {r["facility_id"]: r for r in run.inputs}
    assert (inputs[f1.pk]["need_class"], inputs[f1.pk]["need_basis"]) == ("2", "home_areas")
    assert inputs[f1.pk]["index_value"] == pytest.approx(0.25)
    assert inputs[f1.pk]["own_need_class"] == "3"
    assert (inputs[f2.pk]["need_class"], inputs[f2.pk]["need_basis"]) == (
        "4",
        "own_area_fallback",
    )
    assert inputs[f3.pk]["need_class"] == "1"
    shares = {s.facility_id: s for s in run.shares.all()}
    assert sum(s.amount_cents for s in shares.values()) == 12_345_600
    for share in shares.values():
        assert sum(t["cents"] for t in share.terms) == share.amount_cents
    # weighted children: F1 30 × 1 (class 2), F2 20 × 2 (class 4), F3 42 × 1 (class 1) = 112;
    # pot = 123,456 − 3 × 5,000 = 108,456 EUR → F1 5,000 + 30/112 × 108,456 = 34,050.71,
    # F2 5,000 + 40/112 × 108,456 = 43,734.29, F3 5,000 + 42/112 × 108,456 = 45,671.00;
    # whole euros 34,050 + 43,734 + 45,671 = 123,455, the last euro to F1 (largest remainder)
    children = dict(next(t for t in shares[f1.pk].terms if t["code"] == "children")["values"])
    assert Fraction(children["weight"]) == 1
    assert shares[f1.pk].amount_cents == 3_405_100
    assert shares[f2.pk].amount_cents == 4_373_400
    assert shares[f3.pk].amount_cents == 4_567_100
    assert services.reproduce(run)
    login(client)
    page = client.get(reverse("budget:run"), {"run": run.pk})
    assert 'data-basis="home_areas"' in page.content.decode()
    assert "Need level from the children&#x27;s home areas" in page.content.decode()
    share = client.get(reverse("budget:shares"), {"share": shares[f2.pk].pk})
    assert share.status_code == 200
    text = share.content.decode()
    assert (
        "basis of the need level: the facility&#x27;s area (too few children with a known home area)"
        in text
    )
    assert "5 children with an accepted place live in areas with an index value" in text
