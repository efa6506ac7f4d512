"""An allocation run and its chances through the real worker on PostgreSQL (skipped on
SQLite): the page queues the run's job, a ``kitaplan worker`` subprocess computes and stores
the run, and the job's page links to it; the application page queues the chances, the same
worker draws and stores them, and the page shows them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from kitaplan.web.allocation.models import AllocationRun, RunChances
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.models import Job, JobStatus
from tests.web.allocation.helpers import apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.jobs.test_worker import start_worker, status, wait_until, worker_env

__all__ = ["start_worker", "worker_env"]  # the fixtures of the jobs app's worker tests

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the real worker needs the PostgreSQL queue"
    ),
]


def test_the_worker_computes_the_run_queued_by_the_page(start_worker, client):
    city = make_city()
    round_ = make_round(city)
    anna = apply(round_, city, "Anna", ["F1", "F2"])
    apply(round_, city, "Ben", ["F1"])
    office = make_user("office", Role.ALLOCATION_OFFICE)
    client.login(username=office.username, password=PASSWORD)
    response = client.post(reverse("allocation:round-run", args=[round_.pk]))
    job = Job.objects.get(kind="allocation.run")
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert status(job) == JobStatus.QUEUED and not AllocationRun.objects.exists()
    start_worker()
    wait_until(lambda: status(job) in {JobStatus.SUCCEEDED, JobStatus.FAILED}, "the run job")
    assert (job.status, job.error_code) == (JobStatus.SUCCEEDED, "")
    run = AllocationRun.objects.get(round=round_)
    assert job.result_id == str(run.pk) and len(run.result["assignment"]) == 2
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert f'href="{reverse("allocation:run-detail", args=[run.pk])}"' in page

    detail = reverse("allocation:application-detail", args=[anna.pk]) + f"?run={run.pk}&chances=1"
    assert "Hintergrundauftrag" in client.get(detail).content.decode()
    chances = Job.objects.get(kind="allocation.chances")
    wait_until(lambda: status(chances) in {JobStatus.SUCCEEDED, JobStatus.FAILED}, "the chances")
    assert (chances.status, chances.error_code) == (JobStatus.SUCCEEDED, "")
    assert RunChances.objects.get(run=run).draws == 200
    page = client.get(detail).content.decode()
    assert "Kita F1" in page and "Hintergrundauftrag" not in page
