"""The retention rule run (``kitaplan retention``): every registered erasure step once, audited.

The periods and their reasons are :mod:`kitaplan.web.core.retention`. The apps that hold
personal data register their steps in ``AppConfig.ready()``::

    retention.register(RetentionStep("allocation", 10, (
        RetentionOutcome("applications_deleted", _("Applications deleted")), ...
    ), apply=apply_allocation_retention))

A step's ``apply(actor=, today=, dry_run=)`` erases what is due (each erasure audited by its
app) and returns the references per outcome key; a dry run only reports. A real run that
erased anything adds one summary event with the periods, counts and references (no values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.retention import periods

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Label = str | _StrPromise
else:
    Label = Any


@dataclass(frozen=True)
class RetentionOutcome:
    """One kind of result of a step: its key (in the audit event), its label (``kitaplan
    retention``), and whether it counts as erased (``False``: reported only, e.g. records
    without a date to count from)."""

    key: str
    label: Label
    erased: bool = True


#: ``apply(actor=..., today=..., dry_run=...)`` → references per outcome key.
StepFunction = Callable[..., Mapping[str, list[str]]]


@dataclass(frozen=True)
class RetentionStep:
    name: str
    order: int
    outcomes: tuple[RetentionOutcome, ...]
    apply: StepFunction


_steps: dict[str, RetentionStep] = {}


def register(step: RetentionStep) -> None:
    """Add (or, under the same name, replace) a retention step."""
    _steps[step.name] = step


def steps() -> list[RetentionStep]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))


@dataclass(frozen=True)
class RetentionLine:
    outcome: RetentionOutcome
    references: list[str]


@dataclass(frozen=True)
class RetentionRun:
    """What one run of the retention rule did (or, in a dry run, would do): references only."""

    dry_run: bool
    lines: list[RetentionLine]

    @property
    def erased(self) -> list[RetentionLine]:
        return [line for line in self.lines if line.outcome.erased]

    @property
    def not_erased(self) -> list[RetentionLine]:
        return [line for line in self.lines if not line.outcome.erased]

    def references(self, key: str) -> list[str]:
        return next((line.references for line in self.lines if line.outcome.key == key), [])

    @property
    def total(self) -> int:
        return sum(len(line.references) for line in self.erased)


def run_retention(
    *, actor: AnyUser, today: dt.date | None = None, dry_run: bool = False
) -> RetentionRun:
    """Apply every retention period once (idempotent: erased records are not due again)."""
    lines = []
    for step in steps():
        found = step.apply(actor=actor, today=today, dry_run=dry_run)
        lines += [RetentionLine(o, list(found.get(o.key, []))) for o in step.outcomes]
    result = RetentionRun(dry_run=dry_run, lines=lines)
    if not dry_run and result.total:
        _record(actor, result)
    return result


def _record(actor: AnyUser, result: RetentionRun) -> None:
    p = periods()
    details: dict[str, Any] = {
        "periods": {
            "application_months": p.application_months,
            "parent_contact_months": p.parent_contact_months,
            "childminder_years": p.childminder_years,
        },
    }
    details |= {line.outcome.key: line.references for line in result.erased}
    details["counts"] = {line.outcome.key: len(line.references) for line in result.erased}
    record_audit_event(
        actor=actor,
        action=AuditAction.RETENTION_APPLIED,
        target_type="core.retention",
        target_label="retention rule",
        details=details,
    )
