"""Large imports as background jobs: the page's dry run and its import (issue 14).

An upload above ``KITAPLAN_IMPORT_JOB_THRESHOLD_KB`` is checked by the job kind
``imports.check`` (the dry run) and, after the confirmation, imported by ``imports.import``;
smaller files stay inline. Both store their :class:`ImportRun` and the job's status
"succeeded" in the same transaction (``import_file(on_stored=…)``), so a crash leaves neither.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.access import AnyUser
from kitaplan.web.imports import pending
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.messages import register_wording
from kitaplan.web.jobs.models import Job
from kitaplan.web.jobs.registry import JobKind, register
from kitaplan.web.jobs.services import enqueue
from kitaplan.web.territory.models import Territory

CHECK = "imports.check"
IMPORT = "imports.import"


def runs_as_job(path: Path) -> bool:
    """Whether the file at ``path`` is large enough to be checked and imported as a job."""
    threshold_kb: int = settings.KITAPLAN_IMPORT_JOB_THRESHOLD_KB
    return path.stat().st_size > threshold_kb * 1024


def queue_check(
    *,
    territory: Territory,
    kind: str,
    path: Path,
    actor: AnyUser,
    mapping_name: str | None,
    effective_day: dt.date | None,
    complete_list: bool,
) -> Job:
    """Queue the dry run of the uploaded file ``path`` (copied into the job's folder)."""
    return enqueue(
        kind=CHECK,
        actor=actor,
        territory=territory,
        parameters={
            "kind": kind,
            "mapping": mapping_name or "",
            "effective_day": effective_day.isoformat() if effective_day else "",
            "complete_list": complete_list,
        },
        files=[path],
    )


def queue_import(*, dry_run: ImportRun, actor: AnyUser, confirm_closing: bool) -> Job:
    """Queue the import of the file that the dry run ``dry_run`` checked."""
    return enqueue(
        kind=IMPORT,
        actor=actor,
        territory=dry_run.territory,
        parameters={"dry_run": dry_run.pk, "confirm_closing": confirm_closing},
    )


def _progress(context: JobContext) -> Any:
    steps = iter([(10, "import_reading"), (40, "import_writing")])

    def say(message: str) -> None:
        percent, step = next(steps, (60, "import_writing"))
        context.progress(percent, step)

    return say


def _check(context: JobContext) -> None:
    params = context.parameters
    territory = context.job.territory
    if territory is None:
        raise JobError("import_gone")
    path = context.input_file()

    def stored(run: ImportRun) -> None:
        if run.is_dry_run:
            pending.keep_upload(run, path)
        context.succeed(run)

    import_file(
        territory=territory,
        kind=params["kind"],
        path=path,
        actor=context.actor,
        mapping_name=params["mapping"] or None,
        display_name=path.name,
        effective_day=dt.date.fromisoformat(params["effective_day"])
        if params["effective_day"]
        else None,
        complete_list=bool(params["complete_list"]),
        dry_run=True,
        progress=_progress(context),
        on_stored=stored,
    )


def _import(context: JobContext) -> None:
    params = context.parameters
    run = ImportRun.objects.select_related("territory").filter(pk=params["dry_run"]).first()
    path = pending.pending_upload(run) if run is not None else None
    if run is None or path is None:
        raise JobError("import_expired")

    def stored(done: ImportRun) -> None:
        if done.is_dry_run:  # the data changed since the dry run: check (and confirm) again
            pending.keep_upload(done, path)
        context.succeed(done)

    import_file(
        territory=run.territory,
        kind=run.kind,
        path=path,
        actor=context.actor,
        mapping_name=run.mapping,
        display_name=run.file_name,
        effective_day=run.effective_day,
        complete_list=run.complete_list,
        confirm_closing=bool(params["confirm_closing"]),
        progress=_progress(context),
        on_stored=stored,
    )
    pending.discard(run)


def _result_url(job: Job) -> str:
    return reverse("imports:import-detail", kwargs={"pk": int(job.result_id)})


def register_import_jobs() -> None:
    register(
        JobKind(code=CHECK, label=_("Check an import file"), work=_check, result_url=_result_url)
    )
    register(JobKind(code=IMPORT, label=_("Import a file"), work=_import, result_url=_result_url))
    register_wording(
        steps={
            "import_reading": _("Reading the file …"),
            "import_writing": _("Checking and writing the records …"),
        },
        errors={
            "import_expired": _(
                "The checked file is no longer kept (it is kept for one hour and only for the "
                "person who checked it). Please upload it again."
            ),
            "import_gone": _("The territory of this import no longer exists."),
        },
    )
