"""The demo flu wave on a synthetic pool: idempotent, proposed together, within every limit."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from kitaplan.domain.childminding.capacity import max_simultaneous
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.childminding.services import own_children
from kitaplan.web.childminding.views import schedules_of
from kitaplan.web.demo.childminding import generate_pool
from kitaplan.web.demo.substitutes import create_demo_wave, wave_monday
from kitaplan.web.substitutes.models import (
    Absence,
    ContactVisit,
    Notification,
    ParentContact,
    SubstituteAssignment,
    SubstituteProfile,
)
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


def test_demo_wave_needs_the_pool_and_is_idempotent():
    assert create_demo_wave(today=TODAY) is False  # no Berlin, no pool
    city = make_city("berlin")
    assert create_demo_wave(today=TODAY) is False
    generate_pool(city.territory, city.districts[0], childminders=120, today=TODAY)
    started = time.perf_counter()
    assert create_demo_wave(today=TODAY) is True
    assert time.perf_counter() - started < 5
    assert create_demo_wave(today=TODAY) is False
    active = Childminder.objects.filter(status="active").count()
    absences = Absence.objects.all()
    assert abs(absences.count() - round(0.15 * active)) <= 1
    monday = wave_monday(TODAY)
    assert {(a.start, a.end) for a in absences} == {(monday, monday + dt.timedelta(days=4))}
    assert ContactVisit.objects.filter(day__gt=TODAY).count() == 0
    rows = SubstituteAssignment.objects.all()
    assert rows.filter(status="confirmed").exists()
    assert rows.filter(status="proposed").exists()
    # synthetic addresses only, parents with consent; the demo's confirmations are logged as sent
    addresses = [*ParentContact.objects.values_list("email", flat=True)]
    addresses += SubstituteProfile.objects.values_list("email", flat=True)
    assert addresses and all(a.endswith("example.org") for a in addresses)
    assert all(ParentContact.objects.values_list("consent", flat=True))
    confirmed = rows.filter(status="confirmed")
    assert Notification.objects.filter(assignment__in=confirmed, audience="substitute").count() == (
        confirmed.count()
    )
    assert Notification.objects.filter(status="sent").exists()
    assert not Notification.objects.filter(status="failed").exists()
    assert confirmed.filter(notified_at__isnull=False).exists()
    # every substitute stays within her permit on every day of the wave
    for cm in Childminder.objects.filter(substitutions__status="confirmed").distinct():
        for k in range(5):
            day = monday + dt.timedelta(days=k)
            permit = cm.permits.get(valid_from__lte=day, valid_to__gte=day)
            present = max_simultaneous(schedules_of(cm), day, extra_present=own_children(cm))
            extra = sum(
                day.isoformat() in r.days for r in rows.filter(substitute=cm, status="confirmed")
            )
            assert present + extra <= permit.max_children
