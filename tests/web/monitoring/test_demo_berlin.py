"""On the demo city, the page reproduces every published MSS 2021 class of Berlin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.demo import load_demo
from kitaplan.web.core.roles import Role
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
