"""Imports of the planning parameters: target rules and care-rate sets.

Both kinds are registered in :class:`~kitaplan.web.planning.apps.PlanningConfig` and run inside
the import's durable transaction (``imports.services.import_file``); any problem refuses the
whole file. Records are compared with what is stored under the same key in the territory: new
ones are added, differing ones changed, equal ones unchanged, so re-importing a file changes
nothing. Nothing the file does not list is deactivated or deleted.

Who may import: the data stewards (planners and administrators, ``access.can_import_data``),
the same who set these parameters up on their pages. Rules and rates hold no personal data, so
the summary (and the audit event) carries old and new values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.planning.models import TargetRule

Record = Mapping[str, Any]
_E = ExpectationCode

#: Where each target of the ``targets`` kind is stored (column limits, ``imports.limits``).
TARGET_COLUMNS = {
    "code": "planning.TargetRule.code",
    "name": "planning.TargetRule.name",
    "metric": "planning.TargetRule.metric",
    "level": "territory.AreaLevel.code",
    "comparison": "planning.TargetRule.comparison",
    "valid_from_year": "planning.TargetRule.valid_from_year",
    "valid_to_year": "planning.TargetRule.valid_to_year",
    "source": "planning.TargetRule.source",
}
#: The TargetRule fields a row sets (besides its code, the key).
TARGET_FIELDS = (
    "name",
    "metric",
    "level_id",
    "comparison",
    "threshold",
    "tolerance",
    "valid_from_year",
    "valid_to_year",
    "source",
    "active",
)


def _problem(
    context: PersistContext,
    record: Record,
    code: ProblemCode,
    column: str,
    value: Any,
    expected: Expectation,
) -> ImportProblem:
    return ImportProblem(
        code=code,
        file=context.file_name,
        row=int(record.get("row_number", 0)),
        column=column,
        value="" if value is None else str(value),
        expected=expected,
    )


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        return old is None or new is None or abs(float(old) - float(new)) > 1e-9
    return bool(old != new)


def _diff(instance: Any, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [getattr(instance, name), new]
        for name, new in values.items()
        if _differs(getattr(instance, name), new)
    }


def persist_targets(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Add or update the territory's target rules by code (see the module docstring).

    An empty ``active`` cell keeps a stored rule's state; a new rule is active.
    """
    territory = context.territory
    levels = {level.code: level for level in territory.levels.all()}
    problems = [
        _problem(
            context,
            record,
            ProblemCode.UNKNOWN_LEVEL,
            "level",
            record["level"],
            expectation(_E.ONE_OF, choices=", ".join(sorted(levels))),
        )
        for record in records
        if record["level"] not in levels
    ]
    if problems:
        raise ImportRefused(problems)
    stored = {rule.code: rule for rule in TargetRule.objects.filter(territory=territory)}
    summary = ImportSummary()
    for record in sorted(records, key=lambda r: str(r["code"])):
        values: dict[str, Any] = {
            "name": record["name"],
            "metric": record["metric"],
            "level_id": levels[record["level"]].pk,
            "comparison": record["comparison"],
            "threshold": _plain(record["threshold"]),
            "tolerance": _plain(record["tolerance"]),
            "valid_from_year": record.get("valid_from_year"),
            "valid_to_year": record.get("valid_to_year"),
            "source": record.get("source") or "",
        }
        if record.get("active") is not None:
            values["active"] = record["active"]
        rule = stored.get(record["code"])
        if rule is None:
            TargetRule.objects.create(territory=territory, code=record["code"], **values)
            summary.added += 1
            continue
        changes = _diff(rule, values)
        if not changes:
            summary.unchanged += 1
            continue
        for name in changes:
            setattr(rule, name, values[name])
        rule.save(update_fields=[*changes])
        summary.changed += 1
        if "level_id" in changes:  # the audit names the level by its code
            old_level = next(
                (lv.code for lv in levels.values() if lv.pk == changes["level_id"][0]), ""
            )
            changes["level"] = [old_level, record["level"]]
            del changes["level_id"]
        summary.changes.append({"key": rule.code, "fields": changes})
    return summary
