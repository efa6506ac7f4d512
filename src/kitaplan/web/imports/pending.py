"""The uploaded file of a dry run, kept until it is imported (the page's second step).

The import page first runs every upload as a dry run (``imports.services``). Its file is kept
in a folder named by the dry run's primary key, ``pending-imports/<id>/`` in the spool storage
(``core.files``: a folder of the data directory next to the uploads, not inside ``MEDIA_ROOT``,
so backups do not copy it; or a bucket that every app server and worker reads, since the
confirmation or the worker's import may run on another machine). The confirmation names only
the dry run; the file is found from it on the server, never from a path or name sent by the browser, and is
used only when its SHA-256 equals the one the dry run checked, by the same user, within
:data:`PENDING_FOR`. After the import (or when it has expired) the file is deleted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from kitaplan.web.core import files
from kitaplan.web.imports.models import ImportRun, ImportStatus
from kitaplan.web.imports.services import file_sha256

__all__ = ["PENDING_FOR", "discard", "keep_upload", "pending_upload"]

#: How long a dry run's file waits for the confirmation.
PENDING_FOR = dt.timedelta(hours=1)

#: The folder of the kept files in the spool storage.
ROOT = "pending-imports"


def _folder(run: ImportRun) -> str:
    return f"{ROOT}/{int(run.pk)}"


def keep_upload(run: ImportRun, source: Path) -> None:
    """Keep ``source`` (the checked file) for the dry run ``run``; drop expired files."""
    _sweep()
    files.put(_folder(run), source)


def pending_upload(run: ImportRun) -> Path | None:
    """A local path to the kept file of the dry run ``run``, or ``None`` when there is none.

    ``None`` also for a run that is not a dry run, one older than :data:`PENDING_FOR`, or a
    file whose checksum differs from the one the dry run checked.
    """
    if run.status != ImportStatus.DRY_RUN or run.pk is None:
        return None
    if timezone.now() - run.started_at > PENDING_FOR:
        return None
    names = files.files_in(_folder(run))
    if len(names) != 1:
        return None
    path = files.local_path(names[0])
    if file_sha256(path) != run.file_sha256:
        return None
    return path


def discard(run: ImportRun) -> None:
    """Delete the kept file of ``run`` (after its import, or when it is no longer wanted)."""
    files.remove_folder(_folder(run))


def _sweep() -> None:
    too_old = timezone.now() - PENDING_FOR
    for folder in files.folders_in(ROOT):
        names = files.files_in(folder)
        if not names or all(files.modified_at(name) < too_old for name in names):
            files.remove_folder(folder)
