"""The close-to-home figures on a population grid through the real worker on PostgreSQL
(skipped on SQLite): the page queues the job, a ``kitaplan worker`` subprocess computes and
stores the figures, and the page shows them without a second job."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.services import import_file
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.planning.accessibility_jobs import GRID_ACCESSIBILITY
from kitaplan.web.planning.accessibility_models import GridAccessibility
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.jobs.test_worker import start_worker, status, wait_until, worker_env
from tests.web.planning.test_accessibility_page import set_centroids
from tests.web.planning.test_population_grid import GRID, write

__all__ = ["start_worker", "worker_env"]  # the fixtures of the jobs app's worker tests

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the real worker needs the PostgreSQL queue"
    ),
]


def test_the_worker_computes_the_grid_figures_queued_by_the_page(
    start_worker, client, tmp_path: Path
):
    city = make_city()
    set_centroids()
    import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "raster.csv", GRID),
        actor=SYSTEM,
    )
    planner = make_user("planer", Role.PLANNER)
    client.login(username=planner.username, password=PASSWORD)
    url = reverse("planning:accessibility") + "?points=grid"
    assert "Hintergrundauftrag" in client.get(url).content.decode()
    job = Job.objects.get(kind=GRID_ACCESSIBILITY)
    assert status(job) == JobStatus.QUEUED and not GridAccessibility.objects.exists()
    start_worker()
    wait_until(lambda: status(job) in {JobStatus.SUCCEEDED, JobStatus.FAILED}, "the grid job")
    assert (job.status, job.error_code) == (JobStatus.SUCCEEDED, "")
    stored = GridAccessibility.objects.get()
    assert job.result_id == str(stored.pk) and len(stored.result["rows"]) == 4
    page = client.get(url).content.decode()
    assert "Hintergrundauftrag" not in page and "besiedelten Rasterzellen" in page
    assert Job.objects.filter(kind=GRID_ACCESSIBILITY).count() == 1
