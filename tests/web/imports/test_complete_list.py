"""Safe full-list imports: the default closes nothing, a complete list shows the count first
(dry run) and needs a confirmation above the threshold; invalid geometries are refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.imports import pending
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.territory.models import Area
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

HEADER = "official_number;name;provider_number;lat;lon;places_u3;places_ue3;integration_places\n"
ONE_ROW = HEADER + "F1;Kita F1 neu;P1;52.005;13.005;10;20;2\n"
MANY = 60  # facilities of the city besides F1, F2, F3


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def many_facilities(city: SmallCity) -> None:
    extra = Facility.objects.bulk_create(
        Facility(
            territory=city.territory,
            official_number=f"X{i:03d}",
            name=f"Kita X{i}",
            area=city.areas[i % len(city.areas)],
            lat=52.005,
            lon=13.005,
            valid_from=dt.date(2020, 1, 1),
        )
        for i in range(MANY)
    )
    FacilityPlaces.objects.bulk_create(
        FacilityPlaces(facility=f, valid_from=dt.date(2020, 1, 1), places_u3=5, places_ue3=10)
        for f in extra
    )


def open_facilities() -> int:
    return Facility.objects.filter(valid_to__isnull=True).count()


def test_a_one_row_file_into_a_city_with_many_facilities_changes_one_and_closes_none(tmp_path):
    city = make_city()
    many_facilities(city)
    before = open_facilities()
    run = import_file(
        territory=city.territory,
        kind="facilities",
        path=write(tmp_path, "eine-kita.csv", ONE_ROW),
        actor=SYSTEM,
    )
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (0, 1, 0, 0)
    assert open_facilities() == before == MANY + 3
    assert Facility.objects.get(official_number="F1").name == "Kita F1 neu"
    event = AuditEvent.objects.get(action="import.finished")
    assert event.details["complete_list"] is False and event.details["removed_keys"] == []


def test_a_complete_list_dry_run_reports_the_count_and_writes_nothing(tmp_path):
    city = make_city()
    many_facilities(city)
    path = write(tmp_path, "eine-kita.csv", ONE_ROW)
    run = import_file(
        territory=city.territory,
        kind="facilities",
        path=path,
        actor=SYSTEM,
        complete_list=True,
        dry_run=True,
    )
    assert run.status == "dry_run"
    assert (run.changed, run.removed) == (1, MANY + 2)
    assert run.closing.stored == MANY + 3 and run.closing.needs_confirmation
    assert run.closing_keys[:3] == ["F2", "F3", "X000"]
    assert open_facilities() == MANY + 3
    assert Facility.objects.get(official_number="F1").name == "Kita F1"  # rolled back
    event = AuditEvent.objects.get(action="import.checked")
    assert event.details["removed"] == MANY + 2 and event.details["needs_confirmation"] is True


def test_a_complete_list_above_the_threshold_needs_the_confirmation(tmp_path):
    city = make_city()
    many_facilities(city)
    path = write(tmp_path, "eine-kita.csv", ONE_ROW)
    held = import_file(
        territory=city.territory, kind="facilities", path=path, actor=SYSTEM, complete_list=True
    )
    assert held.status == "dry_run"  # held back, nothing closed
    assert open_facilities() == MANY + 3
    done = import_file(
        territory=city.territory,
        kind="facilities",
        path=path,
        actor=SYSTEM,
        complete_list=True,
        confirm_closing=True,
        effective_day=dt.date(2026, 8, 1),
    )
    assert (done.status, done.removed) == ("succeeded", MANY + 2)
    assert open_facilities() == 1
    assert Facility.objects.get(official_number="F2").valid_to == dt.date(2026, 7, 31)


def test_a_complete_list_closing_few_needs_no_confirmation(tmp_path):
    city = make_city()
    many_facilities(city)
    rows = [f"X{i:03d};Kita X{i};;52.005;13.005;5;10;0\n" for i in range(MANY)]
    rows += ["F1;Kita F1;P1;52.005;13.005;10;20;2\n", "F2;Kita F2;P1;52.005;13.015;5;15;2\n"]
    run = import_file(
        territory=city.territory,
        kind="facilities",
        path=write(tmp_path, "alle.csv", HEADER + "".join(rows)),
        actor=SYSTEM,
        complete_list=True,
    )
    assert (run.status, run.removed, run.closing_keys) == ("succeeded", 1, ["F3"])  # 1 of 63


def test_complete_list_is_refused_for_a_kind_that_never_closes(tmp_path):
    city = make_city()
    path = write(tmp_path, "t.csv", "official_number;name;provider_type\nP9;Träger;other\n")
    with pytest.raises(ValueError, match="no complete-list mode"):
        import_file(
            territory=city.territory, kind="providers", path=path, actor=SYSTEM, complete_list=True
        )


BOWTIE = [[13.001, 52.001], [13.009, 52.009], [13.009, 52.001], [13.001, 52.009], [13.001, 52.001]]
SQUARE = [[13.001, 52.001], [13.009, 52.001], [13.009, 52.009], [13.001, 52.009], [13.001, 52.001]]


def areas_geojson(tmp_path: Path) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"level": "area", "official_code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
        for code, name, ring in (("0101", "Gut", SQUARE), ("0102", "Schleife", BOWTIE))
    ]
    path = tmp_path / "stadtteile.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_a_bow_tie_polygon_is_refused_with_row_and_reason_and_nothing_is_written(tmp_path):
    city = make_city()
    before = list(Area.objects.order_by("pk").values_list("pk", "name", "valid_to", "geometry"))
    run = import_file(
        territory=city.territory,
        kind="areas",
        path=areas_geojson(tmp_path),
        actor=SYSTEM,
        complete_list=True,
        confirm_closing=True,
    )
    assert run.status == "refused"
    [problem] = run.problems
    assert (problem["row"], problem["column"], problem["code"]) == (
        2,
        "geometry",
        "invalid_geometry",
    )
    assert problem["value"] == "Self-intersection[13.005 52.005]"
    message = describe_problem(problem_from_dict(problem))
    assert "stadtteile.geojson" in message and "Zeile 2" in message
    assert "Selbstüberschneidung" in message and "13.005 52.005" in message
    assert list(Area.objects.order_by("pk").values_list("pk", "name", "valid_to", "geometry")) == (
        before
    )


# ----------------------------------------------------------------------------------- page


def planner_client(client, city):  # type: ignore[no-untyped-def]
    user = make_user("planerin", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    return user


def upload(client, city, tmp_path, *, complete_list):  # type: ignore[no-untyped-def]
    path = write(tmp_path, "eine-kita.csv", ONE_ROW)
    with path.open("rb") as handle:
        data = {"territory": city.territory.pk, "kind": "facilities", "file": handle}
        if complete_list:
            data["complete_list"] = "on"
        return client.post(reverse("imports:import-new"), data)


def test_the_page_checks_first_and_imports_the_checked_file_on_the_second_step(client, tmp_path):
    city = make_city()
    many_facilities(city)
    planner_client(client, city)
    response = upload(client, city, tmp_path, complete_list=False)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.status == "dry_run"
    assert Facility.objects.get(official_number="F1").name == "Kita F1"
    page = client.get(reverse("imports:import-detail", args=[run.pk])).content.decode()
    assert "Probelauf" in page and reverse("imports:import-confirm", args=[run.pk]) in page
    response = client.post(reverse("imports:import-confirm", args=[run.pk]))
    done = ImportRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == reverse("imports:import-detail", args=[done.pk])
    assert (done.status, done.changed, done.removed) == ("succeeded", 1, 0)
    assert Facility.objects.get(official_number="F1").name == "Kita F1 neu"
    assert open_facilities() == MANY + 3
    assert pending.pending_upload(run) is None  # used once
    assert client.post(reverse("imports:import-confirm", args=[run.pk])).status_code == 200
    assert ImportRun.objects.count() == 2  # a second confirmation imports nothing


def test_the_page_asks_for_confirmation_before_a_complete_list_closes_many(client, tmp_path):
    city = make_city()
    many_facilities(city)
    planner_client(client, city)
    upload(client, city, tmp_path, complete_list=True)
    run = ImportRun.objects.get()
    page = client.get(reverse("imports:import-detail", args=[run.pk])).content.decode()
    assert f"{MANY + 2} Datensätze" in page and 'name="confirm_closing"' in page
    assert "F2" in page  # the first keys that would close
    response = client.post(reverse("imports:import-confirm", args=[run.pk]))
    assert response.status_code == 200 and "bestätigen" in response.content.decode()
    assert ImportRun.objects.count() == 1 and open_facilities() == MANY + 3
    client.post(reverse("imports:import-confirm", args=[run.pk]), {"confirm_closing": "on"})
    done = ImportRun.objects.exclude(pk=run.pk).get()
    assert (done.status, done.removed) == ("succeeded", MANY + 2)
    assert open_facilities() == 1


def test_another_user_cannot_import_someone_elses_dry_run(client, tmp_path):
    city = make_city()
    planner_client(client, city)
    upload(client, city, tmp_path, complete_list=False)
    run = ImportRun.objects.get()
    other = make_user("admin2", Role.ADMIN)
    client.login(username=other.username, password=PASSWORD)
    assert client.post(reverse("imports:import-confirm", args=[run.pk])).status_code == 404
    assert ImportRun.objects.count() == 1


def test_the_page_refuses_a_complete_list_for_providers(client, tmp_path):
    city = make_city()
    planner_client(client, city)
    path = write(tmp_path, "t.csv", "official_number;name;provider_type\nP9;Träger;other\n")
    with path.open("rb") as handle:
        response = client.post(
            reverse("imports:import-new"),
            {
                "territory": city.territory.pk,
                "kind": "providers",
                "file": handle,
                "complete_list": "on",
            },
        )
    assert response.status_code == 200 and not ImportRun.objects.exists()


# ------------------------------------------------------------------------------------ CLI


@pytest.mark.django_db(transaction=True)
def test_the_cli_dry_run_and_the_refusal_without_yes(tmp_path, capsys):
    city = make_city()
    many_facilities(city)
    path = str(write(tmp_path, "eine-kita.csv", ONE_ROW))
    base = ["--lang", "en", "import", path, "--territory", "testcity", "--kind", "facilities"]
    assert main([*base, "--complete-list", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"{MANY + 2} closed" in out and "F2, F3" in out
    assert main([*base, "--complete-list"]) == 1
    err = capsys.readouterr().err
    assert f"would close {MANY + 2} of the {MANY + 3}" in err and "--yes" in err
    assert open_facilities() == MANY + 3
    assert main([*base, "--complete-list", "--yes"]) == 0
    assert open_facilities() == 1


@pytest.mark.django_db(transaction=True)
def test_the_cli_default_closes_nothing_and_complete_list_needs_a_closing_kind(tmp_path, capsys):
    city = make_city()
    many_facilities(city)
    path = str(write(tmp_path, "eine-kita.csv", ONE_ROW))
    assert main(["import", path, "--territory", "testcity", "--kind", "facilities"]) == 0
    assert open_facilities() == MANY + 3
    providers = str(write(tmp_path, "t.csv", "official_number;name;provider_type\nP9;T;other\n"))
    code = main(
        ["--lang", "en", "import", providers, "--territory", "testcity", "--kind", "providers"]
        + ["--complete-list"]
    )
    assert code == 2 and "--complete-list" in capsys.readouterr().err
