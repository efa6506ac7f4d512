"""The figures of an action plan's progress report (de: Sachstandsbericht zum Maßnahmenplan).

1. A measure is overdue when its end has passed and it is neither done nor dropped.
2. The report counts the measures per status, in total and per field of action, with the
   overdue ones per field.
3. Since the last issued report, a measure changed when its status now differs from the one
   stated then, or when a status change was recorded since. Without an issued report, the
   measures with a status change recorded in the reporting period are listed.
4. An objective linked to a target rule takes the worst light of the rule's areas
   (:func:`kitaplan.domain.planning.area_metrics.worst_light`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)

PLANNED = "planned"
RUNNING = "running"
DONE = "done"
DELAYED = "delayed"
DROPPED = "dropped"
#: The statuses in the order of the report's columns.
STATUSES = (PLANNED, RUNNING, DONE, DELAYED, DROPPED)
#: Statuses that end a measure: it is no longer overdue.
CLOSED = frozenset({DONE, DROPPED})


@dataclass(frozen=True, slots=True)
class MeasureState(Generic[Key]):
    """What the report needs of one measure."""

    key: Key
    field: Hashable
    status: str
    end: dt.date | None = None


def is_overdue(*, end: dt.date | None, status: str, on: dt.date) -> bool:
    """Step 1."""
    return end is not None and end < on and status not in CLOSED


def status_counts(measures: Sequence[MeasureState[Key]]) -> dict[str, int]:
    """The number of measures per status, every status present (step 2)."""
    counts = Counter(m.status for m in measures)
    return {s: counts.get(s, 0) for s in STATUSES}


@dataclass(frozen=True, slots=True)
class FieldFigures:
    """The measures of one field of action: per status, in total and overdue (step 2)."""

    counts: tuple[tuple[str, int], ...]
    total: int
    overdue: int


def field_figures(
    measures: Sequence[MeasureState[Key]], *, field: Hashable, on: dt.date
) -> FieldFigures:
    own = [m for m in measures if m.field == field]
    return FieldFigures(
        counts=tuple(status_counts(own).items()),
        total=len(own),
        overdue=sum(1 for m in own if is_overdue(end=m.end, status=m.status, on=on)),
    )


@dataclass(frozen=True, slots=True)
class StatusMove(Generic[Key]):
    key: Key
    before: str | None  # the status in the last issued report (None: none issued, or not in it)
    now: str


def changes(
    measures: Sequence[MeasureState[Key]],
    *,
    stated: Mapping[Key, str] | None,
    recorded: Collection[Key],
) -> list[StatusMove[Key]]:
    """Step 3: ``stated`` holds the statuses of the last issued report (``None``: no report
    issued), ``recorded`` the measures with a status change recorded since (or in the period)."""
    moves: list[StatusMove[Key]] = []
    for m in measures:
        before = stated.get(m.key) if stated is not None else None
        moved = stated is not None and before != m.status
        if moved or m.key in recorded:
            moves.append(StatusMove(m.key, before, m.status))
    return moves
