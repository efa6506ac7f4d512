"""Computing a payment run as a background job (issue 14): the overview queues the job, the
job page links the run; the run, its lines and the job's status are written in one
transaction; a refusal is worded in German on the job page and the job can be retried."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.context import JobContext
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.payments import services
from kitaplan.web.payments.models import PaymentLineRecord, PaymentRun, RateTableRecord
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.payments.helpers import make_childminder, make_contract, upload_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    city = make_city()
    cm = make_childminder(city, "T1")
    make_contract(cm, "K1")
    return city


def office(client):
    user = make_user("kasse", Role.PAYMENT_OFFICE)
    client.login(username="kasse", password=PASSWORD)
    return user


def compute(client, city, month: str = "2026-10"):
    url = reverse("payments:overview") + f"?territory={city.territory.code}"
    return client.post(url, {"month": month})


def test_computing_a_month_runs_as_a_job_that_links_the_run(client, city):
    upload_table(city)
    user = office(client)
    response = compute(client, city)
    job = Job.objects.get(kind="payments.run")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    run = PaymentRun.objects.get()
    assert (job.status, job.progress, job.actor_id) == (JobStatus.SUCCEEDED, 100, user.pk)
    assert job.parameters == {"month": "2026-10"} and job.territory_id == city.territory.pk
    assert (job.result_type, job.result_id) == ("payments.paymentrun", str(run.pk))
    assert (run.month, run.version, run.created_by_id) == ("2026-10", 1, user.pk)
    assert PaymentLineRecord.objects.filter(run=run).exists()
    page = client.get(response["Location"]).content.decode()
    assert "erledigt" in page
    assert f'id="job-result" href="{reverse("payments:run", args=[run.pk])}"' in page


def test_a_bad_month_is_refused_by_the_form_before_any_job(client, city):
    upload_table(city)
    office(client)
    response = compute(client, city, month="2026-13")
    assert response.status_code == 200
    assert not Job.objects.exists() and not PaymentRun.objects.exists()


def test_a_refused_month_fails_the_job_in_german_and_the_retry_computes_it(client, city):
    office(client)
    response = compute(client, city)  # no rate table yet
    job = Job.objects.get(kind="payments.run")
    assert (job.status, job.error_code) == (JobStatus.FAILED, "payment_no_tables")
    assert not PaymentRun.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "fehlgeschlagen" in page and "Erneut versuchen" in page
    assert "Laden Sie zuerst eine Satztabelle hoch." in page
    upload_table(city)
    retried = client.post(reverse("jobs:job-retry", args=[job.pk]))
    assert retried.status_code == 302
    job.refresh_from_db()
    run = PaymentRun.objects.get()
    assert (job.status, job.result_id, job.error_code) == (JobStatus.SUCCEEDED, str(run.pk), "")


def test_a_released_month_is_refused_with_its_month_in_the_message(client, city):
    upload_table(city)
    run = services.create_run(territory=city.territory, month="2026-10", actor=SYSTEM)
    services.release_run(run=run, actor=SYSTEM)
    office(client)
    response = compute(client, city, month="2026-09")
    job = Job.objects.get(kind="payments.run")
    assert job.error_code == "payment_month_released"
    assert job.error_params == {"month": "2026-09", "latest": "2026-10"}
    page = client.get(response["Location"]).content.decode()
    assert "2026-09" in page and "2026-10" in page and "fehlgeschlagen" in page
    assert PaymentRun.objects.count() == 1


def test_the_run_and_the_jobs_status_commit_together(client, city, monkeypatch):
    """When marking the job succeeded fails, the run and its lines are not stored either."""
    upload_table(city)
    office(client)

    def broken(self, result=None, *, result_file=""):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(JobContext, "succeed", broken)
    compute(client, city)
    job = Job.objects.get(kind="payments.run")
    assert (job.status, job.error_code) == (JobStatus.FAILED, "internal")
    assert not PaymentRun.objects.exists() and not PaymentLineRecord.objects.exists()


def test_only_the_office_computes_and_sees_the_job(client, city):
    upload_table(city)
    make_user("beraterin", Role.CHILDMINDER_ADVISER)
    client.login(username="beraterin", password=PASSWORD)
    assert compute(client, city).status_code == 403
    assert not Job.objects.exists()
    office(client)
    compute(client, city)
    job = Job.objects.get()
    client.login(username="beraterin", password=PASSWORD)
    assert client.get(reverse("jobs:job-detail", args=[job.pk])).status_code == 404
    assert RateTableRecord.objects.count() == 1
