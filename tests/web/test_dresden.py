"""Dresden loaded the way a new Jugendamt would (docs/howto/dresden.md): the how-to's command
block, run on a fresh database, gives what the demo loader loads; the derived files keep their
sources' totals and say what is synthetic; and after the load the balance, the targets, the
Kita-Finder by address and an allocation round work for Dresden."""

from __future__ import annotations

import csv
import json
import math
import re
import shlex
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum

from kitaplan.cli import main
from kitaplan.demo import data_dir
from kitaplan.domain.planning.targets import Light
from kitaplan.web.allocation.models import AllocationRound, AllocationRun, Application
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.demo.dresden import (
    DRESDEN_STEPS,
    ROUND_STEP,
    RUN_STEP,
    Step,
    create_round,
    load_dresden,
    round_spec,
    run_once,
    territory_spec,
)
from kitaplan.web.facilities.models import Facility
from kitaplan.web.planning import selectors as planning
from kitaplan.web.planning.forecasting import METHOD_BIRTHS_CITYWIDE
from kitaplan.web.territory.models import AddressPoint, Area, PopulationCount, Territory
from tests.web.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
HOWTO = ROOT / "docs" / "howto" / "dresden.md"
FOLDER = data_dir() / "dresden"
#: The city's forecast for 2025, ages 0–6 (Landeshauptstadt Dresden, md8; shared/data).
CITY_2025 = {0: 3928, 1: 4032, 2: 4368, 3: 4788, 4: 5226, 5: 5129, 6: 5373}
BIRTHS_2024 = 4089
YEAR = 2025


def _rows(name: str, delimiter: str = ",") -> list[dict[str, str]]:
    with (FOLDER / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def howto_block() -> list[str]:
    """The lines of the how-to's fenced shell block."""
    text = HOWTO.read_text(encoding="utf-8")
    [block] = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line for line in block.splitlines() if line.strip()]


def howto_steps() -> tuple[list[str], list[Step | list[str]]]:
    """The territory command's arguments and, in order, each import's ``kitaplan`` arguments
    (``$D`` resolved) or a page step."""
    variables: dict[str, str] = {}
    territory: list[str] = []
    steps: list[Step | list[str]] = []
    for line in howto_block():
        page = re.match(r"# page step (\w+):", line)
        if page:
            steps.append(Step(page.group(1)))
            continue
        if line.startswith("#"):
            continue
        assignment = re.fullmatch(r"(\w+)=(\S+)", line)
        if assignment:
            variables[assignment.group(1)] = str(ROOT / assignment.group(2))
            continue
        words = shlex.split(line)
        assert words[0] == ".venv/bin/kitaplan", line
        args = [re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], w) for w in words[1:]]
        if args[:2] == ["territory", "create"]:
            territory = args
        else:
            steps.append(args)
    return territory, steps


def test_the_howto_lists_the_demos_steps_in_order():
    territory, steps = howto_steps()
    spec = territory_spec()
    assert territory[2:4] == [spec["code"], spec["name"]]
    levels = ",".join(f"{lv['code']}={lv['name']}" for lv in spec["levels"])
    assert territory[territory.index("--levels") + 1] == levels
    assert territory[territory.index("--official-code") + 1] == spec["official_code"]
    assert territory[territory.index("--attribution") + 1] == spec["attribution"]
    listed = [
        s
        if isinstance(s, Step)
        else Step(s[s.index("--kind") + 1], Path(s[s.index("--kind") + 2]).name)
        for s in steps
    ]
    assert listed == list(DRESDEN_STEPS)
    for step in DRESDEN_STEPS:
        assert not step.is_import or (FOLDER / step.file).is_file(), step


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


def test_the_forecast_inputs_are_the_published_births_and_citywide_forecast():
    births = {r["area_code"]: int(r["count"]) for r in _rows("births.csv")}
    indicator = {
        r["area_code"]: int(r["value"])
        for r in _rows("indicator_values.csv")
        if r["indicator_code"] == "dd_births"
    }
    assert births == indicator and sum(births.values()) == BIRTHS_2024
    forecast = {
        (int(r["year"]), int(r["age"])): int(r["count"]) for r in _rows("city_forecast.csv")
    }
    assert {year for year, _age in forecast} == set(range(2025, 2041))
    assert {age for _year, age in forecast} == set(range(11))
    assert {age: forecast[(YEAR, age)] for age in CITY_2025} == CITY_2025


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


def test_the_register_and_the_applications_are_synthetic_and_fit_the_round():
    kitas = _rows("facilities.csv")
    register = _rows("address_register.csv")
    assert all("SYNTHETISCH" in r["source"] for r in register)
    assert all(r["street"].startswith("Demostraße ") for r in register)
    addresses = {(r["street"], r["house_number"]) for r in register}
    assert len(addresses) == len(register) == 414 + 6 * 61
    assert {(k["street"], k["house_number"]) for k in kitas} <= addresses
    spec = round_spec()
    offers = {(p["facility"], p["age_group"]) for p in spec["places"]}
    applications = _rows("applications.csv", delimiter=";")
    assert len({a["reference"] for a in applications}) == len(applications)
    places = sum(p["capacity"] for p in spec["places"])
    assert len(applications) == pytest.approx(1.2 * places, abs=2)
    for a in applications:
        assert a["round"] == spec["name"] and "synthetisch" in a["child_name"]
        assert (a["home_street"], a["home_house_number"]) in addresses
        group = "u3" if a["birth_date"] >= "2023-08-02" else "ue3"
        chosen = [a[f"choice_{r}"] for r in (1, 2, 3) if a[f"choice_{r}"]]
        assert chosen and all((c, group) in offers for c in chosen)


def test_the_attribution_names_the_dresden_sources_and_derive_demo_data_keeps_them():
    text = (data_dir() / "ATTRIBUTION.md").read_text(encoding="utf-8")
    dresden = text[text.index("## Dresden") : text.index("## Kindertagespflege")]
    headings = re.findall(r"^### .*$", dresden, flags=re.M)
    assert len(headings) == 7 and sum("(SYNTHETIC)" in h for h in headings) == 3
    for name in ("facilities.csv", "address_register.csv", "applications.csv", "targets.csv"):
        assert name in dresden
    script = (ROOT / "scripts" / "derive_demo_data.py").read_text(encoding="utf-8")
    for heading in headings:  # the script rewrites the file from its template
        assert heading in script, heading
    assert territory_spec()["attribution"] in script.replace('"\n    "', "")


def _counts(territory: Territory) -> dict[str, Any]:
    round_ = AllocationRound.objects.get(territory=territory)
    return {
        "levels": list(territory.levels.order_by("rank").values_list("code", "name")),
        "attribution": territory.attribution,
        "areas": Area.objects.filter(territory=territory).count(),
        "children": PopulationCount.objects.filter(area__territory=territory).aggregate(
            n=Sum("count")
        )["n"],
        "facilities": Facility.objects.filter(territory=territory).count(),
        "targets": territory.target_rules.count(),
        "addresses": AddressPoint.objects.filter(territory=territory).count(),
        "offers": round_.programmes.count(),
        "applications": Application.objects.filter(round=round_).count(),
        "runs": AllocationRun.objects.filter(round=round_).count(),
        "placed": sum(1 for f in round_.runs.get().result["assignment"].values() if f is not None),
    }


@pytest.mark.django_db
def test_the_howtos_commands_give_what_the_demo_loads_and_every_capability_works(capsys, client):
    territory_args, steps = howto_steps()
    assert main(territory_args) == 0
    territory = Territory.objects.get(code="dresden")
    round_ = None
    for step in steps:
        if isinstance(step, Step):
            if step.kind == ROUND_STEP:
                round_ = create_round(territory=territory, actor=SYSTEM)
            else:
                assert step.kind == RUN_STEP and round_ is not None
                run_once(round_=round_, actor=SYSTEM)
            continue
        assert main(step) == 0, capsys.readouterr().err
    by_howto = _counts(territory)
    assert by_howto["facilities"] == 414 and by_howto["addresses"] == 780
    assert by_howto["applications"] == 438 and by_howto["runs"] == 1

    runs = load_dresden(actor=SYSTEM)  # the demo's loader on top: nothing left to do
    assert [(r.status, r.added, r.changed, r.removed) for r in runs] == [
        ("succeeded", 0, 0, 0)
    ] * len(runs)
    assert [r.kind for r in runs] == [
        s.kind for s in DRESDEN_STEPS if s.is_import and s.kind != "applications"
    ]
    assert _counts(territory) == by_howto

    # and every capability works for Dresden (one load for all: it takes a minute)
    client.force_login(make_user("planung-dd", Role.PLANNER))
    _check_balance_counts_the_children_and_places_of_a_stadtbezirk(territory)
    _check_targets_evaluate_inclusive_kitas_and_barrier_free_places_per_stadtbezirk(
        territory, client
    )
    _check_finder_places_a_dresden_address_and_sorts_by_distance(territory, client)
    _check_forecast_shares_the_citys_forecast_out_by_the_births(territory, client)
    _check_rounds_run_places_children_within_the_released_places(territory)


def _kitas_by_bezirk() -> dict[str, list[dict[str, str]]]:
    bezirk_of = {
        f["properties"]["official_code"]: f["properties"]["parent_code"]
        for f in json.loads((FOLDER / "areas.geojson").read_text(encoding="utf-8"))["features"]
        if f["properties"]["level"] == "stadtteil"
    }
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows("facilities.csv"):
        stadtteil = row["data_note"].rsplit("im Stadtteil ", 1)[1].split(" ", 1)[0]
        found[bezirk_of[stadtteil]].append(row)
    return found


def _check_balance_counts_the_children_and_places_of_a_stadtbezirk(dresden: Territory) -> None:
    neustadt = Area.objects.get(territory=dresden, level__code="stadtbezirk", name="Neustadt")
    balances, _areas, _rates = planning.balance_for(territory=dresden, year=YEAR)
    kitas = _kitas_by_bezirk()[neustadt.official_code]
    places = sum(int(k["places_u3"]) + int(k["places_ue3"]) for k in kitas)
    children = PopulationCount.objects.filter(
        area__parent=neustadt, year=YEAR, age__lt=6
    ).aggregate(n=Sum("count"))["n"]
    total = balances[neustadt.pk].total
    assert total.places == places and total.children == children
    assert 0 < total.demand < children


def _check_targets_evaluate_inclusive_kitas_and_barrier_free_places_per_stadtbezirk(
    dresden: Territory, client: Any
) -> None:
    rules, areas = planning.evaluate_rules(territory=dresden, year=YEAR)
    by_code = {rule.code: results for rule, results in rules}
    kitas = _kitas_by_bezirk()
    assert len(by_code["1.7"]) == 10 and len(by_code["1.4"]) == 10 and len(by_code["R.1"]) == 61
    for result in by_code["1.7"]:
        inclusive = sum(
            k["inclusion_profile"] == "1" for k in kitas[areas[result.area].official_code]
        )
        assert result.value == inclusive
        assert result.light == (
            Light.GREEN if inclusive >= 2 else Light.AMBER if inclusive else Light.RED
        )
    balances, _areas, _rates = planning.balance_for(territory=dresden, year=YEAR)
    for result in by_code["1.4"]:
        rows = kitas[areas[result.area].official_code]
        barrier_free = sum(
            int(k["places_u3"]) + int(k["places_ue3"])
            for k in rows
            if k["step_free_entrance"] == "1" and k["accessible_toilet"] == "1"
        )
        demand = balances[result.area].total.demand
        assert result.value == pytest.approx(barrier_free / demand)
    page = client.get("/planning/targets/", {"territory": "dresden", "year": YEAR}).content.decode()
    assert "Mindestens zwei Kitas mit Inklusionsprofil je Stadtbezirk" in page


def _check_forecast_shares_the_citys_forecast_out_by_the_births(
    dresden: Territory, client: Any
) -> None:
    response = client.get("/planning/forecast/", {"territory": "dresden"})
    result = response.context["result"]
    assert result.method == METHOD_BIRTHS_CITYWIDE
    assert result.projection.years == tuple(range(2025, 2041))
    assert result.history_years == (2024,) and len(result.area_ids) == 61
    forecast = {
        (int(r["year"]), int(r["age"])): int(r["count"]) for r in _rows("city_forecast.csv")
    }
    for j, year in enumerate(result.projection.years):
        for a, age in enumerate(result.projection.ages):
            assert result.projection.values[:, j, a].sum() == pytest.approx(forecast[(year, age)])
    stored = {
        (area_id, age): count
        for area_id, age, count in PopulationCount.objects.filter(
            area__territory=dresden, year=YEAR
        ).values_list("area_id", "age", "count")
    }
    for area_id, by_age in result.children_by_age(YEAR).items():  # 2025: the packaged counts
        assert all(abs(by_age[age] - stored[(area_id, age)]) < 1 for age in by_age)
    page = response.content.decode()
    assert "Geburten und stadtweite Altersstruktur" in page
    assert "Geborene 2024 nach Stadtteilen" in page and "Bevölkerungsprognose nach Alter" in page


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(x, math.radians(lat2 - lat1)) * 6371.0


def _check_finder_places_a_dresden_address_and_sorts_by_distance(
    dresden: Territory, client: Any
) -> None:
    home = AddressPoint.objects.get(
        territory=dresden, street="Demostraße Innere Altstadt", house_number="2"
    )
    kitas = sorted(
        Facility.objects.filter(territory=dresden),
        key=lambda f: _km(home.lat, home.lon, f.lat, f.lon),
    )
    page = client.get(
        "/finder/", {"territory": "dresden", "address": "Demostraße Innere Altstadt 2"}
    ).content.decode()
    shown = [k.name for k in kitas[:3]]
    positions = [page.index(name) for name in shown]
    assert positions == sorted(positions)  # nearest first
    assert "km" in page
    unknown = client.get(
        "/finder/", {"territory": "dresden", "address": "Demostraße Innere Altstat 2"}
    ).content.decode()
    assert "Demostraße Innere Altstadt" in unknown and kitas[0].name not in unknown


def _check_rounds_run_places_children_within_the_released_places(dresden: Territory) -> None:
    round_ = AllocationRound.objects.get(territory=dresden)
    run = round_.runs.get()
    spec = round_spec()
    assert [c.value for c in round_.criteria] == spec["criteria"]
    capacity = {(p["facility"], p["age_group"]): p["capacity"] for p in spec["places"]}
    applications = {a.reference: a for a in Application.objects.filter(round=round_)}
    assert len(applications) == 438
    assert all(a.home_area is not None for a in applications.values())
    assignment = run.result["assignment"]
    placed = Counter(f for f in assignment.values() if f is not None)
    ages = {c[0]: c[1] for c in run.inputs["instance"]["children"]}
    filled: Counter[tuple[str, str]] = Counter()
    for reference, facility in assignment.items():
        if facility is not None:
            filled[(facility, ages[reference])] += 1
            assert facility in {
                c.place.official_number for c in applications[reference].choices.all()
            }
    assert all(n <= capacity[key] for key, n in filled.items())
    assert 0 < sum(placed.values()) <= sum(capacity.values()) < len(applications)
    assert run.check_problems == []
