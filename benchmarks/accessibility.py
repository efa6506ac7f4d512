"""Time the E2SFCA close-to-home accessibility engine (``kitaplan.domain.planning.accessibility``).

(a) Demo city: a 100 m population grid over Berlin's 542 Planungsräume (each PLR's children
    under 6 from ``population.csv`` spread evenly over its cells) against the 2,880 facilities
    of ``facilities.csv`` (places_u3 + places_ue3), Gaussian decay (σ = 0.38 × catchment),
    1,500 m catchment. **Reference, measured in the same run:** PySAL ``access``
    (``Access(...).enhanced_two_stage_fca``) with the same weight function and a cost table of
    every pair within the catchment. Prints the maximum absolute difference (must be ≤ 1e-9) and
    the speed ratio access / kitaplan (target ≥ 10×).
(b) Germany scale: 3.2 million synthetic 100 m population cells (towns of Zipf-distributed size
    plus countryside, snapped to a 100 m lattice) and 60,000 facilities placed where the
    children live, in a 640 km × 800 km box, 2 km catchment. Prints time and peak memory
    (``resource.getrusage`` maxrss of a fresh subprocess; targets: < 60 s, < 8 GB). ``access``
    is not run here: the output says what its cost table would need.

Usage: .venv/bin/python benchmarks/accessibility.py [--quick] [--repeat N] [--part demo|germany]
``--quick`` uses a 200 m grid for (a) and a tenth of the sizes for (b).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from kitaplan.domain.planning.accessibility import (
    DemandPoints,
    GaussianDecay,
    SupplyPoints,
    e2sfca,
    project_to_metres,
    share_with_place_within,
)

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "src" / "kitaplan" / "demo" / "data" / "berlin"
RNG_SEED = 2026


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError


def machine_memory() -> float:
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --- (a) demo city ----------------------------------------------------------------------------


def berlin_grid(cell_m: float) -> DemandPoints:
    import geopandas as gpd
    import pandas as pd
    import shapely

    areas = gpd.read_file(BERLIN / "areas.geojson")
    plr = areas[areas["level"] == "planungsraum"].to_crs(25833).reset_index(drop=True)
    population = pd.read_csv(BERLIN / "population.csv", dtype={"area_code": str})
    under6 = population[population["age"] <= 5].groupby("area_code")["count"].sum()
    children = plr["official_code"].map(under6).fillna(0).to_numpy(dtype=float)

    min_x, min_y, max_x, max_y = plr.total_bounds
    xs = np.arange(np.floor(min_x / cell_m) * cell_m + cell_m / 2, max_x, cell_m)
    ys = np.arange(np.floor(min_y / cell_m) * cell_m + cell_m / 2, max_y, cell_m)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    tree = shapely.STRtree(plr.geometry.to_numpy())
    point_idx, area_idx = tree.query(shapely.points(gx, gy), predicate="within")
    # a cell centre on a shared border belongs to one area only
    point_idx, first = np.unique(point_idx, return_index=True)
    area_idx = area_idx[first]
    x, y = gx[point_idx], gy[point_idx]
    # areas too small to contain a cell centre get one point at a representative point
    missing = np.setdiff1d(np.arange(len(plr)), area_idx)
    if len(missing):
        reps = shapely.point_on_surface(plr.geometry.to_numpy()[missing])
        x = np.concatenate([x, shapely.get_x(reps)])
        y = np.concatenate([y, shapely.get_y(reps)])
        area_idx = np.concatenate([area_idx, missing])
    cells_per_area = np.bincount(area_idx, minlength=len(plr))
    weight = children[area_idx] / cells_per_area[area_idx]
    populated = weight > 0
    return DemandPoints(x[populated], y[populated], weight[populated])


def berlin_facilities() -> SupplyPoints:
    import pandas as pd

    table = pd.read_csv(BERLIN / "facilities.csv", dtype={"official_number": str})
    x, y = project_to_metres(table["lon"].to_numpy(float), table["lat"].to_numpy(float))
    places = (table["places_u3"] + table["places_ue3"]).to_numpy(dtype=float)
    return SupplyPoints(x, y, places)


def run_access(
    demand: DemandPoints, supply: SupplyPoints, catchment: float, sigma: float
) -> tuple[np.ndarray, float, float, int]:
    """PySAL access on the cost table of all pairs within the catchment."""
    import access
    import pandas as pd
    from scipy.spatial import cKDTree

    started = time.perf_counter()
    pairs = cKDTree(np.column_stack([demand.x, demand.y])).sparse_distance_matrix(
        cKDTree(np.column_stack([supply.x, supply.y])), catchment, output_type="coo_matrix"
    )
    costs = pd.DataFrame({"origin": pairs.row, "dest": pairs.col, "cost": pairs.data})
    table_s = time.perf_counter() - started

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = access.Access(
            demand_df=pd.DataFrame({"cell": np.arange(len(demand)), "children": demand.weight}),
            demand_index="cell",
            demand_value="children",
            supply_df=pd.DataFrame({"kita": np.arange(len(supply)), "places": supply.capacity}),
            supply_index="kita",
            supply_value="places",
            cost_df=costs,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        result = model.enhanced_two_stage_fca(
            name="e2sfca", max_cost=catchment, weight_fn=access.weights.gaussian(sigma)
        )["e2sfca_places"]
    access_s = time.perf_counter() - started
    values = result.reindex(np.arange(len(demand))).to_numpy(dtype=float)
    return values, table_s, access_s, len(costs)


def demo(quick: bool, repeat: int) -> dict[str, object]:
    catchment = 1_500.0
    decay = GaussianDecay.for_catchment(catchment)
    started = time.perf_counter()
    demand = berlin_grid(200.0 if quick else 100.0)
    supply = berlin_facilities()
    prep_s = time.perf_counter() - started

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        ours = e2sfca(demand, supply, catchment_m=catchment, decay=decay)
        times.append(time.perf_counter() - started)
    ours_s = min(times)

    theirs, table_s, access_s, pairs = run_access(demand, supply, catchment, decay.sigma_m)
    unreached = np.isnan(theirs)
    max_diff = float(np.max(np.abs(ours.access - np.nan_to_num(theirs))))
    consistent = not ours.reaches_supply[unreached].any()
    mean_access = float(ours.access @ demand.weight / demand.weight.sum())
    return {
        "cells": len(demand),
        "children": float(demand.weight.sum()),
        "facilities": len(supply),
        "places": float(supply.capacity.sum()),
        "pairs": ours.pairs,
        "access_pairs": pairs,
        "prep_s": prep_s,
        "kitaplan_s": ours_s,
        "access_table_s": table_s,
        "access_s": access_s,
        "max_abs_diff": max_diff,
        "nan_consistent": consistent,
        "unreached_cells": int(unreached.sum()),
        "mean_access": mean_access,
        "share_within_500m": share_with_place_within(demand, supply, within_m=500),
        "peak_rss_mb": peak_rss_mb(),
    }


# --- (b) Germany scale ------------------------------------------------------------------------


def germany_data(quick: bool, path: Path) -> dict[str, object]:
    """Write the synthetic Germany-scale instance to ``path`` (.npz)."""
    n_cells, n_facilities = (320_000, 6_000) if quick else (3_200_000, 60_000)
    width, height, cell = 640_000.0, 800_000.0, 100.0
    rng = np.random.default_rng(RNG_SEED)
    started = time.perf_counter()

    n_towns = max(n_cells // 1600, 10)
    size = 1.0 / np.arange(1, n_towns + 1)  # Zipf
    size /= size.sum()
    centres = rng.uniform([0, 0], [width, height], size=(n_towns, 2))
    # spread so that a town's core stays near the lattice's limit of 100 cells per km²
    spread = np.clip(1_000.0 * np.sqrt(size * 0.7 * n_cells / 300), 500.0, 12_000.0)

    def sample(count: int) -> np.ndarray:
        town = rng.random(count) < 0.7
        which = rng.choice(n_towns, size=int(town.sum()), p=size)
        points = np.empty((count, 2))
        points[town] = centres[which] + rng.normal(size=(len(which), 2)) * spread[which, None]
        points[~town] = rng.uniform([0, 0], [width, height], size=(int((~town).sum()), 2))
        return points

    columns, rows = int(width // cell), int(height // cell)
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < n_cells:  # distinct 100 m cells, topped up until there are enough
        points = sample(n_cells)
        ix = np.clip((points[:, 0] // cell).astype(np.int64), 0, columns - 1)
        iy = np.clip((points[:, 1] // cell).astype(np.int64), 0, rows - 1)
        keys = np.unique(np.concatenate([keys, ix * rows + iy]))
    keys = np.sort(rng.choice(keys, size=n_cells, replace=False))
    x = (keys // rows) * cell + cell / 2
    y = (keys % rows) * cell + cell / 2
    children = 1.0 + rng.poisson(0.5, size=n_cells)
    at = rng.choice(n_cells, size=n_facilities, p=children / children.sum())
    np.savez(
        path,
        x=x,
        y=y,
        children=children,
        kita_x=x[at] + rng.uniform(-cell / 2, cell / 2, n_facilities),
        kita_y=y[at] + rng.uniform(-cell / 2, cell / 2, n_facilities),
        places=rng.integers(20, 151, n_facilities).astype(float),
    )
    return {"prep_s": time.perf_counter() - started}


def germany(path: Path) -> dict[str, object]:
    """Run the engine on the instance in ``path``; this process holds nothing else."""
    data = np.load(path)
    demand = DemandPoints(data["x"], data["y"], data["children"])
    supply = SupplyPoints(data["kita_x"], data["kita_y"], data["places"])
    del data
    rss_before = peak_rss_mb()
    catchment = 2_000.0
    decay = GaussianDecay.for_catchment(catchment)
    started = time.perf_counter()
    result = e2sfca(demand, supply, catchment_m=catchment, decay=decay)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    share = share_with_place_within(demand, supply, within_m=1_000)
    share_s = time.perf_counter() - started
    return {
        "cells": len(demand),
        "children": float(demand.weight.sum()),
        "facilities": len(supply),
        "pairs": result.pairs,
        "kitaplan_s": ours_s,
        "share_s": share_s,
        "share_within_1km": share,
        "reached_share": float(result.reaches_supply.mean()),
        "peak_rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def in_subprocess(
    part: str, args: argparse.Namespace, data: Path | None = None
) -> dict[str, object]:
    command = [sys.executable, __file__, "--part", part, "--repeat", str(args.repeat), "--json"]
    if args.quick:
        command.append("--quick")
    if data is not None:
        command += ["--data", str(data)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--repeat", type=int, default=3, help="kitaplan runs in (a), best taken")
    parser.add_argument(
        "--part", choices=["demo", "germany-data", "germany"], help=argparse.SUPPRESS
    )
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        if args.part == "demo":
            figures = demo(args.quick, args.repeat)
        elif args.part == "germany-data":
            figures = germany_data(args.quick, args.data)
        else:
            figures = germany(args.data)
        print(json.dumps(figures))
        return

    print(
        f"E2SFCA benchmark{' (--quick)' if args.quick else ''}: Python {platform.python_version()}, "
        f"{platform.machine()}, each part in a fresh subprocess"
    )
    a = in_subprocess("demo", args)
    ratio = float(a["access_s"]) / float(a["kitaplan_s"])
    print(
        f"\n(a) Berlin demo: {a['cells']:,} cells ({'200' if args.quick else '100'} m), "
        f"{a['children']:,.0f} children < 6, {a['facilities']:,} facilities, "
        f"{a['places']:,.0f} places, 1,500 m catchment, Gaussian σ = 570 m\n"
        f"    pairs within catchment         {a['pairs']:,}\n"
        f"    kitaplan e2sfca                {a['kitaplan_s']:.3f} s "
        f"(best of {args.repeat}, pair search included)\n"
        f"    reference: access              {a['access_s']:.2f} s (Access + "
        f"enhanced_two_stage_fca; building its cost table took another "
        f"{a['access_table_s']:.2f} s, not counted)\n"
        f"    speed ratio access / kitaplan  {ratio:.1f}×  (target ≥ 10×: "
        f"{'met' if ratio >= 10 else 'NOT met'})\n"
        f"    max |A_kitaplan − A_access|    {a['max_abs_diff']:.2e}  (target ≤ 1e-9: "
        f"{'met' if float(a['max_abs_diff']) <= 1e-9 else 'NOT met'})\n"
        f"    cells with no facility in reach {a['unreached_cells']:,} (access: NaN, kitaplan: 0 "
        f"and reaches_supply False; consistent: {a['nan_consistent']})\n"
        f"    mean places per child {a['mean_access']:.3f}; children with a place within 500 m "
        f"{a['share_within_500m']:.1%}; peak RSS {a['peak_rss_mb']:,.0f} MB (incl. access)"
    )

    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "germany.npz"
        prep = in_subprocess("germany-data", args, data)
        b = in_subprocess("germany", args, data)
    seconds_per_pair = float(a["access_s"]) / float(a["access_pairs"])
    cells, facilities, pairs = int(b["cells"]), int(b["facilities"]), int(b["pairs"])
    ours_s, peak_mb = float(b["kitaplan_s"]), float(b["peak_rss_mb"])
    print(
        f"\n(b) Germany scale: {cells:,} cells ({b['children']:,.0f} children), "
        f"{facilities:,} facilities, 640 km × 800 km, 2 km catchment (synthetic data built "
        f"in {prep['prep_s']:.1f} s in another process)\n"
        f"    pairs within catchment         {pairs:,}\n"
        f"    kitaplan e2sfca                {ours_s:.2f} s  (target < 60 s: "
        f"{'met' if ours_s < 60 else 'NOT met'})\n"
        f"    share_with_place_within 1 km   {b['share_s']:.2f} s ({b['share_within_1km']:.1%} "
        f"of children)\n"
        f"    peak RSS                       {peak_mb:,.0f} MB  (target < 8 GB: "
        f"{'met' if peak_mb < 8 * 1024 else 'NOT met'}; after loading the data "
        f"{b['peak_rss_before_mb']:,.0f} MB)\n"
        f"    access not run. It takes a precomputed cost table and filters it by max_cost "
        f"itself: the full table of all {cells * facilities:,} pairs would be "
        f"{human_bytes(cells * facilities * 24)} (3 × 8 bytes a row; this machine has "
        f"{human_bytes(machine_memory())}). "
        f"Pre-filtered to the {pairs:,} pairs within 2 km (which needs a spatial index like "
        f"ours) it would be {human_bytes(pairs * 24)} before pandas' merge copies, and at "
        f"the {seconds_per_pair * 1e6:.2f} s per million pairs measured in (a) about "
        f"{seconds_per_pair * pairs:.0f} s ({seconds_per_pair * pairs / ours_s:.0f}× kitaplan)."
    )


if __name__ == "__main__":
    main()
