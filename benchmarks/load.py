"""Load benchmark: the production server against Django's development server (not a test).

Loads the demo city into a fresh data directory (SQLite by default; with ``--postgres URL`` into
a fresh PostgreSQL database made on that server, dropped afterwards unless ``--keep``), then
runs the same locust scenario (``benchmarks/load_scenario.py``: planners, parents on the public
Kita-Finder, the allocation office; 1–3 s think time) twice for ``--seconds``, with ``--users``
simulated users:

1. against the production server, ``kitaplan serve`` (gunicorn, workers sized to the machine or
   ``--workers``) — the figures that count;
2. against the reference in the same run, Django's development server
   (``django-admin runserver --noreload``, threaded, one process).

Prints per page (grouped by URL pattern name; an export adds its format) p50/p95/p99 in ms,
the count and the failures of both runs, the requests per second overall, and the ratios
production / development server of p95 (per page and overall) and of requests per second.
Pages over the issue's targets (p95 ≥ 300 ms or p99 ≥ 1 s) are marked ``!``. The raw locust
CSVs (``prod_stats.csv``, ``prod_failures.csv``, ``dev_…``), the URLs used (``urls.json``),
the server logs and ``summary.csv`` are written to ``--out``. Before each measured run the
same scenario runs ``--warmup`` seconds (15) unmeasured, so that every worker process has
loaded its modules, templates and caches; the figures then count once all users run.

Exit code 1 when a page answers with a server error (5xx, or no answer at all) in more than
``--max-error-share`` (default 1 %) of its requests in either run.

Usage: .venv/bin/python benchmarks/load.py [--seconds 90] [--users 50] [--spawn-rate 5] [--warmup 15]
       [--workers N] [--postgres URL [--keep]] [--data-dir DIR] [--out DIR] [--skip-dev]
The PostgreSQL URL names the server and a database to connect to for creating the run's own
database (e.g. postgres://postgres@127.0.0.1:5432/postgres). ``--data-dir DIR`` reuses a
directory a previous run loaded (it records its database in ``DIR/load-benchmark.json``);
a directory without that file is loaded and kept.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = Path(__file__).resolve().parent / "load_scenario.py"
BIN = Path(sys.executable).parent
MARKER = "load-benchmark.json"
#: the issue's targets (issue 14): p95 < 300 ms and p99 < 1 s for every page
TARGET_P95_MS, TARGET_P99_MS = 300.0, 1000.0
EXAMPLE_ADDRESS = "Falkenseer Chaussee 8, 13583 Berlin"


# --- the concrete URLs, collected in a child process from the loaded demo --------------------


def discover(out: Path) -> None:
    """Runs in a subprocess with the run's database: writes the scenario's URLs as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitaplan.web.settings")
    import django

    django.setup()
    from urllib.parse import urlencode

    from django.contrib.auth import get_user_model
    from django.urls import resolve, reverse

    from kitaplan.web.allocation.selectors import (
        applications_visible_to,
        own_applications,
        rounds_visible_to,
    )
    from kitaplan.web.demo.city import DEMO_PASSWORD
    from kitaplan.web.facilities.selectors import facilities_visible_to
    from kitaplan.web.finder.selectors import finest_areas
    from kitaplan.web.territory.models import AddressPoint, Area, AreaLevel, Territory

    rng = random.Random(14)

    def page(route: str, query: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, str]:
        path = reverse(route, kwargs=kwargs or None)
        name = resolve(path).view_name
        if query and "format" in query:
            name += f" [{query['format']}]"
        return {"url": path + ("?" + urlencode(query) if query else ""), "name": name}

    def sample(values: Any, k: int) -> list[Any]:
        values = list(values)
        return rng.sample(values, min(k, len(values)))

    users = get_user_model().objects
    planner, office, parent = (users.get(username=n) for n in ("planung", "vergabe", "eltern"))
    territories = list(Territory.objects.order_by("name"))
    main = max(territories, key=lambda t: Area.objects.filter(territory=t).count())
    city = {"territory": main.code}
    levels = AreaLevel.objects.filter(territory=main).order_by("rank")
    districts = Area.objects.filter(territory=main, level__rank=1).values_list(
        "official_code", flat=True
    )
    with_register = [t for t in territories if AddressPoint.objects.filter(territory=t).exists()]
    addresses = [(t.code, EXAMPLE_ADDRESS) for t in with_register if t.code == main.code]
    for point in sample(AddressPoint.objects.filter(territory__in=with_register)[:2000], 40):
        town = " ".join(p for p in (point.postcode, point.city) if p)
        addresses.append((point.territory.code, f"{point.street} {point.house_number}, {town}"))
    areas = [
        (t.code, a.pk)
        for t in territories
        if t not in with_register
        for a in sample(finest_areas(t), 30)
    ]
    rounds = list(rounds_visible_to(office).order_by("pk").values_list("pk", flat=True))
    urls: dict[str, Any] = {
        "login": reverse("login"),
        "password": DEMO_PASSWORD,
        "planner": planner.username,
        "office": office.username,
        "parent": parent.username,
        "home": [page("core:home")],
        "balance": [page("planning:balance")],
        "balance_level": [page("planning:balance", {**city, "level": lv.code}) for lv in levels],
        "targets": [page("planning:targets", city)],
        "forecast": [page("planning:forecast", city)],
        "accessibility": [page("planning:accessibility", city)],
        "monitoring": [page("monitoring:index", city)],
        # the development report is made by a job: the alerts page's form queues it (POST),
        # the job page is polled (the PDF itself is rendered by the worker, not timed here)
        "district_report_form": [page("monitoring:alerts", city)],
        "district_report": [
            page("monitoring:report-pdf-job", {**city, "district": code})
            for code in sample(districts, 3)
        ],
        "facility_list": [
            page("facilities:facility-list"),
            page("facilities:facility-list", {"page": 2}),
            page("facilities:facility-list", city),
        ],
        "facility_detail": [
            page("facilities:facility-detail", pk=pk)
            for pk in sample(facilities_visible_to(planner).values_list("pk", flat=True), 50)
        ],
        "facility_export": [page("facilities:facility-list", {"format": "xlsx"})],
        "finder_start": [page("finder:search")],
        "finder_address": [
            page("finder:search", {"territory": code, "address": text}) for code, text in addresses
        ],
        "finder_area": [page("finder:search", {"territory": c, "area": pk}) for c, pk in areas]
        or [page("finder:search", city)],
        "finder_page": [
            page("finder:search", {"territory": code, "address": text, "page": 2, **extra})
            for (code, text), extra in zip(
                addresses[:12], [{}, {"age_group": "u3"}, {"kind": "kita"}] * 4, strict=False
            )
        ],
        "finder_easy": [page("finder:easy-language")],
        "my_applications": [page("allocation:my-applications")],
        "my_application": [
            page("allocation:my-application", pk=pk)
            for pk in own_applications(parent).values_list("pk", flat=True)[:10]
        ],
        "round_list": [page("allocation:round-list")],
        "round_statistics": [page("allocation:round-statistics", pk=pk) for pk in rounds],
        "application_list": [page("allocation:application-list", pk=pk) for pk in rounds],
        "application_detail": [
            page("allocation:application-detail", pk=pk)
            for pk in sample(applications_visible_to(office).values_list("pk", flat=True), 50)
        ],
    }
    empty = [k for k, v in urls.items() if isinstance(v, list) and not v and k != "my_application"]
    if empty:
        raise SystemExit(f"the demo has no pages for: {', '.join(empty)}")
    out.write_text(json.dumps(urls, indent=1, ensure_ascii=False), encoding="utf-8")


# --- data directory and database --------------------------------------------------------------


@dataclass
class Setup:
    data_dir: Path
    database_url: str
    drop: list[str] = field(default_factory=list)  # [admin URL, database name] to drop after
    remove_dir: bool = False


def _postgres_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"kitaplan_load_{datetime.now(UTC):%Y%m%d%H%M%S}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def prepare(args: argparse.Namespace) -> Setup:
    if args.data_dir and (Path(args.data_dir) / MARKER).exists():
        data_dir = Path(args.data_dir).resolve()
        recorded = json.loads((data_dir / MARKER).read_text(encoding="utf-8"))
        if bool(args.postgres) != recorded["database_url"].startswith("postgres"):
            raise SystemExit(f"{data_dir} holds a demo in {recorded['database_url']}")
        print(f"reusing the demo in {data_dir} ({_safe(recorded['database_url'])})")
        return Setup(data_dir, recorded["database_url"])
    if args.data_dir:
        data_dir = Path(args.data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        keep_dir = True
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="kitaplan-load-"))
        keep_dir = args.keep
    setup = Setup(data_dir, f"sqlite:///{data_dir / 'kitaplan.sqlite3'}", remove_dir=not keep_dir)
    if args.postgres:
        name, setup.database_url = _postgres_database(args.postgres)
        if not args.keep and not args.data_dir:
            setup.drop = [args.postgres, name]
    print(f"loading the demo into {data_dir} ({_safe(setup.database_url)}) …", flush=True)
    started = time.perf_counter()
    try:
        subprocess.run(
            [str(BIN / "kitaplan"), "--lang", "en", "demo"],
            env=_env(setup),
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
    except BaseException:
        cleanup(setup)
        raise
    print(f"demo loaded in {time.perf_counter() - started:.0f} s")
    if keep_dir:
        marker = {"database_url": setup.database_url, "loaded_at": datetime.now(UTC).isoformat()}
        (data_dir / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return setup


def cleanup(setup: Setup) -> None:
    if setup.drop:
        import psycopg

        admin_url, name = setup.drop
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if setup.remove_dir:
        shutil.rmtree(setup.data_dir, ignore_errors=True)


def _safe(url: str) -> str:
    """The URL without a password (for printing)."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _env(setup: Setup) -> dict[str, str]:
    return {
        **os.environ,
        "KITAPLAN_DATA_DIR": str(setup.data_dir),
        "DATABASE_URL": setup.database_url,
        "DJANGO_SETTINGS_MODULE": "kitaplan.web.settings",
    }


# --- servers ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def production_command(port: int, workers: int | None) -> list[str]:
    """``kitaplan serve``: gunicorn, workers sized to the machine unless ``--workers``."""
    command = [str(BIN / "kitaplan"), "--lang", "en", "serve", "--port", str(port)]
    return command + (["--workers", str(workers)] if workers else [])


def development_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "django",
        "runserver",
        "--noreload",
        "--skip-checks",
        f"127.0.0.1:{port}",
    ]


def worker_command(setup: Setup) -> list[str] | None:
    """``kitaplan worker`` on PostgreSQL, where the job queue lives in the database; on SQLite
    every server process runs the jobs itself (docs/operations.md, "Jobs and the worker")."""
    if not setup.database_url.startswith(("postgres://", "postgresql://")):
        return None
    return [str(BIN / "kitaplan"), "--lang", "en", "worker"]


def wait_until_up(process: subprocess.Popen[bytes], base: str, log: Path) -> str:
    """Waits for ``/healthz`` (``/`` where there is none); returns what answered."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"the server ended with {process.returncode}:\n{tail}")
        for path in ("/healthz", "/"):
            try:
                with urllib.request.urlopen(base + path, timeout=10) as response:
                    return f"{path} {response.status}"
            except urllib.error.HTTPError as error:
                if error.code == 404 and path == "/healthz":
                    continue  # no health endpoint yet: the start page tells whether it is up
                return f"{path} {error.code}"
            except OSError:
                break
        time.sleep(0.5)
    raise SystemExit(f"the server at {base} did not answer within 180 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends the server's process group (gunicorn's master and workers), ours only."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_scenario(
    label: str, command: list[str], setup: Setup, args: argparse.Namespace, out: Path, port: int
) -> None:
    base = f"http://127.0.0.1:{port}"
    log = out / f"{label}-server.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            command,
            env=_env(setup),
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        worker_log = out / f"{label}-worker.log"
        command_of_worker = worker_command(setup)
        worker = (
            subprocess.Popen(
                command_of_worker,
                env=_env(setup),
                cwd=ROOT,
                stdout=worker_log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            if command_of_worker
            else None
        )
        try:
            answered = wait_until_up(server, base, log)
            said = log.read_text(encoding="utf-8", errors="replace").splitlines()
            gunicorn = [line for line in said if "gunicorn" in line][:1]
            what = " ".join([Path(command[0]).name, *command[1:4]] + gunicorn)
            print(f"{label}: {what} … up ({answered})")
            print(
                f"{label}: {args.users} users, {args.spawn_rate}/s, "
                f"{args.warmup} s warm-up + {args.seconds} s measured …",
                flush=True,
            )
            with (out / f"{label}-locust.log").open("wb") as locust_log:
                if args.warmup > 0:  # every worker process loads its templates, caches, modules
                    run_locust(base, f"{label}_warmup", args.warmup, args, out, locust_log)
                run_locust(base, label, args.seconds, args, out, locust_log)
        finally:
            stop(server)
            if worker is not None:
                stop(worker)


def run_locust(
    base: str, label: str, seconds: int, args: argparse.Namespace, out: Path, log: Any
) -> None:
    """Locust in its own process: gevent's monkeypatching must not reach this one."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(SCENARIO),
            "--headless",
            f"--users={args.users}",
            f"--spawn-rate={args.spawn_rate}",
            f"--run-time={seconds}s",
            f"--host={base}",
            f"--csv={out / label}",
            "--only-summary",
            "--reset-stats",  # count from when all users run: the ramp warms the workers
            "--exit-code-on-error=0",
            "--stop-timeout=10",
            "--loglevel=ERROR",
        ],
        env={**os.environ, "KITAPLAN_LOAD_URLS": str(out / "urls.json")},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


# --- reading and printing the figures ---------------------------------------------------------


@dataclass
class Page:
    count: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float
    server_errors: int = 0


def read_stats(out: Path, label: str) -> dict[str, Page]:
    """Per ``METHOD name`` (and ``all`` for the aggregate) from locust's CSVs."""
    pages: dict[str, Page] = {}
    with (out / f"{label}_stats.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            key = "all" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
            pages[key] = Page(
                count=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                p50=float(row["50%"] if row["50%"] != "N/A" else "nan"),
                p95=float(row["95%"] if row["95%"] != "N/A" else "nan"),
                p99=float(row["99%"] if row["99%"] != "N/A" else "nan"),
                rps=float(row["Requests/s"]),
            )
    with (out / f"{label}_failures.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            # "HTTP 404"/"HTTP 302" are the page's answer; 5xx and no answer are server errors
            if re.search(r"HTTP [1234]\d\d", row["Error"]):
                continue
            occurrences = int(row["Occurrences"])
            pages[f"{row['Method']} {row['Name']}"].server_errors += occurrences
            pages["all"].server_errors += occurrences
    return pages


def _mark(page: Page | None) -> str:
    if page is None:
        return " "
    return "!" if page.p95 >= TARGET_P95_MS or page.p99 >= TARGET_P99_MS else " "


def _figures(page: Page | None) -> str:
    if page is None:
        return f"{'–':>6} {'–':>6} {'–':>6} {'–':>5} {'–':>4}"
    return f"{page.p50:6.0f} {page.p95:6.0f} {page.p99:6.0f} {page.count:5d} {page.failures:4d}"


def report(runs: dict[str, dict[str, Page]], out: Path, max_error_share: float) -> list[str]:
    """Prints the table, writes ``summary.csv``; returns the pages with too many server errors."""
    prod, dev = runs["prod"], runs.get("dev", {})
    keys = sorted(k for k in set(prod) | set(dev) if k != "all")
    width = max(len(k) for k in [*keys, "page"]) + 1
    head = f"{'p50':>6} {'p95':>6} {'p99':>6} {'n':>5} {'fail':>4}"
    print()
    print(f"{'':<{width}}  {'production server (ms)':<31}  {'development server (ms)':<31}")
    print(f"{'page':<{width}}  {head}  {head}  p95 prod/dev")
    rows = []
    for key in keys + ["all"]:
        p, d = prod.get(key), dev.get(key)
        ratio = p.p95 / d.p95 if p and d and d.p95 else float("nan")
        label = "all pages" if key == "all" else key
        print(f"{label:<{width}}{_mark(p)} {_figures(p)}  {_figures(d)}  {ratio:6.2f}")
        for name, page in (("prod", p), ("dev", d)):
            if page is not None:
                rows.append([name, label, page.count, page.failures, page.server_errors, page.p50,
                             page.p95, page.p99, page.rps])  # fmt: skip
    with (out / "summary.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["server", "page", "count", "failures", "server_errors", "p50_ms",
                         "p95_ms", "p99_ms", "requests_per_s"])  # fmt: skip
        writer.writerows(rows)
    print()
    print(f"requests/s, all pages: production {prod['all'].rps:.1f}", end="")
    if dev:
        ratio = prod["all"].rps / dev["all"].rps if dev["all"].rps else float("nan")
        print(f", development server {dev['all'].rps:.1f} = reference; production/dev {ratio:.2f}")
        print(f"p95, all pages: production/dev {prod['all'].p95 / dev['all'].p95:.2f}")
    else:
        print(" (development server skipped)")
    print(f"! = over the targets p95 {TARGET_P95_MS:.0f} ms or p99 {TARGET_P99_MS:.0f} ms")
    return [
        f"{name}: {key} ({page.server_errors} of {page.count})"
        for name, pages in runs.items()
        for key, page in pages.items()
        if key != "all" and page.server_errors > page.count * max_error_share
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--discover", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=int, default=90, help="length of each run (90)")
    parser.add_argument("--users", type=int, default=50, help="simulated users (50)")
    parser.add_argument("--warmup", type=int, default=15, help="unmeasured run before (15 s)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument("--workers", type=int, help="production server workers (machine's)")
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database on this server")
    parser.add_argument("--keep", action="store_true", help="keep the database and data dir")
    parser.add_argument("--data-dir", help="reuse (or load once into) this data directory")
    parser.add_argument("--out", type=Path, help="folder for the CSVs (default var/load-…)")
    parser.add_argument("--skip-dev", action="store_true", help="no development server run")
    parser.add_argument("--max-error-share", type=float, default=0.01)
    args = parser.parse_args()
    if args.discover:
        discover(args.discover)
        return 0
    out = (args.out or ROOT / "var" / f"load-{datetime.now(UTC):%Y%m%d-%H%M%S}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    setup = prepare(args)
    runs: dict[str, dict[str, Page]] = {}
    try:
        subprocess.run(
            [sys.executable, __file__, "--discover", str(out / "urls.json")],
            env=_env(setup),
            check=True,
            cwd=ROOT,
        )
        port = _free_port()
        run_scenario("prod", production_command(port, args.workers), setup, args, out, port)
        runs["prod"] = read_stats(out, "prod")
        if not args.skip_dev:
            port = _free_port()
            run_scenario("dev", development_command(port), setup, args, out, port)
            runs["dev"] = read_stats(out, "dev")
    finally:
        cleanup(setup)
    failing = report(runs, out, args.max_error_share)
    print(f"raw figures: {out}")
    if not setup.remove_dir and not setup.drop:
        again = f"--data-dir {setup.data_dir}" + (
            f" --postgres {_safe(args.postgres)}" if args.postgres else ""
        )
        print(f"the loaded demo is kept: run again with {again}")
    if failing:
        print(f"server errors in more than {args.max_error_share:.0%} of the requests:")
        for line in failing:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
