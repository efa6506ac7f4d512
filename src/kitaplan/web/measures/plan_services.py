"""Setting up a measures plan on pages: the plan, its fields of action (Handlungsfelder),
objectives (Teilziele) and measures (Maßnahmen), closing it and a new version per year.

Each function is one transaction with one audit event (``measures.changed``, ``details.change``
naming what happened); planners and administrators may call them (``selectors.can_edit``), and
nothing of a closed plan changes (``PermissionDenied``). A value that breaks a rule raises
:class:`PlanError` with a code the page words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.measures.models import (
    ActionField,
    Measure,
    Objective,
    Organisation,
    Plan,
    StrategicGoal,
)
from kitaplan.web.measures.periods import parse_period
from kitaplan.web.measures.services import _require_edit

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser
    from kitaplan.web.territory.models import Territory

PLAN_FIELDS = ("code", "version_year", "title", "first_year", "last_year", "council_decision")
MEASURE_FIELDS = ("code", "text", "period_text", "start", "end", "participants_text", "lead")


class PlanError(ValueError):
    """A rule of the plan is broken: ``code`` names which (``code_taken``, ``years_order``,
    ``version_year``, ``not_empty``, ``end_before_start``, ``other_territory``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _audit(actor: AnyUser, target: Any, change: str, **values: Any) -> None:
    record_audit_event(
        actor=actor,
        action=AuditAction.MEASURE_PLAN_CHANGED,
        target=target,
        before=values.pop("before", None),
        after=values.pop("after", None),
        details={"change": change, **values},
    )


def _check_plan_values(territory: Territory, values: dict[str, Any], pk: int | None) -> None:
    if values["last_year"] < values["first_year"]:
        raise PlanError("years_order")
    taken = Plan.objects.filter(
        territory=territory, code=values["code"], version_year=values["version_year"]
    )
    if taken.exclude(pk=pk or 0).exists():
        raise PlanError("code_taken")


@transaction.atomic(durable=True)
def save_plan(
    *, actor: AnyUser, territory: Territory, values: dict[str, Any], plan: Plan | None = None
) -> Plan:
    """Create a plan (``plan`` None) or change its code, years, title and decision."""
    _require_edit(actor, plan.pk if plan else None)
    values = {name: values[name] for name in PLAN_FIELDS}
    _check_plan_values(plan.territory if plan else territory, values, plan.pk if plan else None)
    if plan is None:
        plan = Plan.objects.create(territory=territory, **values)
        _audit(actor, plan, "plan_created", after={**values, "territory": territory.code})
        return plan
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    before = {name: getattr(plan, name) for name in PLAN_FIELDS}
    if before != values:
        for name, value in values.items():
            setattr(plan, name, value)
        plan.save(update_fields=list(PLAN_FIELDS))
        _audit(actor, plan, "plan_changed", before=before, after=values)
    return plan


@transaction.atomic(durable=True)
def close_plan(*, actor: AnyUser, plan: Plan, day: dt.date | None = None) -> Plan:
    """Close a plan: from then on it is read-only."""
    _require_edit(actor, plan.pk)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    plan.closed_on = day or timezone.localdate()
    plan.save(update_fields=["closed_on"])
    _audit(actor, plan, "plan_closed", after={"closed_on": plan.closed_on})
    return plan


def _copy_structure(old: Plan, new: Plan) -> dict[str, int]:
    objectives: dict[int, Objective] = {}
    copied_measures: list[tuple[Measure, Measure]] = []
    for field in old.action_fields.order_by("position"):
        new_field = ActionField.objects.create(
            plan=new, code=field.code, title=field.title, position=field.position
        )
        for goal in field.goals.order_by("position"):
            StrategicGoal.objects.create(
                field=new_field, code=goal.code, text=goal.text, position=goal.position
            )
        for objective in field.objectives.order_by("position"):
            objectives[objective.pk] = Objective.objects.create(
                field=new_field,
                code=objective.code,
                text=objective.text,
                position=objective.position,
                target_rule_id=objective.target_rule_id,
            )
    measures = Measure.objects.filter(objective__field__plan=old).prefetch_related(
        "participants", "also_objectives"
    )
    for measure in measures.order_by("pk"):
        copy = Measure.objects.create(
            objective=objectives[measure.objective_id],
            **{name: getattr(measure, name) for name in MEASURE_FIELDS},
            position=measure.position,
            status=measure.status,
        )
        copy.participants.set(list(measure.participants.all()))
        copied_measures.append((measure, copy))
    for measure, copy in copied_measures:
        copy.also_objectives.set([objectives[o.pk] for o in measure.also_objectives.all()])
    return {"fields": old.action_fields.count(), "measures": len(copied_measures)}


@transaction.atomic(durable=True)
def new_version(*, actor: AnyUser, plan: Plan, year: int, day: dt.date | None = None) -> Plan:
    """A copy of ``plan`` for ``year`` with its fields, goals, objectives (and their target
    links) and measures (period, lead, participants and status; not the history, comments or
    documents); the old version is closed and stays as it was."""
    _require_edit(actor, plan.pk)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if year <= plan.version_year:
        raise PlanError("version_year")
    if Plan.objects.filter(territory_id=plan.territory_id, code=plan.code, version_year=year):
        raise PlanError("code_taken")
    new = Plan.objects.create(
        territory_id=plan.territory_id,
        code=plan.code,
        version_year=year,
        title=plan.title,
        first_year=plan.first_year,
        last_year=max(plan.last_year, year),
        council_decision=plan.council_decision,
        source=plan.source,
        previous_version=plan,
    )
    counts = _copy_structure(plan, new)
    plan.closed_on = day or timezone.localdate()
    plan.save(update_fields=["closed_on"])
    _audit(actor, new, "plan_version", after={"year": year, "from": plan.pk, **counts})
    return new


def _next_position(queryset: Any) -> int:
    last = queryset.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


@transaction.atomic(durable=True)
def save_field(
    *, actor: AnyUser, plan: Plan, code: str, title: str, field: ActionField | None = None
) -> ActionField:
    """Add a field of action to a plan or change one; the code is unique in the plan."""
    _require_edit(actor, plan.pk)
    code, title = code.strip(), title.strip()
    if plan.action_fields.filter(code=code).exclude(pk=field.pk if field else 0).exists():
        raise PlanError("code_taken")
    if field is None:
        field = ActionField.objects.create(
            plan=plan, code=code, title=title, position=_next_position(plan.action_fields)
        )
        _audit(actor, field, "field_added", after={"code": code, "title": title})
        return field
    before = {"code": field.code, "title": field.title}
    if before != {"code": code, "title": title}:
        field.code, field.title = code, title
        field.save(update_fields=["code", "title"])
        _audit(actor, field, "field_changed", before=before, after={"code": code, "title": title})
    return field


@transaction.atomic(durable=True)
def remove_field(*, actor: AnyUser, field: ActionField) -> None:
    """Remove a field of action without objectives (remove those first)."""
    _require_edit(actor, field.plan_id)
    if field.objectives.exists():
        raise PlanError("not_empty")
    _audit(actor, field.plan, "field_removed", before={"code": field.code, "title": field.title})
    field.delete()


@transaction.atomic(durable=True)
def save_objective(
    *, actor: AnyUser, field: ActionField, code: str, text: str, objective: Objective | None = None
) -> Objective:
    """Add an objective to a field of action or change one; the code is unique in the plan."""
    _require_edit(actor, field.plan_id)
    code, text = code.strip(), text.strip()
    taken = Objective.objects.filter(field__plan_id=field.plan_id, code=code)
    if taken.exclude(pk=objective.pk if objective else 0).exists():
        raise PlanError("code_taken")
    if objective is None:
        objective = Objective.objects.create(
            field=field, code=code, text=text, position=_next_position(field.objectives)
        )
        _audit(actor, objective, "objective_added", after={"code": code, "text": text})
        return objective
    before = {"code": objective.code, "text": objective.text}
    if before != {"code": code, "text": text}:
        objective.code, objective.text = code, text
        objective.save(update_fields=["code", "text"])
        _audit(actor, objective, "objective_changed", before=before, after={"code": code})
    return objective


@transaction.atomic(durable=True)
def remove_objective(*, actor: AnyUser, objective: Objective) -> None:
    """Remove an objective without measures (remove those first)."""
    _require_edit(actor, objective.field.plan_id)
    if objective.measures.exists():
        raise PlanError("not_empty")
    _audit(actor, objective.field, "objective_removed", before={"code": objective.code})
    objective.delete()


@transaction.atomic(durable=True)
def save_measure(
    *,
    actor: AnyUser,
    objective: Objective,
    values: dict[str, Any],
    participants: Iterable[Organisation],
    measure: Measure | None = None,
) -> Measure:
    """Add a measure to an objective or change one: code, text, period (as written and from–to;
    read from the text where the dates are left empty), lead and participants (entries of the
    plan's territory's directory; the lead takes part)."""
    plan = objective.field.plan
    _require_edit(actor, plan.pk)
    values = {name: values.get(name) for name in MEASURE_FIELDS}
    values["code"] = str(values["code"]).strip()
    values["period_text"] = values["period_text"] or ""
    values["participants_text"] = values["participants_text"] or ""
    if values["start"] is None and values["end"] is None:
        values["start"], values["end"] = parse_period(values["period_text"])
    if values["start"] and values["end"] and values["end"] < values["start"]:
        raise PlanError("end_before_start")
    chosen = {o.pk: o for o in participants}
    if values["lead"] is not None:
        chosen[values["lead"].pk] = values["lead"]
    if any(o.territory_id != plan.territory_id for o in chosen.values()):
        raise PlanError("other_territory")
    taken = Measure.objects.filter(objective=objective, code=values["code"])
    if taken.exclude(pk=measure.pk if measure else 0).exists():
        raise PlanError("code_taken")
    after = {**values, "lead": values["lead"].pk if values["lead"] else None}
    after["participants"] = sorted(chosen)
    if measure is None:
        measure = Measure.objects.create(
            objective=objective, position=_next_position(objective.measures), **values
        )
        measure.participants.set(list(chosen.values()))
        _audit(actor, measure, "measure_added", after=after)
        return measure
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    before: dict[str, Any] = {name: getattr(measure, name) for name in MEASURE_FIELDS}
    before["lead"] = measure.lead_id
    before["participants"] = sorted(measure.participants.values_list("pk", flat=True))
    if before != after:
        for name, value in values.items():
            setattr(measure, name, value)
        measure.save(update_fields=list(MEASURE_FIELDS))
        measure.participants.set(list(chosen.values()))
        _audit(actor, measure, "measure_changed", before=before, after=after)
    return measure


@transaction.atomic(durable=True)
def remove_measure(*, actor: AnyUser, measure: Measure) -> None:
    """Remove a measure with its status history, comments and documents."""
    _require_edit(actor, measure.objective.field.plan_id)
    _audit(
        actor,
        measure.objective,
        "measure_removed",
        before={"code": measure.code, "text": measure.text, "status": measure.status},
    )
    measure.delete()
