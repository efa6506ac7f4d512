"""The job kinds: apps register the long work they hand to the worker in ``AppConfig.ready()``.

The jobs app sits low in the web layers (beside ``territory`` and ``accounts``) and must not
import the apps above it; they register here instead, the way they register menu entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from kitaplan.web.jobs.context import JobContext
    from kitaplan.web.jobs.models import Job

__all__ = ["JobKind", "kind_entry", "register", "registered_kinds"]


@dataclass(frozen=True)
class JobKind:
    """One kind of long work.

    ``work`` does the work for a :class:`~kitaplan.web.jobs.context.JobContext`. It writes its
    result in ONE transaction and calls ``context.succeed(...)`` inside that same transaction
    (so a crash leaves either the whole result with status *succeeded* or nothing). It raises
    :class:`~kitaplan.web.jobs.context.JobError` for a failure worded in German.
    ``result_url`` gives the page of a succeeded job's result (``None``: no link).
    """

    code: str
    label: str | Promise
    work: Callable[[JobContext], None]
    result_url: Callable[[Job], str | None] = lambda job: None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    """Register ``kind``; registering the same code again replaces it (tests, reloads)."""
    _KINDS[kind.code] = kind


def kind_entry(code: str) -> JobKind:
    """The registered kind ``code``; ``KeyError`` when there is none."""
    return _KINDS[code]


def registered_kinds() -> list[JobKind]:
    return list(_KINDS.values())
