#!/usr/bin/env python
"""Derive Dresden's children by age, SYNTHETIC Kitas and providers, and targets for the demo.

Reads the open data described in the ``PROVENANCE.md`` files of ``shared/data``
(``dresden-statistik``, ``chemnitz-kitas``) and the packaged Dresden areas
(``src/kitaplan/demo/data/dresden/areas.geojson``, written by ``scripts/derive_demo_data.py``)
and writes, in the standard exchange formats of ``docs/data-formats.md``::

    src/kitaplan/demo/data/dresden/population.csv    children aged 0–6 per Stadtteil, 2025
    src/kitaplan/demo/data/dresden/births.csv        births 2024 per Stadtteil (unchanged)
    src/kitaplan/demo/data/dresden/city_forecast.csv the city's forecast 2025–2040, ages 0–10
    src/kitaplan/demo/data/dresden/providers.csv     synthetic providers
    src/kitaplan/demo/data/dresden/facilities.csv    synthetic Kitas
    src/kitaplan/demo/data/dresden/targets.csv       the plan's targets per Stadtbezirk
    src/kitaplan/demo/data/dresden/address_register.csv  synthetic addresses (Kitas, homes)
    src/kitaplan/demo/data/dresden/round.json        the round the office sets up on the page
    src/kitaplan/demo/data/dresden/applications.csv  synthetic applications of that round

The method (written down in ``docs/howto/dresden.md``):

1. **Children** (``method = estimated``): Dresden publishes live births 2024 per Stadtteil
   and a citywide forecast by single year of age (2025–2040), but no children by age per
   Stadtteil. Children aged ``a`` in Stadtteil ``i`` in 2025 = the citywide forecast for
   2025 and age ``a`` × the Stadtteil's share of the births 2024
   (``kitaplan.domain.planning.forecast_births.project_births_and_city_ages``), rounded by
   largest remainders so every age sums exactly to the citywide figure. Assumed: every
   cohort 2019–2025 was spread over the Stadtteile like the births of 2024, and children do
   not move between Stadtteile (no data at hand for either). The two inputs themselves go
   into ``births.csv`` and ``city_forecast.csv`` (kinds ``births``, ``city_forecast``), from
   which the forecast page shares the city's forecast of every year out the same way.
2. **Kitas** (SYNTHETIC, ``numpy.random.default_rng(SEED)``): no open Dresden Kita
   capacities are at hand. The count follows the Chemnitz Kitas of the same Land (181
   facilities with a Kita offer) scaled by residents (Dresden: the city's forecast for 2025;
   Chemnitz: ``CHEMNITZ_RESIDENTS``, an assumption); each Kita's (integrative,
   barrier-free) pair and provider kind is drawn from the Chemnitz facilities' joint shares;
   Kitas are shared out over the Stadtteile in proportion to the children aged 0–5 (largest
   remainders) and placed at a random point inside their Stadtteil. The Chemnitz file has
   no capacities: the total places are the demand under kitaplan's default care rates, split
   over the Kitas with gamma-distributed sizes (``SIZE_CV``). Names and ``data_note`` say
   "synthetisch"; the address is invented (one "Demostraße" per Stadtteil, odd numbers).
3. **Targets**: Teilziel 1.7 (at least two inclusive Kitas per Stadtbezirk) and 1.4
   (barrier-free offers in every Stadtbezirk; threshold 30 % of the demand is a demo value),
   plus the legal claim (demand met) per Stadtteil.

4. **Register, round, applications** (SYNTHETIC, seeds ``SEED + 1`` and ``SEED + 2`` so the
   Kitas above keep their draws): the Kitas' addresses plus ``HOMES_PER_STADTTEIL`` homes per
   Stadtteil; the Kitas of ``ROUND_BEZIRK`` release places in ``ROUND``; children living
   there apply for up to three of the nearest Kitas (``APPLICATIONS_PER_PLACE``).

Deterministic: the same inputs give the same bytes. Usage::

    .venv/bin/python scripts/derive_dresden.py [--shared PATH] [--out PATH]

Run it after ``scripts/derive_demo_data.py`` (which writes the areas this script reads and
regenerates ATTRIBUTION.md, Dresden's sections for these files included).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from kitaplan.domain.common.rounding import split_by_largest_remainder
from kitaplan.domain.planning.demand import DEFAULT_CARE_RATES
from kitaplan.domain.planning.forecast_births import project_births_and_city_ages

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "src" / "kitaplan" / "demo" / "data" / "dresden"

SEED = 14612000  # Dresden's Gemeindeschlüssel
YEAR = 2025
AGES = tuple(range(7))
#: Residents of Chemnitz, rounded (Statistisches Landesamt Sachsen: about 250,000 at the end
#: of 2023). An assumption of this script: the Chemnitz file has no population.
CHEMNITZ_RESIDENTS = 250_000
#: Relative spread of the synthetic Kita sizes (gamma distribution), and the smallest Kita.
SIZE_CV = 0.45
MIN_PLACES = 15
PLACES_VALID_FROM = "2025-01-01"

#: Ages of the city's forecast kept in ``city_forecast.csv`` (the whole extract, 0–10).
CITY_FORECAST_AGES = tuple(range(11))
BIRTHS_SOURCE = (
    "Landeshauptstadt Dresden, Kommunale Statistikstelle: Geborene 2024 nach Stadtteilen "
    "(opendata.dresden.de, dl-de/by-2-0)"
)
CITY_FORECAST_SOURCE = (
    "Landeshauptstadt Dresden, Kommunale Statistikstelle: Bevölkerungsprognose nach Alter, "
    "stadtweit, gerundet (opendata.dresden.de, dl-de/by-2-0)"
)
POPULATION_SOURCE = (
    "geschätzt: Landeshauptstadt Dresden, Bevölkerungsprognose 2025 nach Alter (stadtweit) "
    "× Anteil des Stadtteils an den Geborenen 2024"
)
DATA_NOTE = (
    "SYNTHETISCH (Demo): keine echte Kita. Anzahl, Inklusions- und Barrierefreiheitsanteile "
    "nach den Chemnitzer Kitas (Sachsen), Größe und Lage zufällig (Saat {seed}) im Stadtteil "
    "{stadtteil} nach der Kinderzahl"
)
#: The synthetic register's credit (every row says SYNTHETISCH).
REGISTER_SOURCE = (
    "SYNTHETISCH (Demo): erfundene Adressen der synthetischen Dresdner Kitas und "
    "Wohnadressen, zufällig im Stadtteil (Saat {seed})"
)
#: Synthetic home addresses per Stadtteil (even house numbers of its synthetic street).
HOMES_PER_STADTTEIL = 6
#: The demo's allocation round (created on the round page, see docs/howto/dresden.md): the
#: Kitas of one Stadtbezirk release places, children living there apply.
ROUND = {
    "name": "Kita-Jahr 2026/27 – Dresden-Neustadt (synthetisch)",
    "care_start": "2026-08-01",
    "applications_open": "2025-11-01",
    "applications_close": "2026-01-31",
    "offers_on": "2026-03-01",
    "response_days": 14,
    "max_choices": 3,
    "district_level": "stadtbezirk",
    "criteria": ["integration_need", "residence_in_district", "waiting_time"],
}
ROUND_BEZIRK = "1"  # Neustadt
#: Places a Kita releases in the round: a third of its places under 3, a tenth of those from 3.
RELEASED_U3, RELEASED_UE3 = 3, 10
#: Applications per released place (more children than places, so the run has a waiting list).
APPLICATIONS_PER_PLACE = 1.2


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def stadtteile(areas_path: Path) -> dict[str, dict[str, Any]]:
    """Stadtteil code → name, Stadtbezirk code and polygon (from the packaged areas)."""
    data = json.loads(areas_path.read_text(encoding="utf-8"))
    found = {}
    for feature in data["features"]:
        props = feature["properties"]
        if props["level"] == "stadtteil":
            found[props["official_code"]] = {
                "name": props["name"],
                "bezirk": props["parent_code"],
                "geometry": shape(feature["geometry"]),
            }
    return dict(sorted(found.items()))


def births_2024(statistik: Path) -> dict[str, int]:
    """Births 2024 per Stadtteil code (the two rows of 76 Strehlen summed)."""
    births: dict[str, int] = defaultdict(int)
    rows = _read_csv(statistik / "einwohner_geborene_md121_2024_od_bevoelkerung_ab_stadtteil.csv")
    for row in rows:
        births[row["Stadtteil zus."].split(" ", 1)[0]] += int(row["Geborene"])
    return dict(births)


def city_forecast(statistik: Path, ages: tuple[int, ...] = AGES) -> dict[int, dict[int, float]]:
    """The city's forecast: year → age → residents (the ages given)."""
    name = (
        "einwohner-prognose_md8_open_data_alter_ueber_85_zu_85_j_-_gerundet__auszug_alter_0-10.csv"
    )
    table: dict[int, dict[int, float]] = defaultdict(dict)
    for row in _read_csv(statistik / name):
        values = list(row.values())
        age = int(values[1].split(" ", 1)[0])
        if age in ages:
            table[int(values[0])][age] = float(values[2])
    return dict(table)


def city_residents(statistik: Path, year: int) -> int:
    name = (
        "einwohner-prognose_md9_open_data_stadtbezirk_mit_zugeordneten_ortschaften_-_gerundet.csv"
    )
    return sum(
        int(row["Anzahl"])
        for row in _read_csv(statistik / name)
        if int(row["Jahr-Prognose"]) == year
    )


def children(
    areas: dict[str, dict[str, Any]], births: dict[str, int], forecast: dict[int, dict[int, float]]
) -> dict[str, dict[int, int]]:
    """Children per Stadtteil and age in ``YEAR`` (integers; each age sums to the city's)."""
    codes = list(areas)
    missing = sorted(set(codes) ^ set(births))
    if missing:
        raise SystemExit(f"births and areas do not match: {missing}")
    table = project_births_and_city_ages(
        areas=codes,
        districts=[areas[c]["bezirk"] for c in codes],
        births={2024: [float(births[c]) for c in codes]},
        city_forecast={YEAR: forecast[YEAR]},
    )
    result: dict[str, dict[int, int]] = {c: {} for c in codes}
    for a, age in enumerate(table.ages):
        parts = split_by_largest_remainder(
            round(forecast[YEAR][age]), [float(v) for v in table.values[:, 0, a]]
        )
        for code, count in zip(codes, parts, strict=True):
            result[code][age] = count
    return result


def chemnitz_profile(chemnitz: Path) -> tuple[int, list[tuple[str, int, int]]]:
    """The number of Chemnitz facilities with a Kita offer and, per facility, its (provider
    kind, integrative, barrier-free)."""
    data = json.loads((chemnitz / "Kindertageseinrichtungen.geojson").read_text(encoding="utf-8"))
    rows = [f["properties"] for f in data["features"] if f["properties"].get("KITA") == 1]
    return len(rows), [
        (_provider_kind(str(p["TRAEGER"])), int(p["INTEGRATIV"] == 1), int(p["BARRIEREFREI"] == 1))
        for p in rows
    ]


def _provider_kind(name: str) -> str:
    if name == "Stadt Chemnitz":
        return "municipal"
    if name == "Privater Träger":
        return "other"
    if any(w in name for w in ("Ev.-Luth.", "Caritas", "Diakonie", "Kath.", "Stadtmission")):
        return "church"
    return "non_profit"


#: Synthetic providers per kind: how many Kitas one provider runs at most (the municipal
#: Eigenbetrieb runs all of its kind).
PROVIDERS = {
    "municipal": ("Eigenbetrieb Kindertageseinrichtungen (synthetisch)", 10_000),
    "non_profit": ("Freier Träger {n:02d} (synthetisch)", 12),
    "church": ("Kirchlicher Träger {n:02d} (synthetisch)", 6),
    "other": ("Privater Träger {n:02d} (synthetisch)", 2),
}
PROVIDER_PREFIX = {
    "municipal": "DD-T-K",
    "non_profit": "DD-T-F",
    "church": "DD-T-C",
    "other": "DD-T-P",
}


def synthetic_street(stadtteil: str) -> str:
    """The one invented street of a Stadtteil (no open Dresden street list is at hand), named
    after the Stadtteil's first name without abbreviation dots ("Pieschen-N/Trachenberge" →
    "Demostraße Pieschen-N"), so that a typed address parses as street and number."""
    return "Demostraße " + stadtteil.split("(")[0].split("/")[0].replace(".", "").strip()


def random_point(polygon: Any, rng: np.random.Generator) -> tuple[float, float]:
    """A random point (lat, lon) inside a polygon, drawn within 30 m of its interior."""
    inner = polygon.buffer(-0.0004) if polygon.buffer(-0.0004).area > 0 else polygon
    min_lon, min_lat, max_lon, max_lat = inner.bounds
    for _ in range(10_000):
        lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        if inner.contains(shapely.Point(lon, lat)):
            return round(lat, 6), round(lon, 6)
    point = inner.representative_point()
    return round(point.y, 6), round(point.x, 6)


def facilities(
    areas: dict[str, dict[str, Any]],
    kids: dict[str, dict[int, int]],
    n_kitas: int,
    profile: list[tuple[str, int, int]],
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    codes = list(areas)
    per_area = split_by_largest_remainder(
        n_kitas, [float(sum(kids[c][a] for a in range(6))) for c in codes]
    )
    demand_u3 = sum(kids[c][a] * DEFAULT_CARE_RATES.rate(a) for c in codes for a in (0, 1, 2))
    demand_ue3 = sum(kids[c][a] * DEFAULT_CARE_RATES.rate(a) for c in codes for a in (3, 4, 5))
    u3_share = demand_u3 / (demand_u3 + demand_ue3)
    shape_k = 1 / SIZE_CV**2
    sizes = rng.gamma(shape_k, (demand_u3 + demand_ue3) / n_kitas / shape_k, size=n_kitas)
    sizes = np.maximum(sizes, MIN_PLACES)
    totals = split_by_largest_remainder(round(demand_u3 + demand_ue3), list(sizes))
    drawn = [profile[i] for i in rng.integers(0, len(profile), size=n_kitas)]
    counters: Counter[str] = Counter()
    provider_of_kind: dict[str, list[dict[str, str]]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    number = 0
    for code, count in zip(codes, per_area, strict=True):
        area = areas[code]
        for k in range(count):
            kind, integrative, barrier_free = drawn[number]
            places = max(totals[number], MIN_PLACES)
            number += 1
            share = float(np.clip(rng.normal(u3_share, 0.08), 0.15, 0.6))
            u3 = int(round(places * share))
            lat, lon = random_point(area["geometry"], rng)
            template, per_provider = PROVIDERS[kind]
            known = provider_of_kind[kind]
            if not known or counters[known[-1]["official_number"]] >= per_provider:
                known.append(
                    {
                        "official_number": f"{PROVIDER_PREFIX[kind]}{len(known) + 1:02d}",
                        "name": template.format(n=len(known) + 1),
                        "provider_type": kind,
                    }
                )
            provider = known[-1]
            counters[provider["official_number"]] += 1
            rows.append(
                {
                    "official_number": f"DD-S-{number:03d}",
                    "name": f"Kita {area['name']} {k + 1} (synthetisch)",
                    "provider_number": provider["official_number"],
                    "street": synthetic_street(area["name"]),
                    "house_number": str(2 * k + 1),
                    "postcode": "",
                    "city": "Dresden",
                    "lat": f"{lat:.6f}",
                    "lon": f"{lon:.6f}",
                    "opening_time": str(rng.choice(["06:00", "06:00", "06:30"])),
                    "closing_time": str(rng.choice(["17:00", "17:30", "18:00"])),
                    "places_u3": u3,
                    "places_ue3": places - u3,
                    "places_school": 0,
                    "integration_places": int(rng.integers(2, 9)) if integrative else 0,
                    "special_needs_group_places": 0,
                    "step_free_entrance": 1 if barrier_free else int(rng.random() < 0.3),
                    "accessible_toilet": barrier_free,
                    "lift": int(barrier_free and rng.random() < 0.5),
                    "accessible_outdoor_area": 1 if barrier_free else int(rng.random() < 0.2),
                    "inclusion_profile": integrative,
                    "places_valid_from": PLACES_VALID_FROM,
                    "data_note": DATA_NOTE.format(seed=SEED, stadtteil=f"{code} {area['name']}"),
                }
            )
    providers = [p for kind in PROVIDERS for p in provider_of_kind[kind]]
    return rows, providers


def stadtteil_of(kita: dict[str, Any]) -> str:
    """The Stadtteil code of a synthetic Kita (the data note names it)."""
    return str(kita["data_note"]).rsplit("im Stadtteil ", 1)[1].split(" ", 1)[0]


def register(
    areas: dict[str, dict[str, Any]], kitas: list[dict[str, Any]], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """The synthetic address register: every Kita's address, and ``HOMES_PER_STADTTEIL`` home
    addresses per Stadtteil on the same street (even numbers, random points inside)."""
    source = REGISTER_SOURCE.format(seed=SEED)
    rows = [
        {
            "street": k["street"],
            "house_number": k["house_number"],
            "postcode": "",
            "city": "Dresden",
            "lat": k["lat"],
            "lon": k["lon"],
            "source": source,
        }
        for k in kitas
    ]
    for area in areas.values():
        for n in range(1, HOMES_PER_STADTTEIL + 1):
            lat, lon = random_point(area["geometry"], rng)
            rows.append(
                {
                    "street": synthetic_street(area["name"]),
                    "house_number": str(2 * n),
                    "postcode": "",
                    "city": "Dresden",
                    "lat": f"{lat:.6f}",
                    "lon": f"{lon:.6f}",
                    "source": source,
                }
            )
    return rows


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Straight-line distance (equirectangular; enough to rank Kitas within a city)."""
    x = (lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    return float(np.hypot(x, lat2 - lat1) * 111.2)


def released_places(kitas: list[dict[str, Any]], bezirk_codes: set[str]) -> list[dict[str, Any]]:
    """The places the round's Kitas release (facility number, age group, places)."""
    found = []
    for k in kitas:
        if k["stadtteil"] not in bezirk_codes:
            continue
        for group, share in (("u3", RELEASED_U3), ("ue3", RELEASED_UE3)):
            places = int(k[f"places_{group}"])
            if places:
                found.append(
                    {
                        "facility": k["official_number"],
                        "age_group": group,
                        "capacity": max(1, places // share),
                    }
                )
    return found


def _birth_date(group: str, rng: np.random.Generator) -> str:
    """A birth date that puts the child in ``group`` on the round's care start (1 Aug 2026):
    under 3 born Aug 2024–Jun 2025, from 3 born Sep 2020–Jul 2023."""
    import datetime as dt

    first, last = (
        (dt.date(2024, 8, 2), dt.date(2025, 6, 30))
        if group == "u3"
        else (dt.date(2020, 9, 1), dt.date(2023, 7, 31))
    )
    return (first + dt.timedelta(days=int(rng.integers(0, (last - first).days + 1)))).isoformat()


def applications(
    homes: list[dict[str, Any]],
    kitas: list[dict[str, Any]],
    places: list[dict[str, Any]],
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """Synthetic applications of children living in the round's Stadtbezirk: each child lives
    at one of the register's home addresses there and chooses up to three of the nearest Kitas
    that release places of its age group (nearest first)."""
    import datetime as dt

    by_number = {k["official_number"]: k for k in kitas}
    offering: dict[str, list[str]] = defaultdict(list)
    for p in places:
        offering[p["age_group"]].append(p["facility"])
    capacity = Counter[str]()
    for p in places:
        capacity[p["age_group"]] += p["capacity"]
    opened = dt.date.fromisoformat(ROUND["applications_open"])
    window = (dt.date.fromisoformat(ROUND["applications_close"]) - opened).days
    rows = []
    number = 0
    for group in ("u3", "ue3"):
        for _ in range(round(capacity[group] * APPLICATIONS_PER_PLACE)):
            number += 1
            home = homes[int(rng.integers(0, len(homes)))]
            hlat, hlon = float(home["lat"]), float(home["lon"])
            nearest = sorted(
                offering[group],
                key=lambda n: _km(
                    hlat, hlon, float(by_number[n]["lat"]), float(by_number[n]["lon"])
                ),
            )
            chosen = nearest[: int(rng.integers(1, ROUND["max_choices"] + 1))]  # type: ignore[call-overload]
            registered = opened + dt.timedelta(days=int(rng.integers(0, window + 1)))
            rows.append(
                {
                    "round": ROUND["name"],
                    "reference": f"DD-{number:04d}",
                    "child_name": f"Kind {number:04d} (synthetisch)",
                    "birth_date": _birth_date(group, rng),
                    "desired_start": ROUND["care_start"],
                    "weekly_hours": int(rng.choice([30, 35, 40, 45])),
                    "registered_on": registered.isoformat(),
                    "integration_need": "ja" if rng.random() < 0.05 else "nein",
                    "criteria": "",
                    "siblings_at": "",
                    "home_area_code": "",
                    "home_street": home["street"],
                    "home_house_number": home["house_number"],
                    "home_postcode": "",
                    **{
                        f"choice_{r}": (chosen[r - 1] if r <= len(chosen) else "")
                        for r in (1, 2, 3)
                    },
                }
            )
    return rows


TARGETS = [
    {
        "code": "1.4",
        "name": "Ausreichend barrierefreie Plätze in jedem Stadtbezirk (mindestens 30 % des Bedarfs)",
        "metric": "barrier_free_places_per_demand",
        "level": "stadtbezirk",
        "comparison": "at_least",
        "threshold": "0.3",
        "tolerance": "0.05",
        "source": "Dresden, Strategische Maßnahmen inklusive Kindertagesbetreuung 2020–2027, "
        "Teilziel 1.4; Schwelle 30 % ist ein Demo-Wert",
    },
    {
        "code": "1.7",
        "name": "Mindestens zwei Kitas mit Inklusionsprofil je Stadtbezirk",
        "metric": "facilities_with_inclusion_profile",
        "level": "stadtbezirk",
        "comparison": "at_least",
        "threshold": "2",
        "tolerance": "1",
        "source": "Dresden, Strategische Maßnahmen inklusive Kindertagesbetreuung 2020–2027, "
        "Teilziel 1.7",
    },
    {
        "code": "R.1",
        "name": "Bedarf unter 3 Jahren in jedem Stadtteil gedeckt",
        "metric": "demand_met_u3",
        "level": "stadtteil",
        "comparison": "at_least",
        "threshold": "1.0",
        "tolerance": "0.1",
        "source": "Rechtsanspruch § 24 Abs. 2 SGB VIII",
    },
    {
        "code": "R.2",
        "name": "Bedarf von 3 Jahren bis zum Schuleintritt in jedem Stadtteil gedeckt",
        "metric": "demand_met_ue3",
        "level": "stadtteil",
        "comparison": "at_least",
        "threshold": "1.0",
        "tolerance": "0.05",
        "source": "Rechtsanspruch § 24 Abs. 3 SGB VIII",
    },
]


def _write(path: Path, rows: list[dict[str, Any]], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=list(rows[0]), lineterminator="\n", delimiter=delimiter
        )
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    statistik = args.shared / "dresden-statistik"
    areas = stadtteile(DEFAULT_OUT / "areas.geojson")
    forecast = city_forecast(statistik)
    kids = children(areas, births_2024(statistik), forecast)
    population = [
        {
            "area_code": code,
            "year": YEAR,
            "age": age,
            "count": count,
            "method": "estimated",
            "source": POPULATION_SOURCE,
        }
        for code, by_age in kids.items()
        for age, count in by_age.items()
    ]
    n_chemnitz, profile = chemnitz_profile(args.shared / "chemnitz-kitas")
    residents = city_residents(statistik, YEAR)
    n_kitas = round(n_chemnitz * residents / CHEMNITZ_RESIDENTS)
    rng = np.random.default_rng(SEED)
    rows, providers = facilities(areas, kids, n_kitas, profile, rng)
    args.out.mkdir(parents=True, exist_ok=True)
    _write(args.out / "population.csv", population)
    _write(
        args.out / "births.csv",
        [
            {"area_code": code, "year": 2024, "count": n, "source": BIRTHS_SOURCE}
            for code, n in sorted(births_2024(statistik).items())
        ],
    )
    _write(
        args.out / "city_forecast.csv",
        [
            {"year": year, "age": age, "count": round(count), "source": CITY_FORECAST_SOURCE}
            for year, by_age in sorted(city_forecast(statistik, CITY_FORECAST_AGES).items())
            for age, count in sorted(by_age.items())
        ],
    )
    _write(args.out / "providers.csv", providers)
    _write(args.out / "facilities.csv", rows)
    _write(args.out / "targets.csv", TARGETS)
    # Separate streams, so that the Kitas above stay what they were before these files existed.
    addresses = register(areas, rows, np.random.default_rng(SEED + 1))
    _write(args.out / "address_register.csv", addresses)
    bezirk = {code for code, area in areas.items() if area["bezirk"] == ROUND_BEZIRK}
    kitas = [{**r, "stadtteil": stadtteil_of(r)} for r in rows]
    places = released_places(kitas, bezirk)
    homes = [
        a
        for a in addresses[len(rows) :]
        if a["street"] in {synthetic_street(areas[c]["name"]) for c in bezirk}
    ]
    apps = applications(homes, kitas, places, np.random.default_rng(SEED + 2))
    (args.out / "round.json").write_text(
        json.dumps({**ROUND, "places": places}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    _write(args.out / "applications.csv", apps, delimiter=";")
    under6 = sum(r["count"] for r in population if r["age"] < 6)
    print(f"children 0–5 in {YEAR}: {under6:,} in {len(areas)} Stadtteile")
    print(
        f"Kitas: {len(rows)} (Chemnitz {n_chemnitz} × {residents:,} / {CHEMNITZ_RESIDENTS:,}), "
        f"places {sum(r['places_u3'] + r['places_ue3'] for r in rows):,}, "
        f"inclusive {sum(r['inclusion_profile'] for r in rows)}, "
        f"barrier-free {sum(r['accessible_toilet'] for r in rows)}, providers {len(providers)}"
    )
    print(
        f"register: {len(addresses)} synthetic addresses; round: {len(places)} released "
        f"programmes ({sum(p['capacity'] for p in places)} places), {len(apps)} applications"
    )


if __name__ == "__main__":
    main()
