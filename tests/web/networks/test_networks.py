"""Networks: the invitation as RFC 5545 (read by the icalendar parser), e-mail with the .ics,
consent, erasure on request (audited without personal data), who sees personal data, the member
export."""

from __future__ import annotations

import csv
import io
import json
import zoneinfo

import icalendar
import openpyxl
import pytest
from django.conf import global_settings, settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.networks import ical, services
from kitaplan.web.networks.models import Attendance, Meeting, Member, Network
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.networks.helpers import network_objects

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def objects(city):
    return network_objects(city)


def login(client, role, city, name=None):
    provider = city.providers[0] if role == Role.FACILITY_MANAGER else None
    user = make_user(name or f"u-{role.value}", role, provider=provider)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def _event(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def test_the_ics_file_is_read_by_a_standard_parser(client, city, objects):
    login(client, Role.PLANNER, city)
    response = client.get(reverse("networks:meeting-ics", args=[objects["meeting"]]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    data = response.content
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # folded (RFC 5545 3.1)
    calendar, event = _event(data)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    start = event["DTSTART"]
    assert start.params["TZID"] == "Europe/Berlin"
    assert start.dt == icalendar.vDatetime.from_ical("20240614T090000", "Europe/Berlin")
    assert start.dt.hour == 9 and start.dt.utcoffset().total_seconds() == 7200
    assert event["DTEND"].dt.hour == 12
    assert b"DTSTART;TZID=Europe/Berlin:20240614T090000" in data
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert sorted(str(a) for a in attendees) == [
        "mailto:erika@example.org",
        "mailto:max@example.org",
    ]
    assert str(event["ORGANIZER"]) == "mailto:netzwerk@example.org"
    assert str(event["LOCATION"]) == "Bürgerlabor"
    # commas and semicolons of the agenda are escaped and come back unchanged
    assert str(event["DESCRIPTION"]) == "1. Begrüßung; Anmeldung geflüchteter Kinder, Sprach-Kitas"
    assert b"Begr\xc3\xbc\xc3\x9fung\\; Anmeldung" in data.replace(b"\r\n ", b"")
    meeting = Meeting.objects.get(pk=objects["meeting"])
    assert str(event["UID"]) == f"{meeting.uid}@kitaplan" and "DTSTAMP" in event


def test_the_invitation_is_mailed_with_the_ics(client, city, objects):
    login(client, Role.PLANNER, city)
    url = reverse("networks:meeting-invite", args=[objects["meeting"]])
    assert "Send the invitation by e-mail" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == ["erika@example.org"]
    parts = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == "REQUEST"
    assert parts[0].get_filename().endswith(".ics")
    _calendar, event = _event(parts[0].get_payload(decode=True))
    assert str(event["ATTENDEE"]) == "mailto:erika@example.org"  # only the recipient
    assert Meeting.objects.get(pk=objects["meeting"]).invited_at is not None
    assert AuditEvent.objects.filter(
        action=AuditAction.NETWORK_CHANGED, details__change="invitation_sent"
    ).exists()


def test_without_an_email_backend_the_ics_is_offered_for_download(client, city, objects, settings):
    settings.EMAIL_BACKEND = global_settings.EMAIL_BACKEND
    login(client, Role.PLANNER, city)
    url = reverse("networks:meeting-invite", args=[objects["meeting"]])
    content = client.get(url).content.decode()
    assert "E-mail is not configured" in content
    assert reverse("networks:meeting-ics", args=[objects["meeting"]]) in content
    client.post(url)
    assert mail.outbox == []


def test_a_member_is_stored_only_with_consent(client, city, objects):
    network = Network.objects.get(pk=objects["network"])
    with pytest.raises(ValidationError):
        services.add_member(
            network=network, actor=SYSTEM, name="Ohne Zustimmung", email="x@example.org",
            consent_given=False,
        )  # fmt: skip
    login(client, Role.PLANNER, city)
    url = reverse("networks:member-add", args=[network.pk])
    data = {"name": "Neu Person", "email": "neu@example.org", "role": Member.INCLUSION}
    response = client.post(url, data)
    assert response.status_code == 200 and "consent" in response.content.decode()
    assert not Member.objects.filter(name__in=["Ohne Zustimmung", "Neu Person"]).exists()
    response = client.post(url, {**data, "programme": Member.WELCOME, "consent": "on"})
    assert response.status_code == 302
    member = Member.objects.get(name="Neu Person")
    assert member.consent_given_at is not None and member.consent_text_version
    assert member.programme == Member.WELCOME


def test_deletion_on_request_erases_and_is_audited_without_personal_data(client, city, objects):
    login(client, Role.PLANNER, city)
    member = Member.objects.get(pk=objects["member"])
    name, email = member.name, member.email
    url = reverse("networks:member-erase", args=[member.pk])
    assert name in client.get(url).content.decode()  # the confirmation
    assert client.post(url).status_code == 302
    member.refresh_from_db()
    assert member.name == "" and member.email == "" and member.is_erased
    assert member.consent_given_at is None and member.facility is None
    assert Attendance.objects.filter(member=member, meeting_id=objects["meeting"]).exists()
    assert member.display_name == "deleted member"
    event = AuditEvent.objects.get(
        action=AuditAction.NETWORK_CHANGED, details__change="member_erased_on_request"
    )
    assert event.target_id == str(member.pk)
    trail = json.dumps(
        list(AuditEvent.objects.values("target_label", "before", "after", "details")),
        ensure_ascii=False,
        default=str,
    )
    assert name not in trail and email not in trail and "Erika" not in trail
    content = client.get(reverse("networks:network-detail", args=[objects["network"]]))
    assert name not in content.content.decode()
    assert (
        email
        not in ical.meeting_calendar(
            Meeting.objects.get(pk=objects["meeting"]), services.invitees(member.meetings.first())
        ).decode()
    )


@pytest.mark.parametrize("role", [Role.FACILITY_MANAGER, Role.ALLOCATION_OFFICE])
def test_other_staff_read_without_personal_data(client, city, objects, role):
    login(client, role, city)
    response = client.get(reverse("networks:network-detail", args=[objects["network"]]))
    content = response.content.decode()
    assert response.status_code == 200 and content.count("<h1") == 1
    assert "Erika" not in content and "example.org" not in content
    assert "Members by role" in content and "quality officer" in content
    meeting = client.get(reverse("networks:meeting-detail", args=[objects["meeting"]]))
    assert meeting.status_code == 200 and "Erika" not in meeting.content.decode()
    ics = client.get(reverse("networks:meeting-ics", args=[objects["meeting"]]))
    assert b"ATTENDEE" not in ics.content and b"erika" not in ics.content
    for name in ("member-export-csv", "member-add"):
        assert client.get(reverse(f"networks:{name}", args=[objects["network"]])).status_code == 403
    assert client.get(reverse("networks:member-erase", args=[objects["member"]])).status_code == 403
    assert (
        client.post(reverse("networks:meeting-invite", args=[objects["meeting"]])).status_code
        == 403
    )
    assert client.post(
        reverse("networks:meeting-detail", args=[objects["meeting"]]),
        {"action": "minutes", "agenda": "x", "minutes": "y"},
    ).status_code == 403  # fmt: skip


@pytest.mark.parametrize("role", [Role.PARENT, Role.CHILDMINDER, Role.PAYMENT_OFFICE])
def test_parents_and_others_are_refused(client, city, objects, role):
    login(client, role, city)
    assert client.get(reverse("networks:network-list")).status_code == 403
    assert client.get(reverse("networks:meeting-ics", args=[objects["meeting"]])).status_code == 403


def test_the_member_export_has_its_columns(client, city, objects):
    login(client, Role.PLANNER, city)
    response = client.get(reverse("networks:member-export-csv", args=[objects["network"]]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(
        csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ",")
    )
    assert len(rows) == 3  # header and two members
    assert "erika@example.org" in text and "Language Kitas (federal)" in text
    response = client.get(reverse("networks:member-export-xlsx", args=[objects["network"]]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == [
        "Name", "E-mail address", "Role", "Programme", "Organisation", "Facility",
        "Working groups", "Consent given at", "Version of the consent text",
    ]  # fmt: skip
    assert sheet.max_row == 3


def test_attendance_and_action_items_on_the_meeting_page(client, city, objects):
    login(client, Role.PLANNER, city)
    url = reverse("networks:meeting-detail", args=[objects["meeting"]])
    member = objects["member"]
    assert (
        client.post(url, {"action": "attendance", f"member_{member}": "excused"}).status_code == 302
    )
    assert (
        Attendance.objects.get(meeting_id=objects["meeting"], member_id=member).status == "excused"
    )
    response = client.post(
        url, {"action": "item", "text": "Bericht", "status": "open", "owner": member}
    )
    assert response.status_code == 302
    content = client.get(url).content.decode()
    assert "Bericht" in content and content.count("<h1") == 1 and "<caption" in content


def test_meeting_times_are_timezone_aware(city, objects):
    meeting = Meeting.objects.get(pk=objects["meeting"])
    assert meeting.start.astimezone(BERLIN).hour == 9


def test_a_planner_schedules_a_meeting_and_sets_an_action_items_status(client, city, objects):
    import datetime as dt

    from kitaplan.web.networks.models import ActionItem, Meeting
    from kitaplan.web.networks.services import add_action_item

    login(client, Role.PLANNER, city)
    network = objects["network"]
    response = client.post(
        reverse("networks:meeting-list", args=[network]),
        {
            "title": "5. Netzwerktreffen",
            "day": "2027-02-12",
            "start": "09:00",
            "end": "12:00",
            "venue": "Rathaus",
            "agenda": "Berichte",
        },
    )
    meeting = Meeting.objects.get(title="5. Netzwerktreffen")
    assert response["Location"] == reverse("networks:meeting-detail", args=[meeting.pk])
    assert meeting.start.astimezone(dt.UTC).hour == 8  # 09:00 in Berlin in winter
    refused = client.post(
        reverse("networks:meeting-list", args=[network]),
        {"title": "Falsch", "day": "2027-02-12", "start": "12:00", "end": "09:00"},
    )
    assert refused.status_code == 200 and not Meeting.objects.filter(title="Falsch").exists()

    from kitaplan.web.core.access import SYSTEM

    item = add_action_item(meeting=meeting, actor=SYSTEM, text="Flyer übersetzen")
    client.post(
        reverse("networks:meeting-detail", args=[meeting.pk]),
        {"action": "item_status", "item": item.pk, "status": ActionItem.DONE},
    )
    item.refresh_from_db()
    assert item.status == ActionItem.DONE
    make_user("kita2", Role.ALLOCATION_OFFICE)
    client.logout()
    client.login(username="kita2", password=PASSWORD)
    assert (
        client.post(
            reverse("networks:meeting-detail", args=[meeting.pk]),
            {"action": "item_status", "item": item.pk, "status": ActionItem.OPEN},
        ).status_code
        == 403
    )
