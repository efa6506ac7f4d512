"""Imports of qualification courses and attendance: example files, every bad-input class, all
or nothing, re-import unchanged, changes audited (attendance without personal values), the
adviser's scope, the page offer, the command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import AdvisoryService, Childminder
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.qualification.models import (
    Attendance,
    Course,
    EducationProvider,
    Enrolment,
    Module,
)
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user
from tests.web.qualification.helpers import make_qhb

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
COURSES = EXAMPLES / "courses.csv"
ATTENDANCE = EXAMPLES / "attendance.csv"
COURSE_HEADER = "code,title,programme,provider,start,end,units,places"
COURSE_ROW = "K-9,Kurs Neun,QHB,Bildungsträger A,2026-03-02,2026-04-30,40,12"
ATT_HEADER = "course,childminder_number,module,date,units"
ATT_ROW = "QHB-2026-1,TP-102,Modul 2,,16"


@pytest.fixture
def city() -> SmallCity:
    city = make_city()
    make_qhb(city.territory)
    service = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Nord")
    for number in ("TP-101", "TP-102"):
        Childminder.objects.create(
            territory=city.territory,
            number=number,
            name=f"Tagesmutter {number}",
            care_location="own_home",
            area=city.areas[0],
            service=service,
        )
    return city


def write(tmp_path: Path, text: str, name: str = "kurse.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, kind: str, path: Path, actor=SYSTEM, **kwargs) -> ImportRun:
    return import_file(territory=city.territory, kind=kind, path=path, actor=actor, **kwargs)


def refused_problem(run: ImportRun) -> dict[str, object]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    return run.problems[0]


def with_modules(city: SmallCity) -> Course:
    """The example courses with two modules of the first (2 and 16 February 2026)."""
    assert run_import(city, "courses", COURSES).status == "succeeded"
    course = Course.objects.get(code="QHB-2026-1")
    part = course.programme.parts.get(order=1)
    for k, day in enumerate((dt.date(2026, 2, 2), dt.date(2026, 2, 16)), start=1):
        Module.objects.create(course=course, part=part, title=f"Modul {k}", start=day, units=20)
    return course


# ------------------------------------------------------------------------------------- courses


def test_the_courses_example_imports_two_courses_and_adds_the_new_provider(city):
    run = run_import(city, "courses", COURSES)
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (2, 0, 0, 0)
    course = Course.objects.get(code="QHB-2026-2")
    assert (course.programme.code, course.provider.name, course.units, course.places) == (
        "QHB",
        "Bildungswerk Beispiel",
        160,
        14,
    )
    assert (course.start, course.end) == (dt.date(2026, 9, 7), dt.date(2027, 2, 26))
    assert EducationProvider.objects.filter(territory=city.territory).count() == 2


def test_importing_the_same_courses_again_changes_nothing(city):
    run_import(city, "courses", COURSES)
    before = list(Course.objects.order_by("pk").values())
    again = run_import(city, "courses", COURSES)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 2)
    assert list(Course.objects.order_by("pk").values()) == before


def test_a_changed_course_is_changed_and_audited(city, tmp_path):
    run_import(city, "courses", COURSES)
    text = COURSES.read_text(encoding="utf-8").replace("160,16", "160,18")
    run = run_import(city, "courses", write(tmp_path, text))
    assert (run.added, run.changed, run.unchanged) == (0, 1, 1)
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    assert event.details["changes"] == [{"key": "QHB-2026-1", "fields": {"places": [16, 18]}}]


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            ["K-9,Kurs Neun,Bildungsträger A,2026-03-02,2026-04-30"],
            "code,title,provider,start,end",
            1,
            "programme",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [COURSE_ROW.replace(",40,", ",vierzig,")],
            COURSE_HEADER,
            2,
            "units",
            "Zeile 2",
            id="bad-type",
        ),
        pytest.param(
            [COURSE_ROW.replace(",QHB,", ",XYZ,")],
            COURSE_HEADER,
            2,
            "programme",
            "QHB",
            id="unknown-programme",
        ),
        pytest.param(
            [COURSE_ROW.replace("2026-03-02,2026-04-30", "2026-04-30,2026-03-02")],
            COURSE_HEADER,
            2,
            "end",
            "start",
            id="end-before-start",
        ),
        pytest.param([COURSE_ROW, COURSE_ROW], COURSE_HEADER, 3, "code", "Zeile 3", id="duplicate"),
        pytest.param(
            [COURSE_ROW.replace("K-9", "K" * 41)],
            COURSE_HEADER,
            2,
            "code",
            "40 Zeichen",
            id="too-long",
        ),
    ],
)
def test_bad_course_input_is_refused_and_nothing_is_written(
    city, tmp_path, rows, header, row, column, german
):
    run = run_import(city, "courses", write(tmp_path, header + "\n" + "\n".join(rows) + "\n"))
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (row, column), problem
    message = describe_problem(problem_from_dict(problem))
    assert "kurse.csv" in message and german in message, message
    assert not Course.objects.exists()


def test_one_bad_course_among_good_ones_refuses_the_file(city, tmp_path):
    text = COURSES.read_text(encoding="utf-8").replace("2026-2,QHB-Grund", "2026-2,QHB-Grund", 1)
    text = text.replace("Herbst 2026,QHB,", "Herbst 2026,QXB,")
    problem = refused_problem(run_import(city, "courses", write(tmp_path, text)))
    assert (problem["row"], problem["column"], problem["value"]) == (3, "programme", "QXB")
    assert not Course.objects.exists()
    assert EducationProvider.objects.count() == 0


def test_the_german_course_mapping(city, tmp_path):
    text = "Kurs;Titel;Programm;Bildungsträger;Beginn;Ende;UE;Plätze\nK-1;Kurs;QHB;Träger B;01.03.2026;30.06.2026;40;10\n"
    run = run_import(city, "courses", write(tmp_path, text), mapping_name="courses-de")
    assert (run.status, run.added) == ("succeeded", 1), run.problems
    assert Course.objects.get(code="K-1").places == 10


# ---------------------------------------------------------------------------------- attendance


def test_the_attendance_example_imports_three_rows_and_enrols(city):
    with_modules(city)
    run = run_import(city, "attendance", ATTENDANCE)
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged) == (3, 0, 0)
    assert Enrolment.objects.count() == 2
    by_date = Attendance.objects.get(
        enrolment__childminder__number="TP-101", module__title="Modul 2"
    )
    assert by_date.units == 18


def test_importing_the_same_attendance_again_changes_nothing(city):
    with_modules(city)
    run_import(city, "attendance", ATTENDANCE)
    again = run_import(city, "attendance", ATTENDANCE)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    assert Attendance.objects.count() == 3


def test_changed_attendance_is_audited_without_personal_values(city, tmp_path):
    with_modules(city)
    run_import(city, "attendance", ATTENDANCE)
    text = ATTENDANCE.read_text(encoding="utf-8").replace("2026-02-16,18", "2026-02-16,20")
    run = run_import(city, "attendance", write(tmp_path, text))
    assert (run.added, run.changed, run.unchanged) == (0, 1, 2)
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    assert "Tagesmutter" not in json.dumps(event.details, default=str)
    [change] = event.details["changes"]
    assert change["key"].startswith("QHB-2026-1/TP-101/") and change["fields"] == ["units"]


@pytest.mark.parametrize(
    ("rows", "header", "row", "column", "german"),
    [
        pytest.param(
            ["QHB-2026-1,TP-102,Modul 2"],
            "course,childminder_number,module",
            1,
            "units",
            "fehlt",
            id="missing-column",
        ),
        pytest.param(
            [ATT_ROW.replace(",16", ",viel")], ATT_HEADER, 2, "units", "Zeile 2", id="bad-type"
        ),
        pytest.param(
            [ATT_ROW.replace("QHB-2026-1", "QHB-1999")],
            ATT_HEADER,
            2,
            "course",
            "Kurs",
            id="unknown-course",
        ),
        pytest.param(
            [ATT_ROW.replace("TP-102", "TP-9999")],
            ATT_HEADER,
            2,
            "childminder_number",
            "Nummer einer Kindertagespflegeperson",
            id="unknown-childminder",
        ),
        pytest.param(
            [ATT_ROW.replace("Modul 2", "Modul 7")],
            ATT_HEADER,
            2,
            "module",
            "Modul 1, Modul 2",
            id="unknown-module",
        ),
        pytest.param(
            ["QHB-2026-1,TP-102,,2026-03-01,16"],
            ATT_HEADER,
            2,
            "date",
            "Modul 1",
            id="no-module-that-day",
        ),
        pytest.param(
            [ATT_ROW, "QHB-2026-1,TP-102,,2026-02-16,16"],
            ATT_HEADER,
            3,
            "module",
            "Zeile 2",
            id="same-module-twice",
        ),
        pytest.param(
            [ATT_ROW, ATT_ROW],
            ATT_HEADER,
            3,
            "module",
            "Zeile 2",
            id="duplicate-key",
        ),
        pytest.param(
            [ATT_ROW.replace("TP-102", "T" * 33)],
            ATT_HEADER,
            2,
            "childminder_number",
            "32 Zeichen",
            id="too-long",
        ),
    ],
)
def test_bad_attendance_input_is_refused_and_nothing_is_written(
    city, tmp_path, rows, header, row, column, german
):
    with_modules(city)
    run = run_import(
        city, "attendance", write(tmp_path, header + "\n" + "\n".join(rows) + "\n", "teilnahme.csv")
    )
    problem = refused_problem(run)
    assert (problem["row"], problem["column"]) == (row, column), problem
    message = describe_problem(problem_from_dict(problem))
    assert "teilnahme.csv" in message and german in message, message
    assert not Attendance.objects.exists() and not Enrolment.objects.exists()


def test_one_bad_attendance_row_refuses_the_file(city, tmp_path):
    with_modules(city)
    text = ATTENDANCE.read_text(encoding="utf-8").replace("TP-102", "TP-0404")
    problem = refused_problem(run_import(city, "attendance", write(tmp_path, text)))
    assert (problem["row"], problem["value"]) == (4, "TP-0404")
    assert not Attendance.objects.exists() and not Enrolment.objects.exists()


def test_an_adviser_imports_only_her_services_childminders(city, tmp_path):
    with_modules(city)
    adviser = make_user("beraterin", Role.CHILDMINDER_ADVISER)
    other = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Süd")
    other.advisers.add(adviser)
    problem = refused_problem(
        run_import(city, "attendance", write(tmp_path, f"{ATT_HEADER}\n{ATT_ROW}\n"), actor=adviser)
    )
    assert problem["column"] == "childminder_number"
    AdvisoryService.objects.get(name="Fachberatung Nord").advisers.add(adviser)
    run = run_import(
        city, "attendance", write(tmp_path, f"{ATT_HEADER}\n{ATT_ROW}\n"), actor=adviser
    )
    assert (run.status, run.added) == ("succeeded", 1), run.problems


def test_the_import_page_offers_courses_and_attendance_to_advisers_and_admins_only(client, city):
    make_user("berater", Role.CHILDMINDER_ADVISER)
    make_user("admin", Role.ADMIN)
    make_user("planer", Role.PLANNER)
    for username, offered in (("berater", True), ("admin", True), ("planer", False)):
        client.login(username=username, password=PASSWORD)
        page = client.get(reverse("imports:import-new")).content.decode()
        assert ('value="courses"' in page) is offered, username
        assert ('value="attendance"' in page) is offered, username
        client.logout()


def test_the_command_line_imports_courses_and_attendance(city, capsys):
    territory = city.territory.code
    assert main(["import", str(COURSES), "--territory", territory, "--kind", "courses"]) == 0
    course = Course.objects.get(code="QHB-2026-1")
    part = course.programme.parts.get(order=1)
    for k, day in enumerate((dt.date(2026, 2, 2), dt.date(2026, 2, 16)), start=1):
        Module.objects.create(course=course, part=part, title=f"Modul {k}", start=day, units=20)
    code = main(["import", str(ATTENDANCE), "--territory", territory, "--kind", "attendance"])
    assert code == 0, capsys.readouterr().err
    assert Attendance.objects.count() == 3


def test_an_adviser_sets_a_course_up_on_the_page_with_code_units_and_places(client, city):
    make_user("berater", Role.CHILDMINDER_ADVISER)
    client.login(username="berater", password=PASSWORD)
    provider = EducationProvider.objects.create(territory=city.territory, name="Träger C")
    programme = city.territory.qualification_programmes.get(code="QHB")
    data = {
        "course-programme": programme.pk,
        "course-provider": provider.pk,
        "course-code": "K-7",
        "course-title": "Kurs Sieben",
        "course-start": "2026-03-02",
        "course-end": "2026-06-30",
        "course-units": "160",
        "course-places": "12",
    }
    response = client.post(reverse("qualification:programme-list"), data)
    assert response.status_code == 302
    course = Course.objects.get(code="K-7")
    assert (course.units, course.places) == (160, 12)
    # the code is the course's key in the territory: a second course with it is refused
    response = client.post(reverse("qualification:programme-list"), data)
    assert response.status_code == 200 and Course.objects.filter(code="K-7").count() == 1
