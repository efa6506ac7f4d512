"""Queueing, running, failing, retrying and recovering jobs; every state change in one
transaction with an audit event.

The queue (``jobs.queue``) carries only the job's id. :func:`run_job` is the one wrapper that
both the worker and the eager mode of the tests (``KITAPLAN_JOBS_EAGER``) call, so the state
transitions are the same: queued → running → succeeded (the work's result and the status in
one transaction) or failed (a German error; retry puts it back to queued).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

import procrastinate
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event
from kitaplan.web.core.access import AnyUser
from kitaplan.web.jobs import queue, storage
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.embedded import start_in_process_worker
from kitaplan.web.jobs.models import OPEN_STATUSES, Job, JobStatus
from kitaplan.web.jobs.registry import kind_entry
from kitaplan.web.jobs.selectors import can_view_job

logger = logging.getLogger(__name__)

__all__ = [
    "Recovery",
    "enqueue",
    "fail_interrupted_by_restart",
    "on_app_ready",
    "recover_interrupted",
    "retry_job",
    "run_job",
]

#: A job interrupted by a dead worker is started again this often before it is marked failed.
MAX_ATTEMPTS = 2


def _eager() -> bool:
    return bool(getattr(settings, "KITAPLAN_JOBS_EAGER", False))


def enqueue(
    *,
    kind: str,
    actor: AnyUser,
    territory: models.Model | None = None,
    parameters: dict[str, Any] | None = None,
    files: Iterable[Path] = (),
) -> Job:
    """Queue one job of ``kind`` for ``actor``; ``files`` are copied into the job's folder.

    ``parameters`` hold ids and flags only, never personal data. In eager mode (tests) the
    job runs before this returns, through the same :func:`run_job` as the worker.
    """
    kind_entry(kind)  # KeyError for an unknown kind, before anything is stored
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            actor=actor_user(actor),
            actor_label=actor.get_username() if hasattr(actor, "get_username") else "system",
            territory_id=territory.pk if territory is not None else None,  # a territory.Territory
            parameters=parameters or {},
        )
        for path in files:
            storage.keep_input(job, path)
        record_audit_event(
            actor=actor, action=AuditAction.JOB_QUEUED, target=job, details={"kind": kind}
        )
        if not _eager():
            _submit(int(job.pk))
    if _eager():
        run_job(int(job.pk))
        job.refresh_from_db()
    return job


def _submit(job_id: int) -> None:
    """Put the job on the queue. On PostgreSQL inside the caller's transaction (the Django
    connector writes through Django's connection), so the job row and its queue entry commit
    together. The in-memory queue is not transactional: it gets the id once the row is
    committed, and this process's worker thread is started if it is not running."""
    if queue.uses_postgres():
        queue.defer(job_id)
        return

    def put() -> None:
        queue.defer(job_id)
        start_in_process_worker()

    transaction.on_commit(put)


@queue.blueprint.task(name=queue.TASK_NAME)
def run_job_task(job_id: int) -> None:
    """The queue's one task: run our job ``job_id``."""
    run_job(job_id)


def on_app_ready(app: procrastinate.App) -> None:
    """``PROCRASTINATE_ON_APP_READY``: give the Django contrib's app our one task."""
    app.add_tasks_from(queue.blueprint, namespace="")


def run_job(job_id: int) -> None:
    """Run the queued job ``job_id`` (called by the worker's task and in eager mode)."""
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("actor")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status != JobStatus.QUEUED:
            return  # gone, finished, or already taken
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.step = "started"
        job.started_at = job.heartbeat_at = timezone.now()
        job.save()
    try:
        entry = kind_entry(job.kind)
    except KeyError:
        _fail(job_id, "unknown_kind", {"kind": job.kind})
        return
    try:
        entry.work(JobContext(job))
    except JobError as error:
        _fail(job_id, error.code, error.params)
        return
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _fail(job_id, "internal", {})
        return
    if Job.objects.filter(pk=job_id, status=JobStatus.SUCCEEDED).exists():
        storage.discard_inputs(job)
    else:
        _fail(job_id, "no_result", {})


def _fail(job_id: int, code: str, params: dict[str, Any]) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("actor").get(pk=job_id)
        job.status = JobStatus.FAILED
        job.error_code, job.error_params = code, params
        job.finished_at = timezone.now()
        job.save()
        record_audit_event(
            actor=job.actor,
            action=AuditAction.JOB_FAILED,
            target=job,
            details={"kind": job.kind, "error": code, "attempts": job.attempts},
        )


def retry_job(job: Job, *, actor: AnyUser) -> Job:
    """Queue the failed ``job`` again ("Erneut versuchen"); only its actor or an administrator."""
    if not can_view_job(actor, job):
        raise PermissionDenied
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.FAILED:
            return job
        job.status = JobStatus.QUEUED
        job.progress, job.step = 0, ""
        job.error_code, job.error_params = "", {}
        job.attempts = 0
        job.started_at = job.finished_at = None
        job.save()
        record_audit_event(
            actor=actor, action=AuditAction.JOB_RETRIED, target=job, details={"kind": job.kind}
        )
        if not _eager():
            _submit(int(job.pk))
    if _eager():
        run_job(int(job.pk))
        job.refresh_from_db()
    return job


class Recovery(StrEnum):
    """What to do with the queue's entry of a job whose worker died."""

    RETRY = "retry"  # the job is queued again
    FAIL = "fail"  # the job is marked failed ("interrupted")
    DONE = "done"  # the job had already finished; only the queue's entry is left


def recover_interrupted(job_id: int) -> Recovery:
    """A worker died while running ``job_id``: queue it again once, then mark it failed.

    Its transaction died with the worker, so nothing of its result is stored.
    """
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("actor")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status not in OPEN_STATUSES:
            return Recovery.DONE
        if job.attempts < MAX_ATTEMPTS:
            job.status, job.step = JobStatus.QUEUED, "requeued"
            job.save()
            record_audit_event(
                actor=job.actor,
                action=AuditAction.JOB_RETRIED,
                target=job,
                details={"kind": job.kind, "reason": "interrupted", "attempts": job.attempts},
            )
            return Recovery.RETRY
    _fail(job_id, "interrupted", {"attempts": job.attempts})
    return Recovery.FAIL


def fail_interrupted_by_restart() -> int:
    """Mark every open job failed ("interrupted by a restart"); the embedded queue of the
    SQLite demo lives in memory, so its jobs are gone after the server stopped. They can be
    retried. Returns the number of jobs marked."""
    ids = list(Job.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    for job_id in ids:
        _fail(int(job_id), "restart", {})
    return len(ids)
