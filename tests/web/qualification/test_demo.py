"""The demo qualification on a synthetic pool: idempotent, fast, consistent with the registry."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.urls import reverse

from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.roles import Role
from kitaplan.web.demo.childminding import generate_pool
from kitaplan.web.demo.qualification import create_demo_qualification
from kitaplan.web.qualification import selectors
from kitaplan.web.qualification.models import Course, Enrolment, Programme
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


def test_demo_qualification_needs_the_pool_is_idempotent_and_consistent(client):
    assert create_demo_qualification(today=TODAY) is False  # no Berlin
    city = make_city("berlin")
    assert create_demo_qualification(today=TODAY) is False  # no pool
    generate_pool(city.territory, city.districts[0], childminders=120, today=TODAY)
    started = time.perf_counter()
    assert create_demo_qualification(today=TODAY) is True
    assert time.perf_counter() - started < 2
    assert create_demo_qualification(today=TODAY) is False
    qhb = Programme.objects.get(code="QHB")
    assert qhb.total_units == 300
    assert [p.units for p in qhb.parts.all()] == [160, 140]
    assert Programme.objects.get(code="DJI160").total_units == 160
    current = Course.objects.get(title="QHB-Kurs 2026/27")
    assert sum(m.units for m in current.modules.all()) == 300
    assert current.enrolments.count() == 12
    rows = selectors.with_qualification(Childminder.objects.all())
    for cm in rows:
        statuses = {s.programme.code: s for s in selectors.qualification_status(cm)}
        if cm.qualification == "QHB 300 UE":
            assert statuses["QHB"].done, cm
        elif cm.qualification == "160 UE":
            assert statuses["DJI160"].done, cm
        elif cm.number.startswith("TPN") and cm.enrolments.all()[0].status != "dropped":
            pre = statuses["QHB"].parts[0]
            assert 0 < pre.units < 160 and not pre.done
    assert Enrolment.objects.filter(status="completed", certificate_number="").count() == 0
    items = selectors.behind_list(Childminder.objects.all(), today=TODAY)
    kinds = {i.kind for i in items}
    assert {"alongside_overdue", "alongside_due", "training_below_minimum"} <= kinds
    active = Childminder.objects.filter(status="active").count()
    below = sum(i.kind == "training_below_minimum" for i in items)
    assert 0 < below < active
    user = make_user("admin-q", Role.ADMIN)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (
        reverse("qualification:programme-list"),
        reverse("qualification:course-detail", kwargs={"pk": current.pk}),
        reverse("qualification:behind"),
        reverse("qualification:planning"),
        reverse("qualification:childminder", kwargs={"pk": items[0].childminder.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1
