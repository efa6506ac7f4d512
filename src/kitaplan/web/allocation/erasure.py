"""Data subject rights in the Platzvergabe: erase an application, export a family's own records,
and the retention rule for applications.

What a published run needs is in its own JSON (inputs: children by reference with age group and
integration flag, preferences, priority classes and lottery; result: assignment, seat types,
cut-offs): reproduction (:func:`services.reproduce`), explanations and the statistics of
published runs read only that. So an application can lose every personal value:

- never part of a published run (no offer, its reference in no published run's inputs): the row
  is deleted outright;
- otherwise it is anonymised and kept under its pseudonymous reference: the child's name becomes
  "gelöscht", the date of birth the first day of its month, address and home coordinates are
  emptied, siblings, integration need and social urgency cleared, the facilities' own criteria
  unticked, the parent account unlinked (also from the answers it gave) and the application
  withdrawn (it takes part in no later run; an offer it still holds is declined). Home area,
  ranked facilities, registration day and lottery number stay: they name no person and keep the
  published runs and the waiting lists explainable.

Audit: the event names the reference, the reason code and the personal fields that were
erased, never their values; a free note on the request is not stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.allocation import selectors
from kitaplan.web.allocation.models import AllocationRound, AllocationRun, Application, Offer
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event, snapshot
from kitaplan.web.core import retention

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

#: Why the office erases an application (code, label); the retention rule uses ``retention``.
REASONS = [
    ("family_request", _("request of the family (Art. 17 GDPR)")),
    ("consent_withdrawn", _("the family withdrew its consent")),
    ("no_longer_needed", _("no longer needed for the allocation")),
    ("registered_in_error", _("registered in error")),
]
RETENTION = "retention"
REASON_CODES = frozenset(code for code, _label in REASONS) | {RETENTION}

#: The fields an anonymisation overwrites (named in the audit event, values never).
ERASED_FIELDS = [
    "child_name",
    "birth_date",
    "home_address",
    "home_lat",
    "home_lon",
    "integration_need",
    "social_urgency",
    "parent_id",
]


class ErasureError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Erased:
    reference: str
    deleted: bool  # True: the row is gone; False: anonymised and kept


def in_published_run(application: Application) -> bool:
    """Did the application take part in a published run (an offer, or its reference in the
    published inputs)? Then its reference must stay."""
    if application.offers.exists():
        return True
    published = AllocationRun.objects.filter(
        round_id=application.round_id, published_at__isnull=False
    ).values_list("inputs", flat=True)
    return any(
        child[0] == application.reference
        for inputs in published
        for child in inputs["instance"]["children"]
    )


def erase_application(
    *, application: Application, actor: AnyUser, reason: str, note: str = ""
) -> Erased:
    """Delete or anonymise one application (see the module). Idempotent: an application already
    erased is left alone. ``note`` reaches the audit event only as "a note was given". The
    office only (the retention rule runs as the command line's system actor)."""
    if not selectors.is_office(actor):
        raise PermissionDenied
    if reason not in REASON_CODES:
        raise ErasureError("unknown_reason")
    with transaction.atomic():
        # The round's lock, as registrations and runs take it: no run reads a half-erased row.
        AllocationRound.objects.select_for_update().get(pk=application.round_id)
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.erased_at is not None:
            return Erased(app.reference, deleted=False)
        details: dict[str, Any] = {"reason": reason, "round": app.round_id}
        if note.strip():
            details["note"] = note  # dropped by the audit (a personal field), only named
        before = snapshot(app, ERASED_FIELDS)
        if not in_published_run(app):
            record_audit_event(
                actor=actor,
                action=AuditAction.PERSONAL_DATA_ERASED,
                target=app,
                before=before,
                details={**details, "erasure": "deleted"},
            )
            reference = app.reference
            app.delete()
            return Erased(reference, deleted=True)
        now = timezone.now()
        if app.parent_id is not None:
            app.offers.filter(answered_by_id=app.parent_id).update(answered_by=None)
        app.offers.filter(status__in=Offer.HOLDING).update(
            status=Offer.DECLINED, answered_at=now, answered_by=actor_user(actor)
        )
        app.child_name = retention.ERASED_NAME
        app.birth_date = app.birth_date.replace(day=1)
        app.home_address = ""
        app.home_lat = None
        app.home_lon = None
        app.integration_need = False
        app.social_urgency = False
        app.parent = None
        app.withdrawn = True
        app.erased_at = now
        app.save()
        app.siblings_at.clear()
        for choice in app.choices.all():
            choice.own_criteria_met.clear()
        record_audit_event(
            actor=actor,
            action=AuditAction.PERSONAL_DATA_ERASED,
            target=app,
            before=before,
            after=snapshot(app, ERASED_FIELDS),
            details={**details, "erasure": "anonymised"},
        )
    return Erased(app.reference, deleted=False)


# --- retention ------------------------------------------------------------------------------


def due_for_retention(today: dt.date | None = None) -> QuerySet[Application]:
    """Applications not yet erased whose round's care start lies the configured number of
    months back (``KITAPLAN_RETENTION_APPLICATION_MONTHS``), withdrawn or not."""
    day = today or timezone.localdate()
    cutoff = retention.months_before(day, retention.periods().application_months)
    return Application.objects.filter(erased_at__isnull=True, round__care_start__lte=cutoff)


@dataclass
class RetentionReport:
    deleted: list[str] = field(default_factory=list)
    anonymised: list[str] = field(default_factory=list)


def apply_retention(
    *, actor: AnyUser, today: dt.date | None = None, dry_run: bool = False
) -> RetentionReport:
    """Erase every application due (each in its own transaction); a dry run only reports."""
    report = RetentionReport()
    for application in due_for_retention(today).order_by("round_id", "reference"):
        if dry_run:
            label = f"{application.round_id}/{application.reference}"
            target = report.anonymised if in_published_run(application) else report.deleted
            target.append(label)
            continue
        done = erase_application(application=application, actor=actor, reason=RETENTION)
        label = f"{application.round_id}/{done.reference}"
        (report.deleted if done.deleted else report.anonymised).append(label)
    return report


# --- a family's own records -----------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def export_own_applications(user: AnyUser) -> dict[str, Any]:
    """Every application of a parent account with all its fields, choices and offers (GDPR
    Art. 15/20), logged as a read. Only the user's own applications."""
    parent = actor_user(user)
    own = Application.objects.filter(parent=parent) if parent else Application.objects.none()
    applications = (
        own.select_related("round", "home_area")
        .prefetch_related(
            "choices__facility",
            "choices__childminder",
            "choices__own_criteria_met",
            "siblings_at",
            "offers__facility",
            "offers__childminder",
            "offers__run",
        )
        .order_by("round__care_start", "reference")
    )
    rows = []
    for app in applications:
        rows.append(
            {
                "reference": app.reference,
                "round": {"name": app.round.name, "care_start": _iso(app.round.care_start)},
                "child_name": app.child_name,
                "birth_date": _iso(app.birth_date),
                "desired_start": _iso(app.desired_start),
                "weekly_hours": app.weekly_hours,
                "home_address": app.home_address,
                "home_area": {"code": app.home_area.official_code, "name": app.home_area.name},
                "home_lat": app.home_lat,
                "home_lon": app.home_lon,
                "lives_in_municipality": app.lives_in_municipality,
                "siblings_at": sorted(f.official_number for f in app.siblings_at.all()),
                "integration_need": app.integration_need,
                "social_urgency": app.social_urgency,
                "registered_on": _iso(app.registered_on),
                "withdrawn": app.withdrawn,
                "lottery_number": app.lottery_number,
                "choices": [
                    {
                        "rank": c.rank,
                        "place": c.place.official_number,
                        "name": c.place.name,
                        "own_criteria_met": sorted(k.name for k in c.own_criteria_met.all()),
                    }
                    for c in sorted(app.choices.all(), key=lambda c: c.rank)
                ],
                "offers": [
                    {
                        "run": o.run.number,
                        "place": o.place.official_number,
                        "name": o.place.name,
                        "age_group": o.age_group,
                        "seat_type": o.seat_type,
                        "status": o.status,
                        "respond_by": _iso(o.respond_by),
                        "answered_at": _iso(o.answered_at),
                    }
                    for o in sorted(app.offers.all(), key=lambda o: (o.run.number, o.pk))
                ],
            }
        )
    record_audit_event(
        actor=user,
        action=AuditAction.OWN_DATA_EXPORTED,
        target_type="allocation.application",
        target_label="own applications",
        details={"applications": [r["reference"] for r in rows]},
    )
    return {"exported_at": timezone.now().isoformat(), "applications": rows}
