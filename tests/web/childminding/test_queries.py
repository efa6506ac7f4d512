"""The registry's list pages read a fixed number of queries, however many childminders there
are (permits, contracts and proofs are prefetched, free places counted in memory)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kitaplan.web.childminding.models import CareContract, Childminder, Permit, Proof
from kitaplan.web.core.roles import Role
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

WEEKDAYS = [[d, "08:00", "15:00"] for d in range(5)]


def add_childminders(city, count, start):
    for n in range(start, start + count):
        cm = Childminder.objects.create(
            territory=city.territory,
            number=f"Q{n}",
            name=f"Tagesmutter {n}",
            care_location="own_home",
            area=city.areas[0],
        )
        Permit.objects.create(
            childminder=cm, valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2028, 12, 31)
        )
        Proof.objects.create(childminder=cm, kind="first_aid", issued_on=dt.date(2025, 1, 1))
        CareContract.objects.create(
            childminder=cm,
            child_reference=f"K{n}",
            child_birth_date=dt.date(2024, 5, 1),
            valid_from=dt.date(2025, 1, 1),
            weekly_hours=35,
            slots=WEEKDAYS,
        )


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", ["childminding:childminder-list", "childminding:due"])
def test_the_list_pages_do_not_query_per_childminder(client, name):
    city = make_city()
    make_user("kasse", Role.PAYMENT_OFFICE)
    assert client.login(username="kasse", password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse(name)
    add_childminders(city, 2, 1)
    few = queries(client, url)
    add_childminders(city, 6, 3)
    assert queries(client, url) == few
