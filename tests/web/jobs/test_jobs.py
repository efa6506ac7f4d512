"""Background jobs run eagerly (the same wrapper and state changes as the worker): the page,
success with the result in one transaction, failure worded in German, retry, recovery of a
dead worker's job, the restart of the embedded queue, and large imports as jobs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.jobs.services import (
    Recovery,
    enqueue,
    fail_interrupted_by_restart,
    recover_interrupted,
)
from kitaplan.web.jobs.testkinds import HALF_TYPE, WAIT_FOR_FILE, register_test_kinds
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_kinds() -> None:
    register_test_kinds()


def halves(job: Job) -> set[str]:
    return set(
        AuditEvent.objects.filter(target_type=HALF_TYPE).values_list("target_id", flat=True)
    ) & {f"{job.pk}-first", f"{job.pk}-second"}


def waiting_job(tmp_path: Path, user, *, wait_s: float = 5) -> Job:  # type: ignore[no-untyped-def]
    return enqueue(
        kind=WAIT_FOR_FILE,
        actor=user,
        parameters={"folder": str(tmp_path), "wait_s": wait_s},
    )


def test_a_job_stores_its_whole_result_with_the_status_succeeded(client, tmp_path):
    user = make_user("planerin", Role.PLANNER)
    (tmp_path / "go").write_text("go")
    job = waiting_job(tmp_path, user)
    assert (job.status, job.progress, job.attempts) == (JobStatus.SUCCEEDED, 100, 1)
    assert halves(job) == {f"{job.pk}-first", f"{job.pk}-second"}
    actions = list(
        AuditEvent.objects.filter(target_type="jobs.job", target_id=str(job.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["job.queued", "job.succeeded"]
    client.login(username="planerin", password=PASSWORD)
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert "erledigt" in page and 'value="100"' in page and 'hx-trigger="every 2s"' not in page


def test_a_failed_job_shows_its_german_error_leaves_nothing_and_can_be_retried(client, tmp_path):
    user = make_user("planerin", Role.PLANNER)
    job = waiting_job(tmp_path, user, wait_s=0)  # no "go" file: the work gives up
    assert job.status == JobStatus.FAILED and job.error_code == "test_timeout"
    assert halves(job) == set()  # the first half was rolled back with the transaction
    client.login(username="planerin", password=PASSWORD)
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert "fehlgeschlagen" in page and "Erneut versuchen" in page
    assert reverse("jobs:job-retry", args=[job.pk]) in page
    (tmp_path / "go").write_text("go")
    response = client.post(reverse("jobs:job-retry", args=[job.pk]))
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.error_code == ""
    assert halves(job) == {f"{job.pk}-first", f"{job.pk}-second"}
    assert AuditEvent.objects.filter(action="job.retried", target_id=str(job.pk)).exists()


def test_an_open_job_polls_and_works_without_javascript(client):
    user = make_user("planerin", Role.PLANNER)
    job = Job.objects.create(
        kind=WAIT_FOR_FILE, actor=user, actor_label=user.username, progress=40, step="started"
    )
    client.login(username="planerin", password=PASSWORD)
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and reverse("jobs:job-status", args=[job.pk]) in page
    assert '<progress id="job-progress" max="100" value="40">' in page
    assert 'aria-live="polite"' in page and 'http-equiv="refresh"' in page
    part = client.get(reverse("jobs:job-status", args=[job.pk])).content.decode()
    assert "<html" not in part and 'hx-trigger="every 2s"' in part


def test_only_the_actor_and_administrators_see_a_job(client, tmp_path):
    owner = make_user("planerin", Role.PLANNER)
    make_user("planer2", Role.PLANNER)
    make_user("admin", Role.ADMIN)
    job = waiting_job(tmp_path, owner, wait_s=0)
    client.login(username="planer2", password=PASSWORD)
    assert client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:job-retry", args=[job.pk])).status_code == 404
    client.login(username="admin", password=PASSWORD)
    assert client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 200


def test_a_dead_workers_job_is_queued_again_once_then_failed_in_german(client):
    user = make_user("planerin", Role.PLANNER)
    job = Job.objects.create(
        kind=WAIT_FOR_FILE, actor=user, actor_label="planerin", status="running", attempts=1
    )
    assert recover_interrupted(int(job.pk)) is Recovery.RETRY
    job.refresh_from_db()
    assert (job.status, job.step) == (JobStatus.QUEUED, "requeued")
    Job.objects.filter(pk=job.pk).update(status="running", attempts=2)
    assert recover_interrupted(int(job.pk)) is Recovery.FAIL
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "interrupted")
    assert recover_interrupted(int(job.pk)) is Recovery.DONE
    client.login(username="planerin", password=PASSWORD)
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert "unterbrochen" in page


def test_a_restart_of_the_embedded_queue_fails_its_open_jobs():
    user = make_user("planerin", Role.PLANNER)
    open_job = Job.objects.create(kind=WAIT_FOR_FILE, actor=user, actor_label="planerin")
    done = Job.objects.create(
        kind=WAIT_FOR_FILE, actor=user, actor_label="planerin", status="succeeded"
    )
    assert fail_interrupted_by_restart() == 1
    open_job.refresh_from_db()
    done.refresh_from_db()
    assert (open_job.status, open_job.error_code) == (JobStatus.FAILED, "restart")
    assert done.status == JobStatus.SUCCEEDED


HEADER = "official_number;name;provider_number;lat;lon;places_u3;places_ue3;integration_places\n"


def test_an_import_over_the_threshold_is_checked_and_imported_as_jobs(client, tmp_path, settings):
    settings.KITAPLAN_IMPORT_JOB_THRESHOLD_KB = 0
    city = make_city()
    make_user("planerin", Role.PLANNER)
    client.login(username="planerin", password=PASSWORD)
    path = tmp_path / "eine-kita.csv"
    path.write_text(HEADER + "F1;Kita F1 neu;P1;52.005;13.005;10;20;2\n", encoding="utf-8")
    with path.open("rb") as handle:
        data = {"territory": city.territory.pk, "kind": "facilities", "file": handle}
        response = client.post(reverse("imports:import-new"), data)
    check = Job.objects.get(kind="imports.check")
    assert response["Location"] == reverse("jobs:job-detail", args=[check.pk])
    run = ImportRun.objects.get()
    assert (check.status, check.result_type, check.result_id) == (
        JobStatus.SUCCEEDED,
        "imports.importrun",
        str(run.pk),
    )
    assert "name" not in check.parameters and "file" not in check.parameters  # ids and flags
    page = client.get(reverse("jobs:job-detail", args=[check.pk])).content.decode()
    assert reverse("imports:import-detail", args=[run.pk]) in page
    assert run.status == "dry_run" and Facility.objects.get(official_number="F1").name == "Kita F1"
    response = client.post(reverse("imports:import-confirm", args=[run.pk]))
    imported = Job.objects.get(kind="imports.import")
    assert response["Location"] == reverse("jobs:job-detail", args=[imported.pk])
    done = ImportRun.objects.exclude(pk=run.pk).get()
    assert imported.status == JobStatus.SUCCEEDED and imported.result_id == str(done.pk)
    assert (done.status, done.changed) == ("succeeded", 1)
    assert Facility.objects.get(official_number="F1").name == "Kita F1 neu"


def test_a_small_import_stays_inline(client, tmp_path):
    city = make_city()
    make_user("planerin", Role.PLANNER)
    client.login(username="planerin", password=PASSWORD)
    path = tmp_path / "eine-kita.csv"
    path.write_text(HEADER + "F1;Kita F1 neu;P1;52.005;13.005;10;20;2\n", encoding="utf-8")
    with path.open("rb") as handle:
        data = {"territory": city.territory.pk, "kind": "facilities", "file": handle}
        response = client.post(reverse("imports:import-new"), data)
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("imports:import-detail", args=[run.pk])
    assert not Job.objects.exists()
