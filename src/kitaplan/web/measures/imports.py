"""The import kind ``measures_plan``: a table of measures into a plan version of the territory.

The file names the plan version by ``plan_code`` and ``plan_year`` (the German layout may leave
both out: then the territory's only open plan). The plan must be open. Fields of action are
found by code in the plan, objectives by code in the plan (in the field the file gives),
measures by code in their objective; what is new is added, what differs is changed, the rest is
unchanged. Nothing the file does not list is removed, and a measure's status, history, comments
and documents are never touched by an import. Participants are linked to the entries of the
territory's directory that the cell names (see :mod:`kitaplan.domain.planning.plan_rows`); the
first one found leads. The summary counts fields, objectives and measures together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.domain.planning.plan_rows import IssueKind, PlanRow, RowIssue, complete_rows
from kitaplan.domain.planning.plan_rows import match_participants as match
from kitaplan.exchange.formats.measures_plan import column_of
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.measures.models import ActionField, Measure, Objective, Organisation, Plan
from kitaplan.web.measures.periods import parse_period

_E = ExpectationCode
Record = Mapping[str, Any]

#: Where each target is stored (so that too long codes and texts are problems).
COLUMNS = {
    "plan_code": "measures.Plan.code",
    "plan_year": "measures.Plan.version_year",
    "field_code": "measures.ActionField.code",
    "objective_code": "measures.Objective.code",
    "measure_code": "measures.Measure.code",
    "period": "measures.Measure.period_text",
    "participants": "measures.Measure.participants_text",
}

_ISSUES: dict[IssueKind, ProblemCode] = {
    IssueKind.MISSING: ProblemCode.MISSING_VALUE,
    IssueKind.FIELD_TITLE: ProblemCode.INCONSISTENT_VALUES,
    IssueKind.OBJECTIVE_FIELD: ProblemCode.INCONSISTENT_VALUES,
    IssueKind.OBJECTIVE_TEXT: ProblemCode.INCONSISTENT_VALUES,
    IssueKind.DUPLICATE_MEASURE: ProblemCode.DUPLICATE_KEY,
    IssueKind.END_BEFORE_START: ProblemCode.OUT_OF_RANGE,
}


class _Problems:
    def __init__(self, context: PersistContext, layout: str) -> None:
        self.file, self.layout, self.found = context.file_name, layout, list[ImportProblem]()

    def add(
        self, code: ProblemCode, row: int, target: str, value: object, expected: Expectation
    ) -> None:
        self.found.append(
            ImportProblem(
                code=code,
                file=self.file,
                row=row,
                column=column_of(self.layout, target),
                value="" if value is None else str(value),
                expected=expected,
            )
        )

    def issue(self, issue: RowIssue) -> None:
        if issue.kind is IssueKind.MISSING:
            expected = expectation(_E.MEASURES_CODE_OR_ABOVE)
        elif issue.kind is IssueKind.DUPLICATE_MEASURE:
            expected = expectation(_E.UNIQUE_KEY, row=issue.first_row)
        elif issue.kind is IssueKind.END_BEFORE_START:
            expected = expectation(_E.NOT_BEFORE_COLUMN, column=column_of(self.layout, "start"))
        else:
            expected = expectation(_E.SAME_AS_ROW, row=issue.first_row)
        self.add(_ISSUES[issue.kind], issue.row, issue.target, issue.value, expected)


def _plan_of(
    records: Sequence[Record], context: PersistContext, problems: _Problems
) -> Plan | None:
    """The one plan version the file names (or the territory's only open plan)."""
    first = records[0]
    row = int(first.get("row_number", 0))
    wanted = {(r.get("plan_code"), r.get("plan_year")) for r in records}
    if len(wanted) > 1:
        other = next(
            r
            for r in records
            if (r.get("plan_code"), r.get("plan_year"))
            != (first.get("plan_code"), first.get("plan_year"))
        )
        problems.add(
            ProblemCode.INCONSISTENT_VALUES,
            int(other.get("row_number", 0)),
            "plan_code",
            other.get("plan_code"),
            expectation(_E.SAME_AS_ROW, row=row),
        )
        return None
    code, year = next(iter(wanted))
    plans = Plan.objects.filter(territory=context.territory)
    if code is None and year is None:
        open_plans = list(plans.filter(closed_on__isnull=True)[:2])
        if len(open_plans) != 1:
            problems.add(
                ProblemCode.MISSING_VALUE, row, "plan_code", "", expectation(_E.MEASURES_PLAN_ONE)
            )
            return None
        return open_plans[0]
    plan = plans.filter(code=code or "", version_year=year or 0).first()
    if plan is None:
        problems.add(
            ProblemCode.UNKNOWN_CHOICE,
            row,
            "plan_code" if code is not None else "plan_year",
            f"{code or ''} {year or ''}".strip(),
            expectation(_E.MEASURES_PLAN_VERSION, territory=context.territory.name),
        )
        return None
    if plan.closed_on is not None:
        problems.add(
            ProblemCode.UNKNOWN_CHOICE,
            row,
            "plan_code",
            f"{code} {year}",
            expectation(_E.MEASURES_PLAN_OPEN, closed_on=plan.closed_on.isoformat()),
        )
        return None
    return plan


def _rows(records: Sequence[Record]) -> list[PlanRow]:
    return [
        PlanRow(
            row=int(r.get("row_number", 0)),
            field_code=r.get("field_code"),
            field_title=r.get("field_title"),
            objective_code=r.get("objective_code"),
            objective_text=r.get("objective_text"),
            measure_code=r.get("measure_code"),
            measure_text=str(r["measure_text"]),
            period_text=r.get("period") or "",
            start=r.get("start"),
            end=r.get("end"),
            participants=r.get("participants") or "",
        )
        for r in records
    ]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


class _Writer:
    """Compares the rows with the plan and writes them; counts into ``summary``."""

    def __init__(self, plan: Plan, problems: _Problems) -> None:
        self.plan, self.problems, self.summary = plan, problems, ImportSummary()
        self.fields = {f.code: f for f in plan.action_fields.all()}
        self.objectives = {
            o.code: o for o in Objective.objects.filter(field__plan=plan).select_related("field")
        }
        self.measures = {
            (m.objective_id, m.code): m
            for m in Measure.objects.filter(objective__field__plan=plan).prefetch_related(
                "participants"
            )
        }
        self.seen: set[str] = set()  # the fields and objectives already counted
        self.directory = {
            o.short_name: o for o in Organisation.objects.filter(territory_id=plan.territory_id)
        }

    def _count(self, key: str, changes: dict[str, list[Any]] | None) -> None:
        if changes is None:
            self.summary.added += 1
        elif changes:
            self.summary.changed += 1
            self.summary.changes.append(
                {
                    "key": key,
                    "changes": {n: [_plain(a), _plain(b)] for n, (a, b) in changes.items()},
                }
            )
        else:
            self.summary.unchanged += 1

    def field(self, r: PlanRow) -> ActionField | None:
        code, title = str(r.field_code), r.field_title or ""
        field = self.fields.get(code)
        if field is None:
            if not title:
                self.problems.add(
                    ProblemCode.MISSING_VALUE, r.row, "field_title", "", expectation(_E.VALUE)
                )
                return None
            field = ActionField.objects.create(
                plan=self.plan, code=code, title=title, position=len(self.fields) + 1
            )
            self.fields[code] = field
            self._count(f"field {code}", None)
        elif f"field {code}" not in self.seen:
            changes = {"title": [field.title, title]} if title and title != field.title else {}
            if changes:
                field.title = title
                field.save(update_fields=["title"])
            self._count(f"field {code}", changes)
        self.seen.add(f"field {code}")
        return field

    def objective(self, r: PlanRow, field: ActionField) -> Objective | None:
        code, text = str(r.objective_code), r.objective_text or ""
        objective = self.objectives.get(code)
        if objective is not None and objective.field_id != field.pk:
            self.problems.add(
                ProblemCode.INCONSISTENT_VALUES,
                r.row,
                "objective_code",
                code,
                expectation(_E.MEASURES_OBJECTIVE_FIELD, field=objective.field.code),
            )
            return None
        if objective is None:
            if not text:
                self.problems.add(
                    ProblemCode.MISSING_VALUE, r.row, "objective_text", "", expectation(_E.VALUE)
                )
                return None
            objective = Objective.objects.create(
                field=field, code=code, text=text, position=field.objectives.count() + 1
            )
            self.objectives[code] = objective
            self._count(f"objective {code}", None)
        elif f"objective {code}" not in self.seen:
            changes = {"text": [objective.text, text]} if text and text != objective.text else {}
            if changes:
                objective.text = text
                objective.save(update_fields=["text"])
            self._count(f"objective {code}", changes)
        self.seen.add(f"objective {code}")
        return objective

    def measure(self, r: PlanRow, objective: Objective) -> None:
        start, end = r.start, r.end
        if start is None and end is None:
            start, end = parse_period(r.period_text)
        names, _missing = match(r.participants, {s: o.name for s, o in self.directory.items()})
        chosen = [self.directory[n] for n in names]
        values: dict[str, Any] = {
            "text": r.measure_text,
            "period_text": r.period_text,
            "start": start,
            "end": end,
            "participants_text": r.participants,
            "lead": chosen[0] if chosen else None,
        }
        key = f"measure {objective.code} {r.measure_code}"
        measure = self.measures.get((objective.pk, str(r.measure_code)))
        if measure is None:
            measure = Measure.objects.create(
                objective=objective,
                code=str(r.measure_code),
                position=objective.measures.count() + 1,
                **values,
            )
            measure.participants.set(chosen)
            self.measures[(objective.pk, measure.code)] = measure
            self._count(key, None)
            return
        changes = {
            name: [getattr(measure, name), value]
            for name, value in values.items()
            if getattr(measure, name) != value
        }
        stored = sorted(o.short_name for o in measure.participants.all())
        if stored != sorted(names):
            changes["participants"] = [stored, sorted(names)]
        if changes:
            for name, value in values.items():
                setattr(measure, name, value)
            measure.save(update_fields=list(values))
            measure.participants.set(chosen)
        if "lead" in changes:
            changes["lead"] = [getattr(o, "short_name", None) for o in changes["lead"]]
        self._count(key, changes)


def persist_measures_plan(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Store the measures of the file in its plan version (see the module's docstring)."""
    problems = _Problems(context, str(records[0].get("layout", "kitaplan")))
    plan = _plan_of(records, context, problems)
    rows, issues = complete_rows(_rows(records))
    for issue in issues:
        problems.issue(issue)
    if plan is None or problems.found:
        raise ImportRefused(problems.found)
    writer = _Writer(plan, problems)
    for r in rows:
        field = writer.field(r)
        objective = writer.objective(r, field) if field is not None else None
        if objective is not None:
            writer.measure(r, objective)
    if problems.found:
        raise ImportRefused(problems.found)
    return writer.summary
