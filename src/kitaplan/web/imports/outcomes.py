"""What a persister hands back to the import service: a summary, or the problems found.

Both the service (``imports.services``) and the persisters (``imports.persisters``) use them;
they live below both so that neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kitaplan.domain.common.problems import ImportProblem


class ImportRefused(Exception):
    """Raised inside the import transaction to roll it back with the problems found."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


@dataclass
class ImportSummary:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)  # before/after of changed records
    removed_keys: list[str] = field(default_factory=list)
    notes: list[str | dict[str, int]] = field(default_factory=list)  # codes, counts by code
