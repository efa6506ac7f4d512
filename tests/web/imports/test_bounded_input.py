"""Bounded input: uploads over KITAPLAN_MAX_UPLOAD_MB are refused before parsing (page, API,
command line), and an import stores at most KITAPLAN_MAX_STORED_PROBLEMS problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadhandler import SkipFile
from django.test import RequestFactory
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.core.uploads import SizeLimitUploadHandler, upload_refused
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
HEADER = "area_code;year;age;count\n"


@pytest.fixture
def one_mb_limit(settings):
    settings.KITAPLAN_MAX_UPLOAD_MB = 1


def big_file(tmp_path: Path, name: str = "einwohner.csv") -> Path:
    path = tmp_path / name
    row = "0101;2024;0;1\n"
    path.write_text(HEADER + row * (MB // len(row) + 10), encoding="utf-8")
    assert path.stat().st_size > MB
    return path


def test_the_page_refuses_a_file_over_the_limit_as_a_form_error(client, tmp_path, one_mb_limit):
    city = make_city()
    user = make_user("planerin", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    with big_file(tmp_path).open("rb") as handle:
        response = client.post(
            reverse("imports:import-new"),
            {"territory": city.territory.pk, "kind": "population", "file": handle},
        )
    assert response.status_code == 200  # the page again, with its form
    form = response.context["form"]
    assert "Die Datei ist zu groß" in form.errors["file"][0]
    assert "1 MB" in form.errors["file"][0]
    assert "Pflichtfeld" not in response.content.decode()
    assert ImportRun.objects.count() == 0  # nothing was read, checked or stored


def test_the_upload_handler_drops_the_file_by_content_length_without_reading_it(
    one_mb_limit,
):
    request = RequestFactory().post("/imports/new/")
    handler = SizeLimitUploadHandler(request)
    handler.handle_raw_input(None, {}, 2 * MB, "boundary")
    with pytest.raises(SkipFile):
        handler.new_file("file", "a.csv", "text/csv", 2 * MB)
    assert upload_refused(request)


def test_the_upload_handler_stops_a_file_that_grows_over_the_limit(one_mb_limit):
    request = RequestFactory().post("/imports/new/")
    handler = SizeLimitUploadHandler(request)
    handler.handle_raw_input(None, {}, 0, "boundary")  # no usable Content-Length
    handler.new_file("file", "a.csv", "text/csv", None)
    assert handler.receive_data_chunk(b"x" * 1000, 0) == b"x" * 1000
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x" * 1000, MB)
    assert upload_refused(request)


def test_the_api_answers_413_with_a_json_error_before_reading_the_body(client, one_mb_limit):
    response = client.post(
        "/api/v1/population/",
        data=b"[" + b" " * (MB + 10) + b"]",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "zu groß" in response.json()["detail"]


def test_the_command_refuses_a_file_over_the_limit_before_reading_it(
    tmp_path, capsys, one_mb_limit
):
    make_city()
    path = big_file(tmp_path)
    code = main(["import", str(path), "--territory", "testcity", "--kind", "population"])
    assert code == 2
    assert "einwohner.csv" in capsys.readouterr().err
    assert ImportRun.objects.count() == 0


def test_an_import_stores_the_first_problems_and_counts_the_rest(client, tmp_path, settings):
    settings.KITAPLAN_MAX_STORED_PROBLEMS = 3
    city = make_city()
    path = tmp_path / "einwohner.csv"
    path.write_text(HEADER + "0101;2024;0;abc\n" * 3000, encoding="utf-8")
    run = import_file(territory=city.territory, kind="population", path=path, actor=SYSTEM)
    run.refresh_from_db()
    assert run.status == "refused"
    assert len(run.problems) == 3
    total = run.problem_count
    assert total >= 3000  # every row is wrong
    assert run.problems_not_stored == total - 3
    user = make_user("planerin", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("imports:import-detail", args=[run.pk])).content.decode()
    assert f"{total} Probleme wurden gefunden" in page
    shown = f"{total - 3:,}".replace(",", ".")
    assert f"… und {shown} weitere Probleme (nicht gespeichert)" in page
    listed = page[page.index('id="problems"') :]
    assert listed[: listed.index("</ol>")].count("<li>") == 3
