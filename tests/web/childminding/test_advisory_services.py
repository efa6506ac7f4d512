"""The advisory services page: an administrator sets up a Fachberatung and its advisers, after
which the adviser sees the childminders of that service (and no other)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import AdvisoryService, Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.roles import Role
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


def test_an_administrator_sets_up_a_service_and_its_adviser_then_sees_its_childminders(client):
    city = make_city()
    make_user("chefin", Role.ADMIN)
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    assert client.login(username="chefin", password=PASSWORD)
    response = client.post(
        reverse("childminding:service-list"),
        {"territory": city.territory.pk, "name": "Fachberatung Nord", "advisers": [adviser.pk]},
    )
    assert response.status_code == 302
    service = AdvisoryService.objects.get(name="Fachberatung Nord")
    assert list(service.advisers.all()) == [adviser]
    own = Childminder.objects.create(
        territory=city.territory, number="TP-1", name="A", care_location="own_home", service=service
    )
    Childminder.objects.create(
        territory=city.territory, number="TP-2", name="B", care_location="own_home"
    )
    assert list(childminders_visible_to(adviser)) == [own]
    event = AuditEvent.objects.get(action="childminding.changed")
    assert event.after == {"name": "Fachberatung Nord", "advisers": [adviser.pk]}
    # removing the adviser again is a change with before and after
    response = client.post(
        reverse("childminding:service-edit", args=[service.pk]), {"name": "Nord"}
    )
    assert response.status_code == 302
    assert not service.advisers.exists()
    assert AuditEvent.objects.filter(action="childminding.changed").latest("pk").before == {
        "name": "Fachberatung Nord",
        "advisers": [adviser.pk],
    }
    page = client.get(reverse("childminding:service-list")).content.decode()
    assert "Nord" in page and "Fachberatungen" in page
