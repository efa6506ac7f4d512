"""Writing audit events. Every service that changes data calls :func:`record_audit_event`."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from kitaplan.web.audit import personal
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import AnyUser


class AuditAction(StrEnum):
    """Stable audit action codes (API: do not rename)."""

    IMPORT_FINISHED = "import.finished"
    IMPORT_REFUSED = "import.refused"
    IMPORT_CHECKED = "import.checked"  # a dry run: what an import would change, nothing written
    FACILITY_UPDATED = "facility.updated"
    FACILITY_PLACES_CHANGED = "facility.places_changed"
    AREA_GROUP_CHANGED = "territory.area_group_changed"  # a Sozialraum created, edited, closed
    API_WRITE = "api.write"
    DEMO_LOADED = "demo.loaded"
    # background jobs (the work's own events are recorded by the work)
    JOB_QUEUED = "job.queued"
    JOB_SUCCEEDED = "job.succeeded"
    JOB_FAILED = "job.failed"
    JOB_RETRIED = "job.retried"  # by the retry button, or after its worker stopped
    CARE_RATES_SAVED = "planning.care_rates_saved"
    TARGET_RULE_SAVED = "planning.target_rule_saved"  # created, edited, (de)activated
    ADMIN_CREATED = "admin.created"
    ADMIN_CHANGED = "admin.changed"
    ADMIN_DELETED = "admin.deleted"
    API_TOKEN_CHANGED = "api.token_changed"  # noqa: S105 - an action name, not a secret
    USER_ROLE_ASSIGNED = "user.role_assigned"
    BUDGET_CREATED = "budget.created"
    BUDGET_RUN_CREATED = "budget.run_created"
    BUDGET_RUN_PUBLISHED = "budget.run_published"
    BUDGET_USE_REPORTED = "budget.use_reported"
    ALLOCATION_ROUND_SAVED = "allocation.round_saved"
    ALLOCATION_PLACES_SAVED = "allocation.places_saved"
    ALLOCATION_APPLICATION_SAVED = "allocation.application_saved"
    ALLOCATION_FACILITY_CRITERIA_SAVED = "allocation.facility_criteria_saved"
    ALLOCATION_RUN = "allocation.run"
    ALLOCATION_OFFERS_SENT = "allocation.offers_sent"
    ALLOCATION_OFFER_ANSWERED = "allocation.offer_answered"
    CHILDMINDING_CHANGED = "childminding.changed"
    QUALIFICATION_CHANGED = "qualification.changed"
    INCLUSION_CHANGED = "inclusion.changed"  # checklist, confirmations, resource pool
    # payments (childminder payment runs)
    PAYMENT_RUN_CREATED = "payment.run_created"
    PAYMENT_RUN_RELEASED = "payment.run_released"
    PAYMENT_RATES_SAVED = "payment.rates_saved"
    PAYMENT_HOURS_REPORTED = "payment.hours_reported"  # actual hours of a month (settlement)
    PAYMENT_MASTER_DATA_CHANGED = "payment.master_data_changed"  # insurance proofs, payee account
    # substitutes (Vertretung)
    SUBSTITUTE_CONTACT_RECORDED = "substitutes.contact_recorded"
    ABSENCE_REPORTED = "substitutes.absence_reported"
    SUBSTITUTES_PROPOSED = "substitutes.proposed"
    SUBSTITUTE_CONFIRMED = "substitutes.confirmed"
    SUBSTITUTE_REJECTED = "substitutes.rejected"
    SUBSTITUTE_NOTIFIED = "substitutes.notified"  # e-mails about a confirmed substitute
    PARENT_CONTACT_SAVED = "substitutes.parent_contact_saved"
    SUBSTITUTE_SETTINGS_SAVED = "substitutes.settings_saved"  # territory rules, a profile's e-mail
    # measures (strategic action plan, Maßnahmenplan)
    MEASURE_PLAN_CHANGED = "measures.changed"
    # networks (Netzwerke: members, meetings, invitations)
    NETWORK_CHANGED = "networks.changed"
    # authentication (who logged in, failed, logged out; passwords and second factors changed)
    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOGOUT = "auth.logout"
    PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 - an action name, not a secret
    SECOND_FACTOR_CHANGED = "auth.second_factor_changed"
    # data subject rights and retention (erasure on request or by the retention rule)
    PERSONAL_DATA_ERASED = "privacy.erased"  # one record erased or anonymised; no values
    RETENTION_APPLIED = "privacy.retention"  # one run of the retention rule: counts, references
    # reads of sensitive records (who looked at which child's or childminder's data)
    APPLICATION_VIEWED = "read.application"
    CHILDMINDER_VIEWED = "read.childminder"
    PAYMENT_STATEMENT_VIEWED = "read.payment_statement"
    PAYMENT_DATA_VIEWED = "read.payment_data"  # insurance proofs, payee account
    PAYMENT_FILE_DOWNLOADED = "read.payment_file"
    OWN_DATA_EXPORTED = "read.own_data_export"  # a parent or childminder downloaded own records


def actor_user(actor: AnyUser | None) -> User | None:
    """The user to store in a ``created_by``-style field: ``None`` for the command line's
    system actor (it has no database row)."""
    return actor if isinstance(actor, User) and actor.pk is not None else None


def to_jsonable(value: Any) -> Any:
    """Make model field values JSON-serialisable for before/after snapshots."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance, JSON-ready."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: to_jsonable(getattr(instance, name)) for name in names}


_TERRITORY = "territory.territory"


@functools.cache
def _territory_paths(model: type[models.Model]) -> tuple[tuple[str, ...], ...]:
    """The paths of foreign keys from ``model`` to a territory, shortest first (at most four
    steps; a user account's, a role assignment's aside): ``("territory",)``, ``("round",
    "territory")`` for an application, ``("network", "territory")`` for a network member …
    Found from the models' fields alone, so no caller names its path."""
    found: list[tuple[str, ...]] = []
    queue: list[tuple[type[models.Model], tuple[str, ...]]] = [(model, ())]
    seen = {model}
    while queue:
        current, path = queue.pop(0)
        for field in current._meta.concrete_fields:
            related = field.related_model if field.many_to_one or field.one_to_one else None
            if not isinstance(related, type) or related._meta.label_lower == "auth.user":
                continue
            if related._meta.label_lower == _TERRITORY:
                found.append((*path, field.name))
            elif related not in seen and len(path) < 3:
                seen.add(related)
                queue.append((related, (*path, field.name)))
    return tuple(found)


def territory_id_of(record: models.Model | None) -> int | None:
    """The territory a record belongs to (the first of its territory paths that is set), or
    ``None`` (a record of no territory: a user account, a city-wide setting)."""
    if record is None:
        return None
    if record._meta.label_lower == _TERRITORY:
        return int(record.pk) if record.pk is not None else None
    # record.__class__, not type(record): the request's user is a SimpleLazyObject, which
    # proxies __class__ but is its own type
    for path in _territory_paths(record.__class__):
        current: Any = record
        for name in path[:-1]:
            try:
                current = getattr(current, name, None)
            except ObjectDoesNotExist:  # a related record deleted in the same change
                current = None
            if current is None:
                break
        else:
            territory_id = getattr(current, f"{path[-1]}_id", None)
            if territory_id is not None:
                return int(territory_id)
    return None


def record_audit_event(
    *,
    actor: AnyUser | None,
    action: AuditAction,
    target: models.Model | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    target_label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    territory: models.Model | int | None = None,
) -> AuditEvent:
    """Store one audit event; call it inside the service's transaction.

    The event's territory (the audit trail's territory scope) is ``territory`` when given (a
    territory or its number: for an event without a ``target``, or a deleted one's), else the
    ``target``'s (:func:`territory_id_of`); none for a record of no territory.

    The values of personal fields (:mod:`kitaplan.web.audit.personal`) are dropped from
    ``before``, ``after`` and ``details``; the event keeps only their names in
    ``personal_fields``. A record about one person is labelled by its reference, not its name.
    """
    model_label = target_type or (target._meta.label_lower if target is not None else "")
    if target is not None:
        target_id = str(target.pk)
    target_id = target_id or ""
    label = personal.pseudonymous_label(model_label, target, target_id)
    if label is None:
        label = (
            target_label
            if target_label is not None
            else (str(target) if target is not None else "")
        )
    before_kept, after_kept, touched = personal.split_personal(
        model_label,
        to_jsonable(before) if before is not None else None,
        to_jsonable(after) if after is not None else None,
    )
    details_kept, removed = (
        personal.scrub_details(model_label, to_jsonable(details))
        if details is not None
        else (None, [])
    )
    territory_id = (
        territory_id_of(territory)
        if isinstance(territory, models.Model)
        else territory
        if territory is not None
        else territory_id_of(target)
    )
    return AuditEvent.objects.create(
        territory_id=territory_id,
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor.get_username()
        if actor is not None and hasattr(actor, "get_username")
        else "system",
        action=action.value,
        target_type=model_label,
        target_id=target_id,
        target_label=label[:255],
        before=before_kept,
        after=after_kept,
        details=details_kept,
        personal_fields=personal.merge_names(touched, removed),
    )


def record_read(
    *,
    actor: AnyUser | None,
    action: AuditAction,
    target: models.Model,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Log that ``actor`` looked at a sensitive record (an application, a childminder's
    payments): who, when, which record, never what was shown."""
    return record_audit_event(actor=actor, action=action, target=target, details=details)
