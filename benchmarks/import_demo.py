"""Time importing the demo city into SQLite and PostgreSQL.

Reference (measured in the same run): reading and validating the same files with the exchange
layer alone (no database). Printed ratios: each import against that reference, the idempotent
re-import against the first import, and PostgreSQL against SQLite.

Usage: .venv/bin/python benchmarks/import_demo.py [--postgres URL] [--repeat N]
The PostgreSQL URL defaults to postgres://postgres@127.0.0.1:5432/test; the benchmark creates and
drops its own database ``kitaplan_bench`` there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def reference_read_and_validate() -> float:
    from kitaplan.demo import demo_territories
    from kitaplan.exchange.mappings import get_mapping
    from kitaplan.exchange.readers import read_table
    from kitaplan.exchange.validation import apply_mapping

    standard = {
        "areas": "kitaplan-areas",
        "population": "kitaplan-population",
        "indicators": "kitaplan-indicators",
        "indicator_values": "kitaplan-indicator-values",
        "providers": "kitaplan-providers",
        "facilities": "kitaplan-facilities",
    }
    started = time.perf_counter()
    for territory in demo_territories():
        for kind, path in territory.files.items():
            result = apply_mapping(read_table(path), get_mapping(standard[kind]))
            assert not result.problems, result.problems[:3]
    return time.perf_counter() - started


def child() -> None:
    """Runs in a subprocess with DATABASE_URL set: migrate, import twice, print timings as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitaplan.web.settings")
    django.setup()
    from django.core.management import call_command

    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.demo.city import load_demo

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    runs = load_demo(actor=SYSTEM)
    first = time.perf_counter() - started
    assert all(r.status == "succeeded" for r in runs)
    started = time.perf_counter()
    again = load_demo(actor=SYSTEM)
    second = time.perf_counter() - started
    assert all(r.added == r.changed == r.removed == 0 for r in again)
    print(json.dumps({"first": first, "again": second, "rows": sum(r.rows for r in runs)}))


def run_child(database_url: str) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, __file__, "--child"], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.child:
        child()
        return
    reference = statistics.median(reference_read_and_validate() for _ in range(max(args.repeat, 1)))
    print(f"reference: read + validate all demo files, no database: {reference:.2f} s")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run_child(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    try:
        import psycopg

        admin_url = args.postgres
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS kitaplan_bench")
            conn.execute("CREATE DATABASE kitaplan_bench")
        try:
            results["PostgreSQL"] = run_child(admin_url.rsplit("/", 1)[0] + "/kitaplan_bench")
        finally:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS kitaplan_bench")
    except Exception as error:  # noqa: BLE001 - a missing server must not hide the SQLite figure
        print(f"PostgreSQL skipped: {error}")
    rows = next(iter(results.values()))["rows"]
    print(f"demo city: {rows} rows (areas, population, indicators, providers, facilities)")
    for name, r in results.items():
        print(
            f"{name:<10} first import {r['first']:6.2f} s = {r['first'] / reference:5.1f} × reference; "
            f"re-import (all unchanged) {r['again']:6.2f} s = {r['again'] / r['first']:4.2f} × first import"
        )
    if len(results) == 2:
        ratio = results["PostgreSQL"]["first"] / results["SQLite"]["first"]
        print(f"PostgreSQL / SQLite (first import): {ratio:.2f}")


if __name__ == "__main__":
    main()
