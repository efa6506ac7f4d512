"""Changing the action plan: one transaction and one audit event (``measures.changed``) each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event
from kitaplan.web.measures import selectors
from kitaplan.web.measures.models import (
    ActionField,
    Comment,
    Document,
    Measure,
    Objective,
    Organisation,
    Plan,
    ReportSnapshot,
    StatusChange,
    StrategicGoal,
)
from kitaplan.web.measures.periods import parse_period
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser
    from kitaplan.web.planning.models import TargetRule


def _require_edit(actor: AnyUser, plan_id: int | None = None) -> None:
    """Refuse an actor who may not change plans, and any change to a closed plan."""
    if not selectors.can_edit(actor):
        raise PermissionDenied
    if plan_id is not None and Plan.objects.filter(pk=plan_id, closed_on__isnull=False).exists():
        raise PermissionDenied("the plan is closed (read-only)")


def _measure_plan(measure: Measure) -> int | None:
    return (
        Measure.objects.filter(pk=measure.pk)
        .values_list("objective__field__plan", flat=True)
        .first()
    )


def _objective_plan(objective: Objective) -> int | None:
    return Objective.objects.filter(pk=objective.pk).values_list("field__plan", flat=True).first()


@transaction.atomic(durable=True)
def change_status(
    *,
    measure: Measure,
    actor: AnyUser,
    status: str,
    date: dt.date | None = None,
    comment: str = "",
    recorded_at: dt.datetime | None = None,
) -> StatusChange:
    """Set a measure's status and add it to its history (a comment says why)."""
    _require_edit(actor, _measure_plan(measure))
    if status not in dict(Measure.STATUS_CHOICES):
        raise ValueError(f"unknown status {status!r}")
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    previous = measure.status
    change = StatusChange.objects.create(
        measure=measure,
        status=status,
        previous_status=previous,
        date=date or timezone.localdate(),
        comment=comment,
        changed_by=actor_user(actor),
        recorded_at=recorded_at or timezone.now(),
    )
    measure.status = status
    measure.save(update_fields=["status"])
    record_audit_event(
        actor=actor,
        action=AuditAction.MEASURE_PLAN_CHANGED,
        target=measure,
        before={"status": previous},
        after={"status": status, "date": change.date, "comment": comment},
        details={"change": "status"},
    )
    return change


ORGANISATION_FIELDS = ("short_name", "name", "kind")


@transaction.atomic(durable=True)
def save_organisation(
    *,
    actor: AnyUser,
    territory: Territory,
    short_name: str,
    name: str,
    kind: str,
    organisation: Organisation | None = None,
) -> Organisation:
    """Add an entry to the directory of organisations and units, or change one.

    The short name is the entry's key within the territory (e.g. "Amt 58"); a second entry
    with the same short name is refused with ``ValueError("short_name_taken")``.
    """
    _require_edit(actor)
    short_name, name = short_name.strip(), name.strip()
    if kind not in dict(Organisation.KIND_CHOICES):
        raise ValueError(f"unknown kind {kind!r}")
    taken = Organisation.objects.filter(territory=territory, short_name__iexact=short_name)
    if organisation is not None:
        taken = taken.exclude(pk=organisation.pk)
    if taken.exists():
        raise ValueError("short_name_taken")
    values = {"short_name": short_name, "name": name, "kind": kind}
    if organisation is None:
        organisation = Organisation.objects.create(territory=territory, **values)
        record_audit_event(
            actor=actor,
            action=AuditAction.MEASURE_PLAN_CHANGED,
            target=organisation,
            after={**values, "territory": territory.code},
            details={"change": "organisation_created"},
        )
        return organisation
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = {field: getattr(organisation, field) for field in ORGANISATION_FIELDS}
    if before != values:
        for field, value in values.items():
            setattr(organisation, field, value)
        organisation.save(update_fields=list(ORGANISATION_FIELDS))
        record_audit_event(
            actor=actor,
            action=AuditAction.MEASURE_PLAN_CHANGED,
            target=organisation,
            before=before,
            after=values,
            details={"change": "organisation_changed"},
        )
    return organisation


@transaction.atomic(durable=True)
def set_organisations(
    *,
    measure: Measure,
    actor: AnyUser,
    lead: Organisation | None,
    participants: Iterable[Organisation],
) -> Measure:
    """Set a measure's lead unit and participants from the directory of its plan's territory;
    the lead always takes part."""
    _require_edit(actor, _measure_plan(measure))
    measure = (
        Measure.objects.select_for_update()
        .select_related("objective__field__plan")
        .get(pk=measure.pk)
    )
    territory_id = measure.objective.field.plan.territory_id
    chosen = {o.pk: o for o in participants}
    if lead is not None:
        chosen[lead.pk] = lead
    if any(o.territory_id != territory_id for o in chosen.values()):
        raise ValueError("organisations must belong to the plan's territory")
    before = {
        "lead": measure.lead_id,
        "participants": sorted(measure.participants.values_list("pk", flat=True)),
    }
    measure.lead = lead
    measure.save(update_fields=["lead"])
    measure.participants.set(list(chosen.values()))
    after = {"lead": measure.lead_id, "participants": sorted(chosen)}
    if after != before:
        record_audit_event(
            actor=actor,
            action=AuditAction.MEASURE_PLAN_CHANGED,
            target=measure,
            before=before,
            after=after,
            details={"change": "organisations"},
        )
    return measure


@transaction.atomic(durable=True)
def add_comment(*, measure: Measure, actor: AnyUser, text: str) -> Comment:
    _require_edit(actor, _measure_plan(measure))
    comment = Comment.objects.create(measure=measure, text=text, author=actor_user(actor))
    record_audit_event(
        actor=actor,
        action=AuditAction.MEASURE_PLAN_CHANGED,
        target=measure,
        after={"comment": text},
        details={"change": "comment", "comment_id": comment.pk},
    )
    return comment


@transaction.atomic(durable=True)
def add_document(*, measure: Measure, actor: AnyUser, title: str, file: UploadedFile) -> Document:
    _require_edit(actor, _measure_plan(measure))
    document = Document.objects.create(
        measure=measure, title=title, file=file, uploaded_by=actor_user(actor)
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.MEASURE_PLAN_CHANGED,
        target=measure,
        after={"document": title, "file": document.file.name},
        details={"change": "document", "document_id": document.pk},
    )
    return document


@transaction.atomic(durable=True)
def link_target(
    *, objective: Objective, actor: AnyUser, target_rule: TargetRule | None
) -> Objective:
    """Link an objective to a target rule of its plan's territory (or unlink with ``None``)."""
    _require_edit(actor, _objective_plan(objective))
    objective = Objective.objects.select_related("field__plan").get(pk=objective.pk)
    if target_rule is not None and target_rule.territory_id != objective.field.plan.territory_id:
        raise ValueError("the target rule belongs to another territory")
    before = objective.target_rule_id
    objective.target_rule = target_rule
    objective.save(update_fields=["target_rule"])
    record_audit_event(
        actor=actor,
        action=AuditAction.MEASURE_PLAN_CHANGED,
        target=objective,
        before={"target_rule": before},
        after={"target_rule": objective.target_rule_id},
        details={"change": "target_link"},
    )
    return objective


@transaction.atomic(durable=True)
def issue_report(
    *,
    plan: Plan,
    actor: AnyUser,
    label: str,
    start: dt.date,
    end: dt.date,
    issued_at: dt.datetime | None = None,
) -> ReportSnapshot:
    """Store what the report states now, so the next report can say what changed since."""
    _require_edit(actor)
    report = selectors.progress_report(plan, label=label, start=start, end=end)
    snapshot = ReportSnapshot.objects.create(
        plan=plan,
        period_label=label,
        period_start=start,
        period_end=end,
        issued_at=issued_at or timezone.now(),
        issued_by=actor_user(actor),
        statuses={str(m.pk): m.status for m in report.measures},
        lights={str(r["objective"].pk): r["light"].light for r in report.lights},
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.MEASURE_PLAN_CHANGED,
        target=snapshot,
        after={"period": label, "measures": len(snapshot.statuses), "totals": report.totals},
        details={"change": "report_issued"},
    )
    return snapshot


@transaction.atomic(durable=True)
def load_plan(
    *,
    territory: Territory,
    actor: AnyUser,
    title: str,
    first_year: int,
    last_year: int,
    rows: list[dict[str, str]],
    council_decision: str = "",
    source: str = "",
    code: str = "",
    version_year: int | None = None,
) -> Plan:
    """Create a plan from rows of a plan file (levels organisation, field, goal, objective,
    measure; see ``kitaplan/demo/data/dresden/massnahmenplan-2020-2027.csv``). The code
    defaults to the title as a slug, the version year to the first year."""
    _require_edit(actor)
    plan = Plan.objects.create(
        territory=territory,
        code=code or slugify(title)[:40],
        version_year=version_year or first_year,
        title=title,
        first_year=first_year,
        last_year=last_year,
        council_decision=council_decision,
        source=source,
    )
    orgs: dict[str, Organisation] = {}
    fields: dict[str, ActionField] = {}
    objectives: dict[str, Objective] = {}
    positions: dict[str, int] = {}

    def position(key: str) -> int:
        positions[key] = positions.get(key, 0) + 1
        return positions[key]

    for row in rows:
        level = row["level"]
        if level == "organisation":
            orgs[row["code"]], _new = Organisation.objects.get_or_create(
                territory=territory,
                short_name=row["code"],
                defaults={"name": row["text"], "kind": row.get("kind") or Organisation.OTHER},
            )
        elif level == "field":
            fields[row["code"]] = ActionField.objects.create(
                plan=plan, code=row["code"], title=row["text"], position=position("field")
            )
        elif level == "goal":
            StrategicGoal.objects.create(
                field=fields[row["parent"]],
                code=row["code"],
                text=row["text"],
                position=position("goal" + row["parent"]),
            )
        elif level == "objective":
            objectives[row["code"]] = Objective.objects.create(
                field=fields[row["parent"]],
                code=row["code"],
                text=row["text"],
                position=position("objective" + row["parent"]),
            )
        elif level == "measure":
            first, *others = row["parent"].split(";")
            names = [n for n in row.get("organisations", "").split("|") if n]
            start, end = parse_period(row.get("period", ""))
            measure = Measure.objects.create(
                objective=objectives[first],
                code=row["code"],
                position=position("measure" + first),
                text=row["text"],
                period_text=row.get("period", ""),
                start=start,
                end=end,
                participants_text=row.get("participants", ""),
                lead=orgs[names[0]] if names else None,
            )
            measure.participants.set([orgs[n] for n in names])
            if others:
                measure.also_objectives.set([objectives[o] for o in others])
        else:
            raise ValueError(f"unknown level {level!r}")
    record_audit_event(
        actor=actor,
        action=AuditAction.MEASURE_PLAN_CHANGED,
        target=plan,
        after={
            "title": title,
            "fields": len(fields),
            "objectives": len(objectives),
            "measures": Measure.objects.filter(objective__field__plan=plan).count(),
        },
        details={"change": "plan_loaded"},
    )
    return plan
