"""The demo city loads from the package, matches its sources, and loads again unchanged."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum

from kitaplan.web.core.access import SYSTEM, territory_ids_of
from kitaplan.web.demo.city import (
    create_demo_accounts,
    create_demo_scenario,
    create_demo_targets,
    load_demo,
)
from kitaplan.web.facilities.checks import run_checks
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.planning.scenario_models import Scenario
from kitaplan.web.planning.scenario_services import compare
from kitaplan.web.territory.models import Area, IndicatorValue, PopulationCount

pytestmark = pytest.mark.django_db

#: Totals of the open data (see src/kitaplan/demo/data/ATTRIBUTION.md and the PROVENANCE files).
BERLIN_PLANUNGSRAEUME = 542
BERLIN_KITAS = 2880
BERLIN_KITA_PLACES = 194_979  # sum of e_platz in the Kita WFS, Dec 2022
BERLIN_CHILDREN_UNDER_6 = 225_097  # "unter6", Einwohnerbestand 30.06.2022
DRESDEN_STADTTEILE = 61


def test_the_demo_city_matches_the_source_totals_and_reloads_unchanged():
    first = load_demo(actor=SYSTEM)
    assert all(run.status == "succeeded" for run in first), [r.problems[:3] for r in first]
    plr = Area.objects.filter(territory__code="berlin", level__code="planungsraum")
    assert plr.count() == BERLIN_PLANUNGSRAEUME
    assert Area.objects.filter(territory__code="berlin", level__code="bezirk").count() == 12
    assert (
        Area.objects.filter(territory__code="dresden", level__code="stadtteil").count()
        == DRESDEN_STADTTEILE
    )
    assert Facility.objects.filter(territory__code="berlin").count() == BERLIN_KITAS
    places = FacilityPlaces.objects.filter(facility__territory__code="berlin").aggregate(
        u3=Sum("places_u3"), ue3=Sum("places_ue3")
    )
    assert places["u3"] + places["ue3"] == BERLIN_KITA_PLACES
    under_6 = PopulationCount.objects.filter(
        area__territory__code="berlin", year=2022, age__lt=6
    ).aggregate(n=Sum("count"))
    assert under_6["n"] == BERLIN_CHILDREN_UNDER_6
    assert not Facility.objects.filter(territory__code="berlin", area__isnull=True).exists()
    assert (
        IndicatorValue.objects.filter(indicator__code="mss_status_class").count()
        == BERLIN_PLANUNGSRAEUME - 6
    )

    second = load_demo(actor=SYSTEM)
    assert [(r.added, r.changed, r.removed) for r in second] == [(0, 0, 0)] * len(second)
    # Dresden's applications are not imported again: their round has a run (docs/howto/dresden.md)
    again = [f for f in first if f.kind != "applications"]
    assert all(r.unchanged == f.added for r, f in zip(second, again, strict=True))

    berlin_findings = dict(run_checks())
    assert [
        f
        for t, items in berlin_findings.items()
        if t.code == "berlin"
        for f in items
        if f.severity == "error"
    ] == []

    assert create_demo_targets() == 3
    assert create_demo_scenario() is True
    scenario = Scenario.objects.get(territory__code="berlin")
    comparison = compare(scenario, year=2022)
    [(_rule, results)] = [(r, res) for r, res in comparison.rules if r.code == "1.7"]
    spandau = {
        comparison.areas[base.area].name: (base.light.value, new.light.value)
        for base, new in results
    }
    assert spandau["Spandau"] == ("red", "green")  # two new inclusive Kitas meet objective 1.7

    assert_balance_matches_the_source_files()

    accounts = create_demo_accounts()
    assert {a.role.value for a in accounts} == {
        "admin",
        "planner",
        "allocation_office",
        "childminder_adviser",
        "parent",
        "facility_manager",
        "childminder",
        "payment_office",
    }
    # the Dresden planner works in Dresden only (the territory scope)
    (dresden,) = (a for a in accounts if a.username == "planung-dresden")
    assert dresden.territory is not None and dresden.territory.code == "dresden"
    planner = User.objects.get(username="planung-dresden")
    assert territory_ids_of(planner) == {dresden.territory.pk}

    assert_demo_rounds()
    assert_demo_pool()


def assert_demo_pool():
    """The synthetic Kindertagespflege: Stuttgart's size, every contract within its permit."""
    import datetime as dt

    from kitaplan.domain.childminding.capacity import capacity_violations
    from kitaplan.web.childminding.models import CareContract, Childminder
    from kitaplan.web.childminding.selectors import due_list
    from kitaplan.web.childminding.services import own_children
    from kitaplan.web.childminding.views import schedules_of
    from kitaplan.web.demo.childminding import create_demo_pool
    from kitaplan.web.planning.selectors import childminder_places

    today = dt.date(2026, 11, 25)
    assert create_demo_pool(today=today) is True
    assert create_demo_pool(today=today) is False
    pool = Childminder.objects.filter(territory__code="berlin").prefetch_related(
        "permits", "contracts"
    )
    assert pool.count() == 230
    assert 900 <= CareContract.objects.filter(childminder__in=pool).count() <= 1200
    for cm in pool:
        for permit in cm.permits.all():
            assert not capacity_violations(
                schedules_of(cm),
                limit=permit.max_children,
                period_start=permit.valid_from,
                period_end=permit.valid_to,
                extra_present=own_children(cm),
            ), cm.number
    assert (
        Childminder.objects.get(user__username="tagesmutter")
        .service.advisers.filter(username="fachberatung")
        .exists()
    )
    kinds = {item.kind for item in due_list(pool, today=today, horizon_days=180)}
    assert {"permit_expiring", "proof_expiring", "turns_three"} <= kinds
    places = childminder_places(pool.first().territory, today)
    assert 800 <= sum(places.values()) <= 230 * 5


def assert_demo_rounds():
    """The synthetic Platzvergabe in the demo provider's Bezirk (after the accounts)."""
    from kitaplan.web.allocation.models import AllocationRound, ApplicationChoice, Offer
    from kitaplan.web.allocation.services import reproduce
    from kitaplan.web.demo.allocation import create_demo_rounds
    from kitaplan.web.demo.city import demo_provider

    assert create_demo_rounds() is True
    finished, open_round = AllocationRound.objects.filter(territory__code="berlin").order_by(
        "care_start"
    )
    runs = list(finished.runs.order_by("number"))
    assert [(r.kind, r.is_published) for r in runs] == [("main", True), ("follow_up", True)]
    assert all(r.check_problems == [] and reproduce(r) for r in runs)
    assert runs[0].seed == finished.lottery_seed == 20260302
    statuses = set(
        Offer.objects.filter(application__round=finished).values_list("status", flat=True)
    )
    assert statuses == {s for s, _label in Offer.STATUS_CHOICES}
    assert finished.applications.count() == 1500 and open_round.applications.count() == 300
    assert not open_round.runs.exists() and open_round.programmes.exists()
    assert ApplicationChoice.objects.filter(
        application__round=finished, facility__provider=demo_provider()
    ).exists()
    own = finished.applications.filter(parent__username="eltern")
    assert own.count() == 2 and open_round.applications.filter(parent__username="eltern").exists()
    assert own.filter(offers__status=Offer.ACCEPTED).exists()
    assert create_demo_rounds() is False


def assert_balance_matches_the_source_files():
    """Berlin's balance 2022 against sums computed straight from the packaged CSV files."""
    import csv

    from kitaplan.demo import data_dir
    from kitaplan.domain.planning.demand import DEFAULT_CARE_RATES
    from kitaplan.web.planning.selectors import balance_for
    from kitaplan.web.territory.models import Territory

    folder = data_dir() / "berlin"
    with (folder / "population.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["year"] == "2022"]
    children_u3 = sum(int(r["count"]) for r in rows if int(r["age"]) < 3)
    demand_u3 = sum(
        int(r["count"]) * DEFAULT_CARE_RATES.rate(int(r["age"])) for r in rows if int(r["age"]) < 3
    )
    with (folder / "facilities.csv").open(encoding="utf-8") as handle:
        facilities = list(csv.DictReader(handle))
    places_u3 = sum(int(f["places_u3"]) for f in facilities)
    integration = sum(int(f["integration_places"] or 0) for f in facilities)

    territory = Territory.objects.get(code="berlin")
    balances, areas, _rates = balance_for(territory=territory, year=2022)
    bezirke = [a for a in areas if a.level.code == "bezirk"]
    u3 = [balances[a.pk].groups["u3"] for a in bezirke]
    assert sum(g.children for g in u3) == children_u3
    assert sum(g.demand for g in u3) == pytest.approx(demand_u3)
    assert sum(g.places for g in u3) == places_u3
    assert sum(balances[a.pk].integration.places for a in bezirke) == integration
