"""Peak memory of reading and checking a large zipped Shapefile (issue 14, bounded input).

Builds a zipped Shapefile of ``--points`` points (default 300,000, like the file of the issue)
whose every row has a wrong number of places, then measures, each in a fresh process, the peak
resident memory (``resource.getrusage``, ru_maxrss) of

1. the reference: the interpreter with kitaplan's exchange layer imported, nothing read;
2. ``read_table`` of the file;
3. ``read_table`` + ``apply_mapping`` with the standard facilities mapping: every row fails
   (a Shapefile cuts the standard column names to 10 characters, and the places are text),
   as in the issue's file, which stored 52 MB of problems.

It prints each peak in MB and its ratio against the reference in the same run. The target of
the issue is under 500 MB for the whole import.

Usage: .venv/bin/python benchmarks/import_memory.py [--points N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def build_shapefile(folder: Path, points: int) -> Path:
    import warnings

    import numpy as np
    import shapely
    from pyogrio.raw import write

    rng = np.random.default_rng(14)
    lon = 13.1 + rng.random(points) * 0.6
    lat = 52.35 + rng.random(points) * 0.3
    geometry = shapely.to_wkb(shapely.points(lon, lat))
    numbers = np.array([f"K{i:06d}" for i in range(points)], dtype=object)
    names = np.array([f"Kita {i}" for i in range(points)], dtype=object)
    places = np.array(["viele"] * points, dtype=object)  # not a number: one problem per row
    shp = folder / "kitas.shp"
    warnings.filterwarnings("ignore", "Normalized/laundered field name")
    write(
        str(shp),
        geometry,
        [numbers, names, np.array(["P1"] * points, dtype=object), places],
        ["official_number", "name", "provider_number", "places_u3"],
        geometry_type="Point",
        crs="EPSG:4326",
        driver="ESRI Shapefile",
    )
    archive = folder / "kitas.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for part in folder.glob("kitas.*"):
            if part.suffix != ".zip":
                out.write(part, part.name)
    return archive


def measure(step: str, path: str) -> None:
    """Runs in a fresh process: one step, then prints the peak RSS in MB as JSON."""
    import resource

    from kitaplan.exchange.mappings import get_mapping
    from kitaplan.exchange.readers import read_table
    from kitaplan.exchange.validation import apply_mapping

    result: dict[str, object] = {"step": step}
    if step in ("read", "check"):
        table = read_table(Path(path))
        result["rows"] = len(table.rows)
        if step == "check":
            checked = apply_mapping(table, get_mapping("kitaplan-facilities"))
            result["problems"] = len(checked.problems)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    result["peak_mb"] = round(peak_kb / 1024, 1)
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=300_000)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        archive = build_shapefile(Path(tmp), args.points)
        print(f"{archive.name}: {args.points:,} points, {archive.stat().st_size / 1e6:.1f} MB")
        results = {}
        for step in ("reference", "read", "check"):
            out = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, __file__, "--child", step, str(archive)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results[step] = json.loads(out.strip().splitlines()[-1])
    reference = float(results["reference"]["peak_mb"])  # type: ignore[arg-type]
    for step, result in results.items():
        peak = float(result["peak_mb"])  # type: ignore[arg-type]
        extra = {k: v for k, v in result.items() if k not in ("step", "peak_mb")}
        print(f"{step:<10} peak {peak:8.1f} MB  ×{peak / reference:5.1f} of the reference  {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
