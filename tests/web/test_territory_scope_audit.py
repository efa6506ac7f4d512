"""Territory scope of the audit trail (issue 13, part 1): each event records the territory of
its record, and a territory-scoped planner's audit page and export show only their territories'
events (not another territory's, not those of no territory)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction, record_audit_event, territory_id_of
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import FacilityPlaces
from kitaplan.web.measures.models import ActionField, Measure, Objective, Plan
from tests.web.factories import PASSWORD, make_city

pytestmark = pytest.mark.django_db


def _planner(username: str, territory) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username=username, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=Role.PLANNER.value, territory=territory)
    return user


def _measure(territory) -> Measure:  # type: ignore[no-untyped-def]
    """A measure four steps from its territory (not saved: the path is followed in memory)."""
    return Measure(objective=Objective(field=ActionField(plan=Plan(territory=territory))))


def test_an_event_records_the_territory_of_its_record():
    berlin = make_city("berlin")
    places = FacilityPlaces.objects.filter(facility=berlin.facilities[0]).first()
    assert territory_id_of(berlin.facilities[0]) == berlin.territory.pk  # its own field
    assert territory_id_of(places) == berlin.territory.pk  # through the facility
    assert territory_id_of(_measure(berlin.territory)) == berlin.territory.pk  # four steps
    assert territory_id_of(berlin.territory) == berlin.territory.pk
    assert territory_id_of(User.objects.create_user("someone")) is None
    event = record_audit_event(actor=SYSTEM, action=AuditAction.FACILITY_UPDATED, target=places)
    assert event.territory_id == berlin.territory.pk
    # given explicitly (a deleted record's): kept as given
    event = record_audit_event(
        actor=SYSTEM, action=AuditAction.ADMIN_DELETED, target_type="x.y", territory=7
    )
    assert event.territory_id == 7


def test_a_scoped_planner_sees_only_the_events_of_their_territory(client):
    berlin, dresden = make_city("berlin"), make_city("dresden")
    for city in (berlin, dresden):
        record_audit_event(
            actor=SYSTEM,
            action=AuditAction.FACILITY_UPDATED,
            target=city.facilities[0],
            target_label=f"Kita of {city.territory.code}",
        )
    record_audit_event(
        actor=SYSTEM, action=AuditAction.DEMO_LOADED, target_type="x", target_label="no territory"
    )
    url = reverse("audit:event-list")
    client.login(username=_planner("dd", dresden.territory).username, password=PASSWORD)
    page = client.get(url).content.decode()
    export = client.get(url + "?format=csv").content.decode()
    for shown in (page, export):
        assert "Kita of dresden" in shown
        assert "Kita of berlin" not in shown
        assert "no territory" not in shown  # events of no territory: only for every territory
    assert AuditAction.DEMO_LOADED.value not in page  # nor its action in the filter
    client.logout()
    client.login(username=_planner("all", None).username, password=PASSWORD)
    page = client.get(url).content.decode()
    assert "Kita of dresden" in page and "Kita of berlin" in page and "no territory" in page
    assert AuditEvent.objects.filter(territory=None).exists()
