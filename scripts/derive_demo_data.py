#!/usr/bin/env python
"""Derive the kitaplan demo dataset (Berlin, Dresden) from the open data in ``shared/data``.

The script reads the source files described in the ``PROVENANCE.md`` files of
``shared/data`` and writes the compact demo dataset in the standard exchange formats of
``docs/data-formats.md``::

    <out>/berlin/{territory.json, areas.geojson, population.csv, indicators.csv,
                  indicator_values.csv, providers.csv, facilities.csv}
    <out>/dresden/{territory.json, areas.geojson, indicators.csv, indicator_values.csv}
    <out>/ATTRIBUTION.md

Berlin's ``population.csv`` holds 30.06.2022 (disaggregated from published age bands) and,
as a history for the forecast, 31.12.2011–2020, estimated by dasymetric areal
interpolation of the register counts of the pre-2021 Planungsräume onto LOR 2021.

Every derivation rule is documented in ``docs/domain/demo-data.md``. The output is
deterministic: the same sources give the same bytes (synthetic values come from
``numpy.random.default_rng(2026)``; CSVs are written with ``\\n`` line ends and sorted
rows; GeoJSON coordinates are rounded to 6 decimals).

Usage::

    .venv/bin/python scripts/derive_demo_data.py [--shared PATH] [--out PATH]

The script lives outside the package and is not imported by it.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from kitaplan.domain.common.rounding import split_by_largest_remainder

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "src" / "kitaplan" / "demo" / "data"

SEED = 2026
#: Upper bound for the whole output (the population history 2011–2020 adds about 4 MB).
MAX_OUTPUT_BYTES = 10_000_000
#: Coverage-simplification tolerances tried in order (metres, EPSG:25833); the first one
#: that keeps every Kita point inside exactly one Planungsraum is used.
SIMPLIFY_TOLERANCES_M: tuple[float, ...] = (5.0, 3.0, 2.0, 1.0, 0.5)
COORD_DECIMALS = 6
GRID = 10.0**-COORD_DECIMALS
UTM = "EPSG:25833"
WGS84 = "EPSG:4326"

EN_DASH = "\u2013"

# Expected totals (from the PROVENANCE files); asserted at the end.
EXPECTED_BERLIN_U6 = 225_097
EXPECTED_BERLIN_PLACES = 194_979
EXPECTED_BERLIN_KITAS = 2_880
EXPECTED_BERLIN_AREAS = {
    "bezirk": 12,
    "prognoseraum": 58,
    "bezirksregion": 143,
    "planungsraum": 542,
}
EXPECTED_DRESDEN_AREAS = {"stadtbezirk": 10, "stadtteil": 61}

BERLIN_LEVELS = [
    {"code": "bezirk", "name": "Bezirk", "rank": 1},
    {"code": "prognoseraum", "name": "Prognoseraum", "rank": 2},
    {"code": "bezirksregion", "name": "Bezirksregion", "rank": 3},
    {"code": "planungsraum", "name": "Planungsraum", "rank": 4},
]
DRESDEN_LEVELS = [
    {"code": "stadtbezirk", "name": "Stadtbezirk", "rank": 1},
    {"code": "stadtteil", "name": "Stadtteil", "rank": 2},
]

BERLIN_ATTRIBUTION = (
    "Daten: Amt für Statistik Berlin-Brandenburg (CC BY 3.0 DE); Geoportal Berlin / LOR 2021 "
    "und Kindertagesstätten; SenSBW Berlin, Monitoring Soziale Stadtentwicklung 2021; "
    "Technologiestiftung Berlin, Kita-Verzeichnis 2017 – aufbereitet für kitaplan, teils "
    "geschätzt und synthetisch (siehe ATTRIBUTION.md)"
)
DRESDEN_ATTRIBUTION = (
    "Daten: Landeshauptstadt Dresden, opendata.dresden.de (dl-de/by-2-0); Stadtteilgrenzen "
    "aus den Wahlbezirken 2024 abgeleitet (OK Lab Dresden) – aufbereitet für kitaplan; "
    "Kitas, Träger, Adressen und Anmeldungen SYNTHETISCH (siehe ATTRIBUTION.md)"
)

SRC_POPULATION = (
    "AfS Berlin-Brandenburg, EWR 30.06.2022 je PLR (unter 6 / 6-15); Altersaufteilung "
    "nach Bezirksstruktur EWR 31.12.2020"
)
SRC_MSS = "SenSBW Berlin, Monitoring Soziale Stadtentwicklung 2021 (Stand 31.12.2020)"
SRC_MSS_Z = "SenSBW Berlin, MSS 2021, Tabelle 3 (Index-Indikatoren, z-Werte)"
SRC_DD_BIRTHS = (
    "Landeshauptstadt Dresden, Kommunale Statistikstelle: Geborene 2024 nach Stadtteilen"
)
SRC_DD_SINGLE = (
    "Landeshauptstadt Dresden, Kommunale Statistikstelle: Haushalte Alleinerziehender 2024 "
    "nach Stadtteilen"
)

#: t_art (Berlin Kita WFS) -> kitaplan provider_type.
PROVIDER_TYPE_BY_T_ART: dict[str, str] = {
    "Eigenbetrieb": "municipal",
    "EKT": "parent_initiative",
    "Diakonisches Werk": "church",
    "Deutscher Caritasverband": "church",
    "Arbeiterwohlfahrt": "non_profit",
    "Sonstiger freier Träger": "non_profit",
    "Deutsches Rotes Kreuz": "non_profit",
    "DRK": "non_profit",
    "Der Paritätische": "non_profit",
    "Paritätischer Wohlfahrtsverband": "non_profit",
}

#: An "integration Kita" mentions integration/inclusion of children with disabilities in its
#: name or profile (e_name, ang_1, ang_2) ...
INTEGRATION_MENTION = re.compile(r"Integration|Inklusion|behindert|Behinderung")
#: ... unless the only mention is about migrant families (not treated as integration Kitas).
NON_DISABILITY_INTEGRATION = re.compile(
    r"Integration (?:italienischer Familien|von Migrationskindern)"
)

# Synthetic barrier-free features: P(feature) given step-free / not step-free.
P_STEP_FREE = 0.45
P_TOILET = (0.60, 0.05)
P_LIFT = (0.20, 0.02)
P_OUTDOOR = (0.50, 0.20)
INTEGRATION_RATE = (0.03, 0.07)  # uniform share of places, mean 5 %
INTEGRATION_MIN = 2
INCLUSION_SHARE = 0.20
SPECIAL_NEEDS_KITAS = 5
SPECIAL_NEEDS_PLACES = 8
PLACES_VALID_FROM = "2022-12-01"

MATCH_ADDRESS_MAX_M = 300.0
MATCH_NEAR_M = 50.0
MATCH_NEAR_MIN_SIMILARITY = 0.8


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


@dataclass
class Summary:
    """Collects the lines of the final summary and the numbers for the attribution file."""

    lines: list[str] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)

    def add(self, text: str) -> None:
        """Record and print one summary line."""
        self.lines.append(text)
        print(text)


def round_half_up(numerator: int, denominator: int) -> int:
    """Return numerator/denominator rounded half up, in exact integer arithmetic."""
    return (2 * numerator + denominator) // (2 * denominator)


def to_int(value: object) -> int:
    """Parse a count cell; the en dash (suppressed/zero) and empty cells are 0."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = text.strip()
    if text in {"", EN_DASH, "-"}:
        return 0
    return int(text)


def clean(value: object) -> str:
    """Source cell as stripped text; missing values (None/NaN) become ``""``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def numeric_text(value: object) -> str | None:
    """Return the source number as text (validated, ``,`` → ``.``), or None if empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().replace(",", ".")
    if text in {"", EN_DASH, "nan"}:
        return None
    float(text)  # validate
    return text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a UTF-8 CSV with ``\\n`` line ends; return the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def write_json(path: Path, data: object) -> None:
    """Write pretty JSON (UTF-8, trailing newline)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _round_ring(coords: Iterable[Sequence[float]]) -> list[list[float]]:
    return [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y, *_ in coords]


def geometry_to_geojson(geom: shapely.Geometry) -> dict[str, Any]:
    """Polygon/MultiPolygon → GeoJSON dict (RFC 7946 orientation, rounded coordinates)."""
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    if any(p.geom_type != "Polygon" for p in polygons):
        raise ValueError(f"unexpected geometry type {geom.geom_type}")
    rings = [
        [_round_ring(p.exterior.coords)] + [_round_ring(r.coords) for r in p.interiors]
        for p in polygons
    ]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def write_areas_geojson(path: Path, areas: pd.DataFrame) -> None:
    """Write the areas as a GeoJSON FeatureCollection, one feature per line."""
    lines = []
    for row in areas.itertuples(index=False):
        feature = {
            "type": "Feature",
            "properties": {
                "level": row.level,
                "official_code": row.official_code,
                "name": row.name,
                "parent_code": clean(row.parent_code) or None,
                "valid_from": row.valid_from,
            },
            "geometry": geometry_to_geojson(row.geometry),
        }
        lines.append(
            json.dumps(feature, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
        encoding="utf-8",
    )


def simplify_coverage_to_wgs84(
    polygons_utm: Sequence[shapely.Geometry], tolerance: float
) -> list[shapely.Geometry]:
    """Coverage-simplify polygons in EPSG:25833, reproject to WGS84, snap to a 1e-6° grid.

    Coverage simplification (GEOS, Visvalingam–Whyatt on shared edges) simplifies every
    shared edge once, so neighbours keep identical boundaries (no gaps, no overlaps).
    Snapping with ``set_precision`` keeps the polygons valid after rounding.
    """
    simplified = shapely.coverage_simplify(np.asarray(polygons_utm, dtype=object), tolerance)
    series = gpd.GeoSeries(list(simplified), crs=UTM).to_crs(WGS84)
    snapped = shapely.set_precision(np.asarray(series.values, dtype=object), GRID)
    return list(snapped)


def dissolve(geoms: Sequence[shapely.Geometry]) -> shapely.Geometry:
    """Union polygons of a coverage on the coordinate grid (so parents nest exactly)."""
    return shapely.union_all(np.asarray(geoms, dtype=object), grid_size=GRID)


def count_containing(
    points: Sequence[shapely.Geometry], polygons: Sequence[shapely.Geometry]
) -> np.ndarray:
    """Number of polygons each point intersects (0 = outside, 2+ = on a shared edge/overlap)."""
    tree = shapely.STRtree(np.asarray(polygons, dtype=object))
    pairs = tree.query(np.asarray(points, dtype=object), predicate="intersects")
    return np.bincount(pairs[0], minlength=len(points))


def nesting_check(children: pd.DataFrame, parents: pd.DataFrame) -> float:
    """Largest area (m²) of a child outside its parent polygon (0 = exact nesting)."""
    parent_geom = dict(zip(parents.official_code, parents.geometry, strict=True))
    worst = 0.0
    for row in children.itertuples(index=False):
        outside = shapely.difference(row.geometry, parent_geom[row.parent_code])
        if not outside.is_empty:
            area = gpd.GeoSeries([outside], crs=WGS84).to_crs(UTM).area.iloc[0]
            worst = max(worst, float(area))
    return worst


# --------------------------------------------------------------------------------------
# Berlin: areas
# --------------------------------------------------------------------------------------


def read_lor_hierarchy(shared: Path) -> pd.DataFrame:
    """LOR 2021 key/name table (542 PLR with BZR, PGR and Bezirk)."""
    lor = pd.read_csv(
        shared / "berlin-population-plr-2022" / "LOR_2021.csv", dtype=str, encoding="utf-8-sig"
    )
    lor = lor.rename(
        columns={
            "Planungsraum (Nummer)": "plr",
            "Planungsraum (Name)": "plr_name",
            "Bezirksregion (Nummer)": "bzr",
            "Bezirksregion (Name)": "bzr_name",
            "Prognoseraum (Nummer)": "pgr",
            "Prognoseraum (Name)": "pgr_name",
            "Bezirk": "bez_name",
        }
    )
    lor = lor.apply(lambda c: c.str.strip())
    lor["bez"] = lor.plr.str[:2]
    assert (lor.bzr == lor.plr.str[:6]).all()
    assert (lor.pgr == lor.plr.str[:4]).all()
    assert lor.plr.is_unique
    assert len(lor) == 542
    return lor


def derive_berlin_areas(
    shared: Path, kita_points_wgs84: Sequence[shapely.Geometry], summary: Summary
) -> gpd.GeoDataFrame:
    """Berlin areas: 542 simplified PLR and the dissolved BZR, PGR and Bezirke.

    Names come from LOR_2021.csv (revision of 01.12.2021, which corrects some PLR names of
    the shapefile); geometries from the LOR 2021 shapefile (EPSG:25833).
    """
    lor = read_lor_hierarchy(shared)
    shp = gpd.read_file(shared / "berlin-lor-2021" / "lor_planungsraeume_2021.shp")
    assert str(shp.crs) == UTM or shp.crs.to_epsg() == 25833
    shp = shp.sort_values("PLR_ID").reset_index(drop=True)
    assert shapely.coverage_is_valid(np.asarray(shp.geometry.values, dtype=object))
    plr = shp[["PLR_ID", "PLR_NAME", "geometry"]].merge(
        lor, left_on="PLR_ID", right_on="plr", validate="1:1"
    )
    assert len(plr) == 542
    renamed = plr[plr.PLR_NAME.str.strip() != plr.plr_name]
    for row in renamed.itertuples():
        summary.add(
            f"  PLR name differs: {row.plr} shapefile '{row.PLR_NAME}' -> LOR_2021.csv '{row.plr_name}' (used)"
        )
    dup = plr[plr.plr_name.duplicated(keep=False)]
    if len(dup):
        summary.add(f"  duplicate PLR names: {sorted(set(dup.plr_name))}")

    chosen: list[shapely.Geometry] | None = None
    for tol in SIMPLIFY_TOLERANCES_M:
        candidate = simplify_coverage_to_wgs84(list(plr.geometry), tol)
        counts = count_containing(kita_points_wgs84, candidate)
        ok = bool((counts == 1).all())
        summary.add(
            f"  simplify tolerance {tol} m: Kitas in exactly one PLR {int((counts == 1).sum())}/"
            f"{len(counts)} (outside {int((counts == 0).sum())}, >1 {int((counts > 1).sum())})"
        )
        if ok:
            chosen = candidate
            summary.numbers["berlin_tolerance_m"] = tol
            break
    if chosen is None:
        raise SystemExit("no tolerance keeps every Kita inside exactly one Planungsraum")
    plr["geometry"] = chosen
    assert all(g.is_valid and g.geom_type in {"Polygon", "MultiPolygon"} for g in chosen)

    rows: list[dict[str, Any]] = []
    for level, key, name_col, parent_len in (
        ("bezirk", "bez", "bez_name", 0),
        ("prognoseraum", "pgr", "pgr_name", 2),
        ("bezirksregion", "bzr", "bzr_name", 4),
    ):
        for code, group in plr.groupby(key, sort=True):
            names = group[name_col].unique()
            assert len(names) == 1, (level, code, names)
            rows.append(
                {
                    "level": level,
                    "official_code": str(code),
                    "name": names[0],
                    "parent_code": str(code)[:parent_len] if parent_len else None,
                    "valid_from": "2021-01-01",
                    "geometry": dissolve(list(group.geometry)),
                }
            )
    for row in plr.itertuples():
        rows.append(
            {
                "level": "planungsraum",
                "official_code": row.plr,
                "name": row.plr_name,
                "parent_code": row.bzr,
                "valid_from": "2021-01-01",
                "geometry": row.geometry,
            }
        )
    areas = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    rank = {lvl["code"]: lvl["rank"] for lvl in BERLIN_LEVELS}
    areas["rank"] = areas.level.map(rank)
    areas = areas.sort_values(["rank", "official_code"]).drop(columns="rank").reset_index(drop=True)
    assert all(g.is_valid for g in areas.geometry)
    counts = areas.level.value_counts().to_dict()
    assert counts == EXPECTED_BERLIN_AREAS, counts
    for child, parent in (
        ("planungsraum", "bezirksregion"),
        ("bezirksregion", "prognoseraum"),
        ("prognoseraum", "bezirk"),
    ):
        worst = nesting_check(areas[areas.level == child], areas[areas.level == parent])
        summary.add(f"  nesting {child} in {parent}: largest area outside parent {worst:.3f} m²")
    summary.add(
        "  PLR coverage valid after simplification/rounding: "
        f"{shapely.coverage_is_valid(np.asarray(chosen, dtype=object))}"
    )
    return areas


# --------------------------------------------------------------------------------------
# Berlin: population
# --------------------------------------------------------------------------------------

EWR_U6_COLUMNS = ["E_E00_01", "E_E01_02", "E_E02_03", "E_E03_05", "E_E05_06"]
EWR_6_15_COLUMNS = ["E_E06_07", "E_E07_08", "E_E08_10", "E_E10_12", "E_E12_14", "E_E14_15"]


def bezirk_age_weights(shared: Path) -> tuple[dict[str, list[int]], dict[str, tuple[int, int]]]:
    """Bezirk age structure from EWR 31.12.2020 (old LOR; RAUMID[:2] = Bezirk).

    Returns integer weights for ages 0..5 (ages 3 and 4 share E_E03_05 evenly, so all
    weights are doubled) and, for age 6, (E_E06_07, sum of the 6–<15 bands).
    """
    ewr = pd.read_csv(shared / "berlin-ewr-2001-2020" / "EWR202012E_Matrix.csv", sep=";", dtype=str)
    ewr = ewr[ewr.RAUMID.notna() & (ewr.RAUMID.str.strip() != "")].copy()
    for col in EWR_U6_COLUMNS + EWR_6_15_COLUMNS + ["E_E6U15"]:
        ewr[col] = ewr[col].map(to_int)
    assert (ewr[EWR_6_15_COLUMNS].sum(axis=1) == ewr["E_E6U15"]).all()
    ewr["bez"] = ewr.RAUMID.str[:2]
    by_bez = ewr.groupby("bez")[EWR_U6_COLUMNS + EWR_6_15_COLUMNS].sum()
    weights: dict[str, list[int]] = {}
    age6: dict[str, tuple[int, int]] = {}
    for bez, r in by_bez.iterrows():
        weights[str(bez)] = [
            2 * int(r.E_E00_01),
            2 * int(r.E_E01_02),
            2 * int(r.E_E02_03),
            int(r.E_E03_05),
            int(r.E_E03_05),
            2 * int(r.E_E05_06),
        ]
        age6[str(bez)] = (int(r.E_E06_07), int(sum(int(r[c]) for c in EWR_6_15_COLUMNS)))
    assert len(weights) == 12
    return weights, age6


def derive_berlin_population(
    shared: Path, summary: Summary
) -> list[tuple[str, int, int, int, str, str]]:
    """Single-year ages 0..6 per PLR (30.06.2022), disaggregated from the age bands."""
    src = pd.read_csv(
        shared / "berlin-population-plr-2022" / "einwohnerbestand_06-2022_plr.csv",
        sep=";",
        dtype=str,
        encoding="utf-8-sig",
    )
    src["PLR-ID"] = src["PLR-ID"].str.strip()
    assert src["PLR-ID"].is_unique
    assert len(src) == 542
    src["u6"] = src["unter6"].map(to_int)
    src["b6_15"] = src["6-15"].map(to_int)
    weights, age6 = bezirk_age_weights(shared)

    summary.add(
        "  Bezirk age shares (EWR 31.12.2020), % of 0–<6 for ages 0..5; age 6 in % of 6–<15:"
    )
    for bez in sorted(weights):
        w = weights[bez]
        shares = " ".join(f"{100 * x / sum(w):5.2f}" for x in w)
        summary.add(f"    {bez}: {shares} | 6: {100 * age6[bez][0] / age6[bez][1]:5.2f}")
    summary.numbers["age_weights"] = weights
    summary.numbers["age6"] = age6

    rows: list[tuple[str, int, int, int, str, str]] = []
    src = src.sort_values("PLR-ID")
    for plr, u6, b6_15 in zip(src["PLR-ID"], src.u6, src.b6_15, strict=True):
        bez = plr[:2]
        parts = split_by_largest_remainder(int(u6), weights[bez])
        assert sum(parts) == int(u6)
        e6, s6 = age6[bez]
        parts.append(round_half_up(int(b6_15) * e6, s6))
        for age, count in enumerate(parts):
            rows.append((plr, 2022, age, count, "disaggregated", SRC_POPULATION))
    total_u6 = sum(c for _, _, a, c, _, _ in rows if a < 6)
    total_6 = sum(c for _, _, a, c, _, _ in rows if a == 6)
    by_age = [sum(c for _, _, a, c, _, _ in rows if a == age) for age in range(7)]
    summary.add(
        f"  population: {len(rows)} rows, unter6 total {total_u6:,} (source {int(src.u6.sum()):,}), age 6 total {total_6:,}"
    )
    summary.add(f"  population by age 0..6: {by_age}")
    summary.numbers["population_by_age"] = by_age
    assert total_u6 == int(src.u6.sum()) == EXPECTED_BERLIN_U6
    return rows


# --------------------------------------------------------------------------------------
# Berlin: population history 2011–2020 (old LOR → LOR 2021)
# --------------------------------------------------------------------------------------

HISTORY_YEARS: tuple[int, ...] = tuple(range(2011, 2021))
#: EWR age bands (0–<1, 1–<2, 2–<3, 3–<5, 5–<6, 6–<7) and the total residents.
EWR_BANDS = ("E_E00_01", "E_E01_02", "E_E02_03", "E_E03_05", "E_E05_06", "E_E06_07")
EWR_TOTAL = "E_E"
#: LOR revision of 2019: ``09041403`` (Treptow-Köpenick) was cut from ``09041301`` and
#: ``09041501``, with ``09041401`` changed as well, and the old-LOR TopoJSON has only the
#: 447 polygons before the revision. These keys form one unit in every year (as in
#: ``scripts/backtest_forecast.py``); its polygon is the union of the three old polygons.
OLD_LOR_MERGED = ("09041301", "09041401", "09041403", "09041501")
OLD_LOR_MERGED_UNIT = "+".join(OLD_LOR_MERGED)
SRC_HISTORY = "AfS Berlin-Brandenburg, EWR 31.12.{year} (LOR alt), dasymetrisch auf LOR 2021"


def read_ewr_year(path: Path) -> dict[str, list[int]]:
    """Age bands and total residents per 8-digit RAUMID of one ``EWR<YYYY>12E_Matrix.csv``.

    Same parsing as ``_read_year`` in ``scripts/backtest_forecast.py`` (copied, not imported:
    the scripts are not a package): ``;``-separated; 2012, 2013 and 2015 quote every field
    and write counts with a decimal comma (``15,00``); 2014 drops the leading zero of the
    keys; the 2009 file has a trailing row with empty keys. Returns the six
    :data:`EWR_BANDS` followed by :data:`EWR_TOTAL`.
    """
    rows: dict[str, list[int]] = {}
    text = path.read_text(encoding="ascii")
    for record in csv.DictReader(text.splitlines(), delimiter=";"):
        key = (record["RAUMID"] or "").strip()
        if not key:
            continue
        key = key.zfill(8)
        if key in rows:
            raise ValueError(f"{path.name}: duplicate RAUMID {key}")
        counts = []
        for column in (*EWR_BANDS, EWR_TOTAL):
            value = float(record[column].strip().replace(",", "."))
            if value < 0 or value != int(value):
                raise ValueError(f"{path.name}: {key} {column} is not a whole number ≥ 0")
            counts.append(int(value))
        rows[key] = counts
    return rows


def read_ewr_history(shared: Path) -> dict[int, pd.DataFrame]:
    """EWR per old-LOR unit (2019 revision merged) for :data:`HISTORY_YEARS`.

    Each frame has the index ``unit`` (sorted) and the columns :data:`EWR_BANDS` +
    :data:`EWR_TOTAL`; every year has the same units.
    """
    by_year: dict[int, pd.DataFrame] = {}
    for year in HISTORY_YEARS:
        raw = read_ewr_year(shared / "berlin-ewr-2001-2020" / f"EWR{year}12E_Matrix.csv")
        frame = pd.DataFrame.from_dict(raw, orient="index", columns=[*EWR_BANDS, EWR_TOTAL])
        frame.index = [OLD_LOR_MERGED_UNIT if k in OLD_LOR_MERGED else k for k in frame.index]
        by_year[year] = frame.groupby(level=0).sum().sort_index().rename_axis("unit")
    units = list(by_year[HISTORY_YEARS[0]].index)
    for year, frame in by_year.items():
        assert list(frame.index) == units, f"EWR {year}: old Planungsräume differ"
    return by_year


def read_old_lor_polygons(shared: Path) -> gpd.GeoDataFrame:
    """The pre-2021 Planungsräume (TopoJSON, WGS84) as units in EPSG:25833.

    GDAL reads the TopoJSON directly (layer ``Planungsraum``, property ``s`` = key; no CRS
    is declared, the coordinates are WGS84). Two polygons self-intersect; ``make_valid``
    repairs them and only their polygonal parts are kept. The keys of
    :data:`OLD_LOR_MERGED` are dissolved into one unit.
    """
    path = shared / "berlin-kitas-2017" / "lor_topojson" / "Planungsraum.topojson"
    old = gpd.read_file(path, layer="Planungsraum")
    assert old.crs is None and len(old) == 447 and old.s.is_unique
    assert "09041403" not in set(old.s)  # pre-2019 polygons: merge as documented
    old = old.set_crs(WGS84).to_crs(UTM)
    repaired = []
    for geom in shapely.make_valid(np.asarray(old.geometry.values, dtype=object)):
        parts = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
        repaired.append(shapely.union_all(parts))
    old["geometry"] = repaired
    old["unit"] = [OLD_LOR_MERGED_UNIT if s in OLD_LOR_MERGED else s for s in old.s]
    old = old[["unit", "geometry"]].dissolve("unit").sort_index().reset_index()
    assert old.is_valid.all() and len(old) == 445
    return old


def old_to_new_shares(
    shared: Path, old: gpd.GeoDataFrame, summary: Summary
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share matrices (old unit × LOR 2021 PLR), area-weighted and target-density-weighted.

    Pieces = ``geopandas.overlay`` intersection of the old units with the original LOR 2021
    polygons (EPSG:25833). Pieces in another Bezirk than the old unit are dropped (the
    Bezirk boundaries did not change in 2021; such pieces are slivers of the simplified
    old geometry). Weights per piece: its area (``aw``), or its area × the residents
    density of its new PLR on 31.12.2020 (``tdw``; MSS 2021 ``EW`` / PLR area). Each row
    is normalised to 1, so every old unit hands on all its residents.
    """
    new = gpd.read_file(shared / "berlin-lor-2021" / "lor_planungsraeume_2021.shp")
    assert new.crs.to_epsg() == 25833 and len(new) == 542
    new = new[["PLR_ID", "geometry"]].sort_values("PLR_ID").reset_index(drop=True)
    pieces = gpd.overlay(old, new, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.area
    pairs = pieces.groupby(["unit", "PLR_ID"], sort=True)["area"].sum().reset_index()
    same_bez = pairs.unit.str[:2] == pairs.PLR_ID.str[:2]
    covered = pairs.area.sum() / old.area.sum()
    summary.add(
        f"  old→new overlay: {len(pairs)} pieces, {100 * covered:.3f} % of the old area inside "
        f"LOR 2021; {int((~same_bez).sum())} pieces in another Bezirk dropped "
        f"({100 * pairs.area[~same_bez].sum() / pairs.area.sum():.3f} % of the area, largest "
        f"{pairs.area[~same_bez].max():,.0f} m²)"
    )
    pairs = pairs[same_bez].reset_index(drop=True)

    mss = pd.read_csv(shared / "berlin-mss-2021" / "mss_2021.csv", dtype={"PLR_ID": str})
    residents = mss.set_index("PLR_ID").EW.fillna(0.0)  # 03400831 Pankower Tor: none
    density = residents / new.set_index("PLR_ID").area
    assert set(density.index) == set(new.PLR_ID)
    pairs["aw"] = pairs.area
    pairs["tdw"] = pairs.area * pairs.PLR_ID.map(density)
    no_residents = pairs.groupby("unit").tdw.transform("sum") == 0
    pairs.loc[no_residents, "tdw"] = pairs.loc[no_residents, "area"]
    summary.add(
        f"  density weights: MSS residents 31.12.2020 (total {int(residents.sum()):,}); "
        f"old units without residents in their new PLR (area weights used): "
        f"{pairs.loc[no_residents, 'unit'].nunique()}"
    )
    shares = {}
    for col in ("aw", "tdw"):
        matrix = pairs.pivot(index="unit", columns="PLR_ID", values=col).fillna(0.0)
        matrix = matrix.reindex(index=sorted(old.unit), columns=list(new.PLR_ID), fill_value=0.0)
        shares[col] = matrix.div(matrix.sum(axis=1), axis=0)
    assert np.allclose(shares["tdw"].sum(axis=1), 1.0)
    merged = shares["tdw"].loc[OLD_LOR_MERGED_UNIT]
    summary.add(
        f"  unit {OLD_LOR_MERGED_UNIT} spreads over {int((merged > 0).sum())} new PLR "
        f"({', '.join(f'{k} {100 * v:.1f} %' for k, v in merged[merged > 0.01].items())})"
    )
    return shares["aw"], shares["tdw"]


def single_ages(bands: pd.DataFrame) -> np.ndarray:
    """Bands → expected counts for ages 0..6 (3–<5 split evenly into 3 and 4)."""
    b = bands[list(EWR_BANDS)].to_numpy(dtype=np.float64)
    half = b[:, 3] / 2
    return np.column_stack([b[:, 0], b[:, 1], b[:, 2], half, half, b[:, 4], b[:, 5]])


def berlin_age_totals(bands: pd.DataFrame) -> list[int]:
    """Berlin totals for ages 0..6; the 3–<5 total goes to 3 and 4 (odd: age 3 +1)."""
    t = [int(bands[c].sum()) for c in EWR_BANDS]
    age3, age4 = split_by_largest_remainder(t[3], [1, 1])
    return [t[0], t[1], t[2], age3, age4, t[4], t[5]]


def interpolate_year(bands: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Whole counts per LOR 2021 PLR (rows) and age 0..6 (columns) for one year.

    Expected counts = shares.T @ single ages; rounded per age with the largest-remainder
    method so that the Berlin total of each age equals the EWR total.
    """
    assert list(bands.index) == list(shares.index)
    expected = shares.to_numpy().T @ single_ages(bands)
    counts = np.zeros(expected.shape, dtype=np.int64)
    for age, total in enumerate(berlin_age_totals(bands)):
        counts[:, age] = split_by_largest_remainder(total, [float(x) for x in expected[:, age]])
    return pd.DataFrame(counts, index=shares.columns, columns=range(7))


def _ape(estimate: pd.Series, observed: pd.Series, minimum: int) -> tuple[int, float, float]:
    """(n, median, 90th percentile) of |estimate − observed| / observed in %, observed ≥ minimum."""
    mask = observed >= minimum
    ape = 100 * (estimate[mask] - observed[mask]).abs() / observed[mask]
    return int(mask.sum()), float(ape.median()), float(ape.quantile(0.9))


def derive_berlin_population_history(
    shared: Path, u6_2022: pd.Series, summary: Summary
) -> list[tuple[str, int, int, int, str, str]]:
    """Ages 0..6 per LOR 2021 PLR for 31.12.2011–2020, interpolated from the old LOR.

    ``u6_2022`` = counted ``unter6`` per PLR on 30.06.2022 (for the plausibility check).
    """
    ewr = read_ewr_history(shared)
    old = read_old_lor_polygons(shared)
    assert list(old.unit) == list(ewr[HISTORY_YEARS[0]].index)
    aw, tdw = old_to_new_shares(shared, old, summary)

    rows: list[tuple[str, int, int, int, str, str]] = []
    by_year: dict[int, pd.DataFrame] = {}
    for year in HISTORY_YEARS:
        counts = interpolate_year(ewr[year], tdw)
        by_year[year] = counts
        totals = berlin_age_totals(ewr[year])
        assert counts.sum(axis=0).tolist() == totals, year
        assert int(counts[[3, 4]].to_numpy().sum()) == int(ewr[year].E_E03_05.sum())
        summary.add(
            f"  {year}: under 6 {int(counts[list(range(6))].to_numpy().sum()):,} "
            f"(EWR {sum(totals[:6]):,}), age 6 {int(counts[6].sum()):,} (EWR {totals[6]:,})"
        )
        source = SRC_HISTORY.format(year=year)
        for plr in counts.index:
            for age in range(7):
                rows.append((plr, year, age, int(counts.at[plr, age]), "estimated", source))

    # Check: 2020 per Bezirk against the EWR Bezirk totals.
    last = HISTORY_YEARS[-1]
    est_bez = by_year[last].groupby(by_year[last].index.str[:2]).sum()
    ewr_bez = ewr[last].groupby(ewr[last].index.str[:2])[list(EWR_BANDS)].sum()
    est_bands = pd.DataFrame(
        {
            "E_E00_01": est_bez[0],
            "E_E01_02": est_bez[1],
            "E_E02_03": est_bez[2],
            "E_E03_05": est_bez[3] + est_bez[4],
            "E_E05_06": est_bez[5],
            "E_E06_07": est_bez[6],
        }
    )
    u6_bands = list(EWR_BANDS[:5])
    band_dev = (est_bands - ewr_bez).abs().to_numpy().max()
    u6_dev = (est_bands[u6_bands].sum(axis=1) - ewr_bez[u6_bands].sum(axis=1)).abs()
    # Before rounding the Bezirk sums are exact (pieces stay in their Bezirk).
    expected = pd.DataFrame(tdw.to_numpy().T @ single_ages(ewr[last]), index=tdw.columns)
    expected_dev = np.abs(
        expected.groupby(expected.index.str[:2]).sum().to_numpy()
        - single_ages(ewr_bez.reset_index(drop=True)).reshape(12, 7)
    ).max()
    summary.add(
        f"  {last} per Bezirk vs EWR: max deviation per age band {int(band_dev)}, under 6 "
        f"{int(u6_dev.max())} (Bezirke have {int(ewr_bez[u6_bands].sum(axis=1).min()):,}–"
        f"{int(ewr_bez[u6_bands].sum(axis=1).max()):,} under 6); before rounding "
        f"{expected_dev:.1e}"
    )
    assert expected_dev < 1e-6 and band_dev <= 30
    summary.numbers["history_bezirk_dev"] = (int(band_dev), int(u6_dev.max()))

    # Check: interpolated 2020 under 6 vs counted unter6 on 30.06.2022 (interpolation error
    # plus 1.5 years of change), for the written density weights and for plain area weights.
    observed = u6_2022.reindex(tdw.columns)
    for label, shares in (("density-weighted (written)", tdw), ("area-weighted (comparison)", aw)):
        u6 = interpolate_year(ewr[last], shares)[list(range(6))].sum(axis=1)
        n, median, p90 = _ape(u6, observed, 1)
        summary.add(
            f"  {last} under 6 {label} vs counted unter6 30.06.2022, |diff| in % "
            f"(n={n} PLR with unter6 > 0): median {median:.1f}, 90th percentile {p90:.1f}"
        )
        if shares is tdw:
            summary.numbers["history_u6_ape"] = (median, p90)
    # Check: residents 31.12.2020 (EWR, old LOR) interpolated vs counted on LOR 2021 (MSS).
    mss = pd.read_csv(shared / "berlin-mss-2021" / "mss_2021.csv", dtype={"PLR_ID": str})
    residents = mss.set_index("PLR_ID").EW.fillna(0.0).reindex(tdw.columns)
    # Same register, same date, two geometries: the Bezirk sums must agree (they do exactly,
    # which also shows that the Bezirk boundaries did not change in 2021).
    ewr_bez_total = ewr[last].groupby(ewr[last].index.str[:2])[EWR_TOTAL].sum()
    assert (residents.groupby(residents.index.str[:2]).sum() == ewr_bez_total).all()
    for label, shares in (("density-weighted (in-sample)", tdw), ("area-weighted", aw)):
        est = pd.Series(shares.to_numpy().T @ ewr[last][EWR_TOTAL].to_numpy(), index=shares.columns)
        n, median, p90 = _ape(est, residents, 300)
        summary.add(
            f"  {last} residents {label} vs MSS EW 31.12.2020, |diff| in % "
            f"(n={n} PLR with ≥ 300): median {median:.1f}, 90th percentile {p90:.1f}"
        )
    summary.add(f"  population history: {len(rows)} rows ({HISTORY_YEARS[0]}–{last})")
    return rows


# --------------------------------------------------------------------------------------
# Berlin: MSS indicators
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator definition and the source column its values come from."""

    code: str
    name: str
    unit: str
    direction: str
    source: str
    description: str
    column: str


_S = "higher_is_worse"
_N = "neutral"
#: The earlier period of the status indicators: 31.12.2018 (stored as year 2018), derived from
#: the MSS 2021 itself: S(2018) = S(2020) − D, D = the published change 31.12.2018–31.12.2020
#: in percentage points (exact decimal subtraction of the published five-decimal values).
MSS_DERIVED_2018 = (("mss_s1", "S1", "D1"), ("mss_s3", "S3", "D3"), ("mss_s4", "S4", "D4"))
DERIVED_2018_NOTE = (
    "Werte für 31.12.2018 (Jahr 2018) abgeleitet als %s − %s (Veränderung 2018–2020 laut MSS 2021)."
)
MSS_INDICATORS: list[Indicator] = [
    Indicator(
        "mss_s1",
        "Arbeitslosigkeit (S1)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der Arbeitslosen (SGB II und SGB III) an den Einwohnerinnen und Einwohnern "
        "im Alter von 15 bis unter 65 Jahren, 31.12.2020. " + DERIVED_2018_NOTE % ("S1", "D1"),
        "S1",
    ),
    Indicator(
        "mss_s3",
        "Transferbezug (S3)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der nicht arbeitslosen Empfängerinnen und Empfänger von Transferleistungen "
        "(SGB II und SGB XII) an den Einwohnerinnen und Einwohnern, 31.12.2020. "
        + DERIVED_2018_NOTE
        % ("S3", "D3"),
        "S3",
    ),
    Indicator(
        "mss_s4",
        "Kinderarmut (S4)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der Kinder und Jugendlichen unter 15 Jahren in Bedarfsgemeinschaften nach "
        "SGB II an allen Einwohnerinnen und Einwohnern unter 15 Jahren, 31.12.2020. "
        + DERIVED_2018_NOTE
        % ("S4", "D4"),
        "S4",
    ),
    Indicator(
        "mss_d1",
        "Veränderung Arbeitslosigkeit (D1)",
        "Prozentpunkte",
        _S,
        SRC_MSS,
        "Veränderung von S1 zwischen 31.12.2018 und 31.12.2020.",
        "D1",
    ),
    Indicator(
        "mss_d3",
        "Veränderung Transferbezug (D3)",
        "Prozentpunkte",
        _S,
        SRC_MSS,
        "Veränderung von S3 zwischen 31.12.2018 und 31.12.2020.",
        "D3",
    ),
    Indicator(
        "mss_d4",
        "Veränderung Kinderarmut (D4)",
        "Prozentpunkte",
        _S,
        SRC_MSS,
        "Veränderung von S4 zwischen 31.12.2018 und 31.12.2020.",
        "D4",
    ),
    Indicator(
        "mss_status_class",
        "Status-Index (Klasse)",
        "Klasse",
        _S,
        SRC_MSS,
        "Klasse des Status-Index: 1 = hoch, 2 = mittel, 3 = niedrig, 4 = sehr niedrig "
        "(höhere Klasse = ungünstigere soziale Lage).",
        "SI_N",
    ),
    Indicator(
        "mss_dynamics_class",
        "Dynamik-Index (Klasse)",
        "Klasse",
        _S,
        SRC_MSS,
        "Klasse des Dynamik-Index: 1 = positiv, 3 = stabil, 5 = negativ "
        "(Entwicklung 31.12.2018–31.12.2020).",
        "DI_N",
    ),
    Indicator(
        "mss_k01",
        "Jugendarbeitslosigkeit (K01)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der Arbeitslosen unter 25 Jahren an den Einwohnerinnen und Einwohnern "
        "von 15 bis unter 25 Jahren.",
        "KI_01",
    ),
    Indicator(
        "mss_k02",
        "Alleinerziehende Haushalte (K02)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der Haushalte von Alleinerziehenden an allen Haushalten mit Kindern "
        "unter 18 Jahren.",
        "KI_02",
    ),
    Indicator(
        "mss_k03",
        "Altersarmut (K03)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der Empfängerinnen und Empfänger von Grundsicherung im Alter (SGB XII) "
        "an den Einwohnerinnen und Einwohnern ab 65 Jahren.",
        "KI_03",
    ),
    Indicator(
        "mss_k04",
        "Kinder und Jugendliche mit Migrationshintergrund (K04)",
        "%",
        _N,
        SRC_MSS,
        "Anteil der Einwohnerinnen und Einwohner unter 18 Jahren mit "
        "Migrationshintergrund an allen unter 18 Jahren.",
        "KI_04",
    ),
    Indicator(
        "mss_k05",
        "Einwohnerinnen und Einwohner mit Migrationshintergrund (K05)",
        "%",
        _N,
        SRC_MSS,
        "Anteil der Einwohnerinnen und Einwohner mit Migrationshintergrund.",
        "KI_05",
    ),
    Indicator(
        "mss_k16",
        "Ausländerinnen und Ausländer (K16)",
        "%",
        _N,
        SRC_MSS,
        "Anteil der Ausländerinnen und Ausländer an den Einwohnerinnen und Einwohnern.",
        "KI_16",
    ),
    Indicator(
        "mss_k06",
        "Veränderung Ausländeranteil (K06)",
        "Prozentpunkte",
        _N,
        SRC_MSS,
        "Veränderung des Anteils der Ausländerinnen und Ausländer in zwei Jahren.",
        "KI_06",
    ),
    Indicator(
        "mss_k17",
        "Nicht-EU-Ausländerinnen und -Ausländer (K17)",
        "%",
        _N,
        SRC_MSS,
        "Anteil der Ausländerinnen und Ausländer aus Nicht-EU-Staaten.",
        "KI_17",
    ),
    Indicator(
        "mss_k07",
        "Ausländische Transferbeziehende (K07)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der ausländischen Empfängerinnen und Empfänger von Leistungen nach SGB II.",
        "KI_07",
    ),
    Indicator(
        "mss_k09",
        "Einwohnerinnen und Einwohner in einfacher Wohnlage (K09)",
        "%",
        _S,
        SRC_MSS,
        "Anteil der Einwohnerinnen und Einwohner in einfacher Wohnlage "
        "(Wohnlagenkarte zum Mietspiegel).",
        "KI_09",
    ),
    Indicator(
        "mss_k10",
        "Wohndauer über 5 Jahre (K10)",
        "%",
        _N,
        SRC_MSS,
        "Anteil der Einwohnerinnen und Einwohner, die seit mindestens fünf Jahren an "
        "derselben Adresse wohnen (Maß der Stabilität; Richtung neutral gesetzt).",
        "KI_10",
    ),
    Indicator(
        "mss_k11",
        "Wanderungsvolumen (K11)",
        "je 100 EW",
        _N,
        SRC_MSS,
        "Zu- und Fortzüge je 100 Einwohnerinnen und Einwohner.",
        "KI_11",
    ),
    Indicator(
        "mss_k12",
        "Wanderungssaldo (K12)",
        "je 100 EW",
        _N,
        SRC_MSS,
        "Saldo der Zu- und Fortzüge je 100 Einwohnerinnen und Einwohner.",
        "KI_12",
    ),
    Indicator(
        "mss_k13",
        "Wanderungssaldo von Kindern unter 6 Jahren (K13)",
        "je 100 EW",
        _N,
        SRC_MSS,
        "Saldo der Zu- und Fortzüge von Kindern unter 6 Jahren je 100 Einwohnerinnen und "
        "Einwohner unter 6 Jahren (Hinweis auf Zuzug junger Familien).",
        "KI_13",
    ),
]
MSS_Z_INDICATORS: list[Indicator] = [
    Indicator(
        "mss_z_s1",
        "z-Wert Arbeitslosigkeit (zS1)",
        "z-Wert",
        _S,
        SRC_MSS_Z,
        "z-standardisierter Wert von S1 über alle Planungsräume.",
        "zS1",
    ),
    Indicator(
        "mss_z_s3",
        "z-Wert Transferbezug (zS3)",
        "z-Wert",
        _S,
        SRC_MSS_Z,
        "z-standardisierter Wert von S3 über alle Planungsräume.",
        "zS3",
    ),
    Indicator(
        "mss_z_s4",
        "z-Wert Kinderarmut (zS4)",
        "z-Wert",
        _S,
        SRC_MSS_Z,
        "z-standardisierter Wert von S4 über alle Planungsräume.",
        "zS4",
    ),
    Indicator(
        "mss_status_index",
        "Status-Index (standardisierte Statussumme)",
        "Index",
        _S,
        SRC_MSS_Z,
        "Summe zS1 + zS3 + zS4, erneut z-standardisiert; höher = ungünstigere soziale Lage.",
        "Status-Index (standardisierte Statussumme)",
    ),
    Indicator(
        "mss_z_d1",
        "z-Wert Veränderung Arbeitslosigkeit (zD1)",
        "z-Wert",
        _S,
        SRC_MSS_Z,
        "z-standardisierter Wert von D1 über alle Planungsräume.",
        "zD1",
    ),
    Indicator(
        "mss_z_d3",
        "z-Wert Veränderung Transferbezug (zD3)",
        "z-Wert",
        _S,
        SRC_MSS_Z,
        "z-standardisierter Wert von D3 über alle Planungsräume.",
        "zD3",
    ),
    Indicator(
        "mss_z_d4",
        "z-Wert Veränderung Kinderarmut (zD4)",
        "z-Wert",
        _S,
        SRC_MSS_Z,
        "z-standardisierter Wert von D4 über alle Planungsräume.",
        "zD4",
    ),
    Indicator(
        "mss_dynamics_index",
        "Dynamik-Index (standardisierte Dynamiksumme)",
        "Index",
        _S,
        SRC_MSS_Z,
        "Summe zD1 + zD3 + zD4, erneut z-standardisiert; höher = ungünstigere Entwicklung.",
        "Dynamik-Index (standardisierte Dynamik-summe)",
    ),
]


def derive_berlin_indicators(
    shared: Path, summary: Summary
) -> tuple[list[Indicator], list[tuple[str, str, int, str]]]:
    """MSS 2021 indicator definitions and values per PLR (year 2020 = data as of 31.12.2020)."""
    base = shared / "berlin-mss-2021"
    mss = pd.read_csv(base / "mss_2021.csv", dtype=str)
    mss["PLR_ID"] = mss.PLR_ID.str.strip()
    z = pd.read_csv(
        base / "mss_2021_index-indikatoren_z-werte_plr.csv",
        sep=";",
        dtype=str,
        encoding="utf-8-sig",
    )
    z.columns = [c.strip() for c in z.columns]
    z["PLR-ID"] = z["PLR-ID"].str.strip()
    assert mss.PLR_ID.is_unique
    assert z["PLR-ID"].is_unique
    assert len(mss) == len(z) == 542

    # Cross-checks between the two MSS sources (reported, not fatal).
    kontext = pd.read_csv(
        base / "mss_2021_kontext-indikatoren_anteile_plr.csv",
        sep=";",
        dtype=str,
        encoding="utf-8-sig",
    )
    kontext["PLR-ID"] = kontext["PLR-ID"].str.strip()
    merged = mss.merge(kontext, left_on="PLR_ID", right_on="PLR-ID")
    mismatches = 0
    for ind in MSS_INDICATORS:
        if ind.column.startswith("KI_"):
            a = pd.to_numeric(merged[ind.column], errors="coerce")
            b = pd.to_numeric(merged["K" + ind.column[3:]], errors="coerce")
            bad = ((a - b).abs() > 0.006) | (a.isna() != b.isna())
            mismatches += int(bad.sum())
            for plr, x, y in zip(merged.PLR_ID[bad], a[bad], b[bad], strict=True):
                summary.add(
                    f"  MSS {ind.column} {plr}: mss_2021.csv {x} vs Tabelle 4.1 {y} (mss_2021.csv used)"
                )
    classes = mss.merge(z, left_on="PLR_ID", right_on="PLR-ID")
    class_mismatch = int(
        (
            classes.SI_V.fillna("").str.strip()
            != classes["Zuordnung Klasse Status-Index"].fillna("").str.strip()
        ).sum()
    )
    summary.add(
        f"  MSS cross-check: context values mss_2021.csv vs Tabelle 4.1 mismatches {mismatches}; status class mismatches {class_mismatch}"
    )

    values: list[tuple[str, str, int, str]] = []
    skipped: set[str] = set()
    for table, key, indicators in (
        (mss, "PLR_ID", MSS_INDICATORS),
        (z, "PLR-ID", MSS_Z_INDICATORS),
    ):
        for ind in indicators:
            for plr, raw in zip(table[key], table[ind.column], strict=True):
                text = numeric_text(raw)
                if text is None:
                    skipped.add(plr)
                    continue
                values.append((ind.code, plr, 2020, text))
    derived = 0
    for code, status_column, change_column in MSS_DERIVED_2018:
        for plr, raw, raw_change in zip(
            mss.PLR_ID, mss[status_column], mss[change_column], strict=True
        ):
            now, change = numeric_text(raw), numeric_text(raw_change)
            if now is None or change is None:
                continue
            earlier = Decimal(now) - Decimal(change)
            assert earlier >= 0, (code, plr, now, change)
            values.append((code, plr, 2018, format(earlier, "f")))
            derived += 1
    values.sort()
    indicators = MSS_INDICATORS + MSS_Z_INDICATORS
    summary.add(
        f"  MSS: {len(indicators)} indicators, {len(values)} values ({derived} of them 2018, "
        f"derived as S − D), PLR without values: {sorted(skipped)}"
    )
    return indicators, values


# --------------------------------------------------------------------------------------
# Berlin: providers and facilities
# --------------------------------------------------------------------------------------


def read_kitas_2022(shared: Path) -> gpd.GeoDataFrame:
    """The 2 880 Kitas of the Berlin Kita WFS (Dec 2022), sorted by e_nr."""
    kitas = gpd.read_file(shared / "berlin-kitas-2022" / "kindertagesstaetten.geojson")
    assert kitas.crs is not None
    assert kitas.crs.to_epsg() == 25833
    kitas = kitas.sort_values("e_nr").reset_index(drop=True)
    assert kitas.e_nr.is_unique
    assert len(kitas) == EXPECTED_BERLIN_KITAS
    kitas["places"] = kitas.e_platz.map(to_int)
    to_wgs = Transformer.from_crs(UTM, WGS84, always_xy=True)
    lon, lat = to_wgs.transform(kitas.geometry.x.to_numpy(), kitas.geometry.y.to_numpy())
    kitas["lat"] = np.round(lat, 6)
    kitas["lon"] = np.round(lon, 6)
    return kitas


def kita_points_wgs84(kitas: pd.DataFrame) -> list[shapely.Geometry]:
    """Rounded WGS84 points exactly as written to facilities.csv."""
    return list(shapely.points(kitas.lon.to_numpy(), kitas.lat.to_numpy()))


def derive_berlin_providers(kitas: pd.DataFrame, summary: Summary) -> list[tuple[str, str, str]]:
    """One provider per t_nr; name = most frequent t_name; type from t_art."""
    rows: list[tuple[str, str, str]] = []
    conflicts = 0
    for t_nr, group in kitas.groupby("t_nr", sort=False):
        names = group.t_name.value_counts()
        top = names[names == names.max()].index.sort_values()[0]
        if len(names) > 1:
            conflicts += 1
            summary.add(f"  provider {t_nr} has several names {names.to_dict()} -> '{top}'")
        arts = group.t_art.value_counts()
        art = arts[arts == arts.max()].index.sort_values()[0]
        if len(arts) > 1:
            summary.add(f"  provider {t_nr} has several t_art {arts.to_dict()} -> '{art}'")
        if art not in PROVIDER_TYPE_BY_T_ART:
            raise SystemExit(f"unmapped t_art {art!r}")
        rows.append((str(t_nr), str(top), PROVIDER_TYPE_BY_T_ART[art]))
    rows.sort(key=lambda r: (int(r[0]), r[0]))
    types = pd.Series([r[2] for r in rows]).value_counts().to_dict()
    art_counts = kitas.drop_duplicates("t_nr").t_art.value_counts().to_dict()
    dup_names = pd.Series([r[1] for r in rows]).duplicated().sum()
    summary.add(
        f"  providers: {len(rows)} (name conflicts {conflicts}, duplicate names across numbers {dup_names}); by type {types}"
    )
    summary.add(f"  providers by t_art: {art_counts}")
    summary.numbers["providers_by_type"] = types
    summary.numbers["providers_by_t_art"] = art_counts
    return rows


_STOP_WORDS = re.compile(
    r"\b(kita|kindertagesstätte|ekt|kindergarten|kinderladen|e\.?\s?v\.?|ggmbh|gmbh|die|der|das)\b"
)


def normalize_name(name: str) -> str:
    """Kita name without generic words and punctuation, for similarity scoring."""
    text = _STOP_WORDS.sub(" ", (name or "").lower())
    return " ".join(re.sub(r"[^0-9a-zäöüß]+", " ", text).split())


def normalize_street(street: str) -> str:
    """Street name normalised (``Straße``/``Str.`` unified, letters and digits only)."""
    text = (street or "").lower().strip().replace("é", "e")
    text = text.replace("straße", "str").replace("strasse", "str").replace("str.", "str")
    return re.sub(r"[^0-9a-zäöüß]", "", text)


def address_key_2017(address: str) -> str:
    """``street|number`` from a 2017 address such as ``Sewanstr. 197 -199``."""
    match = re.match(r"^(.*?)\s*(\d+)\s*([a-zA-Z]?)\b.*$", (address or "").strip())
    if not match:
        return normalize_street(address) + "|"
    return normalize_street(match.group(1)) + "|" + match.group(2).lstrip("0")


def match_kitas_2017(kitas: pd.DataFrame, k17: pd.DataFrame) -> pd.DataFrame:
    """One-to-one match of 2022 Kitas to the 2017 directory.

    The 2017 ``id`` is an internal id of the old Kita-Suche, not the Einrichtungsnummer
    (no ``id`` equals an ``e_nr``), so Kitas are matched by location instead. Candidate
    pairs: (a) same normalised street + house number and at most 300 m apart, or (b) at
    most 50 m apart with name similarity >= 0.8. Pairs are accepted greedily in the order
    address match first, then name similarity (desc), distance (asc), e_nr, id.
    Returns columns ``i`` (row in ``kitas``), ``j`` (row in ``k17``), ``how``, ``sim``, ``dist``.
    """
    to_utm = Transformer.from_crs(WGS84, UTM, always_xy=True)
    kx, ky = to_utm.transform(k17.alon.astype(float).to_numpy(), k17.alat.astype(float).to_numpy())
    gx = kitas.geometry.x.to_numpy()
    gy = kitas.geometry.y.to_numpy()
    dist = np.hypot(gx[:, None] - kx[None, :], gy[:, None] - ky[None, :])
    key22 = (
        kitas.e_strasse.map(normalize_street)
        + "|"
        + kitas.e_hnr.str.extract(r"(\d+)")[0].fillna("").str.lstrip("0")
    ).to_numpy(dtype=object)
    key17 = k17.address.fillna("").map(address_key_2017).to_numpy(dtype=object)
    same_address = (key22[:, None] == key17[None, :]) & (dist <= MATCH_ADDRESS_MAX_M)
    near = dist <= MATCH_NEAR_M
    n22 = [normalize_name(s) for s in kitas.e_name]
    n17 = [normalize_name(s) for s in k17.name.fillna("")]
    candidates = []
    for i, j in zip(*np.nonzero(same_address | near), strict=True):
        sim = difflib.SequenceMatcher(None, n22[i], n17[j]).ratio()
        by_address = bool(same_address[i, j])
        if by_address or sim >= MATCH_NEAR_MIN_SIMILARITY:
            candidates.append(
                (
                    int(i),
                    int(j),
                    "address" if by_address else "location+name",
                    round(sim, 6),
                    float(dist[i, j]),
                )
            )
    candidates.sort(
        key=lambda c: (c[2] != "address", -c[3], c[4], kitas.e_nr.iat[c[0]], k17.id.iat[c[1]])
    )
    used_i: set[int] = set()
    used_j: set[int] = set()
    accepted = []
    for cand in candidates:
        if cand[0] in used_i or cand[1] in used_j:
            continue
        used_i.add(cand[0])
        used_j.add(cand[1])
        accepted.append(cand)
    return pd.DataFrame(accepted, columns=["i", "j", "how", "sim", "dist"])


def hhmm(value: object) -> str | None:
    """``HH:MM`` or None (``0`` and empty mean "not stated" in the 2017 directory)."""
    text = (
        ""
        if value is None or (isinstance(value, float) and np.isnan(value))
        else str(value).strip()
    )
    return text if re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text) else None


def derive_berlin_facilities(
    shared: Path, kitas: gpd.GeoDataFrame, summary: Summary
) -> list[dict[str, object]]:
    """Facility rows: real address/places, u3/ü3 split estimated, some fields synthetic."""
    k17 = pd.read_csv(shared / "berlin-kitas-2017" / "kitas.csv", dtype=str)
    id_hits = int(kitas.e_nr.astype(int).isin(k17.id.astype(int)).sum())
    summary.add(
        f"  2017 join by e_nr == id: {id_hits} hits (the 2017 id is not the Einrichtungsnummer) -> matching by address/location"
    )
    match = match_kitas_2017(kitas, k17)
    under = pd.to_numeric(k17.under, errors="coerce")
    over = pd.to_numeric(k17.over, errors="coerce")
    usable17 = under.notna() & over.notna() & ((under + over) > 0)

    n = len(kitas)
    m_j = np.full(n, -1)
    m_j[match.i.to_numpy()] = match.j.to_numpy()
    has_split = np.array([j >= 0 and bool(usable17.iat[j]) for j in m_j])
    summary.add(
        f"  2017 match: {len(match)}/{n} Kitas matched ({100 * len(match) / n:.1f} %; "
        f"by address {int((match.how == 'address').sum())}, by location+name {int((match.how != 'address').sum())}); "
        f"with usable under/over {int(has_split.sum())} ({100 * has_split.mean():.1f} %)"
    )
    low = int(((match.how == "address") & (match.sim < 0.5)).sum())
    summary.add(f"  address matches with name similarity < 0.5 (renamed or successor Kita): {low}")
    summary.numbers["match_total"] = len(match)
    summary.numbers["match_address"] = int((match.how == "address").sum())
    summary.numbers["match_location"] = int((match.how != "address").sum())
    summary.numbers["match_split"] = int(has_split.sum())
    summary.numbers["kitas_2017"] = len(k17)

    u17 = np.array([int(under.iat[j]) if has_split[i] else 0 for i, j in enumerate(m_j)])
    a17 = np.array(
        [int(under.iat[j] + over.iat[j]) if has_split[i] else 0 for i, j in enumerate(m_j)]
    )
    bez = kitas.e_bez_nr.to_numpy()
    bez_share: dict[str, tuple[int, int]] = {}
    summary.add("  Bezirk u3 share over matched Kitas (sum under / sum under+over of 2017):")
    for b in sorted(set(bez)):
        sel = (bez == b) & has_split
        bez_share[b] = (int(u17[sel].sum()), int(a17[sel].sum()))
        summary.add(
            f"    {b}: {bez_share[b][0]}/{bez_share[b][1]} = {100 * bez_share[b][0] / bez_share[b][1]:.2f} % ({int(sel.sum())} Kitas)"
        )
    summary.numbers["bez_share"] = bez_share

    # Integration Kitas: name/profile mention integration or inclusion (not of migrants).
    profile = (
        kitas.e_name.fillna("") + " / " + kitas.ang_1.fillna("") + " / " + kitas.ang_2.fillna("")
    ).to_numpy(dtype=object)
    mentions = np.array([bool(INTEGRATION_MENTION.search(p)) for p in profile])
    migrant = np.array(
        [not INTEGRATION_MENTION.search(NON_DISABILITY_INTEGRATION.sub("", p)) for p in profile]
    )
    integration = mentions & ~migrant
    for i in np.nonzero(mentions & migrant)[0]:
        summary.add(
            f"  not an integration Kita (migrant integration): {kitas.e_nr.iat[i]} {kitas.e_name.iat[i]}: '{profile[i]}'"
        )

    # Synthetic values, drawn in a fixed order over the Kitas sorted by e_nr.
    rng = np.random.default_rng(SEED)
    u = rng.random((n, 5))
    step_free = u[:, 0] < P_STEP_FREE
    toilet = u[:, 1] < np.where(step_free, *P_TOILET)
    lift = u[:, 2] < np.where(step_free, *P_LIFT)
    outdoor = u[:, 3] < np.where(step_free, *P_OUTDOOR)
    rate = INTEGRATION_RATE[0] + (INTEGRATION_RATE[1] - INTEGRATION_RATE[0]) * u[:, 4]
    places = kitas.places.to_numpy()
    integ_idx = np.nonzero(integration)[0]
    n_incl = round(INCLUSION_SHARE * len(integ_idx))
    inclusion = np.zeros(n, dtype=bool)
    inclusion[np.sort(rng.choice(integ_idx, size=n_incl, replace=False))] = True
    step_free |= inclusion
    toilet |= inclusion
    special = np.zeros(n, dtype=int)
    largest = sorted(integ_idx, key=lambda i: (-places[i], kitas.e_nr.iat[i]))[:SPECIAL_NEEDS_KITAS]
    special[largest] = SPECIAL_NEEDS_PLACES

    rows: list[dict[str, object]] = []
    split_from = {"kita": 0, "bezirk": 0}
    hours_count = total_u3 = total_ue3 = total_integ = 0
    for i, r in enumerate(kitas.itertuples(index=False)):
        total = int(places[i])
        if has_split[i]:
            u3 = round_half_up(total * int(u17[i]), int(a17[i]))
            note = "Aufteilung u3/ü3 aus Kita-Verzeichnis 2017"
            split_from["kita"] += 1
        else:
            su, sa = bez_share[str(r.e_bez_nr)]
            u3 = round_half_up(total * su, sa)
            note = "Aufteilung u3/ü3 geschätzt (Bezirksanteil 2017)"
            split_from["bezirk"] += 1
        opening = closing = None
        if m_j[i] >= 0:
            row17 = k17.iloc[m_j[i]]
            opening, closing = hhmm(row17.mo_o), hhmm(row17.mo_c)
            if opening is None or closing is None or opening >= closing:
                opening = closing = None
        if opening:
            hours_count += 1
            note += "; Öffnungszeiten 2017"
        integ = (
            min(total, max(INTEGRATION_MIN, int(np.floor(total * rate[i] + 0.5))))
            if integration[i]
            else 0
        )
        assert 0 <= u3 <= total
        assert integ <= total
        total_u3 += u3
        total_ue3 += total - u3
        total_integ += integ
        if integration[i]:
            note += "; Integrationsplätze und Barrierefreiheit synthetisch (Demo)"
        else:
            note += "; Barrierefreiheit synthetisch (Demo)"
        zusatz = clean(r.e_zusatz).replace(" ", "")
        rows.append(
            {
                "official_number": r.e_nr,
                "name": r.e_name.strip(),
                "provider_number": r.t_nr,
                "street": r.e_strasse.strip(),
                "house_number": f"{clean(r.e_hnr)}{zusatz}",
                "postcode": r.e_plz.strip(),
                "city": r.e_ort.strip(),
                "lat": f"{r.lat:.6f}",
                "lon": f"{r.lon:.6f}",
                "opening_time": opening,
                "closing_time": closing,
                "places_u3": u3,
                "places_ue3": total - u3,
                "places_school": 0,
                "integration_places": integ,
                "special_needs_group_places": int(special[i]),
                "step_free_entrance": int(step_free[i]),
                "accessible_toilet": int(toilet[i]),
                "lift": int(lift[i]),
                "accessible_outdoor_area": int(outdoor[i]),
                "inclusion_profile": int(inclusion[i]),
                "places_valid_from": PLACES_VALID_FROM,
                "data_note": note,
            }
        )
    summary.add(
        f"  facilities: {len(rows)}; split from own 2017 record {split_from['kita']}, from Bezirk share {split_from['bezirk']}; opening hours {hours_count}"
    )
    summary.add(
        f"  places: u3 {total_u3:,} + ue3 {total_ue3:,} = {total_u3 + total_ue3:,} ({100 * total_u3 / (total_u3 + total_ue3):.2f} % u3)"
    )
    synth = {
        "integration_kitas": int(integration.sum()),
        "integration_places": total_integ,
        "special_needs_kitas": len(largest),
        "inclusion_profile": int(inclusion.sum()),
        "step_free_entrance": int(step_free.sum()),
        "accessible_toilet": int(toilet.sum()),
        "lift": int(lift.sum()),
        "accessible_outdoor_area": int(outdoor.sum()),
    }
    summary.add(f"  synthetic: {synth}")
    summary.numbers.update(
        {"places_u3": total_u3, "places_ue3": total_ue3, "hours": hours_count, "synthetic": synth}
    )
    assert total_u3 + total_ue3 == EXPECTED_BERLIN_PLACES
    return rows


FACILITY_COLUMNS = [
    "official_number",
    "name",
    "provider_number",
    "street",
    "house_number",
    "postcode",
    "city",
    "lat",
    "lon",
    "opening_time",
    "closing_time",
    "places_u3",
    "places_ue3",
    "places_school",
    "integration_places",
    "special_needs_group_places",
    "step_free_entrance",
    "accessible_toilet",
    "lift",
    "accessible_outdoor_area",
    "inclusion_profile",
    "places_valid_from",
    "data_note",
]


def check_kitas_in_areas(kitas: pd.DataFrame, areas: gpd.GeoDataFrame, summary: Summary) -> None:
    """Every Kita point (rounded, WGS84) in exactly one PLR; report Bezirk mismatches."""
    plr = areas[areas.level == "planungsraum"].reset_index(drop=True)
    points = kita_points_wgs84(kitas)
    counts = count_containing(points, list(plr.geometry))
    tree = shapely.STRtree(np.asarray(list(plr.geometry), dtype=object))
    idx = tree.query(np.asarray(points, dtype=object), predicate="intersects")
    plr_of = dict(zip(idx[0], plr.official_code.to_numpy()[idx[1]], strict=False))
    bez_mismatch = [
        (kitas.e_nr.iat[i], kitas.e_bez_nr.iat[i], plr_of.get(i, "")[:2])
        for i in range(len(kitas))
        if plr_of.get(i, "")[:2] != kitas.e_bez_nr.iat[i]
    ]
    nr_mismatch = int((kitas.e_nr.str[:2] != kitas.e_bez_nr).sum())
    summary.add(
        f"  Kita points in exactly one simplified PLR: {int((counts == 1).sum())}/{len(kitas)}; "
        f"e_bez_nr differs from the PLR's Bezirk: {len(bez_mismatch)} {bez_mismatch[:10]}; "
        f"e_nr prefix differs from e_bez_nr: {nr_mismatch}"
    )
    assert (counts == 1).all()


# --------------------------------------------------------------------------------------
# Dresden
# --------------------------------------------------------------------------------------


def derive_dresden_areas(shared: Path, tolerance: float, summary: Summary) -> gpd.GeoDataFrame:
    """61 Stadtteile (from the Wahlbezirke 2024) and the 10 dissolved Stadtbezirke.

    Stadtbezirk code = the digit of "StB <d> <Name>" ("0".."9"; one digit, so it can never
    be confused with a two-digit Stadtteil code), name = the text after it.
    """
    src = gpd.read_file(
        shared / "dresden-wahlbezirke-2024" / "dresden_stadtteile_aus_wahlbezirken_e2024.geojson"
    )
    src = src.sort_values("stadtteil_code").reset_index(drop=True)
    # One source polygon (31 Klotzsche) has a tiny self-intersection. It is left as is:
    # make_valid would add a node that its neighbours lack (breaking the coverage), while
    # coverage simplification removes the bow-tie; validity is asserted afterwards.
    for row in src[~src.is_valid].itertuples():
        reason = shapely.is_valid_reason(row.geometry)
        summary.add(
            f"  Dresden Stadtteil {row.stadtteil_code} {row.stadtteil_name}: source geometry invalid ({reason})"
        )
    utm = src.to_crs(UTM)
    assert shapely.coverage_is_valid(np.asarray(utm.geometry.values, dtype=object))
    simplified = simplify_coverage_to_wgs84(list(utm.geometry), tolerance)
    assert all(g.is_valid and g.geom_type in {"Polygon", "MultiPolygon"} for g in simplified)
    summary.add(
        f"  Dresden Stadtteile simplified ({tolerance} m): all valid, coverage valid "
        f"{shapely.coverage_is_valid(np.asarray(simplified, dtype=object))}"
    )
    parsed = src.stadtbezirk.str.extract(r"^StB (\d) (.+)$")
    assert parsed.notna().all().all()
    src["sb_code"], src["sb_name"] = parsed[0], parsed[1].str.strip()
    assert (src.stadtteil_code.str[0] == src.sb_code).all()
    src["geometry"] = simplified

    rows: list[dict[str, Any]] = []
    for code, group in src.groupby("sb_code", sort=True):
        rows.append(
            {
                "level": "stadtbezirk",
                "official_code": str(code),
                "name": group.sb_name.iat[0],
                "parent_code": None,
                "valid_from": "2024-01-01",
                "geometry": dissolve(list(group.geometry)),
            }
        )
    for row in src.itertuples():
        rows.append(
            {
                "level": "stadtteil",
                "official_code": row.stadtteil_code,
                "name": row.stadtteil_name,
                "parent_code": row.sb_code,
                "valid_from": "2024-01-01",
                "geometry": row.geometry,
            }
        )
    areas = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    assert all(g.is_valid and g.geom_type in {"Polygon", "MultiPolygon"} for g in areas.geometry)
    counts = areas.level.value_counts().to_dict()
    assert counts == EXPECTED_DRESDEN_AREAS, counts
    worst = nesting_check(areas[areas.level == "stadtteil"], areas[areas.level == "stadtbezirk"])
    summary.add(f"  Dresden areas {counts}; nesting: largest area outside parent {worst:.3f} m²")
    return areas


DRESDEN_INDICATORS: list[Indicator] = [
    Indicator(
        "dd_births",
        "Geborene",
        "Anzahl",
        _N,
        SRC_DD_BIRTHS,
        "Lebendgeborene mit Hauptwohnsitz im Stadtteil im Kalenderjahr (Melderegister).",
        "Geborene",
    ),
    Indicator(
        "dd_single_parent_households",
        "Haushalte Alleinerziehender",
        "Anzahl",
        _S,
        SRC_DD_SINGLE,
        "Anzahl der Haushalte von Alleinerziehenden (Haushaltegenerierung aus dem "
        "Melderegister), 2024.",
        "Anzahl Haushalte",
    ),
    Indicator(
        "dd_single_parent_persons",
        "Einwohner in Haushalten Alleinerziehender",
        "Anzahl",
        _S,
        SRC_DD_SINGLE,
        "Anzahl der Einwohnerinnen und Einwohner, die in Haushalten von Alleinerziehenden "
        "leben (Elternteil und Kinder), 2024.",
        "Anzahl Einwohner",
    ),
]


def derive_dresden_indicators(shared: Path, summary: Summary) -> list[tuple[str, str, int, str]]:
    """Births and single-parent households 2024 per Stadtteil (split Stadtteile summed)."""
    base = shared / "dresden-statistik"
    births = pd.read_csv(
        base / "einwohner_geborene_md121_2024_od_bevoelkerung_ab_stadtteil.csv",
        sep=";",
        dtype=str,
        encoding="utf-8-sig",
    )
    single = pd.read_csv(
        base
        / "einwohner_-_haushalte_md233_2024_od_bevoelkerung_ab_stadtteil_haushalttyp_alleinerziehende_.csv",
        sep=";",
        dtype=str,
        encoding="utf-8-sig",
    )
    values: list[tuple[str, str, int, str]] = []
    for table, indicators in ((births, DRESDEN_INDICATORS[:1]), (single, DRESDEN_INDICATORS[1:])):
        assert (table.Jahr.str.strip() == "2024").all()
        table["code"] = table["Stadtteil zus."].str.strip().str[:2]
        split = table[table.code.duplicated(keep=False)]
        if len(split):
            summary.add(
                f"  Dresden: rows summed for split Stadtteile {sorted(set(split['Stadtteil zus.']))} ({len(split)} rows)"
            )
        for ind in indicators:
            sums = table.assign(v=table[ind.column].map(to_int)).groupby("code").v.sum()
            assert len(sums) == 61
            values.extend((ind.code, str(code), 2024, str(int(v))) for code, v in sums.items())
            summary.add(f"  Dresden {ind.code}: total {int(sums.sum()):,}")
            summary.numbers[ind.code] = int(sums.sum())
    values.sort()
    return values


# --------------------------------------------------------------------------------------
# territory files and attribution
# --------------------------------------------------------------------------------------


def territory_json(
    code: str,
    name: str,
    official_code: str,
    levels: list[dict[str, Any]],
    files: dict[str, str],
    attribution: str,
) -> dict[str, Any]:
    """The territory.json document."""
    return {
        "code": code,
        "name": name,
        "official_code": official_code,
        "levels": levels,
        "files": files,
        "attribution": attribution,
    }


def write_indicators(
    folder: Path, indicators: Sequence[Indicator], values: Sequence[tuple[str, str, int, str]]
) -> None:
    """indicators.csv and indicator_values.csv."""
    write_csv(
        folder / "indicators.csv",
        ["code", "name", "unit", "direction", "source", "description"],
        ((i.code, i.name, i.unit, i.direction, i.source, i.description) for i in indicators),
    )
    write_csv(
        folder / "indicator_values.csv", ["indicator_code", "area_code", "year", "value"], values
    )


ATTRIBUTION_TEMPLATE = """\
# Demo data – sources and attribution

The demo dataset in this folder (`berlin/`, `dresden/`) is **derived** from public open
data by `scripts/derive_demo_data.py` (deterministic; rules in `docs/domain/demo-data.md`).
It is meant for demonstration and tests. Parts are **estimated** (Berlin single-year ages,
u3/ü3 split of places) and parts are **synthetic** (Berlin barrier-free features,
integration places, heilpädagogische places, inclusion profile) – see below. Do not use
it for real planning decisions.

Licences: the Berlin and Dresden statistics and geodata are published by the public
bodies named below under open licences (Datenlizenz Deutschland – Namensnennung 2.0,
dl-de/by-2-0, https://www.govdata.de/dl-de/by-2-0, or CC BY 3.0 DE). For some files the
copy we used does not restate the licence (marked *verify*); the licence given is the one
under which the publisher offers the dataset on its portal. Check the portal entry before
redistributing outside this project.

## Berlin (`berlin/`)

### Areas – `areas.geojson`
- **Lebensweltlich orientierte Räume (LOR) – Planungsräume 01.01.2021**, Senatsverwaltung
  für Stadtentwicklung, Bauen und Wohnen Berlin / Geoportal Berlin. Licence dl-de/by-2-0
  (*verify*), attribution "Geoportal Berlin / LOR".
  Copy: GitHub `Lucky-0ne/geodata_berlin`, commit `dac839d3f1892c0188ad306bc5fd36c51804133e`,
  `main/python_package/geodata_berlin/data/lor_post2021_PLR/lor_planungsraeume_2021.*`
  (from ODIS Berlin / FIS-Broker WFS `s_lor_plr_2021`).
- **LOR key and name table** `LOR_2021.csv` (daten.berlin.de), same publisher and licence.
  Copy: GitHub `jascha-je/Data-Visualization`, commit
  `f234dd6f38d929c50338b0f07573dc3ae3e8c9ab`, `Sprint_2/data/LOR_2021.csv`.
- Derived: 542 Planungsräume simplified (GEOS coverage simplification in EPSG:25833,
  tolerance {tolerance} m), coordinates rounded to 6 decimals (WGS84); the 143
  Bezirksregionen, 58 Prognoseräume and 12 Bezirke dissolved from them by key prefix.
  Names from `LOR_2021.csv` (revision of 01.12.2021).

### Population – `population.csv`
- **Einwohnerinnen und Einwohner im Land Berlin am 30. Juni 2022** (Statistischer Bericht
  A I 16 – hj 1/22, table T2), **Amt für Statistik Berlin-Brandenburg**, CC BY 3.0 DE.
  Copy: `jascha-je/Data-Visualization`, commit `f234dd6f38d929c50338b0f07573dc3ae3e8c9ab`,
  `Sprint_2/data/demographie/einwohnerbestand_06-2022_plr.csv`.
- **Einwohnerregisterstatistik je LOR-Planungsraum am 31.12.2020** (`EWR202012E_Matrix.csv`),
  **Amt für Statistik Berlin-Brandenburg**, CC BY 3.0 DE.
  Copy: GitHub `berlinonline/lod-berlin-einwohner`, commit
  `9afcde7aca8d2691cc9e541fca63a3e743dc76be`, `data/static/sources/EWR202012E_Matrix.csv`.
- Derived (**estimated**, `method = disaggregated`): ages 0–5 by splitting the published
  band "unter 6" with each Bezirk's age structure of 31.12.2020 (largest-remainder
  rounding, sums are exact); age 6 from the band "6–15" times the Bezirk share of the
  6-year-olds. Total under 6: {u6} (as published).
- **Einwohnerregisterstatistik je LOR-Planungsraum am 31.12.2011 … 31.12.2020**
  (`EWR<YYYY>12E_Matrix.csv`, Planungsräume of the LOR system valid until 2020),
  **Amt für Statistik Berlin-Brandenburg**, CC BY 3.0 DE. Same copy as above
  (`berlinonline/lod-berlin-einwohner`, `data/static/sources/`).
- **LOR-Planungsräume before 2021** (447 polygons), Senatsverwaltung für Stadtentwicklung
  Berlin / Geoportal Berlin, licence dl-de/by-2-0 (*verify*); converted to TopoJSON by
  **Technologiestiftung Berlin**. Copy: `technologiestiftung/kita-explorer`, commit
  `3273e0834c97a8a76b60537a2d9d7c1ca23bd89d`, `app/data/lor_topojson/Planungsraum.topojson`.
- **Residents per LOR 2021 Planungsraum on 31.12.2020** (column `EW` of the MSS 2021, see
  below) – used only as weights.
- Derived (**estimated**, `method = estimated`, years {history_years}): ages 0–6 of the old
  Planungsräume (bands 0, 1, 2, 3–<5 split evenly, 5, 6) moved onto the 542 Planungsräume of
  2021 by **dasymetric areal interpolation**: each old Planungsraum is intersected with the
  LOR 2021 polygons and its children are shared out in proportion to piece area × residents
  density of the new Planungsraum (31.12.2020); largest-remainder rounding keeps the Berlin
  total of every year and age equal to the EWR total. The 2019 LOR change (new key
  09041403) is handled by merging 09041301, 09041401, 09041403 and 09041501 in every year.
  Plausibility: the interpolated under-6 count of 31.12.2020 differs from the counted
  "unter 6" of 30.06.2022 by a median of {ape_median} % per Planungsraum (90th percentile
  {ape_p90} %; interpolation error plus 1.5 years of change). 2021 is missing.

### Social indicators – `indicators.csv`, `indicator_values.csv`
- **Monitoring Soziale Stadtentwicklung (MSS) 2021**, Senatsverwaltung für Stadtentwicklung,
  Bauen und Wohnen Berlin; data as of 31.12.2020 (stored as year 2020). Licence dl-de/by-2-0
  (*verify*).
  Copies: GitHub `tesch-ch/berlin_PLR_data`, commit `f5550dd05f8451a5e4e1863749c2d274b3e93d79`,
  `data/monitoring_soziale_stadtentwicklung_2021/mss_2021.csv` (from the FIS-Broker WFS
  layers); `jascha-je/Data-Visualization`, commit `f234dd6f38d929c50338b0f07573dc3ae3e8c9ab`,
  `Sprint_2/data/demographie/mss_2021_index-indikatoren_z-werte_plr.csv` (report table 3).
- Taken over unchanged (values as published); Planungsräume without published values
  (fewer than 300 residents) are left out.
- Derived: an **earlier period 31.12.2018** (stored as year 2018) of the status indicators
  S1, S3, S4, computed from the MSS 2021 itself as S(2018) = S(2020) − D (D1, D3, D4 = the
  published changes 31.12.2018–31.12.2020 in percentage points; exact decimal subtraction).
  These are the MSS 2021's own 2018 values on the LOR 2021 Planungsräume, not the values
  published in the MSS 2019 (old LOR); the 2018 status index is computed by kitaplan.

### Providers and facilities – `providers.csv`, `facilities.csv`
- **Kindertagesstätten (WFS)**, Land Berlin, Senatsverwaltung für Bildung, Jugend und
  Familie, Geoportal Berlin, data date December 2022. Licence dl-de/by-2-0 (*verify*),
  attribution "Geoportal Berlin / Kindertagesstätten".
  Copy: GitHub `tesch-ch/berlin_PLR_data`, commit `f5550dd05f8451a5e4e1863749c2d274b3e93d79`,
  `data/kitas/raw/kindertagesstaetten.geojson`.
  Taken over: facility number, name, address, location (reprojected to WGS84), total
  licensed places, provider number/name/type.
- **Kita-Verzeichnis Berlin 2017–2021** (Kita-Suche, scraped from the Senatsverwaltung's
  public Kita directory) by **Technologiestiftung Berlin**, GitHub
  `technologiestiftung/kita-explorer`, commit `3273e0834c97a8a76b60537a2d9d7c1ca23bd89d`,
  `app/data/kitas.csv`. No explicit data licence (repository code GPL-3.0); attribution
  "Technologiestiftung Berlin / SenBJF". Only derived values are used: the under-3 share
  of places and Monday opening hours of {match_total} Kitas matched by address/location.
- Derived (**estimated**): `places_u3`/`places_ue3` = 2022 places split with the Kita's own
  2017 under-3 share ({match_split} Kitas) or its Bezirk's share (the rest);
  `opening_time`/`closing_time` from 2017 ({hours} Kitas).
- **Synthetic** (no open data exists for Berlin; drawn from a seeded random generator,
  `numpy.random.default_rng(2026)`): `integration_places`, `special_needs_group_places`,
  `step_free_entrance`, `accessible_toilet`, `lift`, `accessible_outdoor_area`,
  `inclusion_profile`. Each facility's `data_note` says what is estimated and synthetic.

## Dresden (`dresden/`)

### Areas – `areas.geojson`
- **Wahlbezirke Europawahl 2024**, Landeshauptstadt Dresden (Kommunale Statistikstelle /
  Amt für Geodaten und Kataster), opendata.dresden.de, licence dl-de/by-2-0, attribution
  "Landeshauptstadt Dresden, opendata.dresden.de".
  Copy: GitHub `offenesdresden/wahlbezirke` (OK Lab Dresden), branch `gh-pages`, commit
  `a897c9f11be6e8aa635ec025794ec7ad04357e77`, `bezirke_e2024.geojson`.
- Derived: the 61 statistical Stadtteile by dissolving the Wahlbezirke on the first two
  digits of the Wahlbezirk number (a close proxy for, not a copy of, the official Stadtteil
  layer); simplified like Berlin; the 10 Stadtbezirke dissolved from the Stadtteile.

### Indicators – `indicators.csv`, `indicator_values.csv`
- **Geborene 2024 nach Stadtteilen** and **Haushalte Alleinerziehender 2024 nach
  Stadtteilen**, Landeshauptstadt Dresden, Kommunale Statistikstelle, opendata.dresden.de,
  licence dl-de/by-2-0, attribution "Landeshauptstadt Dresden, opendata.dresden.de".
  Copy: GitHub `kiliankoe/opendata-dresden` (nightly mirror of the portal), commit
  `08924fe38246e02b425fa65426f893924c5d52c4`, `data/statistics/`.
- Taken over unchanged; the two rows of Stadtteil 76 Strehlen (split between two
  Stadträume) are summed. Totals: births {dd_births}, single-parent households
  {dd_single_parent_households}, persons in them {dd_single_parent_persons}.

### Children by age – `population.csv` (estimated), `births.csv`, `city_forecast.csv`
- **Bevölkerungsprognose nach Alter** (citywide, single years, 2025–2040; ages 0–10 of
  `einwohner-prognose_md8_open_data_alter_ueber_85_zu_85_j_-_gerundet.csv`) and **Geborene
  2024 nach Stadtteilen**, Landeshauptstadt Dresden, Kommunale Statistikstelle,
  opendata.dresden.de, licence dl-de/by-2-0. Copy: `kiliankoe/opendata-dresden`, commit
  `08924fe38246e02b425fa65426f893924c5d52c4`, `data/statistics/`.
- Derived by `scripts/derive_dresden.py` (**estimated**, `method = estimated`, year 2025):
  the city's forecast per age times each Stadtteil's share of the births 2024, largest-
  remainder rounding (each age sums to the citywide figure). Method and assumptions:
  `docs/howto/dresden.md`.
- `births.csv` (births 2024 per Stadtteil, the two rows of 76 Strehlen summed) and
  `city_forecast.csv` (the citywide forecast 2025–2040, ages 0–10): the same two files taken
  over unchanged in the standard formats by `scripts/derive_dresden.py`; the forecast page
  shares the city's forecast out by the births (method "Geburten und stadtweite
  Altersstruktur", `docs/domain/forecast.md`).

### Providers and facilities – `providers.csv`, `facilities.csv` (SYNTHETIC)
- No open Dresden Kita capacities are at hand: all 414 Kitas and 92 providers are
  **synthetic** (invented; "synthetisch" in every name and `data_note`), drawn by
  `scripts/derive_dresden.py` with `numpy.random.default_rng(14612000)`.
- Model for count, inclusion and barrier-free shares and provider kinds:
  **Kindertageseinrichtungen**, Stadt Chemnitz open-data portal (ArcGIS Hub layer), licence
  dl-de/by-2-0 (*verify*), attribution "Stadt Chemnitz". Copy: GitHub
  `mdhafizur/youthconnect-backend`, commit `42fc7a9f31fa94f16abfa3d039e38a3b45eacc5f`,
  `src/main/resources/datasource/Kindertageseinrichtungen.geojson`. Only shares and counts
  are used; no Chemnitz name, address or location is copied.
- Residents of Dresden 2025 (for the count): **Bevölkerungsprognose nach Stadtbezirken**
  (`einwohner-prognose_md9_…`), Landeshauptstadt Dresden, same copy and licence as above.
- Locations: random points inside the Stadtteile of `areas.geojson`.

### Targets – `targets.csv`
- Teilziele 1.4 and 1.7 of "Strategische Maßnahmen zur Umsetzung inklusiver
  Kindertagesbetreuung in der Landeshauptstadt Dresden" (Landeshauptstadt Dresden, Amt für
  Kindertagesbetreuung, 2020–2027); the 30 % threshold of 1.4 is a demo value.

### Addresses – `address_register.csv` (SYNTHETIC)
- No Dresden house-coordinate file is at hand: all 780 addresses are **synthetic**
  (invented; `source` says SYNTHETISCH), written by `scripts/derive_dresden.py`: the
  synthetic Kitas' addresses (one invented "Demostraße" per Stadtteil, odd numbers) and six
  home addresses per Stadtteil (even numbers) at random points inside the Stadtteile of
  `areas.geojson` (`numpy.random.default_rng(14612001)`). Any real Dresden address is unknown
  in the demo.

### Allocation round – `round.json`, `applications.csv` (SYNTHETIC)
- An invented round for the Kitas of the Stadtbezirk Neustadt (a third of their places under
  3 and a tenth of those from 3 released) and 438 **synthetic** applications (invented
  children "Kind 0001 (synthetisch)" …, homes from the synthetic register, ranked choices of
  the nearest Kitas), `numpy.random.default_rng(14612002)`. No personal data.

## Kindertagespflege rate tables (`childminding/`)

Example rate tables and contracts reproducing published cases; each TOML file names its source in
its comments:
- `nrw-2014.toml`: a city in North Rhine-Westphalia, 2014, 5-hour bands (BVerwG 5 C 18/16,
  OVG NRW 12 A 599/15);
- `bw-landkreis-2009.toml`: a Landkreis in Baden-Württemberg, 2009 (VGH Baden-Württemberg
  12 S 352/12), with an insurance proof (the issue's total of 343.22 EUR; the parts in our notes
  add up to 343.28 EUR – to be checked against the decision);
- `dresden-2022.toml`: Landeshauptstadt Dresden, rates from 1 July 2022 (9-hour class only);
- `munich-parent-fees-2020.toml`: parent fees, Munich 2020.
Amounts are public figures; contracts and persons are invented.
"""


def write_attribution(out: Path, summary: Summary) -> None:
    """Write ATTRIBUTION.md with the numbers of this run."""
    n = summary.numbers
    text = ATTRIBUTION_TEMPLATE.format(
        tolerance=n["berlin_tolerance_m"],
        u6=f"{EXPECTED_BERLIN_U6:,}".replace(",", " "),
        history_years=f"{HISTORY_YEARS[0]}–{HISTORY_YEARS[-1]}",
        ape_median=f"{n['history_u6_ape'][0]:.1f}",
        ape_p90=f"{n['history_u6_ape'][1]:.1f}",
        match_total=n["match_total"],
        match_split=n["match_split"],
        hours=n["hours"],
        dd_births=n["dd_births"],
        dd_single_parent_households=n["dd_single_parent_households"],
        dd_single_parent_persons=n["dd_single_parent_persons"],
    )
    (out / "ATTRIBUTION.md").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------


def build(shared: Path, out: Path) -> Summary:
    """Derive and write the whole demo dataset; return the summary."""
    summary = Summary()
    berlin = out / "berlin"
    dresden = out / "dresden"
    berlin.mkdir(parents=True, exist_ok=True)
    dresden.mkdir(parents=True, exist_ok=True)

    print("Berlin")
    kitas = read_kitas_2022(shared)
    areas = derive_berlin_areas(shared, kita_points_wgs84(kitas), summary)
    check_kitas_in_areas(kitas, areas, summary)
    write_areas_geojson(berlin / "areas.geojson", areas)

    population = derive_berlin_population(shared, summary)
    u6_2022 = (
        pd.DataFrame(population, columns=["plr", "year", "age", "count", "method", "source"])
        .query("age < 6")
        .groupby("plr")["count"]
        .sum()
    )
    history = derive_berlin_population_history(shared, u6_2022, summary)
    population = sorted(population + history, key=lambda r: (r[0], r[1], r[2]))
    plr_codes = set(areas.loc[areas.level == "planungsraum", "official_code"])
    assert {r[0] for r in population} == plr_codes
    write_csv(
        berlin / "population.csv",
        ["area_code", "year", "age", "count", "method", "source"],
        population,
    )

    indicators, values = derive_berlin_indicators(shared, summary)
    assert {v[1] for v in values} <= plr_codes
    write_indicators(berlin, indicators, values)

    providers = derive_berlin_providers(kitas, summary)
    write_csv(berlin / "providers.csv", ["official_number", "name", "provider_type"], providers)
    facilities = derive_berlin_facilities(shared, kitas, summary)
    provider_numbers = {p[0] for p in providers}
    assert all(f["provider_number"] in provider_numbers for f in facilities)
    write_csv(
        berlin / "facilities.csv",
        FACILITY_COLUMNS,
        ([f[c] for c in FACILITY_COLUMNS] for f in facilities),
    )
    write_json(
        berlin / "territory.json",
        territory_json(
            "berlin",
            "Berlin",
            "11000000",
            BERLIN_LEVELS,
            {
                "areas": "areas.geojson",
                "population": "population.csv",
                "indicators": "indicators.csv",
                "indicator_values": "indicator_values.csv",
                "providers": "providers.csv",
                "facilities": "facilities.csv",
            },
            BERLIN_ATTRIBUTION,
        ),
    )

    print("Dresden")
    dd_areas = derive_dresden_areas(shared, summary.numbers["berlin_tolerance_m"], summary)
    write_areas_geojson(dresden / "areas.geojson", dd_areas)
    dd_values = derive_dresden_indicators(shared, summary)
    dd_codes = set(dd_areas.loc[dd_areas.level == "stadtteil", "official_code"])
    assert {v[1] for v in dd_values} == dd_codes
    write_indicators(dresden, DRESDEN_INDICATORS, dd_values)
    write_json(
        dresden / "territory.json",
        territory_json(
            "dresden",
            "Dresden",
            "14612000",
            DRESDEN_LEVELS,
            {
                "areas": "areas.geojson",
                "indicators": "indicators.csv",
                "indicator_values": "indicator_values.csv",
            },
            DRESDEN_ATTRIBUTION,
        ),
    )
    write_attribution(out, summary)

    print("Files")
    total = 0
    for path in sorted(
        p
        for p in out.rglob("*")
        if p.is_file() and p.suffix in {".json", ".geojson", ".csv", ".md"}
    ):
        size = path.stat().st_size
        total += size
        summary.add(f"  {path.relative_to(out)}: {size:,} bytes")
    summary.add(f"  total: {total:,} bytes")
    assert total < MAX_OUTPUT_BYTES
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="shared/data folder (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    build(args.shared.resolve(), args.out.resolve())
    print("OK – all checks passed")


if __name__ == "__main__":
    main()
