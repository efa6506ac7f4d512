"""The demo inclusion data: idempotent, fast, consistent."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from kitaplan.domain.planning.targets import TargetMetric
from kitaplan.web.demo.inclusion import create_demo_inclusion
from kitaplan.web.facilities.models import Facility
from kitaplan.web.inclusion import selectors
from kitaplan.web.inclusion.models import Booking, ChecklistItem, PoolItem
from kitaplan.web.planning import selectors as planning_selectors
from kitaplan.web.planning.models import TargetRule
from kitaplan.web.qualification.models import Enrolment
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 4)


def test_the_demo_is_idempotent_fast_and_consistent():
    assert create_demo_inclusion(today=TODAY) is False  # no Berlin
    city = make_city("berlin")
    Facility.objects.filter(pk=city.facilities[0].pk).update(
        step_free_entrance=True, accessible_toilet=True, inclusion_profile=True
    )
    started = time.perf_counter()
    assert create_demo_inclusion(today=TODAY) is True
    assert time.perf_counter() - started < 2
    assert create_demo_inclusion(today=TODAY) is False
    assert list(
        ChecklistItem.objects.filter(territory=city.territory).values_list("code", flat=True)
    ) == ["BF", "IP", "HPZ", "RAUM", "THER"]
    assert PoolItem.objects.count() == 15
    assert set(PoolItem.objects.values_list("kind", flat=True)) == {"aid", "expert"}
    assert Booking.objects.exists()
    # Bookings that hold an item never overlap.
    for item in PoolItem.objects.all():
        held = list(item.bookings.order_by("start"))
        for a, b in zip(held, held[1:], strict=False):
            assert a.end < b.start
    # Staff only at facilities of the demo district (no demo provider here: the first district).
    facilities = set(Enrolment.objects.values_list("facility_id", flat=True))
    assert facilities <= {f.pk for f in city.facilities[:2]}
    results = selectors.evaluate(Facility.objects.filter(territory=city.territory))
    metrics, _areas = planning_selectors.area_metrics(
        territory=city.territory, year=2024, day=TODAY
    )
    district = metrics[city.districts[0].pk][TargetMetric.FACILITIES_ABLE_TO_CARE_FOR_ALL]
    assert district == sum(1 for r in results.values() if r.meets_all)
    assert TargetRule.objects.get(code="KFA").metric == "facilities_able_to_care_for_all"
