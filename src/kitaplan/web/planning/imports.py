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
from kitaplan.exchange.formats.care_rates import AGES, KEY
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.planning.models import CareRateSet, TargetRule
from kitaplan.web.territory.models import IndicatorDefinition

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


# ----------------------------------------------------------------------------------- care rates

#: Where each target of the ``care_rates`` kind is stored (column limits, ``imports.limits``).
CARE_RATE_COLUMNS = {
    "valid_from_year": "planning.CareRateSet.valid_from_year",
    "name": "planning.CareRateSet.name",
    "class_indicator": "territory.IndicatorDefinition.code",
    "source": "planning.CareRateSet.source",
}

#: A set's group: the sets of one year and area class, of which at most one is active.
Group = tuple[int, int | None, float | None]


def _class_problems(
    records: Sequence[Record], context: PersistContext, indicators: Mapping[str, int]
) -> list[ImportProblem]:
    problems = []
    for record in records:
        code, value = record.get("class_indicator"), record.get("class_value")
        if (code is None) != (value is None):
            column = "class_value" if value is None else "class_indicator"
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.INCONSISTENT_VALUES,
                    column,
                    record.get(column),
                    expectation(_E.CARE_RATES_CLASS_PAIR),
                )
            )
        elif code is not None and code not in indicators:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_INDICATOR,
                    "class_indicator",
                    code,
                    expectation(_E.DEFINED_INDICATOR),
                )
            )
    return problems


def _rate_values(record: Record) -> dict[str, Any]:
    return {
        "rates": {str(age): float(record[f"rate_{age}"]) for age in AGES},
        "integration_rate": float(record["integration_rate"]),
        "source": record.get("source") or "",
    }


def persist_care_rates(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Add or update the territory's care-rate sets by year, name and area class.

    ``active`` chooses the set that applies: ``true`` activates the row's set and deactivates
    the other sets of its year and class, ``false`` deactivates it, empty keeps a stored set's
    state and makes a new set active only when no other set of its year and class is.
    """
    territory = context.territory
    codes = {r["class_indicator"] for r in records if r.get("class_indicator")}
    indicators = dict(IndicatorDefinition.objects.filter(code__in=codes).values_list("code", "pk"))
    problems = _class_problems(records, context, indicators)
    if problems:
        raise ImportRefused(problems)
    stored = {
        (s.valid_from_year, s.name, s.class_indicator_id, s.class_value): s
        for s in CareRateSet.objects.filter(territory=territory).select_for_update()
    }

    def group_of(record: Record) -> Group:
        indicator = indicators.get(record.get("class_indicator") or "")
        value = record.get("class_value")
        return (record["valid_from_year"], indicator, None if value is None else float(value))

    first_of_key: dict[tuple[Any, ...], Record] = {}
    for record in records:  # the file's check skips keys with empty cells
        group = group_of(record)
        key = (group[0], record.get("name") or "", group[1], group[2])
        first = first_of_key.setdefault(key, record)
        if first is not record:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.DUPLICATE_KEY,
                    ", ".join(KEY),
                    " / ".join("" if record.get(t) is None else str(record[t]) for t in KEY),
                    expectation(_E.UNIQUE_KEY, row=first["row_number"]),
                )
            )
    chosen: dict[Group, Record] = {}
    for record in records:
        if record.get("active") is True:
            first = chosen.setdefault(group_of(record), record)
            if first is not record:
                problems.append(
                    _problem(
                        context,
                        record,
                        ProblemCode.INCONSISTENT_VALUES,
                        "active",
                        record["active"],
                        expectation(_E.CARE_RATES_ONE_ACTIVE, row=first["row_number"]),
                    )
                )
    if problems:
        raise ImportRefused(problems)
    active_groups = {(k[0], k[2], k[3]) for k, s in stored.items() if s.active}
    plans: list[tuple[Record, CareRateSet | None, dict[str, Any]]] = []
    in_file: set[int] = set()
    for record in records:
        group = group_of(record)
        set_ = stored.get((group[0], record.get("name") or "", group[1], group[2]))
        values = _rate_values(record)
        wanted = record.get("active")
        if wanted is None:
            wanted = set_.active if set_ is not None else group not in active_groups
        if group in chosen and chosen[group] is not record:
            wanted = False
        values["active"] = wanted
        if wanted:
            active_groups.add(group)
        if set_ is not None:
            in_file.add(set_.pk)
        plans.append((record, set_, values))
    summary = ImportSummary()
    # deactivate first: one active set per year and class holds after every statement
    for set_ in stored.values():
        group = (set_.valid_from_year, set_.class_indicator_id, set_.class_value)
        if set_.pk not in in_file and set_.active and group in chosen:
            set_.active = False
            set_.save(update_fields=["active"])
            summary.changed += 1
            summary.changes.append({"key": _set_key(set_), "fields": {"active": [True, False]}})
    for record, set_, values in sorted(plans, key=lambda plan: plan[2]["active"]):
        if set_ is None:
            group = group_of(record)
            CareRateSet.objects.create(
                territory=territory,
                valid_from_year=group[0],
                name=record.get("name") or "",
                class_indicator_id=group[1],
                class_value=group[2],
                **values,
            )
            summary.added += 1
            continue
        changes = _diff(set_, values)
        if not changes:
            summary.unchanged += 1
            continue
        for name in changes:
            setattr(set_, name, values[name])
        set_.save(update_fields=[*changes])
        summary.changed += 1
        summary.changes.append({"key": _set_key(set_), "fields": changes})
    return summary


def _set_key(set_: CareRateSet) -> str:
    key = f"{set_.valid_from_year}:{set_.name}"
    if set_.class_indicator_id is not None:
        key += f":{set_.class_indicator_id}={set_.class_value}"
    return key
