"""Dresden loaded the way a new Jugendamt would (docs/howto/dresden.md): the how-to's steps are
the demo's, the derived files keep their sources' totals and say what is synthetic, and after
the load the balance, the targets, the Kita-Finder and an allocation round work for Dresden."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Sum

from kitaplan.demo import data_dir, demo_territories
from kitaplan.domain.allocation import Criterion
from kitaplan.web.allocation.models import AllocationRound, Application, RoundProgramme
from kitaplan.web.allocation.services import run_round, save_application, save_round
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.demo.city import ensure_territory
from kitaplan.web.demo.dresden import DRESDEN_STEPS, load_dresden, registered_kinds
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.planning import selectors as planning
from kitaplan.web.planning.models import TargetRule
from kitaplan.web.territory.models import Area, PopulationCount
from tests.web.factories import make_user

HOWTO = Path(__file__).resolve().parents[2] / "docs" / "howto" / "dresden.md"
FOLDER = data_dir() / "dresden"
#: The city's forecast for 2025, ages 0–6 (Landeshauptstadt Dresden, md8; shared/data).
CITY_2025 = {0: 3928, 1: 4032, 2: 4368, 3: 4788, 4: 5226, 5: 5129, 6: 5373}
BIRTHS_2024 = 4089
YEAR = 2025


def _rows(name: str) -> list[dict[str, str]]:
    with (FOLDER / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_howto_lists_the_demos_steps_in_order():
    text = HOWTO.read_text(encoding="utf-8")
    assert "kitaplan territory create dresden Dresden --levels stadtbezirk,stadtteil" in text
    listed = re.findall(r"kitaplan import --kind (\w+) \$D/(\S+) --territory dresden", text)
    assert listed == list(DRESDEN_STEPS)
    for _kind, name in DRESDEN_STEPS:
        assert (FOLDER / name).is_file(), name


def test_children_by_age_sum_to_the_citys_forecast_and_follow_the_births():
    rows = _rows("population.csv")
    by_age = Counter[int]()
    for row in rows:
        assert row["year"] == str(YEAR) and row["method"] == "estimated"
        by_age[int(row["age"])] += int(row["count"])
    assert dict(by_age) == CITY_2025
    births = {
        r["area_code"]: int(r["value"])
        for r in _rows("indicator_values.csv")
        if r["indicator_code"] == "dd_births"
    }
    assert sum(births.values()) == BIRTHS_2024 and len(births) == 61
    age_one = {r["area_code"]: int(r["count"]) for r in rows if r["age"] == "1"}
    # the largest Stadtteil by births is the largest by children (shares of the births 2024)
    assert max(age_one, key=age_one.__getitem__) == max(births, key=births.__getitem__)
    for code, n in births.items():
        assert abs(age_one[code] - CITY_2025[1] * n / BIRTHS_2024) < 1


def test_the_kitas_are_labelled_synthetic_and_follow_the_chemnitz_shares():
    rows = _rows("facilities.csv")
    assert len(rows) == 414
    assert all("synthetisch" in r["name"] and "SYNTHETISCH" in r["data_note"] for r in rows)
    assert all("synthetisch" in p["name"] for p in _rows("providers.csv"))
    inclusive = sum(r["inclusion_profile"] == "1" for r in rows) / len(rows)
    barrier_free = sum(r["accessible_toilet"] == "1" for r in rows) / len(rows)
    # Chemnitz: 98 of 181 Kitas integrative, 26 of 181 barrier-free (shared/data/chemnitz-kitas)
    assert abs(inclusive - 98 / 181) < 0.06
    assert abs(barrier_free - 26 / 181) < 0.05


@pytest.mark.django_db
def test_dresden_loads_through_the_imports_and_every_capability_works(client):
    spec = next(t for t in demo_territories() if t.code == "dresden")
    territory = ensure_territory(spec)
    runs = load_dresden(territory=territory, actor=SYSTEM)
    assert all(run.status == "succeeded" for run in runs), [r.problems[:3] for r in runs]
    assert [r.kind for r in runs] == [k for k, _ in DRESDEN_STEPS if k in registered_kinds()]
    facilities = Facility.objects.filter(territory=territory)
    assert facilities.count() == 414
    assert not facilities.filter(area__isnull=True).exists()
    assert PopulationCount.objects.filter(area__territory=territory, age__lt=6).aggregate(
        n=Sum("count")
    )["n"] == sum(v for a, v in CITY_2025.items() if a < 6)

    again = load_dresden(territory=territory, actor=SYSTEM)
    assert [(r.added, r.changed, r.removed) for r in again] == [(0, 0, 0)] * len(again)

    # the planning balance of a Stadtbezirk has children and places
    balances, areas, _rates = planning.balance_for(territory=territory, year=YEAR)
    neustadt = Area.objects.get(territory=territory, level__code="stadtbezirk", name="Neustadt")
    balance = balances[neustadt.pk]
    assert balance.total.children > 1000 and balance.total.places > 500
    planner = make_user("planung-dd", Role.PLANNER)
    client.force_login(planner)
    page = client.get("/planning/", {"territory": "dresden", "year": YEAR})
    assert page.status_code == 200 and "Neustadt" in page.content.decode()

    # the targets evaluate for every Stadtbezirk
    assert TargetRule.objects.filter(territory=territory, code="1.7").exists()
    rules, _areas = planning.evaluate_rules(territory=territory, year=YEAR)
    by_code = {rule.code: results for rule, results in rules}
    assert len(by_code["1.7"]) == 10 and len(by_code["1.4"]) == 10
    assert len(by_code["R.1"]) == 61
    page = client.get("/planning/targets/", {"territory": "dresden", "year": YEAR})
    assert page.status_code == 200
    assert "Mindestens zwei Kitas mit Inklusionsprofil je Stadtbezirk" in page.content.decode()

    # the Kita-Finder finds a Dresden Kita
    client.logout()
    kita = facilities.order_by("official_number").first()
    page = client.get("/finder/", {"territory": "dresden", "area": str(kita.area_id)})
    assert page.status_code == 200 and kita.name in page.content.decode()

    # an allocation round for Dresden, with one application, runs
    round_ = AllocationRound(
        territory=territory,
        name="Kita-Jahr 2026/27 – Dresden",
        care_start=dt.date(2026, 8, 1),
        applications_open=dt.date(2025, 11, 1),
        applications_close=dt.date(2026, 1, 31),
        offers_on=dt.date(2026, 3, 1),
        response_days=14,
        max_choices=3,
        district_level="stadtbezirk",
    )
    save_round(round_=round_, criteria=[Criterion.RESIDENCE_IN_DISTRICT], actor=SYSTEM)
    chosen = list(facilities.filter(area=kita.area).order_by("official_number")[:2])
    for facility in chosen:
        RoundProgramme.objects.create(round=round_, facility=facility, age_group="u3", capacity=1)
    application = save_application(
        application=Application(
            round=round_,
            child_name="Synthetisches Kind",
            birth_date=dt.date(2025, 2, 1),
            desired_start=round_.care_start,
            home_area=kita.area,
            registered_on=dt.date(2025, 12, 1),
        ),
        facilities=chosen,
        actor=SYSTEM,
    )
    run = run_round(round_=round_, actor=SYSTEM, today=dt.date(2026, 3, 1))
    assert run.pk is not None
    assert FacilityPlaces.objects.filter(facility__in=chosen).exists()
    assert application.pk is not None
