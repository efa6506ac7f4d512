"""Time pages and exports of the demo with Django's test client (not a test).

Loads the demo city into a temporary data directory (or reuses ``--data-dir``; with
``--postgres URL`` into that PostgreSQL database, loaded when it holds no territory yet), then
opens every page of :data:`PAGES` ``--repeat`` times in rounds (each round opens every page
once, so that the noise of a shared machine falls on all pages alike), after one warm-up
request each, logged in as the page's demo account (``None``: an anonymous visitor, as on the
public Kita-Finder). Prints per page the median and p95 in milliseconds, the number of queries
of one request, the ratio of the median against the reference page measured in the same run
(:data:`REFERENCE`, the about page: a page that reads nearly nothing) and the median CPU time
of this process (less disturbed by a busy machine than the wall time; on SQLite it includes the
database's work, on PostgreSQL it does not).

Usage: .venv/bin/python benchmarks/pages.py [--data-dir DIR] [--postgres URL] [--repeat 20]
       [--only SUBSTRING ...]

Targets (issue 14): on an idle machine a page well under 60 ms, a full export under 1 s.

To add a page, append a :class:`Page` to :data:`PAGES`: a name, the URL (or a function that
builds it once the demo is loaded, e.g. from a primary key) and the demo account to use.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Page:
    name: str
    url: str | Callable[[], str]  # a function: called once after the demo is loaded
    user: str | None  # the demo account (password kitaplan-demo), None: anonymous


def _pk(model: str, **lookup: Any) -> int:
    """The smallest primary key of ``model`` ("app_label.Model") matching ``lookup``."""
    from django.apps import apps

    pk = apps.get_model(model).objects.filter(**lookup).order_by("pk").values_list("pk", flat=True)
    found = pk.first()
    if found is None:
        raise SystemExit(f"no {model} with {lookup} in the demo")
    return int(found)


def _berlin_address() -> str:
    """A Berlin address of the demo's register (the finder's address search)."""
    from kitaplan.web.territory.models import AddressPoint

    point = AddressPoint.objects.filter(territory__code="berlin").order_by("pk").first()
    if point is None:
        raise SystemExit("the demo has no address register for Berlin")
    return f"{point.street} {point.house_number}, {point.postcode}"


def _finder_address(extra: str = "") -> Callable[[], str]:
    def build() -> str:
        from urllib.parse import urlencode

        query = urlencode({"territory": "berlin", "address": _berlin_address()})
        return f"/finder/?{query}{extra}"

    return build


def _largest_district() -> int:
    """The Berlin area of the top level with the most facilities (the heaviest area page)."""
    from django.db.models import Count

    from kitaplan.web.territory.models import Area

    area = (
        Area.objects.filter(territory__code="berlin", level__rank=1, valid_to__isnull=True)
        .annotate(n=Count("children"))
        .order_by("-n", "pk")
        .first()
    )
    if area is None:
        raise SystemExit("the demo has no Berlin districts")
    return area.pk


def _round() -> int:
    """The allocation round with the most applications (the heaviest round pages)."""
    from django.db.models import Count

    from kitaplan.web.allocation.models import AllocationRound

    found = (
        AllocationRound.objects.annotate(n=Count("applications"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise SystemExit("the demo has no allocation round")
    return int(found)


def _run() -> int:
    """The latest run of :func:`_round`."""
    from kitaplan.web.allocation.models import AllocationRun

    found = (
        AllocationRun.objects.filter(round_id=_round())
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise SystemExit("the demo's round has no run")
    return int(found)


def _finest_balance() -> str:
    """The balance of Berlin at its finest level (the longest balance page)."""
    from kitaplan.web.territory.models import AreaLevel

    level = AreaLevel.objects.filter(territory__code="berlin").order_by("-rank").first()
    if level is None:
        raise SystemExit("the demo has no Berlin levels")
    return f"/planning/?territory=berlin&level={level.code}"


def _district_report() -> str:
    """The development report (PDF) of the largest Berlin district."""
    from kitaplan.web.territory.models import Area

    code = Area.objects.get(pk=_largest_district()).official_code
    return f"/monitoring/report.pdf?territory=berlin&district={code}"


REFERENCE = Page("reference: about page", "/about/", None)

#: The pages and exports timed; other benchmarks' owners append theirs here.
PAGES: list[Page] = [
    # public Kita-Finder (anonymous visitors)
    Page("finder: first visit", "/finder/", None),
    Page(
        "finder: Berlin, under 3, integration",
        "/finder/?territory=berlin&age_group=u3&integration=on",
        None,
    ),
    Page("finder: Berlin, childminders", "/finder/?territory=berlin&kind=childminder", None),
    Page("finder: Berlin, by address", _finder_address(), None),
    Page("finder: Berlin, by address, page 20", _finder_address("&page=20"), None),
    Page("finder: Dresden, barrier-free", "/finder/?territory=dresden&barrier_free=on", None),
    # facilities
    Page("facilities: list", "/facilities/", "planung"),
    Page("facilities: list, Berlin, page 10", "/facilities/?territory=berlin&page=10", "planung"),
    Page("facilities: list, search", "/facilities/?q=kita", "planung"),
    Page("facilities: map points", "/facilities/map.geojson", "planung"),
    Page("facilities: CSV export", "/facilities/?format=csv", "planung"),
    Page("facilities: Excel export", "/facilities/?format=xlsx", "planung"),
    Page("facilities: GeoJSON export", "/facilities/?format=geojson", "planung"),
    Page(
        "facilities: detail",
        lambda: f"/facilities/{_pk('facilities.Facility', territory__code='berlin')}/",
        "planung",
    ),
    Page("facilities: list as Kita manager", "/facilities/", "kita"),
    # areas
    Page("areas: list", "/areas/", "planung"),
    Page("areas: list, districts", "/areas/?territory=berlin&level=bezirk", "planung"),
    Page("areas: map", "/areas/map.geojson?territory=berlin", "planung"),
    Page("areas: CSV export", "/areas/?format=csv", "planung"),
    Page("areas: GeoJSON export", "/areas/?format=geojson", "planung"),
    Page("areas: district detail", lambda: f"/areas/{_largest_district()}/", "planung"),
    Page(
        "areas: district map with facilities",
        lambda: f"/areas/map.geojson?area={_largest_district()}&facilities=1",
        "planung",
    ),
    # import history
    Page("imports: history", "/imports/", "planung"),
    Page("imports: history CSV", "/imports/?format=csv", "planung"),
    # allocation office (the Berlin round with the most applications)
    Page(
        "allocation: round statistics",
        lambda: f"/allocation/round/{_round()}/statistics/",
        "vergabe",
    ),
    Page(
        "allocation: round statistics CSV",
        lambda: f"/allocation/round/{_round()}/statistics/?format=csv",
        "vergabe",
    ),
    Page(
        "allocation: applications", lambda: f"/allocation/round/{_round()}/applications/", "vergabe"
    ),
    Page(
        "allocation: applications, accepted, page 2",
        lambda: f"/allocation/round/{_round()}/applications/?status=accepted&page=2",
        "vergabe",
    ),
    Page(
        "allocation: applications CSV",
        lambda: f"/allocation/round/{_round()}/applications/?format=csv",
        "vergabe",
    ),
    Page("allocation: run", lambda: f"/allocation/run/{_run()}/", "vergabe"),
    Page("allocation: rounds", "/allocation/", "vergabe"),
    Page(
        "allocation: an application",
        lambda: f"/allocation/application/{_pk('allocation.Application', round_id=_round())}/",
        "vergabe",
    ),
    Page("allocation: my applications (parent)", "/allocation/my/", "eltern"),
    # planning (the planner's pages of the load scenario)
    Page("start page (planner)", "/", "planung"),
    Page("planning: balance", "/planning/", "planung"),
    Page("planning: balance, Berlin, finest level", _finest_balance, "planung"),
    Page("planning: targets", "/planning/targets/?territory=berlin", "planung"),
    Page("planning: forecast", "/planning/forecast/?territory=berlin", "planung"),
    Page("planning: close to home", "/planning/accessibility/?territory=berlin", "planung"),
    Page("monitoring: district report PDF", _district_report, "planung"),
    Page("finder: easy language", "/finder/leichte-sprache/", None),
    # monitoring
    Page("monitoring: index", "/monitoring/?territory=berlin", "planung"),
    Page("monitoring: index map", "/monitoring/map.geojson?territory=berlin", "planung"),
    Page("monitoring: indicators", "/monitoring/indicators/?territory=berlin", "planung"),
    Page("monitoring: alerts", "/monitoring/alerts/?territory=berlin", "planung"),
    Page("monitoring: facility index", "/monitoring/facilities/?territory=berlin", "planung"),
    # budget
    Page("budget: overview", "/budget/", "planung"),
    Page("budget: run", "/budget/run/", "planung"),
    Page("budget: shares", "/budget/shares/", "planung"),
    Page("budget: evaluation", "/budget/evaluation/", "planung"),
]


def load_demo(env: dict[str, str]) -> None:
    print("loading the demo (kitaplan demo, about a minute) …", flush=True)
    subprocess.run(
        [str(Path(sys.executable).parent / "kitaplan"), "demo"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(args: argparse.Namespace, tmp: str) -> None:
    """Point the settings at the demo's data (loading it first where needed)."""
    data_dir = Path(args.data_dir) if args.data_dir else Path(tmp)
    env = {**os.environ, "KITAPLAN_DATA_DIR": str(data_dir)}
    if args.postgres:
        env["DATABASE_URL"] = args.postgres
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitaplan.web.settings")
    import django

    django.setup()
    from django.db.utils import DatabaseError

    from kitaplan.web.territory.models import Territory

    try:
        loaded = Territory.objects.exists()
    except DatabaseError:  # no tables yet
        loaded = False
    if not loaded:
        load_demo(env)


def time_pages(pages: list[Page], repeat: int) -> dict[str, tuple[list[float], list[float], int]]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients: dict[str | None, Client] = {}
    for user in {p.user for p in pages}:
        client = Client()
        if user is not None:
            client.force_login(User.objects.get(username=user))
        clients[user] = client
    urls = {p.name: p.url() if callable(p.url) else p.url for p in pages}
    queries: dict[str, int] = {}
    for page in pages:  # warm-up, status and the query count of one request
        with CaptureQueriesContext(connection) as captured:
            response = clients[page.user].get(urls[page.name])
        if response.status_code != 200:
            raise SystemExit(f"{page.name}: {urls[page.name]} answered {response.status_code}")
        queries[page.name] = len(captured)
    times: dict[str, list[float]] = {p.name: [] for p in pages}
    cpu: dict[str, list[float]] = {p.name: [] for p in pages}
    for _round in range(repeat):
        for page in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = clients[page.user].get(urls[page.name])
            if hasattr(response, "streaming_content"):
                for _chunk in response.streaming_content:
                    pass
            times[page.name].append(time.perf_counter() - started)
            cpu[page.name].append(time.process_time() - started_cpu)
    return {name: (values, cpu[name], queries[name]) for name, values in times.items()}


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="reuse the demo in this data directory")
    parser.add_argument("--postgres", help="a PostgreSQL URL (DATABASE_URL) instead of SQLite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", nargs="*", default=[], help="pages whose name contains this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kitaplan-pages-") as tmp:
        prepare(args, tmp)
        pages = [p for p in PAGES if not args.only or any(s in p.name for s in args.only)]
        results = time_pages([REFERENCE, *pages], max(args.repeat, 1))
    from django.db import connection

    reference = statistics.median(results[REFERENCE.name][0])
    print(
        f"database: {connection.vendor}; {max(args.repeat, 1)} requests per page; "
        f"load average {os.getloadavg()[0]:.1f} (a shared machine: compare within one run)"
    )
    width = max(len(p.name) for p in [REFERENCE, *pages])
    print(f"{'page':<{width}}  median ms    p95 ms  queries  × reference  CPU ms")
    for page in [REFERENCE, *pages]:
        values, cpu, queries = results[page.name]
        median = statistics.median(values)
        print(
            f"{page.name:<{width}}  {median * 1000:9.1f} {p95(values) * 1000:9.1f}"
            f"  {queries:7d}  {median / reference:10.1f}  {statistics.median(cpu) * 1000:6.1f}"
        )


if __name__ == "__main__":
    main()
