"""Importing files into the database: atomic, idempotent, summarised and audited.

Steps of :func:`import_file`:

1. read the file and apply the declared column mapping (``kitaplan.exchange``); every problem
   of every row is found. The file is read as a stream (``open_table``), row after row, and
   only the first ``KITAPLAN_MAX_STORED_PROBLEMS`` problems (in the order they are shown) are
   kept, the rest counted, so memory stays bounded whatever the file's size;
2. inside one durable transaction, the records are compared with what is stored
   under the same official keys: new keys are *added*, differing ones *changed* (before/after
   kept in the audit event), equal ones *unchanged*. Nothing the file does not list is touched,
   unless the file is imported as the *complete list* of its scope (``complete_list``, only
   for kinds whose entry ``closes_missing``): then the stored records of the scope that it
   does not list are *removed* (areas and facilities are end-dated, values are deleted);
3. problems that only the database can reveal (unknown parent area, unknown provider) are
   collected too (the persister runs on the good rows even when others are bad, so the report
   is complete);
4. if there is any problem, :class:`ImportRefused` rolls the whole transaction back: nothing is
   written, and the run is stored as *refused* with every problem (file, row, column, value,
   expectation) and audited;
5. a *dry run* (``dry_run=True``) does all of this and rolls back: the run is kept in the
   history as a dry run with what it would add, change and close, and audited, but no record
   is written. A complete-list import that would close more than
   :data:`~kitaplan.domain.common.complete_list.CONFIRM_CLOSING_ABOVE` of its scope's stored
   records is held back the same way unless ``confirm_closing`` is given;
6. the run with its summary is kept in the import history (:class:`ImportRun`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kitaplan.domain.common.complete_list import SHOWN_CLOSING_KEYS, check_closing
from kitaplan.domain.common.problems import Expectation, ImportProblem, ProblemCode
from kitaplan.exchange.readers import ExchangeError, open_table
from kitaplan.exchange.validation import apply_mapping, shown_value
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.derived import bump as bump_derived
from kitaplan.web.imports.limits import limited_mapping
from kitaplan.web.imports.models import PROBLEMS_NOT_STORED, ImportRun, ImportStatus
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext, find_mapping, kind_entry
from kitaplan.web.territory.models import Territory

ProgressCallback = Callable[[str], None]
#: Called with the stored run inside the transaction that stores it (a job's result and its
#: status "succeeded" commit together: ``imports.jobs``).
StoredCallback = Callable[[ImportRun], None]


class _HeldBack(Exception):
    """Raised inside the import transaction to roll back a dry run (or an unconfirmed closing)."""

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("held back")
        self.summary = summary


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    *,
    territory: Territory,
    kind: str,
    path: Path,
    actor: AnyUser,
    mapping_name: str | None = None,
    display_name: str | None = None,
    effective_day: dt.date | None = None,
    progress: ProgressCallback | None = None,
    complete_list: bool = False,
    dry_run: bool = False,
    confirm_closing: bool = False,
    on_stored: StoredCallback | None = None,
) -> ImportRun:
    """Import one file of one kind into a territory; returns the stored :class:`ImportRun`.

    ``kind`` is a registered import kind (``imports.registry``). ``effective_day`` is the day
    from which changed places hold and the day after which removed facilities/areas are closed
    (default: today). ``complete_list`` declares the file the complete list of its scope, so
    that stored records it does not list are closed; ``dry_run`` rolls everything back and
    returns a run with status ``dry_run``, which is also what a complete-list import closing
    more than the confirmation threshold returns without ``confirm_closing``. Raises
    ``KeyError`` for an unknown kind or mapping, ``ValueError`` for ``complete_list`` on a kind
    without that mode, and ``PermissionDenied`` when ``actor`` may not import this kind.
    ``on_stored`` is called with the stored run inside the transaction that stores it.
    """
    entry = kind_entry(kind)
    if not entry.may_import(actor):
        raise PermissionDenied
    if complete_list and not entry.closes_missing:
        raise ValueError(f"import kind {kind!r} has no complete-list mode")
    say = progress or (lambda message: None)
    started = time.monotonic()
    mapping = limited_mapping(
        find_mapping(mapping_name) if mapping_name else entry.standard_mapping
    )
    if mapping.kind_of_import is not entry.kind:
        raise KeyError(f"column mapping {mapping.name!r} is not for import kind {kind!r}")
    # the history keeps the name in a column of 255 characters
    file_name = shown_value(display_name or path.name)[:255]
    day = effective_day or timezone.localdate()
    run = ImportRun(
        territory=territory,
        kind=entry.kind.value,
        mapping=mapping.name,
        file_name=file_name,
        file_sha256=file_sha256(path),
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor.get_username() if hasattr(actor, "get_username") else "system",
        complete_list=complete_list,
        effective_day=day,
    )
    say(f"reading {file_name}")
    # problems found beyond those that can be stored are only counted (bounded memory)
    not_kept = 0
    try:
        result = apply_mapping(
            open_table(path, display_name=file_name),
            mapping,
            max_problems=_stored_problems(),
        )
        problems = list(result.problems)
        not_kept = result.problems_not_kept
        records = list(result.records)
        run.rows = result.rows_read
    except ExchangeError as error:
        problems, records = list(error.problems), []
    say(f"checking and writing {len(records)} records")
    found = list(problems)
    try:
        with transaction.atomic(durable=True):
            # The persister runs on the good rows even when the file already has problems, so
            # that the report also lists unknown areas or providers; any problem rolls back.
            try:
                context = PersistContext(
                    territory=territory,
                    file_name=file_name,
                    day=day,
                    actor=actor,
                    complete_list=complete_list,
                )
                summary = entry.persist(records, context) if records else ImportSummary()
            except ImportRefused as refused:
                found += refused.problems
            if found or not_kept:
                raise ImportRefused(found)
            closing = check_closing(
                closing=summary.removed, kept=summary.changed + summary.unchanged
            )
            if dry_run or (closing.needs_confirmation and not confirm_closing):
                raise _HeldBack(summary)
            # bulk writes send no signals: the derived data (balance, targets …) is stale; the
            # new version commits with the import's rows (core.derived)
            bump_derived(territory.pk)
            run.status = ImportStatus.SUCCEEDED
            _store_run(run, summary=summary, problems=[], started=started, on_stored=on_stored)
            record_audit_event(
                actor=actor,
                action=AuditAction.IMPORT_FINISHED,
                target=run,
                details={
                    "kind": entry.kind.value,
                    "file": file_name,
                    "mapping": mapping.name,
                    "complete_list": complete_list,
                    "added": summary.added,
                    "changed": summary.changed,
                    "unchanged": summary.unchanged,
                    "removed": summary.removed,
                    "changes": summary.changes,
                    "removed_keys": summary.removed_keys,
                },
            )
            return run
    except ImportRefused:
        problems = sorted(found, key=lambda p: (p.row, p.column))
    except _HeldBack as held:
        return _store_dry_run(
            run, entry.kind.value, held.summary, actor=actor, started=started, on_stored=on_stored
        )
    run.status = ImportStatus.REFUSED
    run.pk = None
    with transaction.atomic():
        _store_run(
            run,
            summary=ImportSummary(),
            problems=problems,
            started=started,
            on_stored=on_stored,
            not_kept=not_kept,
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.IMPORT_REFUSED,
            target=run,
            details={
                "kind": entry.kind.value,
                "file": file_name,
                "problems": len(problems) + not_kept,
            },
        )
    return run


def _store_dry_run(
    run: ImportRun,
    kind: str,
    summary: ImportSummary,
    *,
    actor: AnyUser,
    started: float,
    on_stored: StoredCallback | None,
) -> ImportRun:
    """Keep a rolled-back run in the history as a dry run, with what it would have done."""
    run.status = ImportStatus.DRY_RUN
    run.pk = None
    with transaction.atomic():
        _store_run(run, summary=summary, problems=[], started=started, on_stored=on_stored)
        record_audit_event(
            actor=actor,
            action=AuditAction.IMPORT_CHECKED,
            target=run,
            details={
                "kind": kind,
                "file": run.file_name,
                "mapping": run.mapping,
                "complete_list": run.complete_list,
                "added": summary.added,
                "changed": summary.changed,
                "unchanged": summary.unchanged,
                "removed": summary.removed,
                "needs_confirmation": run.closing.needs_confirmation,
                "removed_keys": run.closing_keys,
            },
        )
    return run


def _store_run(
    run: ImportRun,
    *,
    summary: ImportSummary,
    problems: Sequence[ImportProblem],
    started: float,
    on_stored: StoredCallback | None = None,
    not_kept: int = 0,
) -> None:
    """Store ``run``; ``not_kept`` counts problems found but not even kept in memory."""
    run.added, run.changed = summary.added, summary.changed
    run.unchanged, run.removed = summary.unchanged, summary.removed
    run.notes = summary.notes
    run.closing_keys = summary.removed_keys[:SHOWN_CLOSING_KEYS]
    # Bounded: the first problems are stored, the rest only counted (KITAPLAN_MAX_STORED_PROBLEMS).
    stored = _stored_problems()
    run.problems = [problem_to_dict(p) for p in problems[:stored]]
    if len(problems) + not_kept > stored:
        run.notes = [*run.notes, {PROBLEMS_NOT_STORED: len(problems) + not_kept - stored}]
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save()
    if on_stored is not None:
        on_stored(run)


def _stored_problems() -> int:
    """The most problems an import stores (and keeps while it checks a file)."""
    return max(int(settings.KITAPLAN_MAX_STORED_PROBLEMS), 0)


def problem_to_dict(problem: ImportProblem) -> dict[str, Any]:
    return {
        "code": problem.code.value,
        "file": problem.file,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "expected": problem.expected.to_json(),
    }


def problem_from_dict(data: dict[str, Any]) -> ImportProblem:
    return ImportProblem(
        code=ProblemCode(data["code"]),
        file=data["file"],
        row=int(data["row"]),
        column=data["column"],
        value=data["value"],
        expected=Expectation.from_json(data["expected"]),
    )


def normalise_json(value: Any) -> Any:
    """The value as it comes back from a JSON column (tuples become lists)."""
    return json.loads(json.dumps(value))
