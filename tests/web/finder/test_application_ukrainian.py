"""The parents' application pages speak Ukrainian (refugee families), not only the finder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kitaplan.web.core.roles import Role
from tests.web.allocation.helpers import make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


def test_a_parent_registers_a_child_in_ukrainian(client):
    round_ = make_round(make_city())
    today = timezone.localdate()
    round_.applications_open = today - dt.timedelta(days=10)
    round_.applications_close = today + dt.timedelta(days=30)
    round_.save()
    parent = make_user("parent", Role.PARENT)
    assert client.login(username=parent.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    response = client.get(reverse("allocation:my-applications"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Мої заяви на місце в дитячому садку" in html
    assert "Ви ще не зареєстрували жодної дитини." in html
    assert "Зареєструвати дитину на Kita-Jahr 2027/28" in html

    response = client.get(reverse("allocation:application-new", args=[round_.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Дитячі садки в порядку бажання" in html
    assert "1-й вибір" in html
    assert "Дата народження" in html
