"""Storage of uploads and of the files that wait for a job or a confirmation (core.files).

The settings map ``KITAPLAN_S3_*`` to django-storages' S3 backend (checked by building the real
backend, which connects to nothing until a file is read or written); the file system is the
default. With both storages replaced by Django's ``InMemoryStorage`` an import that runs as jobs
and a measure's document never touch the data directory: what a second app server or a worker
on another machine could not read.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import InMemoryStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kitaplan.web.core import files
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.measures.models import Document
from tests.web.factories import PASSWORD, make_city, make_user

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "spool": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
S3_VARIABLES = (
    "KITAPLAN_S3_BUCKET",
    "KITAPLAN_S3_PREFIX",
    "KITAPLAN_S3_ENDPOINT_URL",
    "KITAPLAN_S3_REGION",
    "KITAPLAN_S3_ADDRESSING_STYLE",
)


def _settings(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, Any]:
    """settings.py run afresh with ``environment`` (Django's own settings stay as they are)."""
    import kitaplan.web.settings as module

    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(module.__file__)


# --- settings ------------------------------------------------------------------------------------


def test_by_default_files_stay_on_the_file_system(monkeypatch):
    storages_setting = _settings(monkeypatch)["STORAGES"]
    assert storages_setting["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storages_setting["spool"] == {"BACKEND": "kitaplan.web.core.files.DataDirStorage"}
    assert set(storages_setting) == {"default", "spool", "staticfiles"}


def test_an_s3_bucket_holds_uploads_and_the_spool_under_their_prefixes(monkeypatch):
    from storages.backends.s3 import S3Storage

    storages_setting = _settings(
        monkeypatch,
        KITAPLAN_S3_BUCKET="kitaplan-land",
        KITAPLAN_S3_PREFIX="/jugendamt-17/",
        KITAPLAN_S3_ENDPOINT_URL="https://s3.rechenzentrum.example",
        KITAPLAN_S3_REGION="de-ni-1",
        KITAPLAN_S3_ADDRESSING_STYLE="path",
    )["STORAGES"]
    for alias, location in (("default", "jugendamt-17/media"), ("spool", "jugendamt-17/spool")):
        entry = storages_setting[alias]
        assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
        backend = S3Storage(**entry["OPTIONS"])  # the real class accepts every option
        assert (backend.bucket_name, backend.location) == ("kitaplan-land", location)
        assert backend.endpoint_url == "https://s3.rechenzentrum.example"
        assert (backend.region_name, backend.addressing_style) == ("de-ni-1", "path")
        assert backend.default_acl is None and backend.querystring_auth is True
        assert backend.file_overwrite is False
    assert storages_setting["staticfiles"]["BACKEND"].startswith("django.contrib.staticfiles")


def test_without_a_prefix_the_folders_lie_at_the_top_of_the_bucket(monkeypatch):
    storages_setting = _settings(monkeypatch, KITAPLAN_S3_BUCKET="kitaplan", KITAPLAN_S3_PREFIX="")[
        "STORAGES"
    ]
    assert storages_setting["default"]["OPTIONS"]["location"] == "media"
    assert storages_setting["spool"]["OPTIONS"]["location"] == "spool"
    assert storages_setting["default"]["OPTIONS"]["endpoint_url"] is None


# --- the spool -----------------------------------------------------------------------------------


def test_on_the_file_system_the_spool_is_the_data_directory_and_no_copy_is_made(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("a;b\n")
    name = files.put("jobs/7/input", source)
    stored = Path(django_settings.MEDIA_ROOT).parent / "jobs" / "7" / "input" / "in.csv"
    assert files.local_path(name) == stored and stored.read_text() == "a;b\n"
    files.remove_folder("jobs/7/input")
    assert not stored.parent.exists()


def test_a_remote_spool_is_copied_once_to_a_local_file_and_removed_with_its_folder(
    settings, tmp_path
):
    settings.STORAGES = IN_MEMORY
    source = tmp_path / "in.csv"
    source.write_text("a;b\n")
    name = files.put("jobs/8/input", source)
    assert files.put("jobs/8/input", source) == name  # a second put replaces the first
    assert files.files_in("jobs/8/input") == ["jobs/8/input/in.csv"]
    local = files.local_path(name)
    assert local.read_text() == "a;b\n"
    assert local.is_relative_to(Path(settings.MEDIA_ROOT).parent / "spool-cache")
    files.remove_folder("jobs/8")
    assert files.files_in("jobs/8/input") == [] and not local.exists()


# --- uploads end to end --------------------------------------------------------------------------

HEADER = "official_number;name;provider_number;lat;lon;places_u3;places_ue3;integration_places\n"


def _nothing_on_disk() -> None:
    data_dir = Path(django_settings.MEDIA_ROOT).parent
    for folder in ("jobs", "pending-imports", Path(django_settings.MEDIA_ROOT).name):
        assert not (data_dir / folder).exists(), folder


@pytest.mark.django_db
def test_an_import_as_jobs_keeps_its_files_in_the_configured_storage(client, settings, tmp_path):
    settings.STORAGES = IN_MEMORY
    settings.KITAPLAN_IMPORT_JOB_THRESHOLD_KB = 0
    spool = storages["spool"]
    assert isinstance(spool, InMemoryStorage)
    city = make_city()
    make_user("planerin", Role.PLANNER)
    client.login(username="planerin", password=PASSWORD)
    path = tmp_path / "eine-kita.csv"
    path.write_text(HEADER + "F1;Kita F1 neu;P1;52.005;13.005;10;20;2\n", encoding="utf-8")
    with path.open("rb") as handle:
        data = {"territory": city.territory.pk, "kind": "facilities", "file": handle}
        client.post(reverse("imports:import-new"), data)
    check = Job.objects.get(kind="imports.check")
    run = ImportRun.objects.get()
    assert check.status == JobStatus.SUCCEEDED and run.status == "dry_run"
    # the dry run's file waits in the spool storage; the job's input is gone after success
    assert files.files_in(f"pending-imports/{run.pk}") == [
        f"pending-imports/{run.pk}/eine-kita.csv"
    ]
    assert files.files_in(f"jobs/{check.pk}/input") == []
    _nothing_on_disk()

    client.post(reverse("imports:import-confirm", args=[run.pk]))
    imported = Job.objects.get(kind="imports.import")
    assert imported.status == JobStatus.SUCCEEDED
    assert Facility.objects.get(official_number="F1").name == "Kita F1 neu"
    assert files.files_in(f"pending-imports/{run.pk}") == []
    _nothing_on_disk()
    cache = Path(settings.MEDIA_ROOT).parent / "spool-cache"
    assert [p for p in cache.rglob("*") if p.is_file()] == []  # the local copies went too


@pytest.mark.django_db
def test_a_measures_document_is_stored_in_the_default_storage(client, settings):
    from tests.web.measures.helpers import measure_objects

    settings.STORAGES = IN_MEMORY
    city = make_city()
    objects = measure_objects(city)
    make_user("admin", Role.ADMIN)
    client.login(username="admin", password=PASSWORD)
    url = reverse("measures:measure-detail", args=[objects["measure"]])
    upload = SimpleUploadedFile("beschluss.txt", b"Der Ausschuss beschliesst.")
    client.post(url, {"action": "document", "title": "Beschluss", "file": upload})
    document = Document.objects.get(title="Beschluss")
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    assert default_storage.exists(document.file.name)
    assert document.file.name.startswith("measures/")
    response = client.get(reverse("measures:document", args=[document.pk]))
    assert b"".join(response.streaming_content) == b"Der Ausschuss beschliesst."
    _nothing_on_disk()
