"""A meeting as an RFC 5545 invitation (iCalendar, ``METHOD:REQUEST``), built with the
``icalendar`` package: one VEVENT with the meeting's times in Europe/Berlin (TZID and a
VTIMEZONE), the agenda as DESCRIPTION, the network's organiser and one ATTENDEE per member
with an e-mail address."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from kitaplan.web.networks.models import Meeting, Member

TZID = "Europe/Berlin"
PRODID = "-//kitaplan//networks//DE"
CONTENT_TYPE = "text/calendar; charset=utf-8; method=REQUEST"


def organiser_address(meeting: Meeting) -> str:
    return meeting.network.organiser_email or settings.DEFAULT_FROM_EMAIL


def meeting_calendar(
    meeting: Meeting,
    members: Iterable[Member],
    *,
    stamp: dt.datetime | None = None,
    method: str = "REQUEST",
) -> bytes:
    """The invitation as bytes (CRLF lines, folded at 75 octets, values escaped)."""
    berlin = ZoneInfo(TZID)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", f"{meeting.uid}@kitaplan")
    event.add("dtstamp", (stamp or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", meeting.start.astimezone(berlin))
    event.add("dtend", meeting.end.astimezone(berlin))
    event.add("sequence", meeting.sequence)
    event.add("summary", f"{meeting.network.name}: {meeting.title}")
    if meeting.venue:
        event.add("location", meeting.venue)
    if meeting.agenda:
        event.add("description", meeting.agenda)
    organiser = icalendar.vCalAddress(f"mailto:{organiser_address(meeting)}")
    if meeting.network.organiser_name:
        organiser.params["cn"] = icalendar.vText(meeting.network.organiser_name)
    event.add("organizer", organiser)
    for member in members:
        if member.is_erased or not member.email:
            continue
        attendee = icalendar.vCalAddress(f"mailto:{member.email}")
        attendee.params["cn"] = icalendar.vText(member.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
        attendee.params["rsvp"] = icalendar.vText("TRUE")
        event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def file_name(meeting: Meeting) -> str:
    return f"netzwerktreffen-{meeting.pk}-{timezone.localtime(meeting.start):%Y-%m-%d}.ics"
