"""Changing networks: one transaction and one audit event (``networks.changed``) each.

Members' names and e-mail addresses never go into the audit trail: events about a member name
it only by its number, so that erasing the member on request leaves no personal data behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from email.mime.text import MIMEText
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.mail import email_configured
from kitaplan.web.facilities.models import Facility
from kitaplan.web.measures.models import Measure, Organisation
from kitaplan.web.networks import ical, selectors
from kitaplan.web.networks.models import (
    ActionItem,
    Attendance,
    Meeting,
    Member,
    Network,
    WorkingGroup,
)
from kitaplan.web.territory.models import Area, Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

#: The version of the consent text shown on the member form (change it when the text changes).
CONSENT_TEXT_VERSION = "2025-01"


class EmailNotConfigured(Exception):
    """No e-mail backend is configured: offer the .ics as a download instead."""


def _require_manage(actor: AnyUser) -> None:
    if not selectors.can_manage(actor):
        raise PermissionDenied


def _member_label(member: Member) -> str:
    return f"member {member.pk}"


def _member_facts(member: Member) -> dict[str, Any]:
    """What the audit trail may keep of a member: no name, no e-mail address."""
    return {
        "network": member.network_id,
        "role": member.role,
        "programme": member.programme,
        "organisation": member.organisation_id,
        "facility": member.facility_id,
        "consent_given_at": member.consent_given_at,
        "consent_text_version": member.consent_text_version,
    }


def _network_code(code: str, name: str) -> str:
    """The code as given, or one made from the name (``Netzwerk Frühprävention`` →
    ``netzwerk-fruhpravention``)."""
    return (code.strip() or slugify(name))[:40] or "network"


def _check_network_code(territory_id: int, code: str, exclude: int | None = None) -> None:
    others = Network.objects.filter(territory_id=territory_id, code=code)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError(
            _("The territory already has a network with this code."), code="code_taken"
        )


def _check_scope(territory_id: int, areas: Iterable[Area]) -> list[Area]:
    chosen = list({a.pk: a for a in areas}.values())
    if any(a.territory_id != territory_id for a in chosen):
        raise ValueError("the scope's areas must belong to the network's territory")
    return chosen


def _scope_codes(network: Network) -> list[str]:
    return sorted(network.areas.values_list("official_code", flat=True))


@transaction.atomic(durable=True)
def create_network(
    *,
    territory: Territory,
    actor: AnyUser,
    name: str,
    code: str = "",
    description: str = "",
    organiser_name: str = "",
    organiser_email: str = "",
    source: str = "",
    areas: Iterable[Area] = (),
) -> Network:
    """Create a network; without a code one is made from the name. Its scope is the given
    areas of the territory (none: the whole territory)."""
    _require_manage(actor)
    name = name.strip()
    code = _network_code(code, name)
    _check_network_name(territory.pk, name)
    _check_network_code(territory.pk, code)
    scope = _check_scope(territory.pk, areas)
    network = Network.objects.create(
        territory=territory,
        code=code,
        name=name,
        description=description,
        organiser_name=organiser_name,
        organiser_email=organiser_email,
        source=source,
    )
    network.areas.set(scope)
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=network,
        after={
            "name": name,
            "code": code,
            "territory": territory.pk,
            "areas": _scope_codes(network),
        },
        details={"change": "network_created"},
    )
    return network


def _network_facts(network: Network) -> dict[str, Any]:
    return {
        "code": network.code,
        "name": network.name,
        "description": network.description,
        "organiser_name": network.organiser_name,
        "organiser_email": network.organiser_email,
        "source": network.source,
        "areas": _scope_codes(network),
    }


def _check_network_name(territory_id: int, name: str, exclude: int | None = None) -> None:
    others = Network.objects.filter(territory_id=territory_id, name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError(
            _("The territory already has a network of this name."), code="name_taken"
        )


@transaction.atomic(durable=True)
def update_network(
    *,
    network: Network,
    actor: AnyUser,
    name: str,
    code: str | None = None,
    description: str = "",
    organiser_name: str = "",
    organiser_email: str = "",
    source: str = "",
    areas: Iterable[Area] | None = None,
) -> Network:
    """Change a network's code, name, description, organiser, source and scope (the territory
    stays; an empty code or ``None`` keeps the code, ``None`` keeps the scope)."""
    _require_manage(actor)
    network = Network.objects.select_for_update().get(pk=network.pk)
    name = name.strip()
    _check_network_name(network.territory_id, name, exclude=network.pk)
    before = _network_facts(network)
    if code and code.strip():
        code = _network_code(code, name)
        _check_network_code(network.territory_id, code, exclude=network.pk)
        network.code = code
    scope = None if areas is None else _check_scope(network.territory_id, areas)
    network.name = name
    network.description = description
    network.organiser_name = organiser_name.strip()
    network.organiser_email = organiser_email.strip()
    network.source = source.strip()
    network.save()
    if scope is not None:
        network.areas.set(scope)
    after = _network_facts(network)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        record_audit_event(
            actor=actor,
            action=AuditAction.NETWORK_CHANGED,
            target=network,
            before={k: before[k] for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
            details={"change": "network_updated"},
        )
    return network


@transaction.atomic(durable=True)
def close_network(*, network: Network, actor: AnyUser, day: dt.date | None = None) -> Network:
    """Close a network on ``day`` (today by default): members, meetings and history stay, the
    network is shown as closed and the ``network_members`` import refuses it."""
    _require_manage(actor)
    network = Network.objects.select_for_update().get(pk=network.pk)
    if network.closed_on is not None:
        return network
    network.closed_on = day or timezone.localdate()
    network.save(update_fields=["closed_on"])
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=network,
        before={"closed_on": None},
        after={"closed_on": network.closed_on},
        details={"change": "network_closed"},
    )
    return network


@transaction.atomic(durable=True)
def reopen_network(*, network: Network, actor: AnyUser) -> Network:
    _require_manage(actor)
    network = Network.objects.select_for_update().get(pk=network.pk)
    if network.closed_on is None:
        return network
    before = network.closed_on
    network.closed_on = None
    network.save(update_fields=["closed_on"])
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=network,
        before={"closed_on": before},
        after={"closed_on": None},
        details={"change": "network_reopened"},
    )
    return network


def _check_member_choices(
    network: Network,
    role: str,
    programme: str,
    organisation: Organisation | None,
    facility: Facility | None,
) -> None:
    """The checks adding and editing a member share (the forms offer only valid choices)."""
    if role not in dict(Member.ROLE_CHOICES) or programme not in dict(Member.PROGRAMME_CHOICES):
        raise ValueError(f"unknown role {role!r} or programme {programme!r}")
    for other in (organisation, facility):
        if other is not None and other.territory_id != network.territory_id:
            raise ValueError("organisation and facility must belong to the network's territory")


@transaction.atomic(durable=True)
def add_member(
    *,
    network: Network,
    actor: AnyUser,
    name: str,
    email: str,
    consent_given: bool,
    role: str = Member.OTHER,
    programme: str = "",
    organisation: Organisation | None = None,
    facility: Facility | None = None,
    consent_text_version: str = CONSENT_TEXT_VERSION,
    consent_given_at: dt.datetime | None = None,
) -> Member:
    """Add a member; refused without the member's consent to store their personal data, and
    refused for a closed network (as the ``network_members`` import refuses it)."""
    _require_manage(actor)
    if network.closed_on is not None:
        raise ValidationError(
            _("The network is closed and takes no new members; reopen it first."), code="closed"
        )
    if not consent_given:
        raise ValidationError(
            _("Personal data of a member can only be stored with the member's consent."),
            code="consent",
        )
    _check_member_choices(network, role, programme, organisation, facility)
    member = Member.objects.create(
        network=network,
        name=name.strip(),
        email=email.strip(),
        role=role,
        programme=programme,
        organisation=organisation,
        facility=facility,
        consent_given_at=consent_given_at or timezone.now(),
        consent_text_version=consent_text_version,
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=member,
        target_label=_member_label(member),
        after=_member_facts(member),
        details={"change": "member_added"},
    )
    return member


#: Personal data of a member: the audit trail says that they changed, never what they were.
MEMBER_PERSONAL_FIELDS = ("name", "email")


@transaction.atomic(durable=True)
def update_member(
    *,
    member: Member,
    actor: AnyUser,
    name: str,
    email: str,
    role: str = Member.OTHER,
    programme: str = "",
    organisation: Organisation | None = None,
    facility: Facility | None = None,
) -> Member:
    """Change a member's role, programme, organisation, facility, name and e-mail address.

    Only while the member's consent stands: an erased member is refused. The consent record
    (when given, which version of the text) stays as it is. The audit event lists the changed
    fields; of the name and the e-mail address it keeps only that they changed, not their values.
    """
    _require_manage(actor)
    member = Member.objects.select_for_update().select_related("network").get(pk=member.pk)
    if member.is_erased:
        raise ValidationError(
            _("The personal data of this member were deleted: the member cannot be edited."),
            code="erased",
        )
    if member.consent_given_at is None:
        raise ValidationError(
            _(
                "This member was imported without personal data and without consent: change "
                "them by importing the list again."
            ),
            code="no_consent",
        )
    _check_member_choices(member.network, role, programme, organisation, facility)
    before = _member_facts(member)
    personal_before = {f: getattr(member, f) for f in MEMBER_PERSONAL_FIELDS}
    member.name = name.strip()
    member.email = email.strip()
    member.role = role
    member.programme = programme
    member.organisation = organisation
    member.facility = facility
    member.save()
    after = _member_facts(member)
    changed = sorted(k for k in after if after[k] != before[k])
    personal = sorted(f for f in MEMBER_PERSONAL_FIELDS if getattr(member, f) != personal_before[f])
    if changed or personal:
        record_audit_event(
            actor=actor,
            action=AuditAction.NETWORK_CHANGED,
            target=member,
            target_label=_member_label(member),
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            details={
                "change": "member_updated",
                "fields": sorted(changed + personal),
                "personal_data_changed": personal,
            },
        )
    return member


@transaction.atomic(durable=True)
def erase_member(*, member: Member, actor: AnyUser, requested_on: dt.date | None = None) -> Member:
    """Delete a member's personal data on request: name, e-mail address, organisation and
    facility are cleared, the member leaves its working groups; attendance and action items stay,
    shown as "deleted member". The audit event names neither the person nor the address."""
    _require_manage(actor)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.is_erased:
        return member
    before = _member_facts(member)
    member.name = ""
    member.email = ""
    member.organisation = None
    member.facility = None
    member.consent_given_at = None
    member.erased_at = timezone.now()
    member.save()
    member.working_groups.clear()
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=member,
        target_label=_member_label(member),
        before=before,
        after={"erased_at": member.erased_at},
        details={
            "change": "member_erased_on_request",
            "requested_on": requested_on or timezone.localdate(),
        },
    )
    return member


def eligible_members(network: Network) -> QuerySet[Member]:
    """Members a working group may have: the network's members with consent, not erased."""
    return network.members.filter(consent_given_at__isnull=False, erased_at__isnull=True)


def _chosen_members(network: Network, members: Iterable[Member]) -> list[Member]:
    """The chosen members, refused when one is not eligible (another network, no consent,
    erased): the forms offer only eligible ones."""
    chosen = list({m.pk: m for m in members}.values())
    eligible = set(
        eligible_members(network).filter(pk__in=[m.pk for m in chosen]).values_list("pk", flat=True)
    )
    if any(m.pk not in eligible for m in chosen):
        raise ValueError("working-group members must be members of the network with consent")
    return chosen


def _group_facts(group: WorkingGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "members": sorted(group.members.values_list("pk", flat=True)),
    }


@transaction.atomic(durable=True)
def create_working_group(
    *,
    network: Network,
    actor: AnyUser,
    name: str,
    description: str = "",
    members: Iterable[Member] = (),
) -> WorkingGroup:
    """Create a working group; its members come from the network's members with consent."""
    _require_manage(actor)
    chosen = _chosen_members(network, members)
    group = WorkingGroup.objects.create(network=network, name=name.strip(), description=description)
    group.members.set(chosen)
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=group,
        after={**_group_facts(group), "network": network.pk},
        details={"change": "working_group_created"},
    )
    return group


@transaction.atomic(durable=True)
def update_working_group(
    *,
    group: WorkingGroup,
    actor: AnyUser,
    name: str,
    description: str = "",
    members: Iterable[Member] = (),
) -> WorkingGroup:
    """Rename a working group, change its description and set its members (members are named
    in the audit trail by number only)."""
    _require_manage(actor)
    group = WorkingGroup.objects.select_for_update().select_related("network").get(pk=group.pk)
    chosen = _chosen_members(group.network, members)
    before = _group_facts(group)
    group.name = name.strip()
    group.description = description
    group.save()
    group.members.set(chosen)
    after = _group_facts(group)
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        record_audit_event(
            actor=actor,
            action=AuditAction.NETWORK_CHANGED,
            target=group,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            details={"change": "working_group_updated"},
        )
    return group


@transaction.atomic(durable=True)
def delete_working_group(*, group: WorkingGroup, actor: AnyUser) -> int:
    """Delete a working group; its meetings stay as meetings of the whole network (with their
    invitations and attendance). Returns the network's id."""
    _require_manage(actor)
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    network_id = group.network_id
    before = {
        **_group_facts(group),
        "network": network_id,
        "meetings": sorted(group.meetings.values_list("pk", flat=True)),
    }
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=group,
        before=before,
        details={"change": "working_group_deleted"},
    )
    group.delete()
    return network_id


@transaction.atomic(durable=True)
def create_meeting(
    *,
    network: Network,
    actor: AnyUser,
    title: str,
    start: dt.datetime,
    end: dt.datetime,
    venue: str = "",
    agenda: str = "",
    working_group: WorkingGroup | None = None,
) -> Meeting:
    """Schedule a meeting; the network's members (or the working group's) are invited."""
    _require_manage(actor)
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("meeting times must be timezone-aware")
    if end <= start:
        raise ValidationError(_("The meeting must end after it starts."), code="end")
    meeting = Meeting.objects.create(
        network=network,
        working_group=working_group,
        title=title,
        start=start,
        end=end,
        venue=venue,
        agenda=agenda,
    )
    invited = (
        working_group.members.filter(erased_at__isnull=True)
        if working_group is not None
        else network.members.filter(erased_at__isnull=True)
    )
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=m, status=Attendance.INVITED) for m in invited]
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=meeting,
        after={"title": title, "start": start, "end": end, "venue": venue},
        details={"change": "meeting_created"},
    )
    return meeting


@transaction.atomic(durable=True)
def save_minutes(*, meeting: Meeting, actor: AnyUser, agenda: str, minutes: str) -> Meeting:
    _require_manage(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = {"agenda": meeting.agenda, "minutes": meeting.minutes}
    meeting.agenda, meeting.minutes = agenda, minutes
    meeting.save(update_fields=["agenda", "minutes"])
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=meeting,
        before=before,
        after={"agenda": agenda, "minutes": minutes},
        details={"change": "minutes_saved"},
    )
    return meeting


@transaction.atomic(durable=True)
def record_attendance(*, meeting: Meeting, actor: AnyUser, statuses: dict[int, str]) -> int:
    """Set each listed member's attendance (``{member id: status}``); returns how many changed."""
    _require_manage(actor)
    valid = dict(Attendance.STATUS_CHOICES)
    members = {m.pk: m for m in meeting.network.members.filter(pk__in=list(statuses))}
    current = {a.member_id: a for a in meeting.attendance.filter(member_id__in=list(members))}
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for member_id, status in statuses.items():
        if status not in valid:
            raise ValueError(f"unknown attendance status {status!r}")
        if member_id not in members:
            continue
        row = current.get(member_id)
        if row is None:
            Attendance.objects.create(meeting=meeting, member_id=member_id, status=status)
        elif row.status != status:
            before[str(member_id)] = row.status
            row.status = status
            row.save(update_fields=["status"])
        else:
            continue
        after[str(member_id)] = status
    if after:
        record_audit_event(
            actor=actor,
            action=AuditAction.NETWORK_CHANGED,
            target=meeting,
            before={"attendance": before},
            after={"attendance": after},
            details={"change": "attendance_recorded"},
        )
    return len(after)


@transaction.atomic(durable=True)
def add_action_item(
    *,
    meeting: Meeting,
    actor: AnyUser,
    text: str,
    owner: Member | None = None,
    due: dt.date | None = None,
    measure: Measure | None = None,
    status: str = ActionItem.OPEN,
) -> ActionItem:
    _require_manage(actor)
    if owner is not None and owner.network_id != meeting.network_id:
        raise ValueError("the owner must be a member of the meeting's network")
    if measure is not None and measure.objective.field.plan.territory_id != (
        meeting.network.territory_id
    ):
        raise ValueError("the measure must belong to a plan of the network's territory")
    item = ActionItem.objects.create(
        meeting=meeting, text=text, owner=owner, due=due, measure=measure, status=status
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=item,
        after={
            "meeting": meeting.pk,
            "text": text,
            "owner": owner.pk if owner else None,
            "due": due,
            "measure": measure.pk if measure else None,
            "status": status,
        },
        details={"change": "action_item_added"},
    )
    return item


@transaction.atomic(durable=True)
def set_action_item_status(*, item: ActionItem, actor: AnyUser, status: str) -> ActionItem:
    _require_manage(actor)
    if status not in dict(ActionItem.STATUS_CHOICES):
        raise ValueError(f"unknown status {status!r}")
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    before = item.status
    item.status = status
    item.save(update_fields=["status"])
    record_audit_event(
        actor=actor,
        action=AuditAction.NETWORK_CHANGED,
        target=item,
        before={"status": before},
        after={"status": status},
        details={"change": "action_item_status"},
    )
    return item


def invitees(meeting: Meeting) -> list[Member]:
    """The invited members with an e-mail address (erased members have none)."""
    return list(
        Member.objects.filter(
            attendance__meeting=meeting, erased_at__isnull=True, email__gt=""
        ).order_by("name", "pk")
    )


def invitation_message(meeting: Meeting, member: Member, connection: Any = None) -> EmailMessage:
    """One member's invitation: a short text and the .ics (``text/calendar; method=REQUEST``)
    naming only this member as attendee, so that no one sees the others' addresses."""
    local = timezone.localtime(meeting.start)
    invitation = _(
        "You are invited to the meeting “%(title)s” of the network “%(network)s” on %(date)s "
        "at %(time)s, venue: %(venue)s."
    ) % {
        "title": meeting.title,
        "network": meeting.network.name,
        "date": f"{local:%d.%m.%Y}",
        "time": f"{local:%H:%M}",
        "venue": meeting.venue or "–",
    }
    body = f"{invitation}\n\n{_('Agenda')}:\n{meeting.agenda or '–'}\n"
    message = EmailMessage(
        subject=_("Invitation: %(title)s") % {"title": meeting.title},
        body=body,
        from_email=ical.organiser_address(meeting),
        to=[member.email],
        connection=connection,
    )
    part = MIMEText(ical.meeting_calendar(meeting, [member]).decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename=ical.file_name(meeting))
    message.attach(part)
    return message


def send_invitation(*, meeting: Meeting, actor: AnyUser) -> int:
    """E-mail the invitation to every invited member with an address; returns how many were
    sent. Raises :class:`EmailNotConfigured` when the settings name no e-mail backend."""
    _require_manage(actor)
    if not email_configured():
        raise EmailNotConfigured
    members = invitees(meeting)
    connection = get_connection()
    sent = connection.send_messages([invitation_message(meeting, m, connection) for m in members])
    with transaction.atomic(durable=True):
        Meeting.objects.filter(pk=meeting.pk).update(invited_at=timezone.now())
        record_audit_event(
            actor=actor,
            action=AuditAction.NETWORK_CHANGED,
            target=meeting,
            after={"invitations_sent": sent or 0, "members": [m.pk for m in members]},
            details={"change": "invitation_sent"},
        )
    return sent or 0
