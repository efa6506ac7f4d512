"""What a job kind's work gets: the job, its actor and parameters, progress and the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, models
from django.utils import timezone

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.access import SYSTEM, AnyUser
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.jobs.storage import input_files

__all__ = ["JobContext", "JobError"]


class JobError(Exception):
    """A failure of the work, as a code with parameters (worded by ``jobs.messages``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class JobContext:
    def __init__(self, job: Job) -> None:
        self.job = job

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.job.parameters)

    @property
    def actor(self) -> AnyUser:
        """The user who started the job (the command line's system actor when none)."""
        user: User | None = self.job.actor
        return user if user is not None else SYSTEM

    def input_file(self) -> Path:
        """The one file handed to the job when it was queued (``enqueue(files=…)``)."""
        files = input_files(self.job)
        if len(files) != 1:
            raise JobError("input_missing")
        return files[0]

    def progress(self, percent: int, step: str = "") -> None:
        """Show ``percent`` (0–100) and a step code on the job's page.

        Outside a transaction only: inside the work's transaction the row would be written
        with the result (or not at all), so a call there is skipped.
        """
        if connection.in_atomic_block:
            return
        self.job.progress = max(0, min(100, int(percent)))
        self.job.step = step
        self.job.heartbeat_at = timezone.now()
        Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
            progress=self.job.progress, step=step, heartbeat_at=self.job.heartbeat_at
        )

    def succeed(self, result: models.Model | None = None, *, result_file: str = "") -> None:
        """Mark the job succeeded with ``result``; call it INSIDE the transaction that writes
        the result, so that both commit together or neither does."""
        if not connection.in_atomic_block:
            raise RuntimeError("JobContext.succeed() belongs inside the result's transaction")
        job = self.job
        job.status = JobStatus.SUCCEEDED
        job.progress = 100
        job.step = "done"
        job.result_type = result._meta.label_lower if result is not None else ""
        job.result_id = str(result.pk) if result is not None else ""
        job.result_file = result_file
        job.finished_at = job.heartbeat_at = timezone.now()
        job.save()
        record_audit_event(
            actor=self.actor,
            action=AuditAction.JOB_SUCCEEDED,
            target=job,
            details={"kind": job.kind, "result": job.result_type, "result_id": job.result_id},
        )
