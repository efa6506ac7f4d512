"""The close-to-home figures on a population grid as a background job, run eagerly (the same
wrapper as the worker) unless a test queues them: the page queues one job per choice and data
version and shows the figures once the job stored them; a reload reuses the queued job; a
failed job is worded in German and "Try again" computes it; the stored figures and the job's
status "succeeded" commit in one transaction; a change of the data queues a new job. The area
centroids stay in the request."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import FacilityPlaces
from kitaplan.web.imports.services import import_file
from kitaplan.web.jobs.context import JobContext
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.jobs.services import run_job
from kitaplan.web.planning import accessibility_jobs
from kitaplan.web.planning.accessibility_jobs import GRID_ACCESSIBILITY
from kitaplan.web.planning.accessibility_models import GridAccessibility
from kitaplan.web.planning.accessibility_selectors import (
    Ages,
    Offer,
    PopulationPoints,
    accessibility_for,
)
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.planning.test_accessibility_page import set_centroids
from tests.web.planning.test_population_grid import GRID, write

pytestmark = pytest.mark.django_db

URL = reverse("planning:accessibility")
QUERY = "?points=grid&catchment=1500"
STATUS = reverse("planning:accessibility-status") + QUERY


@pytest.fixture
def city(tmp_path: Path):
    city = make_city()
    set_centroids()
    import_file(
        territory=city.territory,
        kind="population_grid",
        path=write(tmp_path, "raster.csv", GRID),
        actor=SYSTEM,
    )
    return city


@pytest.fixture
def planner(client):
    user = make_user("planer", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    return user


def page(client, query: str = QUERY) -> str:
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def grid_jobs() -> list[Job]:
    return list(Job.objects.filter(kind=GRID_ACCESSIBILITY).order_by("pk"))


def no_computing_here(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("the grid was computed")


def expected_share(city) -> str:  # type: ignore[no-untyped-def]
    result = accessibility_for(
        user=SYSTEM,
        territory=city.territory,
        year=2024,
        ages=Ages.U3,
        offer=Offer.ALL,
        points=PopulationPoints.GRID,
    )
    assert result.share_percent is not None
    return f"{result.share_percent:.1f}".replace(".", ",") + " %"


def test_eager_the_first_view_queues_the_job_and_shows_the_figures(client, city, planner):
    html = page(client)
    [job] = grid_jobs()
    stored = GridAccessibility.objects.get()
    assert (job.status, job.result_id, job.actor) == (JobStatus.SUCCEEDED, str(stored.pk), planner)
    assert expected_share(city) in html and "Hintergrundauftrag" not in html
    assert "besiedelten Rasterzellen" in html  # the grid's wording of the method
    rows = {row[0]: row for row in stored.result["rows"]}
    assert len(rows) == 4
    # a reload reads the stored row: nothing queued, nothing computed
    page(client)
    assert len(grid_jobs()) == 1
    # the map and the export read the same row
    features = client.get(reverse("planning:accessibility-geojson") + QUERY).json()["features"]
    assert len(features) == 4
    assert len(grid_jobs()) == 1
    job_page = client.get(reverse("jobs:job-detail", args=[job.pk])).content.decode()
    assert "points=grid" in job_page


def test_the_centroids_are_computed_in_the_request_without_a_job(client, city, planner):
    html = page(client, "?points=centroids")
    assert "Zusammenfassung" in html and grid_jobs() == []


def test_a_queued_job_is_reused_on_reload_and_the_page_polls_until_stored(
    client, city, planner, settings, monkeypatch
):
    settings.KITAPLAN_JOBS_EAGER = False  # the job waits for a worker
    monkeypatch.setattr(accessibility_jobs, "accessibility_for", no_computing_here)
    html = page(client)
    assert "in einem Hintergrundauftrag berechnet" in html
    assert f'hx-get="{STATUS}' in html.replace("&amp;", "&")
    page(client)  # a reload
    client.get(reverse("planning:accessibility-geojson") + QUERY)  # the page's map
    [job] = grid_jobs()
    assert job.status == JobStatus.QUEUED and job.parameters["catchment"] == 1500
    polled = client.get(STATUS)
    assert "HX-Refresh" not in polled and 'hx-trigger="every 2s"' in polled.content.decode()
    # another choice has no job yet: its status makes the page reload (and queue it)
    assert client.get(STATUS.replace("1500", "3000"))["HX-Refresh"] == "true"
    assert len(grid_jobs()) == 1

    monkeypatch.undo()  # the worker computes
    run_job(int(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert client.get(STATUS)["HX-Refresh"] == "true"
    monkeypatch.setattr(accessibility_jobs, "accessibility_for", no_computing_here)
    html = page(client)
    assert expected_share(city) in html and "Hintergrundauftrag" not in html
    assert len(grid_jobs()) == 1


def test_a_change_of_the_data_queues_a_new_job_and_drops_the_old_figures(client, city, planner):
    page(client)
    first = GridAccessibility.objects.get()
    FacilityPlaces.objects.filter(facility=city.facilities[0]).first().save()  # bumps the version
    page(client)
    assert len(grid_jobs()) == 2
    [second] = GridAccessibility.objects.all()
    assert second.pk != first.pk and second.version != first.version


def test_a_job_of_an_older_version_keeps_the_figures_of_the_newer_one(
    client, city, planner, settings
):
    settings.KITAPLAN_JOBS_EAGER = False
    page(client)
    [old_job] = grid_jobs()
    FacilityPlaces.objects.filter(facility=city.facilities[0]).first().save()  # bumps the version
    page(client)
    new_job = grid_jobs()[-1]
    run_job(int(new_job.pk))
    run_job(int(old_job.pk))  # the slower job of the old data finishes last
    versions = set(GridAccessibility.objects.values_list("version", flat=True))
    assert new_job.parameters["version"] in versions
    settings.KITAPLAN_JOBS_EAGER = True
    page(client)
    assert len(grid_jobs()) == 2  # the newer figures are read, nothing queued again


def test_a_failed_job_is_worded_and_tried_again_on_request(client, city, planner, monkeypatch):
    monkeypatch.setattr(accessibility_jobs, "accessibility_for", no_computing_here)  # it fails
    html = page(client)
    [job] = grid_jobs()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "internal")
    assert "Die Zahlen auf dem Bevölkerungsraster konnten nicht berechnet werden." in html
    assert "wegen eines unerwarteten Fehlers fehlgeschlagen" in html
    assert client.get(STATUS)["HX-Refresh"] == "true"  # the poll stops: the page shows it
    page(client)
    assert len(grid_jobs()) == 1  # a failed job is not queued again by a view
    monkeypatch.undo()
    response = client.post(reverse("planning:accessibility-retry") + QUERY)
    assert response.status_code == 302 and response["Location"] == URL + QUERY
    assert len(grid_jobs()) == 2 and GridAccessibility.objects.exists()
    assert expected_share(city) in client.get(response["Location"]).content.decode()


def test_a_job_whose_starter_is_no_longer_city_staff_fails_in_german(client, city, settings):
    settings.KITAPLAN_JOBS_EAGER = False
    user = make_user("planer", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    page(client)
    [job] = grid_jobs()
    RoleAssignment.objects.filter(user=user).delete()
    run_job(int(job.pk))
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "accessibility_not_allowed")
    assert not GridAccessibility.objects.exists()


def test_the_figures_and_the_succeeded_job_commit_together(client, city, planner, monkeypatch):
    succeed = JobContext.succeed

    def succeed_then_crash(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        succeed(self, *args, **kwargs)
        raise RuntimeError("the worker's machine is lost")

    monkeypatch.setattr(JobContext, "succeed", succeed_then_crash)
    page(client)
    [job] = grid_jobs()
    assert (job.status, job.error_code) == (JobStatus.FAILED, "internal")
    assert not GridAccessibility.objects.exists()
