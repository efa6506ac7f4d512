"""Files handed from a request to later work: the spool storage (docs/operations.md, "Storage").

An upload that waits for its confirmation (``imports.pending``) and a job's input file
(``jobs.storage``) are read again later, by another request or by the worker, which with
several app servers and workers is rarely the machine that received the file. They live in the
storage ``STORAGES["spool"]``:

- by default :class:`DataDirStorage`, a folder of the data directory (``<data dir>/jobs/…``,
  ``<data dir>/pending-imports/…``), outside ``MEDIA_ROOT`` so that backups leave them out;
- with ``KITAPLAN_S3_BUCKET`` the prefix ``spool/`` of that bucket, which every machine reads.

Uploads that stay (documents of measures) and generated files use ``default_storage``.

The readers (pyogrio, csv) need a file on the local disk: :func:`local_path` is the storage's own
path when it has one (the file system), otherwise a copy downloaded once into
``<data dir>/spool-cache/`` and deleted with its folder (:func:`remove_folder`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

__all__ = [
    "SPOOL",
    "DataDirStorage",
    "files_in",
    "folders_in",
    "local_path",
    "modified_at",
    "put",
    "remove_folder",
    "spool",
]

#: The alias of the spool storage in ``settings.STORAGES``.
SPOOL = "spool"


class DataDirStorage(FileSystemStorage):
    """The file system under the data directory (the folder that holds ``MEDIA_ROOT``).

    Without a ``location`` it follows ``MEDIA_ROOT``'s parent, also when a test changes it.
    """

    @cached_property
    def base_location(self) -> str:
        explicit: str | None = getattr(self, "_location", None)
        return explicit if explicit is not None else str(Path(settings.MEDIA_ROOT).parent)


def spool() -> Storage:
    return storages[SPOOL]


def _cache_root() -> Path:
    return Path(settings.MEDIA_ROOT).parent / "spool-cache"


def put(folder: str, source: Path) -> str:
    """Store the local file ``source`` as ``<folder>/<its name>`` (replacing one of that name)."""
    store = spool()
    name = f"{folder}/{source.name}"
    if store.exists(name):
        store.delete(name)
    with source.open("rb") as handle:
        return store.save(name, File(handle, name=source.name))


def files_in(folder: str) -> list[str]:
    """The names of the files directly in ``folder`` (none when it does not exist)."""
    try:
        _, names = spool().listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(f"{folder}/{name}" for name in names)


def folders_in(folder: str) -> list[str]:
    try:
        names, _ = spool().listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(f"{folder}/{name}" for name in names)


def modified_at(name: str) -> dt.datetime:
    return spool().get_modified_time(name)


def local_path(name: str) -> Path:
    """A local file with the content of the stored ``name`` (see the module)."""
    store = spool()
    if isinstance(store, FileSystemStorage):
        return Path(store.path(name))
    # another storage (a bucket): copy the file to this machine once
    target = _cache_root() / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        with store.open(name, "rb") as stored, partial.open("wb") as local:
            shutil.copyfileobj(stored, local, 1024 * 1024)
        partial.replace(target)
    return target


def remove_folder(folder: str) -> None:
    """Delete the files of ``folder`` (and below), their local copies and, on the file system,
    the folder itself."""
    store = spool()
    for child in folders_in(folder):
        remove_folder(child)
    for name in files_in(folder):
        store.delete(name)
    shutil.rmtree(_cache_root() / folder, ignore_errors=True)
    if isinstance(store, FileSystemStorage):
        shutil.rmtree(store.path(folder), ignore_errors=True)
