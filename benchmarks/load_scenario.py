"""The locust scenario of ``benchmarks/load.py``: a working day of kitaplan (not a test).

Run by ``load.py`` as a subprocess (``locust -f benchmarks/load_scenario.py --headless …``), so
that gevent's monkeypatching stays in locust's own process. The concrete URLs come from a JSON
file that ``load.py`` writes before the run from the loaded demo (environment variable
``KITAPLAN_LOAD_URLS``): lists of ``{"url": …, "name": …}`` per kind of page, where ``name`` is
the URL pattern name (``planning:balance``; an export adds its format, ``… [xlsx]``). Locust
groups its statistics by that name, not by the concrete URL.

Three kinds of users, weighted roughly like a working day (most requests come from parents on
the public Kita-Finder):

- ``ParentUser`` (weight 5): anonymous searches in the finder by address and by area, further
  result pages, the page in Leichte Sprache; now and then logs in as ``eltern`` and looks at
  the own applications.
- ``PlannerUser`` (weight 3): logs in as ``planung``; start page, balance (top level and per
  level), targets, forecast, close-to-home, monitoring index, a district's development report
  (PDF), facilities list and a facility's page, the facilities export (Excel).
- ``OfficeUser`` (weight 2): logs in as ``vergabe``; rounds, a round's statistics, a round's
  applications, an application's page.

Every user waits 1–3 s between two pages (no request waits longer than 120 s). A response with a status of 400 or more, or a
redirect where a page was expected (a lost session), counts as a failure named ``HTTP <code>``.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from typing import Any

from locust import HttpUser, between, task
from locust.clients import LocustHttpAdapter
from urllib3.util.retry import Retry

with open(os.environ["KITAPLAN_LOAD_URLS"], encoding="utf-8") as _file:
    URLS: dict[str, Any] = json.load(_file)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
#: A GET that loses its connection (the server closed a kept-alive one just as it was reused)
#: is sent once more on a new connection, as browsers do; a 5xx answer is never repeated.
TIMEOUT_S = 120
RETRY = Retry(total=1, connect=1, read=1, status=0, redirect=0, allowed_methods={"GET"})


class KitaplanUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client.mount("http://", LocustHttpAdapter(pool_manager=None, max_retries=RETRY))

    def visit(self, kind: str) -> None:
        """One page of ``kind`` (a random one of its concrete URLs)."""
        entry = random.choice(URLS[kind])
        with self.client.get(
            entry["url"],
            name=entry["name"],
            allow_redirects=False,
            catch_response=True,
            timeout=TIMEOUT_S,
        ) as response:
            if response.status_code >= 300:
                response.failure(f"HTTP {response.status_code}")

    def log_in(self, username: str) -> bool:
        """Log in the way a browser does: the form's CSRF token, then the POST (302 on success)."""
        page = self.client.get(URLS["login"], name="login", timeout=TIMEOUT_S)
        match = CSRF_INPUT.search(page.text)
        if match is None:
            return False
        with self.client.post(
            URLS["login"],
            data={
                "csrfmiddlewaretoken": match.group(1),
                "username": username,
                "password": URLS["password"],
            },
            headers={"Referer": self.host.rstrip("/") + URLS["login"]},
            name="login",
            timeout=TIMEOUT_S,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code} (login refused)")
                return False
        return True


class ParentUser(KitaplanUser):
    weight = 5
    logged_in = False

    @task(1)
    def finder_start(self) -> None:
        self.visit("finder_start")

    @task(4)
    def search_by_address(self) -> None:
        self.visit("finder_address")

    @task(2)
    def search_by_area(self) -> None:
        self.visit("finder_area")

    @task(2)
    def further_results(self) -> None:
        self.visit("finder_page")

    @task(1)
    def easy_language(self) -> None:
        self.visit("finder_easy")

    @task(1)
    def own_applications(self) -> None:
        if not self.logged_in:
            self.logged_in = self.log_in(URLS["parent"])
            if not self.logged_in:
                return
        self.visit("my_applications")
        if URLS["my_application"]:
            self.visit("my_application")


class PlannerUser(KitaplanUser):
    weight = 3

    def on_start(self) -> None:
        self.log_in(URLS["planner"])

    @task(1)
    def start_page(self) -> None:
        self.visit("home")

    @task(2)
    def balance(self) -> None:
        self.visit("balance")

    @task(3)
    def balance_per_level(self) -> None:
        self.visit("balance_level")

    @task(2)
    def targets(self) -> None:
        self.visit("targets")

    @task(1)
    def forecast(self) -> None:
        self.visit("forecast")

    @task(1)
    def close_to_home(self) -> None:
        self.visit("accessibility")

    @task(2)
    def monitoring(self) -> None:
        self.visit("monitoring")

    @task(1)
    def district_report(self) -> None:
        """Queue a district's development report as the alerts page does, then poll its job
        page twice (1 s apart) as the page's HTMX progress bar does."""
        form = random.choice(URLS["district_report_form"])
        page = self.client.get(form["url"], name=form["name"], timeout=TIMEOUT_S)
        match = CSRF_INPUT.search(page.text)
        if match is None:
            return
        entry = random.choice(URLS["district_report"])
        with self.client.post(
            entry["url"],
            data={"csrfmiddlewaretoken": match.group(1)},
            headers={"Referer": self.host.rstrip("/") + form["url"]},
            name=f"{entry['name']} (queue)",
            timeout=TIMEOUT_S,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")
                return
            job_url = response.headers.get("Location", "")
        for _ in range(2):
            time.sleep(1)
            with self.client.get(
                job_url, name="jobs:job-detail", timeout=TIMEOUT_S, catch_response=True
            ) as response:
                if response.status_code >= 300:
                    response.failure(f"HTTP {response.status_code}")

    @task(2)
    def facilities(self) -> None:
        self.visit("facility_list")

    @task(2)
    def facility(self) -> None:
        self.visit("facility_detail")

    @task(1)
    def export(self) -> None:
        self.visit("facility_export")


class OfficeUser(KitaplanUser):
    weight = 2

    def on_start(self) -> None:
        self.log_in(URLS["office"])

    @task(2)
    def rounds(self) -> None:
        self.visit("round_list")

    @task(2)
    def statistics(self) -> None:
        self.visit("round_statistics")

    @task(3)
    def applications(self) -> None:
        self.visit("application_list")

    @task(4)
    def application(self) -> None:
        self.visit("application_detail")
