"""The uploaded file of a dry run, kept until it is imported (the page's second step).

The import page first runs every upload as a dry run (``imports.services``). Its file is kept
in a folder named by the dry run's primary key, next to the uploads (``<data dir>/pending-imports``,
not inside ``MEDIA_ROOT``, so backups do not copy it). The confirmation names only the dry run;
the file is found from it on the server, never from a path or name sent by the browser, and is
used only when its SHA-256 equals the one the dry run checked, by the same user, within
:data:`PENDING_FOR`. After the import (or when it has expired) the file is deleted.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from kitaplan.web.imports.models import ImportRun, ImportStatus
from kitaplan.web.imports.services import file_sha256

__all__ = ["PENDING_FOR", "discard", "keep_upload", "pending_upload"]

#: How long a dry run's file waits for the confirmation.
PENDING_FOR = dt.timedelta(hours=1)


def _root() -> Path:
    return Path(settings.MEDIA_ROOT).parent / "pending-imports"


def _folder(run: ImportRun) -> Path:
    return _root() / str(int(run.pk))


def keep_upload(run: ImportRun, source: Path) -> None:
    """Keep ``source`` (the checked file) for the dry run ``run``; drop expired files."""
    _sweep()
    folder = _folder(run)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, folder / source.name)


def pending_upload(run: ImportRun) -> Path | None:
    """The kept file of the dry run ``run``, or ``None`` when there is none (any more).

    ``None`` also for a run that is not a dry run, one older than :data:`PENDING_FOR`, or a
    file whose checksum differs from the one the dry run checked.
    """
    if run.status != ImportStatus.DRY_RUN or run.pk is None:
        return None
    if timezone.now() - run.started_at > PENDING_FOR:
        return None
    folder = _folder(run)
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    if len(files) != 1:
        return None
    if file_sha256(files[0]) != run.file_sha256:
        return None
    return files[0]


def discard(run: ImportRun) -> None:
    """Delete the kept file of ``run`` (after its import, or when it is no longer wanted)."""
    shutil.rmtree(_folder(run), ignore_errors=True)


def _sweep() -> None:
    root = _root()
    if not root.is_dir():
        return
    too_old = (timezone.now() - PENDING_FOR).timestamp()
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < too_old:
            shutil.rmtree(folder, ignore_errors=True)
