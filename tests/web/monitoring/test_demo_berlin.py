"""On the demo city, the page reproduces every published MSS 2021 class of Berlin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.demo.city import load_demo
from tests.web.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_demo_berlin_status_and_dynamics_classes_agree_with_the_publication(client):
    load_demo(actor=SYSTEM)
    user = make_user("planner", Role.PLANNER)
    client.login(username=user.username, password=PASSWORD)
    for preset in ("status", "dynamics"):
        response = client.get(reverse("monitoring:index"), {"index": preset})
        assert response.status_code == 200
        agreement = response.context["agreement"]
        assert agreement.compared == 536
        assert agreement.identical == 536
        assert response.context["differences"] == []
    # the demo has a second, derived period (2018) of S1, S3, S4: the status index and its
    # components have changes and alerts
    response = client.get(
        reverse("monitoring:alerts"), {"territory": "berlin", "indicator": "index:status"}
    )
    assert response.status_code == 200
    assert (response.context["period"], response.context["compare"]) == (2020, 2018)
    indicators = client.get(
        reverse("monitoring:indicators"), {"territory": "berlin", "indicator": "mss_s4"}
    )
    table = indicators.context["table"]
    assert (table.period, table.compare) == (2020, 2018)
    assert not table.only_one_period
