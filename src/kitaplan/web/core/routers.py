"""Reads of reports from a PostgreSQL read replica (docs/operations.md, "Beyond one machine").

With ``KITAPLAN_REPLICA_URL`` set, ``settings.DATABASES["replica"]`` is a streaming replica of
the default database. :class:`ReplicaRouter` (always installed; without a replica it has no
opinion) sends a read there only while :func:`replica_reads` is active, and only when:

- the query is not inside a transaction on the default database (a transaction reads its own
  writes: everything inside one stays on the default database),
- the model is not one whose staleness matters more than the load it saves: logins, sessions,
  API tokens, lockouts, second factors and the cache table stay on the default database (a
  revoked token must stop working at once, not after the replica caught up).

Writes always go to the default database, and migrations run only there.

:class:`ReplicaReadsMiddleware` turns :func:`replica_reads` on for a GET or HEAD request to a
report: the named views of :data:`REPORT_VIEWS` (the PDF and spreadsheet reports), every export
of a list page (``?format=csv|xlsx|geojson|pdf``) and views marked with :func:`reads_replica`
(or a class with ``replica_reads = True``: the read-only API). A replica lags behind its primary
by up to a few seconds under load, so only pages whose reader accepts that go there: nothing
that a user just changed and expects to see, no page that decides on a write.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

__all__ = [
    "PINNED_APP_LABELS",
    "PINNED_MODELS",
    "REPLICA",
    "REPORT_VIEWS",
    "ReplicaReadsMiddleware",
    "ReplicaRouter",
    "reads_replica",
    "replica_configured",
    "replica_reachable",
    "replica_reads",
]

#: The alias of the read replica in ``settings.DATABASES``.
REPLICA = "replica"

#: Apps and models whose tables are always read from the default database: who may log in and
#: with which roles (a revoked role or token must count at once) and the cache table.
PINNED_APP_LABELS = frozenset(
    {"auth", "sessions", "knox", "axes", "otp_totp", "otp_static", "django_cache", "api"}
)
PINNED_MODELS = frozenset({"core.roleassignment"})

#: Views (``namespace:name``) whose GET reads from the replica: the reports as files.
REPORT_VIEWS = frozenset(
    {
        "reports:yearly-report",
        "reports:yearly-report-pdf",
        "reports:yearly-report-xlsx",
        "planning:balance-pdf",
        "monitoring:report-pdf",
        "measures:report-pdf",
        "budget:provider-letter",
        "budget:provider-xlsx",
        "payments:statement-pdf",
    }
)

#: ``?format=`` values that make a list page an export (``core.exports``) or a PDF.
EXPORT_FORMATS = frozenset({"csv", "xlsx", "geojson", "pdf"})

_SAFE_METHODS = frozenset({"GET", "HEAD"})

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "kitaplan_replica_reads", default=False
)

_V = TypeVar("_V", bound=Callable[..., Any])


def replica_configured() -> bool:
    """A replica alias exists (``connections.settings``: what can be connected to)."""
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[None]:
    """Inside the block, reads outside a transaction go to the replica (when there is one)."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def _in_transaction(alias: str) -> bool:
    """A transaction of our code is open on ``alias`` (a test case's own wrapping ones aside:
    they stand for the autocommit of a real request)."""
    blocks = connections[alias].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads in :func:`replica_reads` to the replica, the rest default."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not _reading_replica.get() or not replica_configured():
            return None
        meta = model._meta
        if meta.app_label in PINNED_APP_LABELS or getattr(meta, "label_lower", "") in PINNED_MODELS:
            return DEFAULT_DB_ALIAS
        if _in_transaction(DEFAULT_DB_ALIAS):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        """Objects read from the replica are the default database's rows."""
        same = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in same and obj2._state.db in same:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


def reads_replica(view: _V) -> _V:
    """Mark a view as a report whose GET may read from the replica."""
    view.replica_reads = True  # type: ignore[attr-defined]
    return view


def _wants_replica(request: HttpRequest, view_func: Callable[..., Any]) -> bool:
    if request.method not in _SAFE_METHODS:
        return False
    marked = getattr(view_func, "replica_reads", None)
    if marked is None:
        marked = getattr(getattr(view_func, "cls", None), "replica_reads", False)
    if marked:
        return True
    match = request.resolver_match
    if match is not None and match.view_name in REPORT_VIEWS:
        return True
    return request.GET.get("format", "") in EXPORT_FORMATS


class ReplicaReadsMiddleware:
    """Turn on :func:`replica_reads` for the view of a report request (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            token: contextvars.Token[bool] | None = getattr(request, "_replica_token", None)
            if token is not None:
                _reading_replica.reset(token)
                del request._replica_token  # type: ignore[attr-defined]

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        if replica_configured() and _wants_replica(request, view_func):
            request._replica_token = _reading_replica.set(True)  # type: ignore[attr-defined]


def replica_reachable() -> bool:
    """The health check ``replica`` (registered only when a replica is configured)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return row is not None and tuple(row) == (1,)
