"""Qualification: units per programme part, deadlines, the yearly minimum, the behind list,
scoping, edit rights and audit events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse

from kitaplan.domain.common.calendar import add_months
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import AdvisoryService, Childminder, Permit
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.qualification import selectors, services
from kitaplan.web.qualification.models import (
    Attendance,
    Enrolment,
    FurtherTraining,
    Module,
    TrainingMinimum,
)
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.qualification.helpers import make_course, qualification_objects

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def city():
    return make_city()


def childminder(city, number, *, start=dt.date(2024, 1, 1), service=None, status="active"):
    cm = Childminder.objects.create(
        territory=city.territory,
        number=number,
        name=f"TP {number}",
        care_location="own_home",
        area=city.areas[0],
        service=service,
        status=status,
    )
    if start is not None:
        Permit.objects.create(
            childminder=cm, valid_from=start, valid_to=start + dt.timedelta(days=5 * 365)
        )
    return cm


def attend(enrolment, modules, units):
    for module, value in zip(modules, units, strict=False):
        Attendance.objects.create(enrolment=enrolment, module=module, units=value)


def status_of(cm):
    cm = selectors.with_qualification(Childminder.objects.filter(pk=cm.pk)).get()
    (status,) = selectors.qualification_status(cm)
    return status


def test_units_of_the_modules_sum_to_the_part_and_complete_it_with_internships_and_test(city):
    course = make_course(city.territory)
    pre_modules = list(course.modules.filter(part__order=1))
    cm = childminder(city, "T1")
    enrolment = Enrolment.objects.create(course=course, childminder=cm)
    attend(enrolment, pre_modules, [20] * 7 + [12])
    pre, alongside = status_of(cm).parts
    assert (pre.units, pre.units_missing, pre.done) == (152, 8, False)
    assert alongside.units == 0 and alongside.units_missing == 140
    Attendance.objects.filter(enrolment=enrolment, module=pre_modules[-1]).update(units=20)
    pre = status_of(cm).parts[0]
    assert pre.units == 160 and pre.units_missing == 0
    assert not pre.done  # internships and the test are still open
    enrolment.internship_hours = 80
    enrolment.save()
    enrolment.tests_passed.add(pre.part)
    pre, alongside = status_of(cm).parts
    assert pre.done and not alongside.done
    # A dropped enrolment does not count.
    Enrolment.objects.filter(pk=enrolment.pk).update(status="dropped")
    cm = selectors.with_qualification(Childminder.objects.filter(pk=cm.pk)).get()
    assert selectors.qualification_status(cm) == []


def test_the_part_alongside_the_work_is_overdue_after_its_deadline(city):
    course = make_course(city.territory)
    overdue = childminder(city, "T1", start=dt.date(2024, 11, 1))  # deadline 1 Nov 2026
    soon = childminder(city, "T2", start=dt.date(2025, 1, 31))  # deadline 31 Jan 2027
    later = childminder(city, "T3", start=dt.date(2025, 6, 1))  # deadline 1 Jun 2027
    for cm in (overdue, soon, later):
        e = Enrolment.objects.create(course=course, childminder=cm, internship_hours=80)
        e.tests_passed.add(course.programme.parts.get(order=1))
        attend(e, course.modules.all(), [20] * 8 + [20, 20])
    part = status_of(overdue).parts[1]
    assert part.deadline == dt.date(2026, 11, 1) and part.units_missing == 100
    assert part.overdue(TODAY) and not part.overdue(dt.date(2026, 11, 1))
    assert status_of(soon).parts[1].deadline == dt.date(2027, 1, 31)
    assert add_months(dt.date(2024, 12, 31), 2) == dt.date(2025, 2, 28)
    assert status_of(soon).parts[1].due_soon(TODAY)
    assert not status_of(later).parts[1].due_soon(TODAY)
    kinds = {
        (i.childminder.number, i.kind)
        for i in selectors.behind_list(Childminder.objects.all(), today=TODAY)
        if i.kind != "training_below_minimum"
    }
    assert kinds == {("T1", "alongside_overdue"), ("T2", "alongside_due")}


def test_the_yearly_minimum_of_further_training(city):
    cm = childminder(city, "T1")
    FurtherTraining.objects.create(childminder=cm, date=dt.date(2026, 3, 1), title="A", hours=12)
    FurtherTraining.objects.create(childminder=cm, date=dt.date(2026, 9, 1), title="B", hours=6)
    FurtherTraining.objects.create(childminder=cm, date=dt.date(2025, 9, 1), title="C", hours=30)
    assert selectors.minimum_hours(city.territory, 2026) == Decimal(20)

    def below():
        return [
            i
            for i in selectors.behind_list(Childminder.objects.all(), today=TODAY)
            if i.kind == "training_below_minimum"
        ]

    (item,) = below()
    assert item.missing == Decimal(2) and item.detail == "2026"
    services.set_training_minimum(
        territory=city.territory, year=None, hours=Decimal(18), actor=SYSTEM
    )
    assert below() == []
    services.set_training_minimum(
        territory=city.territory, year=2026, hours=Decimal(24), actor=SYSTEM
    )
    assert selectors.minimum_hours(city.territory, 2025) == Decimal(18)
    (item,) = below()
    assert item.missing == Decimal(6)
    assert TrainingMinimum.objects.count() == 2


def test_the_behind_list_matches_an_independent_count(city):
    rng = np.random.default_rng(7)
    course = make_course(city.territory)
    modules = list(course.modules.order_by("start"))
    for k in range(40):
        start = TODAY - dt.timedelta(days=int(rng.integers(30, 1200)))
        status = "active" if rng.random() < 0.8 else "paused"
        cm = childminder(city, f"T{k:02d}", start=start, status=status)
        if rng.random() < 0.8:
            e = Enrolment.objects.create(
                course=course,
                childminder=cm,
                internship_hours=int(rng.choice([40, 80])),
                status="dropped" if rng.random() < 0.1 else "enrolled",
            )
            if rng.random() < 0.7:
                e.tests_passed.add(*course.programme.parts.all())
            attend(e, modules, [int(rng.choice([10, 20, 20, 20])) for _m in modules])
        for _t in range(int(rng.integers(0, 4))):
            FurtherTraining.objects.create(
                childminder=cm,
                date=dt.date(2026, int(rng.integers(1, 12)), 1),
                title="F",
                hours=int(rng.integers(2, 12)),
            )
    expected = {"pre_start_missing": 0, "alongside": 0, "training_below_minimum": 0}
    for cm in Childminder.objects.filter(status="active"):
        hours = (
            FurtherTraining.objects.filter(childminder=cm, date__year=2026).aggregate(
                s=Sum("hours")
            )["s"]
            or 0
        )
        expected["training_below_minimum"] += hours < 20
        e = Enrolment.objects.filter(childminder=cm).exclude(status="dropped").first()
        if e is None:
            continue
        units = {
            order: Attendance.objects.filter(enrolment=e, module__part__order=order).aggregate(
                s=Sum("units")
            )["s"]
            for order in (1, 2)
        }
        tests = set(e.tests_passed.values_list("order", flat=True))
        pre_done = units[1] >= 160 and e.internship_hours >= 80 and 1 in tests
        alongside_done = units[2] >= 140 and 2 in tests
        if pre_done and alongside_done:
            continue
        expected["pre_start_missing"] += not pre_done
        first = Permit.objects.filter(childminder=cm).order_by("valid_from").first()
        deadline = add_months(first.valid_from, 24)
        within = deadline <= add_months(TODAY, 3)
        expected["alongside"] += (not alongside_done) and within
    items = selectors.behind_list(Childminder.objects.all(), today=TODAY)
    got = {k: 0 for k in expected}
    for i in items:
        got["alongside" if i.kind.startswith("alongside") else i.kind] += 1
    assert got == expected
    assert sum(expected.values()) > 5


def test_an_enrolment_names_exactly_one_kind_of_participant(city):
    course = make_course(city.territory)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(course=course)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(course=course, facility=city.facilities[0])
    staff = Enrolment.objects.create(
        course=course, facility=city.facilities[0], participant_name="Erzieherin X"
    )
    assert staff.participant_label.startswith("Erzieherin X")


def login(client, role, name=None):
    user = make_user(name or f"u-{role.value}", role)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def test_an_adviser_of_another_service_gets_404_on_the_childminder_page(client, city):
    objects = qualification_objects(city)
    user = login(client, Role.CHILDMINDER_ADVISER)
    AdvisoryService.objects.create(territory=city.territory, name="Other").advisers.add(user)
    url = reverse("qualification:childminder", kwargs={"pk": objects["qual_childminder"]})
    assert client.get(url).status_code == 404
    # Her own service's childminder is visible; the course page lists only her participants.
    own = qualification_objects(city, user=user)
    response = client.get(
        reverse("qualification:childminder", kwargs={"pk": own["qual_childminder"]})
    )
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1
    assert "Qualification of" in response.content.decode()
    course = client.get(reverse("qualification:course-detail", kwargs={"pk": objects["course"]}))
    assert course.status_code == 200
    assert course.context["rows"] == []


def test_a_childminder_sees_her_page_read_only_and_cannot_edit_attendance(client, city):
    user = login(client, Role.CHILDMINDER)
    objects = qualification_objects(city, user=user)
    page = client.get(
        reverse("qualification:childminder", kwargs={"pk": objects["qual_childminder"]})
    )
    assert page.status_code == 200 and page.context["form"] is None
    url = reverse("qualification:course-detail", kwargs={"pk": objects["course"]})
    enrolment = Enrolment.objects.get(course_id=objects["course"])
    module = Module.objects.filter(course_id=objects["course"]).first()
    response = client.post(
        url, {"action": "attendance", "module": module.pk, f"units-{enrolment.pk}": "5"}
    )
    assert response.status_code == 403
    assert Attendance.objects.get(enrolment=enrolment, module=module).units == 20
    assert client.get(reverse("qualification:behind")).status_code == 403
    assert client.get(reverse("qualification:me")).status_code == 302


def test_changes_are_audited(client, city):
    user = login(client, Role.CHILDMINDER_ADVISER)
    objects = qualification_objects(city, user=user)
    url = reverse("qualification:course-detail", kwargs={"pk": objects["course"]})
    enrolment = Enrolment.objects.get(course_id=objects["course"])
    module = Module.objects.filter(course_id=objects["course"]).order_by("start")[1]
    before = AuditEvent.objects.filter(action="qualification.changed").count()
    response = client.post(
        url, {"action": "attendance", "module": module.pk, f"units-{enrolment.pk}": "18"}
    )
    assert response.status_code == 302
    assert Attendance.objects.get(enrolment=enrolment, module=module).units == 18
    # Out of range is refused with a message, nothing stored.
    response = client.post(
        url, {"action": "attendance", "module": module.pk, f"units-{enrolment.pk}": "25"}
    )
    assert (
        response.status_code == 200 and "between 0 and 20" in response.context["attendance_error"]
    )
    response = client.post(
        url,
        {
            "action": "enrolment",
            "enrolment-enrolment": enrolment.pk,
            "enrolment-status": "enrolled",
            "enrolment-internship_hours": "80",
            "enrolment-tests_passed": [module.part_id],
            "enrolment-result": "",
        },
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.internship_hours == 80
    assert list(enrolment.tests_passed.values_list("pk", flat=True)) == [module.part_id]
    page = reverse("qualification:childminder", kwargs={"pk": objects["qual_childminder"]})
    response = client.post(
        page, {"training-date": "2026-10-01", "training-title": "Sprache", "training-hours": "4"}
    )
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="qualification.changed")
    assert events.count() == before + 3
    assert Attendance.objects.get(enrolment=enrolment, module=module).units == 18


def test_staff_pages_and_the_export(client, city):
    qualification_objects(city)
    login(client, Role.ADMIN)
    for name in ("programme-list", "behind", "planning"):
        response = client.get(reverse(f"qualification:{name}"))
        assert response.status_code == 200
        assert response.content.decode().count("<h1") == 1
    csv = client.get(reverse("qualification:behind") + "?format=csv")
    assert csv.status_code == 200 and b"training_below_minimum" in csv.content
    xlsx = client.get(reverse("qualification:behind") + "?format=xlsx")
    assert xlsx.status_code == 200
    response = client.post(
        reverse("qualification:behind"),
        {"territory": city.territory.code, "minimum-year": "", "minimum-hours": "16"},
    )
    assert response.status_code == 302
    assert selectors.minimum_hours(city.territory, 2030) == Decimal(16)
