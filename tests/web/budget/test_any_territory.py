"""Budgets for any territory (issue 13): the need level from any indicator with its direction,
tiers by rank (Kreis Heinsberg 2020/21), and a Land's split across its Jugendämter by weighted
counts (RLP 40/60, 51.25 M EUR in 2022) -- set up, run, page, export, publish.

Heinsberg's per-Kita scores are not published: the scores here are made up, the tier amounts
and the total are the published ones. RLP's per-Jugendamt counts and amounts are not at hand
(only Kusel 2022 = 829,505 EUR): the counts are made up and the tests check the properties.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter
from fractions import Fraction

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.budget import services
from kitaplan.web.budget.models import AreaBudget, AreaShareRecord, BudgetRun, FrozenRunError
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces, Provider
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    IndicatorDefinition,
    IndicatorValue,
    Territory,
)
from tests.web.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def login_planner(client):
    user = make_user("planner", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    return user


def heinsberg(kitas: int = 16) -> Territory:
    """A Kreis with one Kita per area; the area's score (made up): Kita k has 100 - k."""
    territory = Territory.objects.create(code="heinsberg", name="Kreis Heinsberg")
    level = AreaLevel.objects.create(territory=territory, code="ort", name="Ort", rank=1)
    provider = Provider.objects.create(
        territory=territory, official_number="T1", name="Träger", provider_type="non_profit"
    )
    score = IndicatorDefinition.objects.create(
        code="pluskita_score", name="plusKITA score", direction="higher_is_worse"
    )
    for k in range(1, kitas + 1):
        area = Area.objects.create(
            territory=territory,
            level=level,
            official_code=f"{k:02d}",
            name=f"Ort {k}",
            path=f"{k:02d}",
        )
        IndicatorValue.objects.create(indicator=score, area=area, year=2019, value=100 - k)
        facility = Facility.objects.create(
            territory=territory,
            official_number=f"K{k:02d}",
            name=f"Kita {k}",
            provider=provider,
            area=area,
            lat=51.0,
            lon=6.1,
        )
        FacilityPlaces.objects.create(
            facility=facility, valid_from=dt.date(2019, 1, 1), places_u3=10, places_ue3=40
        )
    return territory


def test_set_up_stores_the_chosen_indicator_and_direction_and_audits(client):
    territory = heinsberg(3)
    login_planner(client)
    url = reverse("budget:overview") + "?territory=heinsberg"
    page = client.get(url)
    assert page.status_code == 200
    assert "pluskita_score" in page.content.decode()
    response = client.post(
        url,
        {
            "action": "budget",
            "year": 2020,
            "total_euros": "330000",
            "source": "Erlass 18.11.2019",
            "need_indicator": "pluskita_score",
            "higher_is_more_need": "0",
        },
    )
    assert response.status_code == 302
    budget = AreaBudget.objects.get(territory=territory)
    assert (budget.need_indicator, budget.higher_is_more_need) == ("pluskita_score", False)
    event = AuditEvent.objects.filter(action="budget.created").latest("pk")
    assert event.after["need_indicator"] == "pluskita_score"
    assert "pluskita_score" in client.get(url).content.decode()


def test_an_unknown_indicator_is_refused_on_the_set_up_page(client):
    heinsberg(1)
    login_planner(client)
    response = client.post(
        reverse("budget:overview") + "?territory=heinsberg",
        {
            "action": "budget",
            "year": 2020,
            "total_euros": "1",
            "source": "x",
            "need_indicator": "no_such_code",
            "higher_is_more_need": "1",
        },
    )
    assert response.status_code == 200
    assert not AreaBudget.objects.exists()


def test_heinsberg_tiers_by_rank_on_the_page_reproduce_330000(client):
    territory = heinsberg()
    budget = services.create_budget(
        territory=territory,
        actor=SYSTEM,
        year=2020,
        total_cents=33_000_000,
        source="Erlass 18.11.2019",
        need_indicator="pluskita_score",
    )
    login_planner(client)
    response = client.post(
        reverse("budget:overview") + "?territory=heinsberg",
        {
            "action": "run",
            "budget": budget.pk,
            "allocation": "tiers",
            "need_basis": "own_area",
            "base_euros": "0",
            "rounding": "money",
            "unit_euros": "1",
            "step": "1/4",
            "tier1_count": 10,
            "tier1_euros": "31500",
            "tier2_count": 3,
            "tier2_euros": "5000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = BudgetRun.objects.get(budget=budget)
    assert run.rule["need_indicator"] == "pluskita_score"
    amounts = {s.facility.official_number: s.amount_cents for s in run.shares.all()}
    assert sorted(amounts.values(), reverse=True) == [3_150_000] * 10 + [500_000] * 3
    assert sum(amounts.values()) == 33_000_000 and run.unallocated_cents == 0
    assert {k for k, v in amounts.items() if v == 500_000} == {"K11", "K12", "K13"}
    assert "K14" not in amounts
    assert services.reproduce(run)

    page = client.get(reverse("budget:run") + f"?run={run.pk}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "pluskita_score" in text  # the indicator is shown with the run
    assert "31.500,00" in text and "5.000,00" in text
    export = client.get(reverse("budget:run") + f"?run={run.pk}&format=csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 13

    # A column holds each share's tier term: 10 times 31,500 and 3 times 5,000 EUR.
    def amounts_of(column):
        try:
            return Counter(float(r[column].replace(",", ".")) for r in rows)
        except ValueError:
            return None

    assert Counter({31500.0: 10, 5000.0: 3}) in [amounts_of(c) for c in rows[0]]

    services.publish_run(run=run, actor=SYSTEM)
    provider = Provider.objects.get(territory=territory)
    letter = client.get(reverse("budget:provider-letter", args=[run.pk, provider.pk]))
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"


def test_lower_is_more_need_ranks_the_smallest_value_first():
    territory = heinsberg(5)
    budget = services.create_budget(
        territory=territory,
        actor=SYSTEM,
        year=2020,
        total_cents=300,
        source="x",
        need_indicator="pluskita_score",
        higher_is_more_need=False,
    )
    rule = {"allocation": "tiers", "tiers": [{"count": 2, "amount_cents": 150}]}
    run = services.create_run(budget=budget, rule=rule, actor=SYSTEM)
    assert {s.facility.official_number for s in run.shares.all()} == {"K05", "K04"}


# --------------------------------------------------------------------------- RLP

#: Made-up counts (children under 7, under 7 in SGB II households) of five Jugendämter.
RLP = {
    "07336": ("Kusel", 3_900, 610),
    "07315": ("Mainz", 14_100, 2_985),
    "07314": ("Ludwigshafen", 11_200, 3_407),
    "07211": ("Trier", 6_300, 1_103),
    "07143": ("Westerwaldkreis", 11_800, 1_211),
}


def rlp() -> Territory:
    """The Land as a territory whose areas are the Jugendamtsbezirke, counts as indicators."""
    territory = Territory.objects.create(code="rlp", name="Rheinland-Pfalz")
    level = AreaLevel.objects.create(
        territory=territory, code="jugendamt", name="Jugendamtsbezirk", rank=1
    )
    u7 = IndicatorDefinition.objects.create(code="children_u7", name="Kinder unter 7")
    sgb2 = IndicatorDefinition.objects.create(
        code="children_u7_sgb2", name="Kinder unter 7 in SGB-II-Bedarfsgemeinschaften"
    )
    for code, (name, a, b) in RLP.items():
        area = Area.objects.create(
            territory=territory, level=level, official_code=code, name=name, path=code
        )
        IndicatorValue.objects.create(indicator=u7, area=area, year=2021, value=a)
        IndicatorValue.objects.create(indicator=sgb2, area=area, year=2021, value=b)
        IndicatorValue.objects.create(indicator=u7, area=area, year=2019, value=1)
    return territory


def post_rlp_rule(client, budget, first="40", second="60"):
    return client.post(
        reverse("budget:overview") + "?territory=rlp",
        {
            "action": "run",
            "budget": budget.pk,
            "allocation": "counts",
            "base_euros": "0",
            "rounding": "money",
            "unit_euros": "1",
            "step": "1/4",
            "count1_indicator": "children_u7",
            "count1_percent": first,
            "count2_indicator": "children_u7_sgb2",
            "count2_percent": second,
        },
    )


@pytest.fixture
def rlp_budget():
    return services.create_budget(
        territory=rlp(), actor=SYSTEM, year=2022, total_cents=5_125_000_000, source="KiTaG § 25"
    )


def test_rlp_split_on_the_page_is_exact_to_the_cent_with_every_term(client, rlp_budget):
    login_planner(client)
    response = post_rlp_rule(client, rlp_budget)
    assert response.status_code == 302, response.content.decode()[:3000]
    run = BudgetRun.objects.get(budget=rlp_budget)
    shares = {s.area.official_code: s for s in run.area_shares.select_related("area")}
    assert len(shares) == 5
    assert sum(s.amount_cents for s in shares.values()) == 5_125_000_000
    u7 = sum(a for _n, a, _b in RLP.values())
    sgb2 = sum(b for _n, _a, b in RLP.values())
    for code, (_name, a, b) in RLP.items():
        exact = 5_125_000_000 * (
            Fraction(2, 5) * Fraction(a, u7) + Fraction(3, 5) * Fraction(b, sgb2)
        )
        share = shares[code]
        assert Fraction(share.exact_cents) == exact
        assert share.amount_cents in (math.floor(exact), math.ceil(exact))
        assert [t["count"] for t in share.terms] == [a, b]
        assert [t["weight"] for t in share.terms] == ["2/5", "3/5"]
        assert [t["total"] for t in share.terms] == [u7, sgb2]
    assert services.reproduce(run)
    event = AuditEvent.objects.filter(action="budget.run_created").latest("pk")
    assert event.after["allocated_cents"] == 5_125_000_000

    url = reverse("budget:run") + f"?run={run.pk}"
    text = client.get(url).content.decode()
    assert "Kusel" in text and "Kinder unter 7" in text and "51.250.000,00" in text
    export = client.get(url + "&format=csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 5
    kusel = next(r for r in rows if "Kusel" in r.values())
    assert "3900" in kusel.values() and "610" in kusel.values()
    workbook = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    sheet = workbook.active
    assert sheet.max_row == 6
    pdf = client.get(url + "&format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_rlp_weights_not_adding_up_to_100_are_refused_in_german(client, rlp_budget):
    login_planner(client)
    response = post_rlp_rule(client, rlp_budget, "40", "50")
    assert response.status_code == 200
    assert "100" in response.content.decode()
    assert not BudgetRun.objects.exists()


def test_rlp_published_area_shares_are_frozen(rlp_budget):
    rule = {
        "allocation": "counts",
        "counts": [
            {"indicator": "children_u7", "weight": "2/5"},
            {"indicator": "children_u7_sgb2", "weight": "3/5"},
        ],
    }
    run = services.create_run(budget=rlp_budget, rule=rule, actor=SYSTEM)
    services.publish_run(run=run, actor=SYSTEM)
    share = AreaShareRecord.objects.filter(run=run).first()
    assert share is not None
    share.amount_cents += 1
    with pytest.raises(FrozenRunError):
        share.save()


def test_one_count_at_100_percent_splits_by_that_count_alone(client, rlp_budget):
    login_planner(client)
    response = client.post(
        reverse("budget:overview") + "?territory=rlp",
        {
            "action": "run",
            "budget": rlp_budget.pk,
            "allocation": "counts",
            "base_euros": "0",
            "rounding": "money",
            "unit_euros": "1",
            "step": "1/4",
            "count1_indicator": "children_u7",
            "count1_percent": "100",
        },
    )
    assert response.status_code == 302
    assert BudgetRun.objects.get().area_shares.count() == 5


def test_a_split_across_areas_is_neither_compared_with_facility_runs_nor_evaluated(client):
    territory = heinsberg(3)
    budget = services.create_budget(
        territory=territory,
        actor=SYSTEM,
        year=2020,
        total_cents=300,
        source="x",
        need_indicator="pluskita_score",
    )
    tiers = services.create_run(
        budget=budget,
        rule={"allocation": "tiers", "tiers": [{"count": 3, "amount_cents": 100}]},
        actor=SYSTEM,
    )
    counts = services.create_run(
        budget=budget,
        rule={"allocation": "counts", "counts": [{"indicator": "pluskita_score", "weight": "1"}]},
        actor=SYSTEM,
    )
    assert counts.area_shares.count() == 3
    services.publish_run(run=tiers, actor=SYSTEM)
    login_planner(client)
    url = reverse("budget:run") + f"?run={tiers.pk}"
    page = client.get(url)
    assert page.status_code == 200
    # the area split is not offered in the "compare with" choice (other runs of the budget)
    assert counts not in page.context["other_runs"]
    assert client.get(url + f"&compare={counts.pk}").status_code == 404
    assert client.get(reverse("budget:evaluation")).status_code == 200

    rlp_budget = services.create_budget(
        territory=rlp(), actor=SYSTEM, year=2022, total_cents=100, source="x"
    )
    split = services.create_run(
        budget=rlp_budget,
        rule={"allocation": "counts", "counts": [{"indicator": "children_u7", "weight": "1"}]},
        actor=SYSTEM,
    )
    services.publish_run(run=split, actor=SYSTEM)
    page = client.get(reverse("budget:evaluation"))
    assert page.status_code == 200
    assert f'value="{rlp_budget.pk}"' not in page.content.decode()
    assert client.get(reverse("budget:evaluation") + f"?budget={budget.pk}").status_code == 200
