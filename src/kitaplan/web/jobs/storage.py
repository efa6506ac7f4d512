"""Where a job's files live: ``<data dir>/jobs/<id>/`` (input files, stored results)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from kitaplan.web.jobs.models import Job


def job_folder(job: Job) -> Path:
    return Path(settings.MEDIA_ROOT).parent / "jobs" / str(int(job.pk))


def keep_input(job: Job, source: Path) -> Path:
    """Copy ``source`` into the job's input folder (the work reads it from there)."""
    folder = job_folder(job) / "input"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copyfile(source, target)
    return target


def discard_inputs(job: Job) -> None:
    shutil.rmtree(job_folder(job) / "input", ignore_errors=True)
