"""The inclusion services check what their actor may do (issue 18: one permission convention)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kitaplan.web.core.roles import Role
from kitaplan.web.inclusion import services
from kitaplan.web.inclusion.models import ChecklistItem, PoolItem
from tests.web.factories import make_city, make_user
from tests.web.inclusion.helpers import inclusion_objects

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def city():
    return make_city()


def test_the_checklist_and_the_pool_are_kept_by_planners_and_administrators(city):
    objects = inclusion_objects(city)
    item = ChecklistItem.objects.get(pk=objects["checklist_item"])
    pool = PoolItem.objects.get(pk=objects["pool_item"])
    adviser = make_user("adviser", Role.CHILDMINDER_ADVISER)
    with pytest.raises(PermissionDenied):
        services.save_checklist_item(item=item, actor=adviser)
    with pytest.raises(PermissionDenied):
        services.save_pool_item(item=pool, actor=adviser)
    planner = make_user("planner", Role.PLANNER)
    assert services.save_checklist_item(item=item, actor=planner) == item
    assert services.save_pool_item(item=pool, actor=planner) == pool


def test_a_facility_manager_acts_only_for_her_facility(city):
    objects = inclusion_objects(city)
    item = ChecklistItem.objects.get(pk=objects["checklist_item"])
    pool = PoolItem.objects.get(pk=objects["pool_item"])
    own, other, _f3 = city.facilities
    manager = make_user("manager", Role.FACILITY_MANAGER, facility=own)
    with pytest.raises(PermissionDenied):
        services.confirm_item(facility=other, item=item, confirmed=True, date=DAY, actor=manager)
    with pytest.raises(PermissionDenied):
        services.book(item=pool, facility=other, start=DAY, end=DAY, actor=manager)
    services.confirm_item(facility=own, item=item, confirmed=True, date=DAY, actor=manager)
    booking = services.book(
        item=pool,
        facility=own,
        start=DAY + dt.timedelta(days=60),
        end=DAY + dt.timedelta(61),
        actor=manager,
    )
    with pytest.raises(PermissionDenied):  # lending is the planners' work
        services.set_booking_status(booking=booking, status="lent", actor=manager, day=DAY)
    services.set_booking_status(booking=booking, status="cancelled", actor=manager, day=DAY)
    assert booking.status == "cancelled"
