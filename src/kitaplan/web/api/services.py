"""Bulk writes of the HTTP API: population and indicator values, upserted for one territory.

A bulk write is all or nothing. In one durable transaction it

1. checks the permission (``access.can_import_data``),
2. validates every row against the kitaplan standard format (``docs/data-formats.md``; the same
   declared mapping and checks as a file import) and against the stored data (the area and the
   indicator must exist), collecting *all* problems,
3. refuses with :class:`BulkRejected` when there is any problem — nothing is written,
4. else inserts new cells, updates changed ones, leaves equal ones alone (with the file
   importer's persisters, ``imports.persisters``, told not to remove anything), and
5. records exactly one audit event (``AuditAction.API_WRITE``) with the counts.

Unlike a file import, a bulk write never deletes: cells not named in the request stay as they
are. A row replaces the whole cell it names (an omitted ``source`` becomes empty, an omitted
``method`` becomes ``counted``), so posting the same payload twice reports it unchanged.

Rows are numbered by their 0-based index in the posted JSON list.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kitaplan.domain.common.problems import Expectation, ExpectationCode, expectation
from kitaplan.exchange.mappings import (
    KITAPLAN_INDICATOR_VALUES,
    KITAPLAN_POPULATION,
    ColumnMapping,
)
from kitaplan.exchange.readers import SourceRow, SourceTable
from kitaplan.exchange.validation import apply_mapping
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core import access
from kitaplan.web.core.access import AnyUser
from kitaplan.web.imports import persisters
from kitaplan.web.imports.limits import limited_mapping
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.territory.models import Territory

#: The most rows one request may carry (larger uploads go through the file import).
MAX_ROWS = 100_000
#: The most changed cells listed (before → after) in the audit event's details.
MAX_CHANGES_IN_AUDIT = 500

Record = dict[str, Any]
_E = ExpectationCode


class BulkProblemCode(StrEnum):
    """Problems of the JSON structure itself; cell problems use ``ProblemCode`` (API, stable)."""

    NO_ROWS = "no_rows"
    TOO_MANY_ROWS = "too_many_rows"
    NOT_A_LIST = "not_a_list"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_FIELD = "unknown_field"
    WRONG_TYPE = "wrong_type"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem of one row (``row`` is the 0-based list index; ``None``: the whole body)."""

    row: int | None
    field: str
    value: str
    code: str
    expected: Expectation

    def as_dict(self, describe: Callable[[Expectation], str]) -> dict[str, Any]:
        """The problem as JSON, its expectation worded by ``describe`` (the active language)."""
        return {
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "code": self.code,
            "expected": describe(self.expected),
        }


class BulkRejected(Exception):
    """The request has problems; nothing was written."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class BulkResult:
    kind: str
    territory: str
    rows: int
    added: int
    changed: int
    unchanged: int
    audit_event: int


# --------------------------------------------------------------------------------- validation


def _shown(value: object) -> str:
    """A cell value as text for a problem (JSON for structures, cut to 200 characters)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:199] + "…"


def _cell_text(value: object) -> str | None:
    """A JSON scalar as the cell text the standard format's checks read; ``TypeError`` else."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int in Python
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return format(Decimal(repr(value)), "f")
    raise TypeError(type(value).__name__)


def _sorted(problems: list[RowProblem]) -> list[RowProblem]:
    return sorted(problems, key=lambda p: (-1 if p.row is None else p.row, p.field))


def validate_rows(rows: object, mapping: ColumnMapping) -> tuple[list[Record], list[RowProblem]]:
    """Typed records of ``rows`` (the posted JSON) and every problem found in them.

    Records carry the mapping's targets plus ``row_number`` (the list index). They are only
    meaningful when there are no problems.
    """
    fields = tuple(spec.source for spec in mapping.fields if spec.source is not None)
    object_expected = expectation(_E.OBJECT_WITH_FIELDS, fields=", ".join(fields))
    if not isinstance(rows, list):
        return [], [
            RowProblem(
                None,
                "",
                _shown(rows),
                BulkProblemCode.NOT_A_LIST,
                expectation(_E.LIST_OF_OBJECTS, fields=", ".join(fields)),
            )
        ]
    if not rows:
        return [], [
            RowProblem(None, "", "[]", BulkProblemCode.NO_ROWS, expectation(_E.AT_LEAST_ONE_ROW))
        ]
    if len(rows) > MAX_ROWS:
        return [], [
            RowProblem(
                None,
                "",
                str(len(rows)),
                BulkProblemCode.TOO_MANY_ROWS,
                expectation(_E.AT_MOST_ROWS, n=MAX_ROWS),
            )
        ]
    problems: list[RowProblem] = []
    reported: set[tuple[int, str]] = set()
    source_rows: list[SourceRow] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(
                RowProblem(index, "", _shown(row), BulkProblemCode.NOT_AN_OBJECT, object_expected)
            )
            continue
        values: dict[str, str | None] = dict.fromkeys(fields)
        for key, value in row.items():
            if key not in fields:
                problems.append(
                    RowProblem(
                        index,
                        str(key),
                        _shown(value),
                        BulkProblemCode.UNKNOWN_FIELD,
                        expectation(_E.FIELD_ONE_OF, fields=", ".join(fields)),
                    )
                )
                continue
            try:
                values[key] = _cell_text(value)
            except TypeError:
                spec = next(s for s in mapping.fields if s.source == key)
                problems.append(
                    RowProblem(
                        index, key, _shown(value), BulkProblemCode.WRONG_TYPE, spec.expectation
                    )
                )
                reported.add((index, key))
        source_rows.append(SourceRow(number=index, values=values))
    table = SourceTable(file_name="request", columns=fields, rows=tuple(source_rows))
    result = apply_mapping(table, mapping)
    for problem in result.problems:
        if (problem.row, problem.column) in reported:
            continue  # the cell's wrong JSON type was reported already
        problems.append(
            RowProblem(
                problem.row, problem.column, problem.value, problem.code.value, problem.expected
            )
        )
    return [dict(record) for record in result.records], problems


def _write(
    persist: Any, *, territory: Territory, records: list[Record], problems: list[RowProblem]
) -> ImportSummary:
    """Upsert through the file importer's persister, without removing anything.

    The persister also runs when the request already has format problems, so that the answer
    lists unknown areas and indicators too; raising then rolls back the whole transaction.
    """
    summary = ImportSummary()
    try:
        if records:
            summary = persist(
                territory=territory,
                records=records,
                file_name="request",
                day=timezone.localdate(),
                remove_missing=False,
            )
    except ImportRefused as refused:
        problems = problems + [
            RowProblem(p.row, p.column, p.value, p.code.value, p.expected) for p in refused.problems
        ]
    if problems:
        raise BulkRejected(_sorted(problems))
    return summary


def _audit(
    *,
    actor: AnyUser,
    territory: Territory,
    kind: str,
    rows: int,
    added: int,
    changed: int,
    unchanged: int,
    changes: list[dict[str, Any]],
    extra: dict[str, Any],
) -> int:
    event = record_audit_event(
        actor=actor,
        action=AuditAction.API_WRITE,
        target=territory,
        target_label=f"{territory.name}: {kind}",
        details={
            "endpoint": f"{kind.replace('_', '-')}/bulk",
            "kind": kind,
            "rows": rows,
            "added": added,
            "changed": changed,
            "unchanged": unchanged,
            "changes": changes[:MAX_CHANGES_IN_AUDIT],
            "changes_truncated": len(changes) > MAX_CHANGES_IN_AUDIT,
            **extra,
        },
    )
    return int(event.pk)


def _require_steward(actor: AnyUser) -> None:
    if not access.can_import_data(actor):
        raise PermissionDenied


# ---------------------------------------------------------------------------------- population


@transaction.atomic(durable=True)
def upsert_population(*, territory: Territory, rows: object, actor: AnyUser) -> BulkResult:
    """Insert or update population counts (area × year × age) of ``territory``; see module doc."""
    _require_steward(actor)
    records, problems = validate_rows(rows, limited_mapping(KITAPLAN_POPULATION))
    summary = _write(
        persisters.persist_population, territory=territory, records=records, problems=problems
    )
    return _finish(
        actor=actor,
        territory=territory,
        kind="population",
        records=records,
        summary=summary,
        extra={"years": sorted({r["year"] for r in records})},
    )


@transaction.atomic(durable=True)
def upsert_indicator_values(*, territory: Territory, rows: object, actor: AnyUser) -> BulkResult:
    """Insert or update indicator values (indicator × area × year) of ``territory``."""
    _require_steward(actor)
    records, problems = validate_rows(rows, limited_mapping(KITAPLAN_INDICATOR_VALUES))
    summary = _write(
        persisters.persist_indicator_values, territory=territory, records=records, problems=problems
    )
    return _finish(
        actor=actor,
        territory=territory,
        kind="indicator_values",
        records=records,
        summary=summary,
        extra={"indicators": sorted({r["indicator_code"] for r in records})},
    )


def _finish(
    *,
    actor: AnyUser,
    territory: Territory,
    kind: str,
    records: list[Record],
    summary: ImportSummary,
    extra: dict[str, Any],
) -> BulkResult:
    event = _audit(
        actor=actor,
        territory=territory,
        kind=kind,
        rows=len(records),
        added=summary.added,
        changed=summary.changed,
        unchanged=summary.unchanged,
        changes=summary.changes,
        extra=extra,
    )
    return BulkResult(
        kind, territory.code, len(records), summary.added, summary.changed, summary.unchanged, event
    )
