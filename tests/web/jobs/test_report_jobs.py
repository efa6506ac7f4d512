"""The committee report (planning) and the district development report (monitoring) as
background jobs, run eagerly: "PDF erstellen" queues the job, the worker stores the file
through the storage API under reports/<job id>/, the job page links the download, which only
the job's actor with the report's permission gets; the file is the direct URL's file."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from reportlab import rl_config

from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.jobs.services import run_job
from kitaplan.web.territory.models import AreaGroup, IndicatorDefinition, IndicatorValue
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    city = make_city()
    births = IndicatorDefinition.objects.create(
        code="births", name="Births", unit="Anzahl", direction="neutral"
    )
    for area in city.areas:
        IndicatorValue.objects.create(indicator=births, area=area, year=2022, value=8)
        IndicatorValue.objects.create(indicator=births, area=area, year=2024, value=10)
    return city


@pytest.fixture
def invariant(monkeypatch):
    """ReportLab without the creation date and random document id: equal input, equal bytes."""
    monkeypatch.setattr(rl_config, "invariant", 1)


def login(client, name: str = "planerin", role: Role = Role.PLANNER):
    user = make_user(name, role)
    client.login(username=name, password=PASSWORD)
    return user


def download(client, job: Job) -> bytes:
    response = client.get(job_page_result(client, job))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def job_page_result(client, job: Job) -> str:
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    marker = 'id="job-result" href="'
    assert marker in page, page
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_the_committee_report_is_created_as_a_job_and_downloaded(client, city, invariant):
    user = login(client)
    query = "?territory=testcity&level=district&compress=0"
    response = client.post(reverse("planning:balance-pdf-job") + query)
    job = Job.objects.get(kind="planning.committee_pdf")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job-detail", args=[job.pk])
    assert (job.status, job.actor_id, job.progress) == (JobStatus.SUCCEEDED, user.pk, 100)
    assert job.parameters["query"] == "territory=testcity&level=district&compress=0"
    assert job.territory_id == city.territory.pk  # the job is scoped to the report's territory
    year = job.result_file.rsplit("-", 1)[1].removesuffix(".pdf")
    assert job.result_file == f"reports/{job.pk}/bedarfsplanung-testcity-{year}.pdf"
    assert default_storage.exists(job.result_file)
    url = job_page_result(client, job)
    assert url == reverse("planning:balance-pdf-file", args=[job.pk])
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert "erledigt" in page and "Datei herunterladen" in page
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="bedarfsplanung-testcity-{year}.pdf"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF") and b"Bedarfsplanung" in content
    direct = client.get(reverse("planning:balance-pdf") + query)
    assert direct.content == content  # the same file as the direct URL


def test_the_district_report_form_queues_a_job_with_its_fields(client, city, invariant):
    login(client)
    fields = {"territory": "testcity", "district": "01", "period": "2024", "compress": "0"}
    response = client.post(reverse("monitoring:report-pdf-job"), fields)
    job = Job.objects.get(kind="monitoring.district_pdf")
    assert response.status_code == 302 and job.status == JobStatus.SUCCEEDED
    assert "csrfmiddlewaretoken" not in job.parameters["query"]
    assert job.territory_id == city.territory.pk
    assert job.result_file == f"reports/{job.pk}/entwicklungsbericht-testcity-01-2024.pdf"
    content = download(client, job)
    assert content.startswith(b"%PDF")
    assert content == client.get(reverse("monitoring:report-pdf"), fields).content


def test_the_alerts_page_offers_create_pdf_as_posted_forms(client, city):
    login(client)
    page = client.get(reverse("monitoring:alerts"), {"territory": "testcity"}).content.decode()
    action = f'method="post" action="{reverse("monitoring:report-pdf-job")}'
    assert page.count(action) == len(city.districts) + 1
    balance = client.get(reverse("planning:balance"), {"territory": "testcity"}).content.decode()
    assert f'action="{reverse("planning:balance-pdf-job")}?territory=testcity"' in balance
    assert "PDF erstellen" in balance and "PDF erstellen: Entwicklungsbericht" in page


def test_the_sozialraum_list_queues_the_development_report_of_a_group(client, city):
    login(client)
    group = AreaGroup.objects.create(territory=city.territory, name="Gorbitz")
    group.areas.set([city.districts[0], city.areas[2]])
    page = client.get(reverse("territory:area-group-list"), {"territory": "testcity"})
    action = f"{reverse('monitoring:report-pdf-job')}?territory=testcity&amp;group={group.pk}"
    assert f'method="post" action="{action}"' in page.content.decode()
    client.post(reverse("monitoring:report-pdf-job") + f"?territory=testcity&group={group.pk}")
    job = Job.objects.get(kind="monitoring.district_pdf")
    assert job.result_file.startswith(f"reports/{job.pk}/entwicklungsbericht-testcity-sozialraum-")
    assert download(client, job).startswith(b"%PDF")


def test_the_file_goes_through_the_storage_api_only(client, city, settings):
    """With a storage that has no files on disk (as a bucket has none), the job stores and the
    download serves the file."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    login(client)
    client.post(reverse("planning:balance-pdf-job") + "?territory=testcity")
    job = Job.objects.get()
    assert job.status == JobStatus.SUCCEEDED
    assert default_storage.__class__.__name__ == "InMemoryStorage"
    assert default_storage.exists(job.result_file)
    assert not (settings.MEDIA_ROOT / "reports").exists()
    assert download(client, job).startswith(b"%PDF")


def test_only_the_actor_with_the_reports_permission_downloads(client, city):
    login(client)
    client.post(reverse("planning:balance-pdf-job") + "?territory=testcity")
    job = Job.objects.get()
    url = reverse("planning:balance-pdf-file", args=[job.pk])
    assert client.get(url).status_code == 200
    other = reverse("monitoring:report-pdf-file", args=[job.pk])
    assert client.get(other).status_code == 404  # another kind's download
    login(client, "kollegin")  # a planner too, but not the job's actor
    assert client.get(url).status_code == 404
    login(client, "kasse", Role.PAYMENT_OFFICE)  # may not see the balance at all
    assert client.get(url).status_code == 403
    assert client.post(reverse("planning:balance-pdf-job")).status_code == 403
    assert client.post(reverse("monitoring:report-pdf-job")).status_code == 403
    assert Job.objects.count() == 1
    login(client, "admin", Role.ADMIN)
    assert client.get(url).status_code == 200


def test_a_planner_of_another_territory_gets_neither_the_job_nor_the_file(client, city):
    user = login(client)
    client.post(reverse("planning:balance-pdf-job") + "?territory=testcity")
    job = Job.objects.get()
    url = reverse("planning:balance-pdf-file", args=[job.pk])
    assert client.get(url).status_code == 200
    other = make_city("othercity")
    RoleAssignment.objects.filter(user=user).update(territory=other.territory)
    client.login(username="planerin", password=PASSWORD)  # now a planner of the other city
    assert client.get(url).status_code == 404  # the job is scoped to its territory
    assert (
        client.post(reverse("planning:balance-pdf-job") + "?territory=testcity").status_code == 404
    )
    assert (
        client.post(reverse("monitoring:report-pdf-job") + "?territory=testcity").status_code == 404
    )
    assert Job.objects.count() == 1


def test_a_report_of_an_unknown_area_fails_in_words_and_a_retry_runs_it_again(client, city):
    login(client)
    client.post(reverse("planning:balance-pdf-job") + "?territory=testcity&parent=999999")
    job = Job.objects.get()
    assert (job.status, job.error_code, job.result_file) == (
        JobStatus.FAILED,
        "report_not_found",
        "",
    )
    page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert "fehlgeschlagen" in page and "Erneut versuchen" in page
    assert "das Gebiet oder den Sozialraum dieses Berichts gibt es nicht mehr" in page
    client.post(reverse("jobs:job-retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)  # the area is still unknown
    assert not default_storage.exists(f"reports/{job.pk}")


def test_a_report_the_actor_may_no_longer_see_fails_and_stores_nothing(client, city, settings):
    user = login(client)
    settings.KITAPLAN_JOBS_EAGER = False  # queued now, worked below
    client.post(reverse("planning:balance-pdf-job") + "?territory=testcity")
    job = Job.objects.get()
    assert job.status == JobStatus.QUEUED
    RoleAssignment.objects.filter(user=user).delete()  # the role is taken away meanwhile
    run_job(int(job.pk))
    job.refresh_from_db()
    assert (job.status, job.error_code, job.result_file) == (
        JobStatus.FAILED,
        "report_forbidden",
        "",
    )
    assert not default_storage.exists(f"reports/{job.pk}")
