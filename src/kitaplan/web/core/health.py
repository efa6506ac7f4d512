"""The health endpoint ``/healthz``: is this process able to serve? (docs/operations.md)

Checks are small functions that return ``True`` when their part works; an exception counts as a
failure. Core registers the database and the migrations; a higher app registers its own in
``AppConfig.ready()`` (``register_check("worker", worker_alive)``) so core never imports it.
The answer names each check ``ok`` or ``failing`` and nothing else (no error text, no data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HealthCheck = Callable[[], bool]

_CHECKS: dict[str, HealthCheck] = {}


def register_check(name: str, check: HealthCheck) -> None:
    """Add (or replace) the check ``name``; it must be cheap: /healthz runs it on every call."""
    _CHECKS[name] = check


def unregister_check(name: str) -> None:
    """Remove a check (tests that registered one)."""
    _CHECKS.pop(name, None)


def database_reachable() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return row is not None and tuple(row) == (1,)


_migrations_applied = False


def migrations_applied() -> bool:
    """No migration left to apply; after the first success this process does not look again."""
    global _migrations_applied  # noqa: PLW0603 - a per-process cache of one fact
    if not _migrations_applied:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


def forget_migrations_result() -> None:
    """Look at the migrations again on the next call (tests)."""
    global _migrations_applied  # noqa: PLW0603
    _migrations_applied = False


register_check("database", database_reachable)
register_check("migrations", migrations_applied)


def run_checks() -> dict[str, bool]:
    results: dict[str, bool] = {}
    for name, check in list(_CHECKS.items()):
        try:
            results[name] = bool(check())
        except Exception:  # a broken part is a failing check, never a 500
            logger.exception("health check %s raised", name)
            results[name] = False
    return results


@csrf_exempt
@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when every check passes, else 503 naming the failing ones."""
    results = run_checks()
    failing = sorted(name for name, ok in results.items() if not ok)
    body = {
        "status": "failing" if failing else "ok",
        "checks": {name: "ok" if ok else "failing" for name, ok in results.items()},
        "failing": failing,
    }
    return JsonResponse(body, status=503 if failing else 200)


class HealthCheckMiddleware:
    """Answer ``/healthz`` before the rest of the stack.

    A load balancer asks by the machine's address over plain HTTP, without a session: here it
    passes neither the host check nor the HTTPS redirect, and no session, login, audit or CSRF
    code runs. The URL ``healthz`` routes to the same view (names, the access matrix).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
