"""A report job reads the report's data from the read replica, like the report's direct URL
(core.routers); the job's own rows are written on the default database. The replica is the
second alias on the same test database of ``tests/web/core/test_replica.py``."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitaplan.web.core.roles import Role
from kitaplan.web.core.routers import REPLICA
from kitaplan.web.jobs.models import Job, JobStatus
from tests.web.core.test_replica import replica
from tests.web.factories import make_city, make_user

__all__ = ["replica"]  # the module-scoped alias fixture


def _statements(queries: CaptureQueriesContext, verb: str) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(verb)
    ]


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_the_committee_report_job_reads_its_data_from_the_replica(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    make_city()
    client.force_login(make_user("planner", Role.PLANNER))
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        client.post(reverse("planning:balance-pdf-job") + "?territory=testcity&level=district")
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED
    population = 'FROM "territory_populationcount"'
    assert any(population in sql for sql in _statements(on_replica, "SELECT"))
    assert not any(population in sql for sql in _statements(on_default, "SELECT"))
    assert not _statements(on_replica, "UPDATE") and not _statements(on_replica, "INSERT")
    assert any('"jobs_job"' in sql for sql in _statements(on_default, "UPDATE"))
