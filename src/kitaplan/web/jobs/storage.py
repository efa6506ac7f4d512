"""A job's input files: ``jobs/<id>/input/`` in the spool storage (``core.files``).

The request that queues the job stores them there; the worker, on any machine, reads them
through a local path (the file itself on the file system, a local copy from a bucket). They
are deleted when the job succeeded; a failed job keeps them for its retry.
"""

from __future__ import annotations

from pathlib import Path

from kitaplan.web.core import files
from kitaplan.web.jobs.models import Job


def job_folder(job: Job) -> str:
    """The job's folder in the spool storage."""
    return f"jobs/{int(job.pk)}"


def keep_input(job: Job, source: Path) -> str:
    """Store ``source`` in the job's input folder (the work reads it from there)."""
    return files.put(f"{job_folder(job)}/input", source)


def input_files(job: Job) -> list[Path]:
    """Local paths of the job's input files (downloaded once when the storage is remote)."""
    return [files.local_path(name) for name in files.files_in(f"{job_folder(job)}/input")]


def discard_inputs(job: Job) -> None:
    files.remove_folder(f"{job_folder(job)}/input")
