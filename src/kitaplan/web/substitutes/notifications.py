"""E-mails about a confirmed substitute (de: Benachrichtigung über die bestätigte Vertretung).

When staff confirm a proposal, the substitute and the parents of the child get an e-mail in
German: who cares for the child, where (the group practice's or the substitute's address, else
her area), on which days and at which times, and whom to call at the advisory service. Nothing
sensitive goes out: not the reason of the absence (an illness is health data), no birth date,
no inclusion details. Parents are written to only with an address and their consent on record
(:class:`~kitaplan.web.substitutes.models.ParentContact`); the substitute at her profile's
address, else her login's.

Every recipient gets a :class:`~kitaplan.web.substitutes.models.Notification` row per attempt
(sent, failed with the error, no address, e-mail not configured) and the attempt is one audit
event ``substitutes.notified`` (statuses only, no addresses). A failure is recorded and shown on
the absence page, where staff may send again; it never undoes the confirmation. Messages go out
after the confirmation is stored, one by one over one connection (Django's mail API, the sender
``DEFAULT_FROM_EMAIL``; whether e-mail is configured at all is decided by
:func:`kitaplan.web.core.mail.email_configured`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from kitaplan.domain.childminding.capacity import format_time, parse_slots
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.mail import email_configured
from kitaplan.web.substitutes.models import (
    Notification,
    ParentContact,
    SubstituteAssignment,
    SubstituteProfile,
    SubstituteSettings,
)

#: E-mails to families and childminders are written in German, whatever the staff's UI language.
MAIL_LANGUAGE = "de"


@dataclass(frozen=True)
class Outgoing:
    """One planned e-mail (``message`` None: nobody to send it to)."""

    audience: str
    childminder: Childminder | None
    message: EmailMessage | None


def substitute_address(cm: Childminder) -> str:
    try:
        own = cm.substitute_profile.email
    except SubstituteProfile.DoesNotExist:
        own = ""
    if own:
        return str(own)
    user = cm.user
    return str(user.email) if user is not None and user.email else ""


def parents_address(row: SubstituteAssignment) -> str:
    try:
        contact = row.contract.parent_contact
    except ParentContact.DoesNotExist:
        return ""
    return str(contact.email) if contact.consent and contact.email else ""


def care_place(cm: Childminder) -> str:
    """Where the children are cared for: the group practice, else her address, else her area."""
    practice = cm.group_practice
    if practice is not None:
        return ", ".join(p for p in (practice.name, practice.address) if p)
    if cm.care_location != "parents_home" and cm.address:
        return cm.address
    if cm.area is not None:
        return _("in the area %(area)s (the address follows from the advisory service)") % {
            "area": cm.area.name
        }
    return _("the address follows from the advisory service")


def contact_text(row: SubstituteAssignment) -> str:
    """Whom to call: the absent childminder's advisory service, its advisers, the phone."""
    absent = row.absence.childminder
    conf = SubstituteSettings.for_territory(absent.territory)
    service = absent.service
    if service is not None:
        parts = [service.name]
    else:
        parts = [_("Youth welfare office %(name)s") % {"name": absent.territory.name}]
    if service is not None:
        for adviser in service.advisers.order_by("last_name", "username"):
            name = adviser.get_full_name() or adviser.get_username()
            parts.append(f"{name} <{adviser.email}>" if adviser.email else name)
    if conf.contact_phone:
        parts.append(_("phone %(phone)s") % {"phone": conf.contact_phone})
    return ", ".join(parts)


def care_days_text(row: SubstituteAssignment) -> str:
    """One line per confirmed day with the contract's times that weekday (``Mo 07.12.2026
    08:00–15:00``)."""
    try:
        slots = parse_slots(row.contract.slots)
    except ValueError:
        slots = ()
    lines = []
    for iso in row.days:
        day = dt.date.fromisoformat(iso)
        times = ", ".join(
            f"{format_time(s.start)}–{format_time(s.end)}"
            for s in slots
            if s.weekday == day.weekday()
        )
        label = str(formats.date_format(day, "D d.m.Y"))
        lines.append(f"{label} {times}".strip())
    return "\n".join(f"- {line}" for line in lines)


def _date(value: dt.date) -> str:
    return str(formats.date_format(value, "d.m.Y"))


def build_messages(row: SubstituteAssignment, connection: Any = None) -> list[Outgoing]:
    """The e-mail to the substitute and to the parents (in German)."""
    substitute = row.substitute
    assert substitute is not None
    absent = row.absence.childminder
    days = [dt.date.fromisoformat(d) for d in row.days]
    first, last = (min(days), max(days)) if days else (row.absence.start, row.absence.end)
    with translation.override(MAIL_LANGUAGE):
        facts = {
            "child": row.contract.child_reference,
            "absent": absent.name,
            "substitute": substitute.name,
            "first": _date(first),
            "last": _date(last),
            "place": care_place(substitute),
            "days": care_days_text(row) or "–",
            "contact": contact_text(row),
        }
        subject = _("Substitute care confirmed for %(child)s from %(first)s") % facts
        to_substitute = (
            _(
                "Hello %(substitute)s,\n\n"
                "the advisory service has confirmed you as the substitute for the child "
                "%(child)s, who is otherwise cared for by %(absent)s, from %(first)s to %(last)s.\n\n"
                "Care days and times:\n%(days)s\n\n"
                "Place of care: %(place)s\n\n"
                "Questions: %(contact)s\n"
            )
            % facts
        )
        to_parents = (
            _(
                "Hello,\n\n"
                "while %(absent)s cannot care for your child %(child)s, %(substitute)s takes over "
                "from %(first)s to %(last)s.\n\n"
                "Care days and times:\n%(days)s\n\n"
                "Place of care: %(place)s\n\n"
                "Questions: %(contact)s\n"
            )
            % facts
        )
    outgoing = []
    for audience, address, body, who in (
        ("substitute", substitute_address(substitute), to_substitute, substitute),
        ("parents", parents_address(row), to_parents, None),
    ):
        message = (
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[address],
                connection=connection,
            )
            if address
            else None
        )
        outgoing.append(Outgoing(audience, who, message))
    return outgoing


def _send(outgoing: list[Outgoing], connection: Any) -> list[tuple[str, str]]:
    """(status, error) per planned e-mail; one failure does not stop the others."""
    results: list[tuple[str, str]] = []
    ready = [o for o in outgoing if o.message is not None]
    opened_error = ""
    if ready:
        try:
            connection.open()
        except Exception as error:  # the server is unreachable: every e-mail failed
            opened_error = f"{type(error).__name__}: {error}"[:255]
    for item in outgoing:
        if item.message is None:
            results.append(("no_address", ""))
            continue
        if opened_error:
            results.append(("failed", opened_error))
            continue
        try:
            sent = connection.send_messages([item.message])
        except Exception as error:
            results.append(("failed", f"{type(error).__name__}: {error}"[:255]))
        else:
            results.append(("sent", "") if sent else ("failed", "not accepted by the server"))
    if ready and not opened_error:
        with contextlib.suppress(Exception):  # the e-mails are sent and recorded already
            connection.close()
    return results


def notify_confirmed(
    *, assignment: SubstituteAssignment, actor: AnyUser, connection: Any = None
) -> list[Notification]:
    """E-mail the substitute and the parents about a confirmed substitute; returns the log rows
    of this attempt. Sets ``notified_at`` when at least one e-mail went out."""
    row = (
        SubstituteAssignment.objects.select_related(
            "contract",
            "substitute",
            "substitute__user",
            "substitute__area",
            "substitute__group_practice",
            "absence__childminder__territory",
            "absence__childminder__service",
        )
        .select_related("contract__parent_contact", "substitute__substitute_profile")
        .get(pk=assignment.pk)
    )
    if row.status != "confirmed" or row.substitute is None:
        raise ValueError(f"assignment {row.pk} is not a confirmed substitute")
    configured = connection is not None or email_configured()
    connection = connection or (get_connection() if configured else None)
    outgoing = build_messages(row, connection)
    if configured:
        results = _send(outgoing, connection)
    else:
        results = [
            ("not_configured", "") if o.message is not None else ("no_address", "")
            for o in outgoing
        ]
    by = actor_user(actor)
    with transaction.atomic():
        rows = [
            Notification.objects.create(
                audience=item.audience,
                childminder=item.childminder,
                assignment=row,
                status=status,
                error=error,
                sent_by=by,
            )
            for item, (status, error) in zip(outgoing, results, strict=True)
        ]
        if any(status == "sent" for status, _error in results):
            row.notified_at = timezone.now()
            row.save(update_fields=["notified_at"])
        record_audit_event(
            actor=actor,
            action=AuditAction.SUBSTITUTE_NOTIFIED,
            target=row,
            details={
                "absence": row.absence_id,
                "notifications": [
                    {"audience": n.audience, "status": n.status, "error": n.error} for n in rows
                ],
            },
        )
    return rows


def latest_attempt(row: SubstituteAssignment) -> list[Notification]:
    """The notification rows of the latest attempt (uses prefetched ``notifications``)."""
    every = sorted(row.notifications.all(), key=lambda n: (n.created_at, n.pk), reverse=True)
    latest: dict[str, Notification] = {}
    for note in every:
        latest.setdefault(note.audience, note)
    return sorted(latest.values(), key=lambda n: n.audience != "substitute")
