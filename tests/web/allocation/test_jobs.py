"""Allocation runs as background jobs, run eagerly (the same wrapper as the worker): the page
queues the job and shows its page, which links to the stored run; a refusal of the service is
worded in German and "Try again" computes the run once the round is fixed; the run and the
job's status "succeeded" commit in one transaction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.allocation.models import AllocationRound, AllocationRun, RoundProgramme
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.context import JobContext
from kitaplan.web.jobs.models import Job, JobStatus
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


def test_only_the_office_queues_a_run(client, city):
    round_ = make_round(city)
    planner = make_user("planerin", Role.PLANNER)
    client.login(username=planner.username, password=PASSWORD)
    response = client.post(reverse("allocation:round-run", args=[round_.pk]))
    assert response.status_code in {403, 404}
    assert not Job.objects.exists()
