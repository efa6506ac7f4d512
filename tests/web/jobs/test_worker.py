"""Jobs through the real worker on PostgreSQL (skipped on SQLite): a subprocess
``kitaplan worker`` finishes an import job, and a worker killed with SIGKILL mid-job loses
nothing: the next worker runs the job again and it ends succeeded, never half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.health import register_check
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.jobs import queue_check
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.jobs.services import enqueue
from kitaplan.web.jobs.testkinds import HALF_TYPE, WAIT_FOR_FILE, register_test_kinds
from kitaplan.web.jobs.worker import worker_alive
from tests.web.factories import make_city, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the real worker needs the PostgreSQL queue"
    ),
]


@pytest.fixture
def worker_env(settings, tmp_path: Path) -> dict[str, str]:
    settings.KITAPLAN_JOBS_EAGER = False
    settings.MEDIA_ROOT = tmp_path / "uploads"  # the worker's data directory is tmp_path
    register_test_kinds()
    register_check("worker", worker_alive)  # as JobsConfig.ready does (other tests replace it)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return os.environ | {
        "DATABASE_URL": url,
        "KITAPLAN_DATA_DIR": str(tmp_path),
        "KITAPLAN_JOB_TEST_KINDS": "1",
        "KITAPLAN_WORKER_HEARTBEAT_SECONDS": "0.5",
        "KITAPLAN_WORKER_STALLED_SECONDS": "2",
    }


@pytest.fixture
def start_worker(
    worker_env: dict[str, str], tmp_path: Path
) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "kitaplan.cli", "worker"],
            env=worker_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def status(job: Job) -> str:
    job.refresh_from_db()
    return job.status


def test_the_worker_runs_an_import_job(start_worker, tmp_path, client):
    city = make_city()
    user = make_user("planerin", Role.PLANNER)
    path = tmp_path / "eine-kita.csv"
    path.write_text(
        "official_number;name;provider_number;lat;lon;places_u3;places_ue3;integration_places\n"
        "F1;Kita F1 neu;P1;52.005;13.005;10;20;2\n",
        encoding="utf-8",
    )
    job = queue_check(
        territory=city.territory,
        kind="facilities",
        path=path,
        actor=user,
        mapping_name=None,
        effective_day=None,
        complete_list=False,
    )
    assert status(job) == JobStatus.QUEUED
    start_worker()
    wait_until(lambda: status(job) in {JobStatus.SUCCEEDED, JobStatus.FAILED}, "the job")
    assert (job.status, job.error_code) == (JobStatus.SUCCEEDED, "")
    run = ImportRun.objects.get(pk=int(job.result_id))
    assert (run.status, run.changed) == ("dry_run", 1)
    health = client.get(reverse("healthz")).json()
    assert health["checks"]["worker"] == "ok"


def test_a_job_of_a_killed_worker_runs_again_and_is_never_half_written(start_worker, tmp_path):
    user = make_user("planerin", Role.PLANNER)
    folder = tmp_path / "wait"
    folder.mkdir()
    job = enqueue(kind=WAIT_FOR_FILE, actor=user, parameters={"folder": str(folder), "wait_s": 60})
    first = start_worker()
    wait_until(lambda: (folder / "started-1").exists(), "the first attempt")
    first.send_signal(signal.SIGKILL)  # mid-job: its transaction holds the first half
    first.wait(timeout=10)
    start_worker()
    wait_until(lambda: (folder / "started-2").exists(), "the second attempt")
    (folder / "go").write_text("go")
    wait_until(lambda: status(job) in {JobStatus.SUCCEEDED, JobStatus.FAILED}, "the job")
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    halves = list(
        AuditEvent.objects.filter(target_type=HALF_TYPE).values_list("target_id", flat=True)
    )
    assert sorted(halves) == [f"{job.pk}-first", f"{job.pk}-second"]  # once each
    retried = AuditEvent.objects.get(action="job.retried", target_id=str(job.pk))
    assert retried.details["reason"] == "interrupted"
