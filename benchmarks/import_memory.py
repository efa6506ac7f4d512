"""Peak memory of reading and checking a large zipped Shapefile (issue 14, bounded input).

Builds a zipped Shapefile of ``--points`` points (default 300,000, like the file of the issue)
whose every row has a wrong number of places, then measures, each in a fresh process, the peak
resident memory of the process (``VmHWM`` of ``/proc/self/status``; ``ru_maxrss`` would count
the memory of this parent process at the fork, which holds the generated points) of

1. the reference: the interpreter with kitaplan's exchange layer imported, nothing read;
2. ``read``: ``read_table`` of the file (every row held, as before the streaming readers);
3. ``check``: ``read_table`` + ``apply_mapping`` with the standard facilities mapping, every
   problem kept: the path the import took before (issue 14). Every row fails (the places are
   text; the file also lacks ``places_ue3``), as in the issue's file, which stored 52 MB of
   problems;
4. ``stream``: what ``imports.services.import_file`` does now: ``open_table`` +
   ``apply_mapping(..., max_problems=1000)`` (``KITAPLAN_MAX_STORED_PROBLEMS``), rows read and
   checked one after the other;
5. ``import``: the whole import, ``imports.services.import_file`` of kind ``facilities`` into a
   territory of a fresh SQLite database (migrated in a process of its own before), Django
   loaded: read, checked, refused and stored with its first 1,000 problems.

It prints each peak in MB, its ratio against the reference and the stream's against the old
path (``check``), all from the same run, and whether the whole import stays under the issue's
target of 500 MB (exit status 1 when not). Measured on the 2-core development machine with
300,000 points, before the streaming readers (commit 4c7b9f3, ``PYTHONPATH`` of its
``src``): reference 46 MB, read 395 MB, check 801 MB, import 895 MB; with them: read 376 MB,
check 450 MB (a key keeps its first row number, not the record), stream 208 MB, import
310 MB.

Usage: .venv/bin/python benchmarks/import_memory.py [--points N] [--valid] [--steps read,...]

``--valid`` builds a file whose rows all pass instead (``places_u3``/``places_ue3`` numbers,
one area around the points and provider P1 in the database): then the records of all rows
are held and written, which the streams do not bound (the persisters compare and write the
whole file in one transaction). Measured with 300,000 valid points: stream 598 MB (the
records of 300,000 rows), import 1,231 MB (succeeded; the facilities persister's objects).

``--steps`` picks some of the steps (the reference always runs), e.g. to measure another
checkout's code with ``PYTHONPATH=<checkout>/src`` (``stream`` needs ``open_table``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

#: KITAPLAN_MAX_STORED_PROBLEMS's default: the problems an import keeps.
STORED_PROBLEMS = 1000
#: The issue's bound for importing the file.
TARGET_MB = 500
STEPS = ("read", "check", "stream", "import")


def build_shapefile(folder: Path, points: int, *, valid: bool = False) -> Path:
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
    fields = [numbers, names, np.array(["P1"] * points, dtype=object), places]
    field_names = ["official_number", "name", "provider_number", "places_u3"]
    if valid:
        fields[3] = np.array([str(i % 90) for i in range(points)], dtype=object)
        fields.append(np.array([str(i % 50) for i in range(points)], dtype=object))
        field_names.append("places_ue3")
    shp = folder / "kitas.shp"
    warnings.filterwarnings("ignore", "Normalized/laundered field name")
    write(
        str(shp),
        geometry,
        fields,
        field_names,
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


def peak_kib() -> int:
    """The process's peak resident memory in KiB since it was started (exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def measure(step: str, path: str) -> None:
    """Runs in a fresh process: one step, then prints the peak RSS in MB as JSON."""
    from kitaplan.exchange.mappings import get_mapping
    from kitaplan.exchange.readers import read_table
    from kitaplan.exchange.validation import apply_mapping

    result: dict[str, object] = {"step": step}
    if step in ("setup", "import"):
        django_step(step, path, result)
    mapping = get_mapping("kitaplan-facilities")
    if step in ("read", "check"):
        table = read_table(Path(path))
        result["rows"] = len(table.rows)
        if step == "check":
            checked = apply_mapping(table, mapping)
            result["problems"] = len(checked.problems)
    if step == "stream":
        from kitaplan.exchange.readers import open_table

        streamed = apply_mapping(open_table(Path(path)), mapping, max_problems=STORED_PROBLEMS)
        result["rows"] = streamed.rows_read
        result["problems"] = streamed.problem_count
        result["kept"] = len(streamed.problems)
    result["peak_mb"] = round(peak_kib() / 1024, 1)
    print(json.dumps(result))


def django_step(step: str, path: str, result: dict[str, object]) -> None:
    """``setup``: migrate the database of ``DATABASE_URL``; ``import``: import ``path``."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitaplan.web.settings")
    django.setup()
    from django.core.management import call_command

    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.imports.services import import_file
    from kitaplan.web.territory.models import Territory

    if step == "setup":
        from kitaplan.web.facilities.models import Provider
        from kitaplan.web.territory.models import Area, AreaLevel

        call_command("migrate", verbosity=0)
        territory = Territory.objects.create(code="bench", name="Benchmark")
        level = AreaLevel.objects.create(territory=territory, code="area", name="Area", rank=1)
        ring = [[13.0, 52.3], [13.8, 52.3], [13.8, 52.7], [13.0, 52.7], [13.0, 52.3]]
        Area.objects.create(
            territory=territory,
            level=level,
            official_code="01",
            name="Alles",
            path="01",
            geometry={"type": "Polygon", "coordinates": [ring]},
        )
        Provider.objects.create(
            territory=territory, official_number="P1", name="Träger", provider_type="municipal"
        )
        return
    run = import_file(
        territory=Territory.objects.get(code="bench"),
        kind="facilities",
        path=Path(path),
        actor=SYSTEM,
    )
    result["status"] = str(run.status)
    result["rows"] = run.rows
    result["problems"] = run.problem_count
    result["stored"] = len(run.problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=300_000)
    parser.add_argument("--valid", action="store_true", help="rows that pass (see above)")
    parser.add_argument(
        "--steps", default=",".join(STEPS), help="comma-separated, of " + ", ".join(STEPS)
    )
    parser.add_argument("--child", nargs=2, metavar=("STEP", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        archive = build_shapefile(Path(tmp), args.points, valid=args.valid)
        print(f"{archive.name}: {args.points:,} points, {archive.stat().st_size / 1e6:.1f} MB")
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"}
        results = {}
        wanted = [step for step in STEPS if step in args.steps.split(",")]
        if "import" in wanted:
            wanted.insert(wanted.index("import"), "setup")
        for step in ["reference", *wanted]:
            out = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, __file__, "--child", step, str(archive)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout
            results[step] = json.loads(out.strip().splitlines()[-1])
        results.pop("setup", None)
    reference = float(results["reference"]["peak_mb"])  # type: ignore[arg-type]
    for step, result in results.items():
        peak = float(result["peak_mb"])  # type: ignore[arg-type]
        extra = {k: v for k, v in result.items() if k not in ("step", "peak_mb")}
        print(f"{step:<10} peak {peak:8.1f} MB  ×{peak / reference:5.1f} of the reference  {extra}")
    if "stream" in results and "check" in results:
        stream = float(results["stream"]["peak_mb"])  # type: ignore[arg-type]
        old = float(results["check"]["peak_mb"])  # type: ignore[arg-type]
        print(
            f"stream: {stream:.1f} MB, ×{stream / old:.2f} of the old path (check, {old:.1f} MB),"
            f" {stream - reference:.1f} MB above the reference"
        )
    if "import" not in results:
        return 0
    whole = float(results["import"]["peak_mb"])  # type: ignore[arg-type]
    verdict = "under" if whole < TARGET_MB else "OVER"
    print(f"whole import: {whole:.1f} MB, {verdict} the target of {TARGET_MB} MB")
    return 0 if whole < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
