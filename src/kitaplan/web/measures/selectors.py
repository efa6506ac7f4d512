"""Reading the action plan: who may see and change it, the plan as a tree, the traffic lights
of the objectives linked to target rules, and what a progress report states.

Everyone with a staff role reads every plan (a plan is a public strategy paper); planners and
administrators change it. Parents and childminders see nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from kitaplan.domain.planning import progress
from kitaplan.domain.planning.area_metrics import worst_light
from kitaplan.domain.planning.targets import count_lights, evaluate_targets
from kitaplan.web.core import access
from kitaplan.web.core.access import scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.measures.models import (
    ActionField,
    Measure,
    Objective,
    Organisation,
    Plan,
    ReportSnapshot,
    StatusChange,
)
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser
    from kitaplan.web.planning.models import TargetRule as TargetRuleModel

# --------------------------------------------------------------------------- who sees what


def can_view(user: AnyUser) -> bool:
    return access.is_staff_user(user)


def can_edit(user: AnyUser) -> bool:
    return access.has_any_role(user, {Role.PLANNER, Role.ADMIN}) or getattr(
        user, "is_system", False
    )


@scoped_to_territories()
def plans_visible_to(user: AnyUser) -> QuerySet[Plan]:
    return Plan.objects.all() if can_view(user) else Plan.objects.none()


@scoped_to_territories("objective__field__plan__territory")
def measures_visible_to(user: AnyUser) -> QuerySet[Measure]:
    return Measure.objects.filter(objective__field__plan__in=plans_visible_to(user))


@scoped_to_territories()
def organisations_visible_to(user: AnyUser) -> QuerySet[Organisation]:
    return Organisation.objects.all() if can_view(user) else Organisation.objects.none()


# --------------------------------------------------------------------------- the tree


def plan_tree(plan: Plan) -> list[ActionField]:
    """Fields → goals, objectives (with target rule) → measures (lead, participants); fixed
    number of queries."""
    measures = Measure.objects.select_related("lead").prefetch_related("participants")
    objectives = Objective.objects.select_related(
        "target_rule", "target_rule__level"
    ).prefetch_related(
        Prefetch("measures", queryset=measures.order_by("position")),
        Prefetch("shared_measures", queryset=measures.select_related("objective")),
    )
    return list(
        plan.action_fields.order_by("position").prefetch_related(
            "goals", Prefetch("objectives", queryset=objectives.order_by("position"))
        )
    )


def plan_measures(plan: Plan) -> list[Measure]:
    return list(
        Measure.objects.filter(objective__field__plan=plan)
        .select_related("objective", "objective__field", "lead")
        .order_by("objective__field__position", "objective__position", "position")
    )


# --------------------------------------------------------------------------- target lights


@dataclass
class ObjectiveLight:
    light: str
    counts: dict[str, int]
    year: int | None

    @property
    def areas(self) -> int:
        return sum(self.counts.values())


def evaluation_year(territory: Territory) -> int | None:
    """The latest year with stored population, else the first forecast year."""
    from kitaplan.web.planning.selectors import planning_years

    stored, forecast = planning_years(territory)
    if stored:
        return stored[-1]
    return forecast[0] if forecast else None


def objective_lights(objectives: list[Objective]) -> dict[int, ObjectiveLight]:
    """The light of each objective linked to a target rule: the worst light of the rule's areas."""
    from kitaplan.web.planning.selectors import area_metrics, domain_rule

    result: dict[int, ObjectiveLight] = {}
    by_territory: dict[int, list[tuple[Objective, TargetRuleModel]]] = {}
    for o in objectives:
        if o.target_rule_id is not None and (rule := o.target_rule) is not None:
            by_territory.setdefault(rule.territory_id, []).append((o, rule))
    for territory_id, items in by_territory.items():
        territory = Territory.objects.get(pk=territory_id)
        year = evaluation_year(territory)
        metrics, areas = area_metrics(territory=territory, year=year) if year else ({}, {})
        level_of = {pk: a.level.code for pk, a in areas.items()}
        for o, rule in items:
            results = evaluate_targets(
                [domain_rule(rule)],
                metrics=metrics,
                level_of=level_of,
            )
            counts = {k.value: v for k, v in count_lights(results).items()}
            light = worst_light(results)
            result[o.pk] = ObjectiveLight(light=light.value, counts=counts, year=year)
    return result


# --------------------------------------------------------------------------- the report


@dataclass
class Change:
    measure: Measure
    before: str | None  # status in the last issued report (None: not in it)
    now: str
    history: list[StatusChange] = field(default_factory=list)


@dataclass
class ProgressReport:
    plan: Plan
    label: str
    start: dt.date
    end: dt.date
    on: dt.date
    totals: dict[str, int]
    fields: list[dict[str, Any]]
    overdue: list[Measure]
    lights: list[dict[str, Any]]
    last: ReportSnapshot | None
    changes: list[Change]
    measures: list[Measure]
    measure_lights: dict[int, ObjectiveLight]
    snapshot_statuses: dict[str, str]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def last_snapshot(plan: Plan) -> ReportSnapshot | None:
    return plan.snapshots.order_by("-issued_at", "-pk").first()


def progress_report(
    plan: Plan, *, label: str, start: dt.date, end: dt.date, on: dt.date | None = None
) -> ProgressReport:
    """Status per field, overdue measures, linked lights, and the changes since the last issued
    report (status now against the status stated then, with the history recorded since)."""
    on = on or timezone.localdate()
    measures = plan_measures(plan)
    objectives = list(
        Objective.objects.filter(field__plan=plan)
        .select_related("field", "target_rule", "target_rule__level")
        .order_by("field__position", "position")
    )
    lights = objective_lights(objectives)
    states = [progress.MeasureState(m.pk, m.objective.field_id, m.status, m.end) for m in measures]
    fields: list[dict[str, Any]] = []
    for f in plan.action_fields.order_by("position"):
        figures = progress.field_figures(states, field=f.pk, on=on)
        fields.append(
            {
                "field": f,
                "counts": list(figures.counts),
                "total": figures.total,
                "overdue": figures.overdue,
            }
        )
    last = last_snapshot(plan)
    history = StatusChange.objects.filter(measure__objective__field__plan=plan).select_related(
        "changed_by"
    )
    if last is not None:
        history = history.filter(recorded_at__gt=last.issued_at)
    else:
        history = history.filter(date__gte=start, date__lte=end)
    by_measure: dict[int, list[StatusChange]] = {}
    for h in history.order_by("recorded_at", "pk"):
        by_measure.setdefault(h.measure_id, []).append(h)
    stated = last.statuses if last is not None else {}
    by_pk = {m.pk: m for m in measures}
    changes = [
        Change(by_pk[move.key], move.before, move.now, by_measure.get(move.key, []))
        for move in progress.changes(
            states,
            stated={int(k): v for k, v in stated.items()} if last is not None else None,
            recorded=by_measure.keys(),
        )
    ]
    light_rows = [
        {
            "objective": o,
            "rule": o.target_rule,
            "light": lights[o.pk],
            "before": (last.lights.get(str(o.pk)) if last is not None else None),
        }
        for o in objectives
        if o.pk in lights
    ]
    return ProgressReport(
        plan=plan,
        label=label,
        start=start,
        end=end,
        on=on,
        totals=progress.status_counts(states),
        fields=fields,
        overdue=[m for m in measures if m.is_overdue(on)],
        lights=light_rows,
        last=last,
        changes=changes,
        measures=measures,
        measure_lights={m.pk: lights[m.objective_id] for m in measures if m.objective_id in lights},
        snapshot_statuses=stated,
    )
