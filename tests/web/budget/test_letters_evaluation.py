"""Per-provider letters (PDF) and Excel files of a published run, the valid-version marking,
the index threshold of the rule form, and the descriptive before/after evaluation."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kitaplan.web.budget import evaluation, services
from kitaplan.web.budget.models import BudgetRun
from kitaplan.web.budget.presenters import TERM_LABELS
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.territory.models import IndicatorDefinition, IndicatorValue
from tests.web.budget.helpers import RULE, budget_objects, need_classes
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def login(client, role, city, provider=None):
    if role == Role.FACILITY_MANAGER and provider is None:
        provider = city.providers[0]
    user = make_user(f"u-{role.value}", role, provider=provider)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def letter_url(keys, provider=None):
    return reverse(
        "budget:provider-letter", args=[keys["budget_run"], provider or keys["budget_provider"]]
    )


def xlsx_url(keys, provider=None):
    return reverse(
        "budget:provider-xlsx", args=[keys["budget_run"], provider or keys["budget_provider"]]
    )


# --------------------------------------------------------------------------- letters, Excel


def test_the_letter_is_a_pdf_naming_the_providers_facilities(client, city):
    keys = budget_objects(city)
    login(client, Role.PLANNER, city)
    response = client.get(letter_url(keys) + "?compress=0")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # The document information names the provider and its facilities (and no other's).
    assert b"Provider One" in response.content
    assert b"F1 Kita F1" in response.content and b"F2 Kita F2" in response.content
    assert b"Kita F3" not in response.content
    other = client.get(letter_url(keys, city.providers[1].pk) + "?compress=0")
    assert other.status_code == 200 and b"F3 Kita F3" in other.content
    assert b"Kita F1" not in other.content


def test_the_letter_texts_explain_the_duty_and_that_it_is_not_binding():
    from kitaplan.web.budget import letters

    letter = letters.Letter(
        territory="Testcity",
        provider="Provider One",
        provider_number="P1",
        year=2026,
        version=2,
        published_at=None,
        budget_total="100.000,00 €",
        budget_source="Test",
        total="50.000,00 €",
        facilities=[
            letters.LetterFacility(
                "F1",
                "Kita F1",
                "0101",
                "3",
                30,
                "50.000,00 €",
                [("Base amount", "need class 3", "flat", "5.000,00 €")],
            )
        ],
        rule_lines=["Eligible: every facility."],
        deadline=letters.use_report_deadline(2026),
        superseded_by=3,
    )
    assert letters.use_report_deadline(2026) == dt.date(2027, 3, 31)
    with translation.override("en"):
        assert any("superseded by version 3" in t for t in letters.letter_texts(letter))
    assert any("ersetzt" in t for t in letters.letter_texts(letter))  # German by default
    assert letters.render_letter(letter).startswith(b"%PDF")


def test_the_provider_excel_has_one_row_per_own_facility_summing_to_its_share(client, city):
    keys = budget_objects(city)
    run = BudgetRun.objects.get(pk=keys["budget_run"])
    login(client, Role.FACILITY_MANAGER, city)
    response = client.get(xlsx_url(keys))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    table = list(sheet.iter_rows(values_only=True))
    header, body = table[0], [r for r in table[1:] if any(v is not None for v in r)]
    assert {r[header.index("Facility number")] for r in body} == {"F1", "F2"}
    own = run.shares.filter(facility__provider=city.providers[0])
    total = sum(r[header.index("Amount (EUR)")] for r in body)
    assert round(total * 100) == sum(s.amount_cents for s in own)
    # Every row's terms add up to its amount.
    terms = [header.index(f"{label} (EUR)") for label in map(str, TERM_LABELS.values())]
    for r in body:
        assert round(sum(r[i] or 0 for i in terms) * 100) == round(
            r[header.index("Amount (EUR)")] * 100
        )


def test_a_facility_manager_gets_404_for_another_providers_letter_and_excel(client, city):
    keys = budget_objects(city)
    login(client, Role.FACILITY_MANAGER, city)
    assert client.get(letter_url(keys)).status_code == 200
    assert client.get(letter_url(keys, city.providers[1].pk)).status_code == 404
    assert client.get(xlsx_url(keys, city.providers[1].pk)).status_code == 404


def test_letters_exist_only_for_published_runs(client, city):
    keys = budget_objects(city)
    budget = BudgetRun.objects.get(pk=keys["budget_run"]).budget
    draft = services.create_run(budget=budget, rule=RULE, actor=SYSTEM)
    login(client, Role.PLANNER, city)
    url = reverse("budget:provider-letter", args=[draft.pk, keys["budget_provider"]])
    assert client.get(url).status_code == 404
    page = client.get(reverse("budget:run") + f"?run={keys['budget_run']}")
    assert [p["provider"].name for p in page.context["provider_rows"]] == [
        "Provider One",
        "Provider Two",
    ]
    assert letter_url(keys) in page.content.decode()


def test_a_parent_cannot_open_a_letter(client, city):
    keys = budget_objects(city)
    login(client, Role.PARENT, city)
    assert client.get(letter_url(keys)).status_code == 403


# --------------------------------------------------------------------------- valid version


def test_the_latest_published_version_is_the_valid_one(client, city):
    keys = budget_objects(city)
    first = BudgetRun.objects.get(pk=keys["budget_run"])
    second = services.create_run(
        budget=first.budget, rule={**RULE, "need_classes": ["4"]}, actor=SYSTEM
    )
    login(client, Role.PLANNER, city)
    overview = client.get(reverse("budget:overview"))
    runs = {r.version: r for r in overview.context["budgets"][0]["runs"]}
    assert runs[1].is_current and runs[2].superseded_by is None and not runs[2].is_current
    services.publish_run(run=second, actor=SYSTEM)
    overview = client.get(reverse("budget:overview"))
    runs = {r.version: r for r in overview.context["budgets"][0]["runs"]}
    assert runs[2].is_current and not runs[1].is_current and runs[1].superseded_by == 2
    html = overview.content.decode()
    assert "valid version" in html and "superseded by version 2" in html
    page = client.get(reverse("budget:run") + f"?run={first.pk}")
    assert "superseded by version 2" in page.content.decode()
    page = client.get(reverse("budget:run") + f"?run={second.pk}")
    assert "valid version" in page.content.decode()
    # The provider view shows only the valid version unless asked for every version.
    client.logout()
    login(client, Role.FACILITY_MANAGER, city)
    shares = client.get(reverse("budget:shares"))
    assert {r["share"].run.version for r in shares.context["rows"]} == {2}
    assert {r["share"].facility.official_number for r in shares.context["rows"]} == {"F2"}
    every = client.get(reverse("budget:shares") + "?versions=all")
    assert {r["share"].run.version for r in every.context["rows"]} == {1, 2}
    assert "superseded by version 2" in every.content.decode()
    # The letter of the superseded version says so.
    letter = client.get(letter_url(keys) + "?compress=0")
    assert letter.status_code == 200


# --------------------------------------------------------------------------- rule form


def test_the_rule_form_sets_an_index_threshold(client, city):
    need_classes(city)
    index = IndicatorDefinition.objects.create(code="mss_status_index", name="MSS index")
    for area, value in zip(city.areas, (0.5, 1.5, 2.0, -1.0), strict=True):
        IndicatorValue.objects.create(indicator=index, area=area, year=2021, value=value)
    budget = services.create_budget(
        territory=city.territory, actor=SYSTEM, year=2026, total_cents=10_000_000, source="T"
    )
    login(client, Role.PLANNER, city)
    form = {
        "action": "run",
        "budget": budget.pk,
        "need_classes": ["3", "4"],
        "min_index": "1.0",
        "base_euros": "5000",
        "weight_3": "1",
        "weight_4": "1.5",
        "rounding": "money",
        "unit_euros": "1",
        "step": "1/4",
    }
    response = client.post(reverse("budget:overview"), form)
    assert response.status_code == 302
    run = BudgetRun.objects.get()
    assert run.rule["min_index"] == 1.0
    assert {s.facility.official_number for s in run.shares.all()} == {"F2", "F3"}
    assert {i["reason"] for i in run.ineligible} == {"index_below_threshold"}
    page = client.get(reverse("budget:run") + f"?run={run.pk}")
    assert page.context["rule_form"].initial["min_index"] == 1
    assert "status index of at least 1.0" in page.content.decode()


# --------------------------------------------------------------------------- evaluation


@pytest.fixture
def evaluated(city):
    """F1 (class 3), F2, F3 (class 4), F4 (class 1, area 0202); only class 4 is funded."""
    need_classes(city)
    f4 = Facility.objects.create(
        territory=city.territory,
        official_number="F4",
        name="Kita F4",
        provider=city.providers[1],
        area=city.areas[3],
        lat=52.005,
        lon=13.035,
    )
    FacilityPlaces.objects.create(
        facility=f4, valid_from=dt.date(2020, 1, 1), places_u3=5, places_ue3=5
    )
    unemployment = IndicatorDefinition.objects.create(
        code="unemployment", name="Unemployment", unit="%"
    )
    values = {0: {2025: 10, 2026: 12}, 1: {2025: 20, 2026: 18, 2027: 16}, 2: {2025: 30, 2026: 25}}
    values[3] = {2025: 4, 2026: 6}
    for i, by_year in values.items():
        for year, value in by_year.items():
            IndicatorValue.objects.create(
                indicator=unemployment, area=city.areas[i], year=year, value=value
            )
    budget = services.create_budget(
        territory=city.territory, actor=SYSTEM, year=2026, total_cents=10_000_000, source="T"
    )
    run = services.create_run(budget=budget, rule={**RULE, "need_classes": ["4"]}, actor=SYSTEM)
    services.publish_run(run=run, actor=SYSTEM)
    return budget, run, unemployment


def cells(result, pooled):
    source = result.by_period if pooled else result.by_year
    return {(c.group, c.period if pooled else c.year): c for c in source}


def test_the_evaluation_matches_hand_computed_means(evaluated):
    _budget, run, unemployment = evaluated
    result = evaluation.read(run, unemployment)
    assert result.years == [2025, 2026, 2027]
    assert (result.funded, result.unfunded) == (2, 2)
    period = cells(result, pooled=True)
    # Funded (F2, F3): before 20, 30; after 18, 25, 16.
    assert period[("funded", "before")].mean == 25 and period[("funded", "before")].count == 2
    after = period[("funded", "after")]
    assert after.mean == pytest.approx(59 / 3) and after.median == 18
    assert (after.count, after.facilities) == (3, 2)
    # Not funded (F1, F4): before 10, 4; after 12, 6.
    assert period[("unfunded", "before")].mean == 7
    assert period[("unfunded", "after")].mean == 9 and period[("unfunded", "after")].median == 9
    assert result.change["funded"] == pytest.approx(59 / 3 - 25)
    assert result.change["unfunded"] == 2
    year = cells(result, pooled=False)
    assert year[("funded", 2026)].mean == 21.5 and year[("funded", 2026)].period == "after"
    assert year[("unfunded", 2025)].period == "before"
    assert year[("unfunded", 2027)].count == 0 and year[("unfunded", 2027)].mean is None


def test_the_evaluation_page_shows_the_caveat_and_exports(client, evaluated, city):
    budget, _run, _indicator = evaluated
    login(client, Role.PLANNER, city)
    url = reverse("budget:evaluation") + f"?budget={budget.pk}&indicator=unemployment"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Descriptive, not causal" in html and "chosen because their areas" in html
    assert "Only one year" not in html
    response = client.get(url + "&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    body = [r for r in rows[1:] if r]
    assert len(body) == 3 * 2 + 2 * 2  # years × groups, then groups × periods
    xlsx = client.get(url + "&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(reverse("budget:evaluation") + "?indicator=nope").status_code == 404
    client.logout()
    login(client, Role.FACILITY_MANAGER, city)
    assert client.get(url).status_code == 403


def test_a_single_year_of_values_is_said_and_shown(client, evaluated, city):
    budget, run, unemployment = evaluated
    IndicatorValue.objects.filter(indicator=unemployment).exclude(year=2025).delete()
    login(client, Role.PLANNER, city)
    page = client.get(reverse("budget:evaluation") + f"?budget={budget.pk}&indicator=unemployment")
    assert page.context["result"].single_year
    assert "Only one year of values is available (2025)" in page.content.decode()
    assert len(page.context["by_year"]) == 2


def test_budget_objects_for_the_access_matrix(city):
    keys = budget_objects(city)
    assert set(keys) == {"budget_run", "budget_provider", "budget"}
    assert budget_objects(city) == keys  # a second call reuses the run
    assert BudgetRun.objects.get(pk=keys["budget_run"]).is_published


@pytest.mark.parametrize("role", list(Role))
def test_who_opens_letters_excel_and_evaluation(client, city, role):
    from tests.web.access_matrix import CITY_STAFF, STAFF

    keys = budget_objects(city)
    login(client, role, city)
    expected = 200 if role in STAFF else 403
    assert client.get(letter_url(keys)).status_code == expected
    assert client.get(xlsx_url(keys)).status_code == expected
    expected = 200 if role in CITY_STAFF else 403
    assert client.get(reverse("budget:evaluation")).status_code == expected
