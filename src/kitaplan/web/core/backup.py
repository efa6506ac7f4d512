"""Backup and restore of the database and the uploaded files (``kitaplan backup`` / ``restore``).

An archive is one uncompressed tar file (see docs/operations.md)::

    manifest.json        created at, kitaplan version, vendor, migrations, rows and checksum per
                         table, SHA-256 of every other member
    database.dump        PostgreSQL: ``pg_dump --format=custom`` (compressed by pg_dump)
    database.sqlite3     SQLite: a copy made with sqlite3's online backup API
    uploads/…            the files under ``settings.MEDIA_ROOT``

A table's checksum is the SHA-256 of a canonical text of each row, rows ordered by primary key.
The text comes from the database itself (PostgreSQL: the row cast to text in UTC and ISO date
style; SQLite: ``quote()`` of every column), so it is stable for one vendor, not across vendors.
The manifest's figures are taken from the same snapshot as the dump: PostgreSQL exports the
snapshot of a repeatable-read transaction to ``pg_dump --snapshot``; SQLite counts the copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation
from django.utils.translation import gettext as _

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DATABASE_MEMBER = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
#: Tables that ``migrate`` itself fills; rows there do not make a database "not empty".
SCHEMA_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done or did not give the expected result (German)."""


@dataclass(frozen=True)
class TableFigures:
    rows: int
    checksum: str


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    tables: int
    rows: int
    uploads: int
    mismatches: list[str] = field(default_factory=list)


# --- checksums ---------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_tables(cursor: Any, vendor: str) -> list[str]:
    """The tables of the database (PostgreSQL: of the current schema), sorted by name."""
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
    elif vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    else:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor}
        )
    return [row[0] for row in cursor.fetchall()]


def _columns(cursor: Any, vendor: str, table: str) -> tuple[list[str], list[str]]:
    """All columns of a table in their order, and the primary-key columns in key order."""
    if vendor == "sqlite":
        cursor.execute(f"PRAGMA table_info({_quote(table)})")
        info = cursor.fetchall()  # cid, name, type, notnull, default, pk (1-based, 0 = no)
        columns = [row[1] for row in info]
        key = [row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        return columns, key
    cursor.execute(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        [_quote(table)],
    )
    columns = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey::int2[], a.attnum)",
        [_quote(table)],
    )
    return columns, [row[0] for row in cursor.fetchall()]


def table_figures(cursor: Any, vendor: str, table: str) -> TableFigures:
    """Row count and checksum of one table: SHA-256 over each row's canonical text, by key."""
    columns, key = _columns(cursor, vendor, table)
    order = ", ".join(f"t.{_quote(c)}" for c in (key or columns)) or "1"
    if vendor == "postgresql":
        text = "ROW(t.*)::text"
    else:
        text = " || ',' || ".join(f"quote(t.{_quote(c)})" for c in columns) or "''"
    cursor.execute(f"SELECT {text} AS row_text FROM {_quote(table)} AS t ORDER BY {order}")  # noqa: S608
    digest, rows = hashlib.sha256(), 0
    while batch := cursor.fetchmany(2000):
        for (row_text,) in batch:
            data = ("\\N" if row_text is None else row_text).encode("utf-8")
            digest.update(b"%d:" % len(data) + data + b"\n")
            rows += 1
    return TableFigures(rows=rows, checksum=digest.hexdigest())


def database_figures(cursor: Any, vendor: str) -> dict[str, TableFigures]:
    return {table: table_figures(cursor, vendor, table) for table in list_tables(cursor, vendor)}


def _applied_migrations(cursor: Any, tables: list[str]) -> list[list[str]]:
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def _prepare_postgres_session(cursor: Any) -> None:
    # Only inside a transaction: these settings end with it.
    cursor.execute("SET LOCAL TIME ZONE 'UTC'")
    cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    cursor.execute("SET LOCAL IntervalStyle = 'iso_8601'")
    cursor.execute("SET LOCAL extra_float_digits = 1")


def current_figures() -> dict[str, TableFigures]:
    """Rows and checksum of every table of the configured database, as it is now."""
    vendor = connection.vendor
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            _prepare_postgres_session(cursor)
        return database_figures(cursor, vendor)


# --- PostgreSQL client tools --------------------------------------------------------------------


def postgres_command(
    program: str, settings_dict: Mapping[str, Any]
) -> tuple[list[str], dict[str, str]]:
    """The start of a ``pg_dump``/``pg_restore`` command line and its environment.

    The connection comes from ``settings.DATABASES["default"]``; the password travels in
    ``PGPASSWORD`` only, never on the command line.
    """
    args = [program, "--no-password", "--dbname", str(settings_dict["NAME"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)  # libpq's own PG* variables and ~/.pgpass keep working
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def _run_tool(args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            _("%(program)s was not found: install the PostgreSQL client tools.")
            % {"program": args[0]}
        ) from None
    if done.returncode != 0:
        raise BackupError(
            _("%(program)s failed (exit code %(code)s): %(error)s")
            % {"program": args[0], "code": done.returncode, "error": done.stderr.strip()[-2000:]}
        )


# --- backup -------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _upload_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found.append((path.relative_to(root).as_posix(), path))
    return found


def _dump_postgres(target: Path) -> tuple[dict[str, TableFigures], list[list[str]]]:
    args, env = postgres_command("pg_dump", connection.settings_dict)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _prepare_postgres_session(cursor)
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run_tool([*args, "--format=custom", "--snapshot", snapshot, "--file", str(target)], env)
        figures = database_figures(cursor, "postgresql")
        return figures, _applied_migrations(cursor, list(figures))


def _in_memory() -> bool:
    """Whether the (SQLite) database lives in memory only, as in tests."""
    return SQLiteCreation.is_in_memory_db(connection.settings_dict["NAME"])


def _dump_sqlite(target: Path) -> tuple[dict[str, TableFigures], list[list[str]]]:
    name = str(connection.settings_dict["NAME"])
    if not _in_memory() and not Path(name).is_file():
        raise BackupError(_("The database file %(file)s does not exist.") % {"file": name})
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = copy.cursor()
        figures = database_figures(cursor, "sqlite")
        return figures, _applied_migrations(cursor, list(figures))
    finally:
        copy.close()


def create_backup(output: Path, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Write the archive ``output`` (refused when it exists) and return its manifest."""
    say = progress or (lambda _message: None)
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor}
        )
    if output.exists():
        raise BackupError(_("%(file)s already exists; choose another name.") % {"file": output})
    output.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix=".kitaplan-backup-", dir=output.parent) as scratch:
        database_file = Path(scratch) / DATABASE_MEMBER[vendor]
        say(_("Copying the database (%(vendor)s) …") % {"vendor": vendor})
        dump = _dump_postgres if vendor == "postgresql" else _dump_sqlite
        figures, migrations = dump(database_file)
        uploads = _upload_files(media_root)
        say(_("Adding %(n)s uploaded file(s) …") % {"n": len(uploads)})
        files = {DATABASE_MEMBER[vendor]: _sha256_file(database_file)}
        upload_entries = []
        for relative, path in uploads:
            checksum = _sha256_file(path)
            files[f"{UPLOADS}/{relative}"] = checksum
            upload_entries.append(
                {"path": relative, "size": path.stat().st_size, "sha256": checksum}
            )
        now = dt.datetime.now(dt.UTC)
        manifest = {
            "format": ARCHIVE_FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "kitaplan_version": importlib.metadata.version("kitaplan"),
            "database_vendor": vendor,
            "database_file": DATABASE_MEMBER[vendor],
            "migrations": migrations,
            "tables": {
                name: {"rows": f.rows, "checksum": f.checksum} for name, f in figures.items()
            },
            "uploads": upload_entries,
            "files": files,
        }
        partial = Path(scratch) / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(database_file, arcname=DATABASE_MEMBER[vendor])
            for relative, path in uploads:
                archive.add(path, arcname=f"{UPLOADS}/{relative}", recursive=False)
        partial.chmod(0o600)
        os.replace(partial, output)  # the archive appears complete or not at all
    return manifest


# --- restore ------------------------------------------------------------------------------------


def _broken(archive: Path, reason: str) -> BackupError:
    return BackupError(
        _("%(file)s is not a usable kitaplan backup: %(reason)s")
        % {"file": archive, "reason": reason}
    )


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of ``archive``; refused when the archive or the manifest is broken."""
    if not archive.is_file():
        raise BackupError(_("%(file)s: the file does not exist.") % {"file": archive})
    try:
        with tarfile.open(archive, "r:") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read().decode("utf-8"))
    except KeyError:
        raise _broken(archive, _("manifest.json is missing.")) from None
    except (tarfile.TarError, OSError, EOFError):
        raise _broken(archive, _("the file is not a complete tar archive.")) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _broken(archive, _("manifest.json is not valid JSON.")) from None
    required = ("format", "database_vendor", "database_file", "tables", "files", "migrations")
    if not isinstance(manifest, dict) or any(key not in manifest for key in required):
        raise _broken(archive, _("manifest.json lacks required entries."))
    if manifest["format"] != ARCHIVE_FORMAT:
        raise _broken(
            archive,
            _("archive format %(found)s is not supported (expected %(expected)s).")
            % {"found": manifest["format"], "expected": ARCHIVE_FORMAT},
        )
    return manifest


def _extract_checked(archive: Path, manifest: dict[str, Any], into: Path) -> None:
    """Unpack every member listed in the manifest and compare it with its SHA-256."""
    expected: dict[str, str] = manifest["files"]
    if manifest["database_file"] not in expected:
        raise _broken(archive, _("the manifest names no database file."))
    try:
        with tarfile.open(archive, "r:") as tar:
            names = set(tar.getnames()) - {MANIFEST}
            missing = sorted(set(expected) - names)
            if missing:
                raise _broken(
                    archive, _("missing in the archive: %(names)s") % {"names": ", ".join(missing)}
                )
            for name in sorted(expected):
                path = PurePosixPath(name)
                if path.is_absolute() or ".." in path.parts:
                    raise _broken(archive, _("unsafe path %(name)s.") % {"name": name})
                tar.extract(name, into, filter="data")
    except (tarfile.TarError, OSError, EOFError):
        raise _broken(archive, _("the file is not a complete tar archive.")) from None
    for name, checksum in expected.items():
        if _sha256_file(into / name) != checksum:
            raise _broken(archive, _("%(name)s does not match its checksum.") % {"name": name})


def cache_tables() -> frozenset[str]:
    """The tables of database caches (``core.derived``): derived data, never a reason to call a
    database "not empty" (``flush`` does not clear them, they are no model's table)."""
    return frozenset(
        str(cache["LOCATION"])
        for cache in settings.CACHES.values()
        if cache.get("BACKEND", "").endswith("DatabaseCache")
    )


#: The job queue's own tables (procrastinate, PostgreSQL only): the queue's bookkeeping, which
#: ``flush`` leaves like the cache; the jobs themselves are kitaplan's ``jobs.Job`` rows.
QUEUE_TABLE_PREFIX = "procrastinate_"


def database_is_empty() -> bool:
    ignored = SCHEMA_TABLES | cache_tables()
    with connection.cursor() as cursor:
        for table in list_tables(cursor, connection.vendor):
            if table in ignored or table.startswith(QUEUE_TABLE_PREFIX):
                continue
            cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is not None:
                return False
    return True


def _restore_postgres(dump: Path) -> None:
    args, env = postgres_command("pg_restore", connection.settings_dict)
    connection.close()  # hold no locks while pg_restore drops and recreates the tables
    _run_tool(
        [*args, "--clean", "--if-exists", "--no-owner", "--single-transaction", str(dump)], env
    )


def _restore_sqlite(copy: Path) -> None:
    # The online backup API writes the copy's pages into the open database in one step; unlike
    # replacing the file under a running WAL database it leaves no stale -wal/-shm behind.
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(
            _("The database could not be restored: %(error)s") % {"error": error}
        ) from None
    finally:
        source.close()


def compare_with_manifest(manifest: dict[str, Any], figures: dict[str, TableFigures]) -> list[str]:
    """Human-readable differences between the manifest's tables and the database's."""
    problems = []
    expected: dict[str, dict[str, Any]] = manifest["tables"]
    for table in sorted(set(expected) | set(figures)):
        if table not in figures:
            problems.append(_("Table %(table)s is missing.") % {"table": table})
        elif table not in expected:
            problems.append(
                _("Table %(table)s is not in the backup (%(rows)s rows).")
                % {"table": table, "rows": figures[table].rows}
            )
        elif figures[table].rows != expected[table]["rows"]:
            problems.append(
                _("Table %(table)s: %(found)s rows instead of %(expected)s.")
                % {
                    "table": table,
                    "found": figures[table].rows,
                    "expected": expected[table]["rows"],
                }
            )
        elif figures[table].checksum != expected[table]["checksum"]:
            problems.append(
                _("Table %(table)s: the checksum differs from the backup.") % {"table": table}
            )
    return problems


@contextmanager
def _unpacked(archive: Path, manifest: dict[str, Any]) -> Iterator[Path]:
    media_parent = Path(settings.MEDIA_ROOT).parent
    media_parent.mkdir(parents=True, exist_ok=True)
    # Next to MEDIA_ROOT, so that the uploads can be moved into place by renaming.
    with tempfile.TemporaryDirectory(prefix=".kitaplan-restore-", dir=media_parent) as scratch:
        _extract_checked(archive, manifest, Path(scratch))
        yield Path(scratch)


def _replace_uploads(unpacked: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    new = unpacked / UPLOADS
    new.mkdir(exist_ok=True)
    old = unpacked / "uploads-before-restore"
    if media_root.exists():
        os.replace(media_root, old)
    os.replace(new, media_root)
    shutil.rmtree(old, ignore_errors=True)
    return sum(1 for _path in _upload_files(media_root))


def check_archive(archive: Path) -> dict[str, Any]:
    """Read and fully verify the archive (manifest, vendor, every member's checksum)."""
    manifest = read_manifest(archive)
    _check_vendor(manifest)
    with _unpacked(archive, manifest):
        pass
    return manifest


def _check_vendor(manifest: dict[str, Any]) -> None:
    if manifest["database_vendor"] != connection.vendor:
        raise BackupError(
            _(
                "The backup is of a %(found)s database, but the configured database is "
                "%(expected)s; restore it into a %(found)s database."
            )
            % {"found": manifest["database_vendor"], "expected": connection.vendor}
        )
    if DATABASE_MEMBER.get(connection.vendor) != manifest["database_file"]:
        raise BackupError(
            _("The backup's database file %(name)s does not fit %(vendor)s.")
            % {"name": manifest["database_file"], "vendor": connection.vendor}
        )


def restore_backup(
    archive: Path, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> RestoreResult:
    """Restore ``archive`` into the configured database and MEDIA_ROOT, then verify it.

    Refused before anything changes when the archive is broken, its vendor differs or (without
    ``force``) the database or the uploads folder already holds data. After the restore every
    table's rows and checksum are compared with the manifest; differences are in
    ``mismatches`` and leave the uploads untouched.
    """
    say = progress or (lambda _message: None)
    manifest = read_manifest(archive)
    _check_vendor(manifest)
    if connection.vendor == "sqlite" and not _in_memory():
        # A fresh installation: the database file is created by the restore.
        Path(str(connection.settings_dict["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    if not force:
        if not database_is_empty():
            raise BackupError(
                _(
                    "The database is not empty. Restoring replaces all its data; "
                    "repeat with --force to do so."
                )
            )
        if _upload_files(Path(settings.MEDIA_ROOT)):
            raise BackupError(
                _(
                    "The uploads folder %(folder)s is not empty. Restoring replaces its files; "
                    "repeat with --force to do so."
                )
                % {"folder": settings.MEDIA_ROOT}
            )
    with _unpacked(archive, manifest) as unpacked:
        database_file = unpacked / manifest["database_file"]
        say(_("Restoring the database (%(vendor)s) …") % {"vendor": connection.vendor})
        if connection.vendor == "postgresql":
            _restore_postgres(database_file)
        else:
            _restore_sqlite(database_file)
        say(_("Comparing row counts and checksums with the manifest …"))
        figures = current_figures()
        mismatches = compare_with_manifest(manifest, figures)
        uploads = 0
        if not mismatches:
            uploads = _replace_uploads(unpacked)
    return RestoreResult(
        manifest=manifest,
        tables=len(figures),
        rows=sum(f.rows for f in figures.values()),
        uploads=uploads,
        mismatches=mismatches,
    )
