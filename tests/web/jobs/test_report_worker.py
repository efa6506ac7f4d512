"""A payment run and the committee report through the real worker on PostgreSQL (skipped on
SQLite): queued from the pages, worked by a subprocess ``kitaplan worker``; the run is stored
with its lines and the PDF lies in the storage for its download."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.payments.models import PaymentLineRecord, PaymentRun
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.jobs.test_worker import start_worker, status, wait_until, worker_env
from tests.web.payments.helpers import make_childminder, make_contract, upload_table

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the real worker needs the PostgreSQL queue"
    ),
]
__all__ = ["start_worker", "worker_env"]  # the fixtures of the worker's tests


def test_the_worker_computes_a_payment_run_and_renders_the_committee_report(start_worker, client):
    city = make_city()
    make_contract(make_childminder(city, "T1"), "K1")
    upload_table(city)
    make_user("kasse", Role.PAYMENT_OFFICE)
    client.login(username="kasse", password=PASSWORD)
    client.post(reverse("payments:overview") + "?territory=testcity", {"month": "2026-10"})
    make_user("planerin", Role.PLANNER)
    client.login(username="planerin", password=PASSWORD)
    client.post(reverse("planning:balance-pdf-job") + "?territory=testcity&level=district")
    payment = Job.objects.get(kind="payments.run")
    report = Job.objects.get(kind="planning.committee_pdf")
    assert (status(payment), status(report)) == (JobStatus.QUEUED, JobStatus.QUEUED)
    start_worker()
    done = {JobStatus.SUCCEEDED, JobStatus.FAILED}
    wait_until(lambda: status(payment) in done and status(report) in done, "the two jobs")
    assert (payment.status, payment.error_code) == (JobStatus.SUCCEEDED, "")
    run = PaymentRun.objects.get(pk=int(payment.result_id))
    assert run.month == "2026-10" and PaymentLineRecord.objects.filter(run=run).exists()
    assert (report.status, report.error_code) == (JobStatus.SUCCEEDED, "")
    response = client.get(reverse("planning:balance-pdf-file", args=[report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
