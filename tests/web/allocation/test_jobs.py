"""Allocation runs and chances as background jobs, run eagerly (the same wrapper as the
worker) unless a test queues them: the page queues the run's job and shows its page, which
links to the stored run; a refusal of the service is worded in German and "Try again" computes
the run once the round is fixed; the run and the job's status "succeeded" commit in one
transaction. The chances of a run are drawn by one job per run, never in a request: the page
says they are being computed, polls, and shows the stored figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.allocation import chances as allocation_chances
from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    RoundProgramme,
    RunChances,
)
from kitaplan.web.allocation.services import run_round
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.context import JobContext
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.jobs.services import run_job
from tests.web.allocation.helpers import apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def office(client):
    user = make_user("office", Role.ALLOCATION_OFFICE)
    client.login(username=user.username, password=PASSWORD)
    return user


def compute(client, round_: AllocationRound) -> Job:
    response = client.post(reverse("allocation:round-run", args=[round_.pk]))
    job = Job.objects.filter(kind="allocation.run").latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    return job


def test_the_run_button_queues_a_job_whose_page_links_to_the_stored_run(client, city, office):
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1", "F2"])
    apply(round_, city, "Ben", ["F1"])
    job = compute(client, round_)
    run = AllocationRun.objects.get(round=round_)
    assert (job.status, job.result_type, job.result_id) == (
        JobStatus.SUCCEEDED,
        "allocation.allocationrun",
        str(run.pk),
    )
    assert job.actor == office and job.territory_id == round_.territory_id
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert f'href="{reverse("allocation:run-detail", args=[run.pk])}"' in page
    assert AuditEvent.objects.filter(action="allocation.run", target_id=str(run.pk)).exists()
    # after the offers are out, the same button computes a follow-up run as a job
    client.post(reverse("allocation:run-publish", args=[run.pk]))
    follow = compute(client, round_)
    second = AllocationRun.objects.get(round=round_, number=2)
    assert (second.kind, follow.result_id) == (AllocationRun.FOLLOW_UP, str(second.pk))


def test_a_round_without_places_fails_in_german_and_try_again_computes_it(client, city, office):
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1"])
    RoundProgramme.objects.filter(round=round_).delete()
    job = compute(client, round_)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "allocation_no_programmes")
    assert not AllocationRun.objects.exists()
    round_.refresh_from_db()
    assert round_.lottery_seed is None  # the refused run drew nothing
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert "Die Runde gibt noch keine Plätze frei." in page
    assert reverse("jobs:job-retry", args=[job.pk]) in page

    RoundProgramme.objects.create(
        round=round_, facility=city.facilities[0], age_group="u3", capacity=1
    )
    response = client.post(reverse("jobs:job-retry", args=[job.pk]))
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    job.refresh_from_db()
    run = AllocationRun.objects.get(round=round_)
    assert (job.status, job.result_id, job.error_code) == (JobStatus.SUCCEEDED, str(run.pk), "")


def test_the_run_and_the_succeeded_job_commit_together(client, city, office, monkeypatch):
    """A failure after ``succeed`` inside the run's transaction leaves neither the run nor a
    succeeded job (nor the lottery seed drawn in that transaction)."""
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1"])
    succeed = JobContext.succeed

    def succeed_then_crash(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        succeed(self, *args, **kwargs)
        assert Job.objects.get(pk=self.job.pk).status == JobStatus.SUCCEEDED
        assert AllocationRun.objects.filter(round=round_).exists()  # same transaction
        raise RuntimeError("the worker's machine is lost")

    monkeypatch.setattr(JobContext, "succeed", succeed_then_crash)
    job = compute(client, round_)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "internal")
    assert not AllocationRun.objects.exists()
    assert not AuditEvent.objects.filter(action="allocation.run").exists()
    round_.refresh_from_db()
    assert round_.lottery_seed is None


def test_a_second_click_while_the_run_is_queued_queues_no_second_run(
    client, city, office, settings
):
    settings.KITAPLAN_JOBS_EAGER = False
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1"])
    first = compute(client, round_)
    again = compute(client, round_)
    assert again.pk == first.pk and first.status == JobStatus.QUEUED
    colleague = make_user("office2", Role.ALLOCATION_OFFICE)
    client.login(username=colleague.username, password=PASSWORD)
    assert compute(client, round_).pk != first.pk  # a colleague cannot see the first job
    run_job(int(first.pk))
    first.refresh_from_db()
    assert first.status == JobStatus.SUCCEEDED
    client.login(username=office.username, password=PASSWORD)
    assert compute(client, round_).pk != first.pk  # a finished job is not reused


def test_only_the_office_queues_a_run(client, city):
    round_ = make_round(city)
    planner = make_user("planerin", Role.PLANNER)
    client.login(username=planner.username, password=PASSWORD)
    response = client.post(reverse("allocation:round-run", args=[round_.pk]))
    assert response.status_code in {403, 404}
    assert not Job.objects.exists()


# --- chances --------------------------------------------------------------------------------


def run_with(city) -> tuple[AllocationRun, Application, Application]:  # type: ignore[no-untyped-def]
    round_ = make_round(city)
    anna = apply(round_, city, "Anna", ["F1", "F2"])
    ben = apply(round_, city, "Ben", ["F1", "F2"])
    return run_round(round_=round_, actor=SYSTEM), anna, ben


def chances_page(client, app: Application, run: AllocationRun) -> str:
    url = reverse("allocation:application-detail", args=[app.pk])
    response = client.get(f"{url}?run={run.pk}&chances=1")
    assert response.status_code == 200
    return response.content.decode()


def chance_jobs() -> list[Job]:
    return list(Job.objects.filter(kind="allocation.chances"))


def no_draws_here(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("a request drew the lottery")


def test_chances_are_queued_once_per_run_and_shown_when_the_job_stored_them(
    client, city, office, settings, monkeypatch
):
    settings.KITAPLAN_JOBS_EAGER = False  # the job waits for a worker
    run, anna, ben = run_with(city)
    monkeypatch.setattr(allocation_chances, "estimate_chances", no_draws_here)
    page = chances_page(client, anna, run)
    assert "Die Chancen werden in einem Hintergrundauftrag berechnet" in page
    status_url = reverse("allocation:run-chances-status", args=[run.pk])
    assert f'hx-get="{status_url}"' in page
    chances_page(client, anna, run)  # a reload
    chances_page(client, ben, run)  # another child of the same run
    [job] = chance_jobs()
    assert (job.status, job.parameters, job.actor) == (JobStatus.QUEUED, {"run": run.pk}, office)
    polled = client.get(status_url)
    assert "HX-Refresh" not in polled and 'hx-trigger="every 2s"' in polled.content.decode()
    other_run = run_round(round_=run.round, actor=SYSTEM)  # nothing queued for it yet
    other_status = reverse("allocation:run-chances-status", args=[other_run.pk])
    assert client.get(other_status)["HX-Refresh"] == "true"  # the page reloads and queues
    assert len(chance_jobs()) == 1

    monkeypatch.undo()  # the worker draws
    run_job(int(job.pk))
    job.refresh_from_db()
    stored = RunChances.objects.get(run=run)
    assert (job.status, job.result_id) == (JobStatus.SUCCEEDED, str(stored.pk))
    assert stored.draws == 200
    hits = stored.hits[anna.reference]
    assert [f for f, _ in hits["f"]] == ["F1", "F2"]
    assert sum(h for _, h in hits["f"]) + hits["u"] == 200
    # both children compete for F1 (one place each): the hits at F1 sum to the draws
    assert hits["f"][0][1] + stored.hits[ben.reference]["f"][0][1] == 200
    assert client.get(status_url)["HX-Refresh"] == "true"

    monkeypatch.setattr(allocation_chances, "estimate_chances", no_draws_here)
    page = chances_page(client, anna, run)
    assert "über 200 Ziehungen" in page
    assert "Kita F1" in page and "Hintergrundauftrag" not in page
    assert len(chance_jobs()) == 1
    job_page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert f'href="{reverse("allocation:run-detail", args=[run.pk])}"' in job_page


def test_eager_chances_show_at_once_and_are_computed_once(client, city, office):
    run, anna, ben = run_with(city)
    page = chances_page(client, anna, run)
    assert "Kita F1" in page and "Hintergrundauftrag" not in page
    chances_page(client, ben, run)
    [job] = chance_jobs()
    assert job.status == JobStatus.SUCCEEDED and RunChances.objects.filter(run=run).count() == 1


def test_a_failed_chances_job_is_worded_and_tried_again_on_request(
    client, city, office, monkeypatch
):
    run, anna, _ben = run_with(city)
    monkeypatch.setattr(allocation_chances, "estimate_chances", no_draws_here)  # the job fails
    page = chances_page(client, anna, run)
    [job] = chance_jobs()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "internal")
    assert "Die Chancen konnten nicht berechnet werden." in page
    assert "wegen eines unerwarteten Fehlers fehlgeschlagen" in page
    chances_page(client, anna, run)
    assert len(chance_jobs()) == 1  # a failed job is not queued again by a view
    monkeypatch.undo()
    again = reverse("allocation:application-chances", args=[anna.pk]) + f"?run={run.pk}"
    response = client.post(again)
    assert response.status_code == 302 and "chances=1" in response["Location"]
    assert len(chance_jobs()) == 2 and RunChances.objects.filter(run=run).exists()
    assert "Kita F1" in client.get(response["Location"]).content.decode()


def test_the_chances_and_the_succeeded_job_commit_together(client, city, office, monkeypatch):
    run, anna, _ben = run_with(city)
    succeed = JobContext.succeed

    def succeed_then_crash(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        succeed(self, *args, **kwargs)
        raise RuntimeError("the worker's machine is lost")

    monkeypatch.setattr(JobContext, "succeed", succeed_then_crash)
    chances_page(client, anna, run)
    [job] = chance_jobs()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "internal")
    assert not RunChances.objects.exists()
