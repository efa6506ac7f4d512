"""The programme set-up page: create a programme and its parts without the Django admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.roles import Role
from kitaplan.web.qualification.models import Programme
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def adviser_client(client):
    city = make_city()
    make_user("berater", Role.CHILDMINDER_ADVISER)
    assert client.login(username="berater", password=PASSWORD)
    return client, city


def new_programme(client, city, code="QHB"):
    return client.post(
        reverse("qualification:setup"),
        {
            "programme-territory": city.territory.pk,
            "programme-code": code,
            "programme-name": "Qualifizierungshandbuch",
            "programme-kind": "qhb",
            "programme-courses_per_year": "2",
        },
    )


def test_a_programme_and_its_part_are_created_and_audited(adviser_client):
    client, city = adviser_client
    assert new_programme(client, city).status_code == 302
    programme = Programme.objects.get(territory=city.territory, code="QHB")
    response = client.post(
        reverse("qualification:setup-programme", args=[programme.pk]),
        {
            "action": "part",
            "part-order": "1",
            "part-name": "Grundqualifizierung",
            "part-timing": "before_start",
            "part-units": "160",
            "part-internship_hours": "80",
            "part-test_required": "on",
        },
    )
    assert response.status_code == 302
    assert programme.total_units == 160
    events = AuditEvent.objects.filter(action="qualification.changed")
    assert events.count() == 2
    assert events.latest("pk").after["part"]["units"] == 160
    page = client.get(reverse("qualification:setup")).content.decode()
    assert "Qualifizierungshandbuch" in page and "160" in page


def test_a_second_programme_code_in_the_territory_is_refused_in_german(adviser_client):
    client, city = adviser_client
    new_programme(client, city)
    response = new_programme(client, city)
    assert response.status_code == 200
    assert Programme.objects.filter(code="QHB").count() == 1
    assert "Kürzel" in response.content.decode()


def test_a_deadline_on_a_part_before_starting_is_refused(adviser_client):
    client, city = adviser_client
    new_programme(client, city)
    programme = Programme.objects.get(code="QHB")
    response = client.post(
        reverse("qualification:setup-programme", args=[programme.pk]),
        {
            "action": "part",
            "part-order": "1",
            "part-name": "Grundqualifizierung",
            "part-timing": "before_start",
            "part-units": "160",
            "part-internship_hours": "0",
            "part-deadline_months": "24",
        },
    )
    assert response.status_code == 200
    assert "Nur ein tätigkeitsbegleitender Teil hat eine Frist." in response.content.decode()
    assert not programme.parts.exists()
