"""Running the queue: ``kitaplan worker`` on PostgreSQL, a thread of the server on SQLite.

Stalled-job recovery: a worker that dies (``kill -9``, a lost machine) stops sending its
heartbeat (procrastinate 3's ``procrastinate_workers``). On start and every
``recovery_seconds`` each worker asks procrastinate's job manager for the jobs of workers
without a heartbeat for ``stalled_seconds`` and hands each to
:func:`~kitaplan.web.jobs.services.recover_interrupted`, which queues it again once and then
marks it failed. The dead worker's transaction was rolled back by the database, so a result
is never half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone
from procrastinate import App
from procrastinate import jobs as procrastinate_jobs

from kitaplan.web.jobs import queue
from kitaplan.web.jobs.embedded import start_in_process_worker
from kitaplan.web.jobs.services import Recovery, fail_interrupted_by_restart, recover_interrupted

logger = logging.getLogger(__name__)

__all__ = [
    "prepare_embedded_queue",
    "recover_stalled",
    "run_worker",
    "worker_alive",
]


def _recover_one(job_id: int) -> str:
    try:
        return str(recover_interrupted(job_id))
    finally:
        connection.close()


async def recover_stalled(app: App, *, stalled_seconds: float) -> int:
    """Re-queue once or fail the jobs of dead workers; returns how many were handled."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(
            task_name=queue.TASK_NAME, seconds_since_heartbeat=stalled_seconds
        )
    )
    for entry in stalled:
        job_id = int(str(entry.task_kwargs.get("job_id", 0)))
        decision = await sync_to_async(_recover_one, thread_sensitive=False)(job_id)
        logger.warning("job %s of a stopped worker: %s", job_id, decision)
        if decision == Recovery.RETRY:
            await app.job_manager.retry_job(entry)
        else:
            status = (
                procrastinate_jobs.Status.FAILED
                if decision == Recovery.FAIL
                else procrastinate_jobs.Status.SUCCEEDED
            )
            await app.job_manager.finish_job(entry, status=status, delete_job=False)
    return len(stalled)


async def _recovery_loop(app: App, *, stalled_seconds: float, every: float) -> None:
    while True:
        try:
            await recover_stalled(app, stalled_seconds=stalled_seconds)
        except Exception:  # keep recovering; the next round may reach the database again
            logger.exception("stalled-job recovery failed")
        await asyncio.sleep(every)


async def _work(app: App, options: dict[str, Any], *, stalled: float, every: float) -> None:
    async with app.open_async():
        recovery = asyncio.create_task(
            _recovery_loop(app, stalled_seconds=stalled, every=every), name="kitaplan-recovery"
        )
        try:
            await app.run_worker_async(**options)
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery


def run_worker(
    *,
    concurrency: int = 1,
    heartbeat_seconds: float = 10.0,
    stalled_seconds: float = 30.0,
    recovery_seconds: float = 15.0,
    wait: bool = True,
) -> None:
    """Run a procrastinate worker on the PostgreSQL queue until it is stopped (SIGINT/TERM).

    ``concurrency`` jobs run at once (each sync job in its own thread and connection); any
    number of workers may work the same queue, on this machine or others.
    """
    if not queue.uses_postgres():
        raise RuntimeError("kitaplan worker needs the PostgreSQL queue")
    app = queue.app()
    worker_connector = app.connector.get_worker_connector()  # type: ignore[attr-defined]
    options: dict[str, Any] = {
        "concurrency": concurrency,
        "update_heartbeat_interval": heartbeat_seconds,
        "stalled_worker_timeout": stalled_seconds,
        "wait": wait,
        "fetch_job_polling_interval": min(5.0, heartbeat_seconds),
    }
    with app.replace_connector(worker_connector):
        asyncio.run(_work(app, options, stalled=stalled_seconds, every=recovery_seconds))


# --- the embedded queue of the SQLite demo -------------------------------------------------


def prepare_embedded_queue() -> int:
    """At the start of a server on SQLite: the in-memory queue of the previous server is
    gone, so its open jobs are marked failed ("interrupted by a restart"). Returns how many."""
    if queue.uses_postgres():
        return 0
    return fail_interrupted_by_restart()


def worker_alive() -> bool:
    """The ``worker`` check of ``/healthz``: someone works the queue.

    PostgreSQL: a ``kitaplan worker`` sent its heartbeat within the stalled timeout. SQLite:
    this process's worker thread runs (started here if it is not running yet). Eager mode
    (tests) needs no worker.
    """
    if settings.KITAPLAN_JOBS_EAGER:
        return True
    if not queue.uses_postgres():
        return start_in_process_worker()
    from procrastinate.contrib.django.models import ProcrastinateWorker

    since = timezone.now() - dt.timedelta(seconds=settings.KITAPLAN_WORKER_STALLED_SECONDS)
    return ProcrastinateWorker.objects.filter(last_heartbeat__gte=since).exists()
