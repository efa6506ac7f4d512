"""A job kind for the tests of the worker (registered with ``KITAPLAN_JOB_TEST_KINDS=1``).

``jobs.wait_for_file`` writes the first half of its result, then waits for the file ``go`` in
the folder of its parameters, then writes the second half and succeeds, all in ONE transaction:
killing the worker while it waits must leave neither half stored.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.registry import JobKind, register

WAIT_FOR_FILE = "jobs.wait_for_file"
#: the audit target type of the two halves of the test result
HALF_TYPE = "jobs.test_result"


def _wait_for_file(context: JobContext) -> None:
    folder = Path(context.parameters["folder"])
    context.progress(10, "started")
    with transaction.atomic():
        record_audit_event(
            actor=context.actor,
            action=AuditAction.JOB_SUCCEEDED,
            target_type=HALF_TYPE,
            target_id=f"{context.job.pk}-first",
        )
        (folder / f"started-{context.job.attempts}").write_text("started", encoding="utf-8")
        deadline = time.monotonic() + float(context.parameters.get("wait_s", 120))
        while not (folder / "go").exists():
            if time.monotonic() > deadline:
                raise JobError("test_timeout")
            time.sleep(0.05)
        record_audit_event(
            actor=context.actor,
            action=AuditAction.JOB_SUCCEEDED,
            target_type=HALF_TYPE,
            target_id=f"{context.job.pk}-second",
        )
        context.succeed()


def register_test_kinds() -> None:
    register(JobKind(code=WAIT_FOR_FILE, label="wait for a file (tests)", work=_wait_for_file))
