"""The qualification services check what their actor may do (issue 18: one permission
convention), whatever page calls them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.roles import Role
from kitaplan.web.qualification import services
from kitaplan.web.qualification.models import Enrolment, FurtherTraining, Module
from tests.web.factories import make_city, make_user
from tests.web.qualification.helpers import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def test_only_advisers_and_administrators_keep_courses_and_attendance(city):
    course = make_course(city.territory)
    module = course.modules.first()
    for role in (Role.PAYMENT_OFFICE, Role.PLANNER, Role.CHILDMINDER, None):
        actor = make_user(f"u-{role}", role)
        with pytest.raises(PermissionDenied):
            services.save_course(course=course, actor=actor)
        with pytest.raises(PermissionDenied):
            services.save_module(module=Module(course=course, part=module.part), actor=actor)
        with pytest.raises(PermissionDenied):
            services.record_attendance(module=module, units={}, actor=actor)
    admin = make_user("admin", Role.ADMIN)
    assert services.save_course(course=course, actor=admin) == course
    assert services.record_attendance(module=module, units={}, actor=admin) == 0


def test_a_childminder_is_enrolled_and_trained_only_by_who_sees_her(city):
    course = make_course(city.territory)
    cm = Childminder.objects.create(
        territory=city.territory, number="T1", name="TP T1", care_location="own_home"
    )
    adviser = make_user("adviser", Role.CHILDMINDER_ADVISER)  # no advisory service: sees nobody
    with pytest.raises(PermissionDenied):
        services.save_enrolment(enrolment=Enrolment(course=course, childminder=cm), actor=adviser)
    training = FurtherTraining(childminder=cm, date=course.start, title="A", hours=Decimal(4))
    with pytest.raises(PermissionDenied):
        services.save_further_training(training=training, actor=adviser)
    admin = make_user("admin", Role.ADMIN)
    services.save_enrolment(enrolment=Enrolment(course=course, childminder=cm), actor=admin)
    services.save_further_training(training=training, actor=admin)
    assert cm.enrolments.count() == 1 and cm.further_trainings.count() == 1


def test_kita_staff_are_enrolled_by_planners_for_facilities_of_the_course_territory(city):
    course = make_course(city.territory)
    facility = city.facilities[0]
    staff = Enrolment(course=course, facility=facility, participant_name="Fachkraft A")
    with pytest.raises(PermissionDenied):
        services.save_enrolment(enrolment=staff, actor=make_user("a", Role.CHILDMINDER_ADVISER))
    other = make_city("other")
    away = Enrolment(course=course, facility=other.facilities[0], participant_name="B")
    with pytest.raises(services.QualificationError) as error:
        services.save_enrolment(enrolment=away, actor=make_user("p", Role.PLANNER))
    assert error.value.code == "other_territory"
    services.save_enrolment(enrolment=staff, actor=make_user("p2", Role.PLANNER))
    assert Enrolment.objects.filter(facility=facility).count() == 1


def test_the_yearly_minimum_is_set_by_administrators_only(city):
    for role in (Role.CHILDMINDER_ADVISER, Role.PLANNER):
        with pytest.raises(PermissionDenied):
            services.set_training_minimum(
                territory=city.territory, year=None, hours=Decimal(18), actor=make_user(role, role)
            )
    row = services.set_training_minimum(
        territory=city.territory, year=None, hours=Decimal(18), actor=make_user("a", Role.ADMIN)
    )
    assert row.hours == Decimal(18)
