"""Network objects for tests and the access matrix: one network on a test city with two
members (consent given), one working group, one meeting and one action item."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.networks import services
from kitaplan.web.networks.models import Meeting, Member, Network, WorkingGroup
from tests.web.factories import SmallCity

NETWORK_NAME = "Testnetzwerk"
GROUP_NAME = "AG Test"


def make_network(city: SmallCity) -> Network:
    network = services.create_network(
        territory=city.territory,
        actor=SYSTEM,
        name=NETWORK_NAME,
        description="Erfunden für Tests",
        organiser_name="Amt für Tests",
        organiser_email="netzwerk@example.org",
    )
    for name, email, role, programme in (
        ("Erika Beispiel", "erika@example.org", Member.QUALITY, Member.LANGUAGE),
        ("Max Muster", "max@example.org", Member.LEADER, ""),
    ):
        services.add_member(
            network=network,
            actor=SYSTEM,
            name=name,
            email=email,
            role=role,
            programme=programme,
            facility=city.facilities[0],
            consent_given=True,
        )
    start = timezone.make_aware(dt.datetime.combine(dt.date(2024, 6, 14), dt.time(9)))
    meeting = services.create_meeting(
        network=network,
        actor=SYSTEM,
        title="2. Netzwerktreffen",
        start=start,
        end=start + dt.timedelta(hours=3),
        venue="Bürgerlabor",
        agenda="1. Begrüßung; Anmeldung geflüchteter Kinder, Sprach-Kitas",
    )
    services.add_action_item(meeting=meeting, actor=SYSTEM, text="Handzettel verteilen")
    return network


def network_objects(city: SmallCity) -> dict[str, int]:
    """Primary keys the network routes need: ``network``, ``meeting``, ``member``,
    ``working_group``."""
    network = Network.objects.filter(
        territory=city.territory, name=NETWORK_NAME
    ).first() or make_network(city)
    meeting = Meeting.objects.filter(network=network).order_by("start").first()
    member = Member.objects.filter(network=network, erased_at__isnull=True).order_by("pk").first()
    if member is None:  # every member was erased by an earlier request: add one again
        member = services.add_member(
            network=network,
            actor=SYSTEM,
            name="Neues Mitglied",
            email="neu@example.org",
            consent_given=True,
        )
    group = WorkingGroup.objects.filter(network=network, name=GROUP_NAME).first()
    if group is None:
        group = services.create_working_group(
            network=network, actor=SYSTEM, name=GROUP_NAME, members=[member]
        )
    assert meeting is not None
    return {
        "network": network.pk,
        "meeting": meeting.pk,
        "member": member.pk,
        "working_group": group.pk,
    }
