"""The services check what the actor may do (keyword-only ``actor``, ``PermissionDenied``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kitaplan.web.allocation import erasure, services
from kitaplan.web.allocation.models import Application, RoundProgramme
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.selectors import facilities_visible_to
from tests.web.allocation.helpers import CARE_START, apply, make_round
from tests.web.factories import make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def test_only_the_office_sets_up_runs_and_publishes_them(city):
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1"])
    planner = make_user("planner", Role.PLANNER)
    with pytest.raises(PermissionDenied):
        services.save_round(round_=round_, criteria=[], actor=planner)
    with pytest.raises(PermissionDenied):
        services.run_round(round_=round_, actor=planner)
    run = services.run_round(round_=round_, actor=make_user("office", Role.ALLOCATION_OFFICE))
    with pytest.raises(PermissionDenied):
        services.publish_run(run=run, actor=planner)
    assert not run.is_published


def test_a_facility_manager_sets_places_and_criteria_of_the_own_facilities_only(city):
    round_ = make_round(city)
    manager = make_user("kita", Role.FACILITY_MANAGER, provider=city.providers[0])
    own = set(facilities_visible_to(manager))
    mine = next(f for f in city.facilities if f in own)
    other = next(f for f in city.facilities if f not in own)
    services.save_facility_criteria(round_=round_, facility=mine, names=["Eigene"], actor=manager)
    with pytest.raises(PermissionDenied):
        services.save_facility_criteria(round_=round_, facility=other, names=["X"], actor=manager)
    with pytest.raises(PermissionDenied):
        services.save_own_order(round_=round_, facility=other, references=[], actor=manager)
    programme = RoundProgramme.objects.get(round=round_, facility=other)
    programme.capacity = 9
    with pytest.raises(PermissionDenied):
        services.save_programme(programme=programme, actor=manager)
    assert RoundProgramme.objects.get(pk=programme.pk).capacity != 9


def test_families_change_only_their_own_applications_and_advisers_only_register(city):
    round_ = make_round(city)
    parent = make_user("mutter", Role.PARENT)
    stranger = make_user("fremd", Role.PARENT)
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    with pytest.raises(PermissionDenied):
        services.withdraw_application(application=application, actor=stranger)
    services.withdraw_application(application=application, actor=parent)
    adviser = make_user("beratung", Role.CHILDMINDER_ADVISER)
    on_behalf = Application(
        round=round_,
        child_name="Ben",
        birth_date=dt.date(2026, 1, 15),
        desired_start=CARE_START,
        home_area=city.areas[0],
        registered_on=dt.date(2026, 12, 1),
    )
    services.save_application(application=on_behalf, facilities=[city.facilities[0]], actor=adviser)
    with pytest.raises(PermissionDenied):
        services.save_application(
            application=on_behalf, facilities=[city.facilities[1]], actor=adviser
        )
    with pytest.raises(PermissionDenied):
        erasure.erase_application(application=on_behalf, actor=adviser, reason="family_request")
    erasure.erase_application(application=on_behalf, actor=SYSTEM, reason="family_request")
