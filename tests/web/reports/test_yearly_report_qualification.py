"""The yearly report counts qualification from the history, not today's state: a childminder who
completes QHB after the previous reference date is "in qualification" then, "qualified" now."""

from __future__ import annotations

import datetime as dt

import pytest

from kitaplan.web.childminding.models import AdvisoryService, Childminder, StatusChange
from kitaplan.web.qualification.models import Enrolment, Programme
from kitaplan.web.reports.yearly import qualification_on, yearly_report
from tests.web.factories import make_city
from tests.web.qualification.helpers import make_course

pytestmark = pytest.mark.django_db

YEAR = 2026
NOW = dt.date(2026, 3, 1)
BEFORE = dt.date(2025, 3, 1)


def person(city, service, number, text=""):
    cm = Childminder.objects.create(
        territory=city.territory,
        number=number,
        name=f"Tagesmutter {number}",
        care_location="own_home",
        qualification=text,
        area=city.areas[0],
        service=service,
    )
    StatusChange.objects.create(childminder=cm, status="active", valid_from=dt.date(2023, 1, 1))
    return cm


def enrol(cm, course, *, completed_on=None, status=None):
    return Enrolment.objects.create(
        course=course,
        childminder=cm,
        status=status or ("completed" if completed_on else "enrolled"),
        result="passed" if completed_on else "",
        certificate_date=completed_on,
    )


@pytest.fixture
def history():
    city = make_city()
    service = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Q")
    course = make_course(city.territory, title="QHB 2024/25", start=dt.date(2024, 9, 7))
    assert course.start <= BEFORE < course.end  # running on the previous reference date
    # completes QHB after the previous reference date; today's text already says "QHB"
    later = person(city, service, "Q1", "QHB 300 UE")
    enrol(later, course, completed_on=dt.date(2025, 4, 30))
    # completed before both reference dates
    early = person(city, service, "Q2", "QHB 300 UE")
    old = make_course(city.territory, title="QHB 2022/23", start=dt.date(2022, 9, 3))
    enrol(early, old, completed_on=dt.date(2023, 5, 1))
    # still in the course on both dates (the text was typed in advance)
    slow = person(city, service, "Q3", "QHB (in Qualifizierung)")
    enrol(slow, course)
    # an Erzieherin taking the QHB course: qualified as pedagogical staff throughout
    trained = person(city, service, "Q4", "Erzieherin")
    enrol(trained, course, completed_on=dt.date(2025, 4, 30))
    # enrolled only in a course that starts after the previous reference date
    newcomer = person(city, service, "Q5")
    enrol(newcomer, make_course(city.territory, title="QHB 2025/26", start=dt.date(2025, 9, 6)))
    # dropped out: the enrolment does not count, the text is empty
    dropped = person(city, service, "Q6")
    enrol(dropped, course, status="dropped")
    return city, service, {
        "later": later, "early": early, "slow": slow, "trained": trained,
        "newcomer": newcomer, "dropped": dropped,
    }  # fmt: skip


def test_a_childminder_completing_qhb_after_the_previous_date_moves_columns(history):
    city, service, people = history
    report = yearly_report(city.territory, YEAR, services=[service])
    now, before = report.current.qualification, report.previous.qualification
    assert before == {
        "qhb": 1,  # early
        "ue160": 0,
        "pedagogical": 1,  # trained
        "other": 0,
        "in_qualification": 2,  # later, slow
        "none": 2,  # newcomer (course not yet started), dropped
    }
    assert now == {
        "qhb": 3,  # early, later, trained (the completed QHB ranks before "Erzieherin")
        "ue160": 0,
        "pedagogical": 0,
        "other": 0,
        "in_qualification": 2,  # slow, newcomer
        "none": 1,  # dropped
    }
    lines = {(r.section, r.key): r for r in report.lines()}
    assert lines[("qualification", "in_qualification")].previous == 2
    assert lines[("qualification", "qhb")].difference == 2


def test_the_class_on_a_day_follows_the_certificate_and_the_course(history):
    _city, _service, people = history
    later = people["later"]
    for day, expected in (
        (dt.date(2024, 9, 6), "none"),  # before the course started (text explained by it)
        (dt.date(2024, 9, 7), "in_qualification"),
        (dt.date(2025, 4, 29), "in_qualification"),
        (dt.date(2025, 4, 30), "qhb"),  # the certificate date
    ):
        fresh = Childminder.objects.prefetch_related("enrolments__course__programme").get(
            pk=later.pk
        )
        assert qualification_on(fresh, day) == expected, day
    # without a certificate date the course's end counts
    enrolment = later.enrolments.get()
    enrolment.certificate_date = None
    enrolment.save()
    fresh = Childminder.objects.prefetch_related("enrolments__course__programme").get(pk=later.pk)
    end = enrolment.course.end
    assert qualification_on(fresh, end - dt.timedelta(days=1)) == "in_qualification"
    assert qualification_on(fresh, end) == "qhb"
    # a 160-UE curriculum completed counts as such
    programme = Programme.objects.get(code="QHB")
    programme.kind = "curriculum_160"
    programme.save()
    fresh = Childminder.objects.prefetch_related("enrolments__course__programme").get(pk=later.pk)
    assert qualification_on(fresh, end) == "ue160"
