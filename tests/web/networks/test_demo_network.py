"""The demo quality network against seed 002: its 2024 meetings counted from the seed text."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from kitaplan.web.demo.networks import NETWORK_NAME, create_demo_network
from kitaplan.web.networks.models import ActionItem, Attendance, Member, Network
from kitaplan.web.territory.models import Territory

ROOT = Path(__file__).resolve().parents[3]
SEEDS = sorted(
    [
        *Path("/work/shared/seeds").glob("002_*.txt"),
        *(ROOT.parent / "shared" / "seeds").glob("002_*.txt"),
    ]
)
MONTHS = {"Januar": 1, "Februar": 2, "März": 3, "April": 4, "Mai": 5, "Juni": 6, "Juli": 7,
          "August": 8, "September": 9, "Oktober": 10, "November": 11, "Dezember": 12}  # fmt: skip

pytestmark = pytest.mark.django_db


def seed_meetings(text: str) -> list[tuple[dt.datetime, str]]:
    """ "- 2. Netzwerktreffen: 14. Juni 2024, 9 Uhr, Bürgerlabor" → (start, venue)."""
    found = []
    pattern = r"^- \d+\. Netzwerktreffen: (\d{1,2})\. (\w+) (2024), (\d{1,2}) Uhr, (.+)$"
    for day, month, year, hour, venue in re.findall(pattern, text, flags=re.M):
        found.append((dt.datetime(int(year), MONTHS[month], int(day), int(hour)), venue.strip()))  # noqa: DTZ001
    return found


def test_the_demo_meetings_match_the_seed():
    if not SEEDS:
        pytest.skip("seed 002 (shared/seeds) is not available")
    expected = seed_meetings(SEEDS[0].read_text(encoding="utf-8"))
    assert len(expected) == 3
    Territory.objects.create(code="dresden", name="Dresden")
    assert create_demo_network() is True
    assert create_demo_network() is False
    network = Network.objects.get(name=NETWORK_NAME)
    meetings = list(network.meetings.order_by("start"))
    assert len(meetings) == len(expected)
    for meeting, (start, venue) in zip(meetings, expected, strict=True):
        assert timezone.localtime(meeting.start).replace(tzinfo=None) == start
        assert meeting.venue == venue
    members = network.members.all()
    assert 75 <= members.count() <= 85
    assert all(m.consent_given_at and m.email.endswith("@example.org") for m in members)
    assert {m.role for m in members} >= {
        Member.LEADER,
        Member.QUALITY,
        Member.INCLUSION,
        Member.ADVISER,
    }
    assert members.exclude(programme="").exists()
    assert network.working_groups.count() == 2
    assert Attendance.objects.filter(meeting__network=network, status="present").exists()
    assert ActionItem.objects.filter(meeting__network=network).count() >= 3


def test_no_demo_network_without_dresden():
    assert create_demo_network() is False


def test_demo_action_items_link_to_measures_of_the_demo_plan():
    from kitaplan.web.demo.measures import create_demo_plan
    from kitaplan.web.territory.models import AreaLevel

    dresden = Territory.objects.create(code="dresden", name="Dresden")
    AreaLevel.objects.create(territory=dresden, code="stadtbezirk", name="Stadtbezirk", rank=1)
    assert create_demo_plan() is True
    assert create_demo_network() is True
    linked = ActionItem.objects.filter(measure__isnull=False)
    assert linked.count() >= 2
    assert all(i.measure.objective.field.plan.territory_id == dresden.pk for i in linked)
    assert Member.objects.filter(organisation__isnull=False).count() > 40
