"""Imports are atomic, idempotent, summarised and audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kitaplan.domain.common.problems import ExpectationCode, expectation
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.territory.models import PopulationCount
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db

FACILITY_HEADER = (
    "official_number;name;provider_number;lat;lon;places_u3;places_ue3;integration_places\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_row_refuses_the_whole_file_and_changes_nothing(tmp_path):
    city = make_city()
    before = list(PopulationCount.objects.order_by("pk").values_list("pk", "count"))
    path = write(
        tmp_path,
        "einwohner.csv",
        "area_code;year;age;count\n0101;2024;0;99\n0102;2024;1;zwölf\n0201;2024;2;7\n",
    )
    run = import_file(territory=city.territory, kind="population", path=path, actor=SYSTEM)
    assert run.status == "refused"
    assert list(PopulationCount.objects.order_by("pk").values_list("pk", "count")) == before
    [problem] = run.problems
    assert (problem["row"], problem["column"], problem["value"]) == (3, "count", "zwölf")
    message = describe_problem(problem_from_dict(problem))
    assert (
        "einwohner.csv" in message and "3" in message and "count" in message and "zwölf" in message
    )
    assert AuditEvent.objects.filter(action="import.refused").count() == 1


def test_the_refusal_is_worded_in_german_by_default(tmp_path):
    city = make_city()
    path = write(tmp_path, "e.csv", "area_code;year;age;count\n0101;2024;0;-5\n")
    run = import_file(territory=city.territory, kind="population", path=path, actor=SYSTEM)
    message = describe_problem(problem_from_dict(run.problems[0]))
    assert "Zeile 2" in message and "Spalte" in message


def test_importing_the_same_file_twice_reports_unchanged(tmp_path):
    city = make_city()
    path = write(tmp_path, "e.csv", "area_code;year;age;count\n0101;2025;0;11\n0102;2025;0;12\n")
    first = import_file(territory=city.territory, kind="population", path=path, actor=SYSTEM)
    second = import_file(territory=city.territory, kind="population", path=path, actor=SYSTEM)
    assert (first.status, first.added, first.unchanged) == ("succeeded", 2, 0)
    assert (second.status, second.added, second.changed, second.unchanged, second.removed) == (
        "succeeded",
        0,
        0,
        2,
        0,
    )
    assert ImportRun.objects.count() == 2


def test_a_changed_file_updates_by_key_and_keeps_the_rows_it_does_not_list(tmp_path):
    city = make_city()
    before = PopulationCount.objects.count()
    path = write(tmp_path, "e.csv", "area_code;year;age;count\n0101;2024;0;500\n")
    run = import_file(territory=city.territory, kind="population", path=path, actor=SYSTEM)
    assert (run.added, run.changed, run.unchanged, run.removed) == (0, 1, 0, 0)
    assert PopulationCount.objects.count() == before
    assert PopulationCount.objects.get(area__official_code="0101", year=2024, age=0).count == 500


def test_a_complete_list_removes_the_missing_rows_of_its_years(tmp_path):
    city = make_city()
    path = write(tmp_path, "e.csv", "area_code;year;age;count\n0101;2024;0;500\n")
    run = import_file(
        territory=city.territory,
        kind="population",
        path=path,
        actor=SYSTEM,
        complete_list=True,
        confirm_closing=True,
    )
    assert (run.added, run.changed, run.unchanged) == (0, 1, 0)
    assert run.removed == 4 * 7 - 1  # every other 2024 cell of the city was not in the file
    assert PopulationCount.objects.get(area__official_code="0101", year=2024, age=0).count == 500
    event = AuditEvent.objects.get(action="import.finished")
    assert event.details["changes"][0]["fields"]["count"] == [10, 500]


def test_facility_import_derives_the_area_and_versions_changed_places(tmp_path):
    city = make_city()
    rows = "F1;Kita F1;P1;52.005;13.005;10;20;2\nF9;Neue Kita;P2;52.005;13.035;4;8;0\n"
    path = write(tmp_path, "kitas.csv", FACILITY_HEADER + rows)
    run = import_file(
        territory=city.territory,
        kind="facilities",
        path=path,
        actor=SYSTEM,
        effective_day=dt.date(2026, 8, 1),
        complete_list=True,  # the file is the city's complete list: F2 and F3 close
        confirm_closing=True,
    )
    assert run.status == "succeeded", run.problems
    assert (run.added, run.unchanged, run.removed) == (1, 1, 2)  # F9 new, F1 same, F2/F3 closed
    new = Facility.objects.get(official_number="F9")
    assert new.area is not None and new.area.official_code == "0202"
    closed = Facility.objects.get(official_number="F2")
    assert closed.valid_to == dt.date(2026, 7, 31)

    changed = write(tmp_path, "kitas2.csv", FACILITY_HEADER + rows.replace("10;20;2", "12;20;2"))
    run = import_file(
        territory=city.territory,
        kind="facilities",
        path=changed,
        actor=SYSTEM,
        effective_day=dt.date(2026, 9, 1),
    )
    assert (run.changed, run.unchanged) == (1, 1)
    history = list(
        FacilityPlaces.objects.filter(facility__official_number="F1").order_by("valid_from")
    )
    assert [(p.places_u3, p.valid_to) for p in history] == [(10, dt.date(2026, 8, 31)), (12, None)]


def test_unknown_provider_is_refused_with_row_and_column_and_nothing_is_written(tmp_path):
    city = make_city()
    path = write(tmp_path, "kitas.csv", FACILITY_HEADER + "F7;Kita;NOPE;52.005;13.005;1;2;0\n")
    count = Facility.objects.count()
    run = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
    assert run.status == "refused"
    assert run.problems[0]["code"] == "unknown_provider"
    assert (run.problems[0]["row"], run.problems[0]["column"]) == (2, "provider_number")
    assert Facility.objects.count() == count


def test_every_expectation_of_every_declared_mapping_can_be_worded_in_german():
    from kitaplan.exchange.mappings import MAPPINGS
    from kitaplan.web.imports.expectations import is_translatable

    expectations = {spec.expectation for mapping in MAPPINGS.values() for spec in mapping.fields}
    expectations |= {
        expectation(ExpectationCode.COLUMN_NAMED_WITH, column=spec.source, content=spec.expected)
        for mapping in MAPPINGS.values()
        for spec in mapping.fields
        if spec.source
    }
    assert sorted(str(e) for e in expectations if not is_translatable(e)) == []


def test_the_report_lists_format_and_reference_problems_together(tmp_path):
    city = make_city()
    rows = "F7;Kita;NOPE;52.005;13.005;1;2;0\nF8;Kita;P1;52.005;13.005;viele;2;0\n"
    path = write(tmp_path, "kitas.csv", FACILITY_HEADER + rows)
    run = import_file(territory=city.territory, kind="facilities", path=path, actor=SYSTEM)
    assert run.status == "refused"
    assert [(p["row"], p["column"], p["code"]) for p in run.problems] == [
        (2, "provider_number", "unknown_provider"),
        (3, "places_u3", "not_a_number"),
    ]
    assert not Facility.objects.filter(official_number__in=["F7", "F8"]).exists()
    assert Facility.objects.get(official_number="F2").valid_to is None  # nothing was closed either


def test_the_service_refuses_an_actor_who_may_not_import(tmp_path):
    from django.core.exceptions import PermissionDenied

    from tests.web.factories import make_user

    city = make_city()
    path = write(tmp_path, "e.csv", "area_code;year;age;count\n0101;2024;0;5\n")
    with pytest.raises(PermissionDenied):
        import_file(
            territory=city.territory, kind="population", path=path, actor=make_user("viewer", None)
        )
    assert not ImportRun.objects.exists()
