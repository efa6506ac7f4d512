"""``kitaplan backup`` / ``restore``: a round trip gives back every row and file, bad archives are
refused before anything changes, and a restore that does not match its manifest fails loudly.

The round trip runs on the configured database: SQLite by default, PostgreSQL (pg_dump and
pg_restore against the test database) when ``DATABASE_URL`` names one.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from kitaplan.cli import EXIT_OK, EXIT_PROBLEMS, main
from kitaplan.web.core import backup
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import Territory
from tests.web.factories import make_city, make_user

db = pytest.mark.django_db(transaction=True)  # pg_dump sees only committed data


def _uploads(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _some_data(media: Path) -> None:
    make_city()
    make_user("planer", Role.PLANNER)
    (media / "measures" / "2024").mkdir(parents=True)
    (media / "measures" / "2024" / "protokoll.pdf").write_bytes(b"%PDF-1.4 minutes")
    (media / "imports").mkdir()
    (media / "imports" / "kitas.csv").write_text("Name;Plätze\nKita Sonne;40\n", encoding="utf-8")


def _rewrite(
    source: Path,
    target: Path,
    *,
    manifest: Callable[[dict], None] | None = None,
    member: tuple[str, bytes] | None = None,
) -> Path:
    """Copy an archive, changing the manifest and/or one member's bytes."""
    with tarfile.open(source) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    if manifest:
        data = json.loads(members["manifest.json"])
        manifest(data)
        members["manifest.json"] = json.dumps(data).encode()
    if member:
        members[member[0]] = member[1]
    with tarfile.open(target, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def archive(tmp_path, settings):  # type: ignore[no-untyped-def]
    _some_data(Path(settings.MEDIA_ROOT))
    path = tmp_path / "backup.tar"
    assert main(["backup", "-o", str(path)]) == EXIT_OK
    return path


@db
def test_round_trip_gives_back_every_table_and_upload(tmp_path, settings, capsys):
    media = Path(settings.MEDIA_ROOT)
    _some_data(media)
    original = backup.current_figures()
    original_uploads = _uploads(media)
    path = tmp_path / "backup.tar"

    assert main(["backup", "-o", str(path)]) == EXIT_OK
    assert "backup.tar" in capsys.readouterr().out
    manifest = backup.read_manifest(path)
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["kitaplan_version"]
    assert manifest["created_at"]
    assert ["territory", "0001_initial"] in manifest["migrations"]
    assert manifest["tables"] == {
        name: {"rows": f.rows, "checksum": f.checksum} for name, f in original.items()
    }
    assert manifest["tables"]["facilities_facility"]["rows"] == Facility.objects.count() == 3
    assert {u["path"] for u in manifest["uploads"]} == set(original_uploads)

    # Change, delete and add rows and files after the backup.
    Facility.objects.filter(pk=Facility.objects.order_by("pk").first().pk).delete()
    Territory.objects.filter(code="testcity").update(name="Umbenannt")
    make_city("othercity")
    (media / "imports" / "kitas.csv").unlink()
    (media / "measures" / "2024" / "protokoll.pdf").write_bytes(b"overwritten")
    (media / "later.txt").write_text("added after the backup", encoding="utf-8")
    changed = backup.current_figures()
    assert changed["facilities_facility"] != original["facilities_facility"]
    assert changed["territory_territory"] != original["territory_territory"]

    assert main(["restore", str(path)]) == EXIT_PROBLEMS
    assert "nicht leer" in capsys.readouterr().err
    assert backup.current_figures() == changed  # the refusal changed nothing

    assert main(["restore", str(path), "--force"]) == EXIT_OK
    assert "überprüft" in capsys.readouterr().out
    assert backup.current_figures() == original
    assert _uploads(media) == original_uploads
    assert Territory.objects.get(code="testcity").name == "Testcity"
    assert not Territory.objects.filter(code="othercity").exists()


@db
def test_restore_into_an_empty_database_needs_no_force(archive, settings, capsys):
    manifest = backup.read_manifest(archive)
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)
    assert backup.database_is_empty()

    assert main(["restore", str(archive)]) == EXIT_OK
    figures = backup.current_figures()
    assert {n: {"rows": f.rows, "checksum": f.checksum} for n, f in figures.items()} == manifest[
        "tables"
    ]
    assert Facility.objects.count() == 3
    assert (Path(settings.MEDIA_ROOT) / "imports" / "kitas.csv").is_file()


@db
def test_cached_derived_data_does_not_make_a_database_non_empty():
    # the database cache's table is no model's: flush leaves it, earlier tests fill it
    cache.set("some-derived-figure", 42)
    call_command("flush", interactive=False, verbosity=0)
    assert cache.get("some-derived-figure") == 42
    assert backup.database_is_empty()
    make_city()
    assert not backup.database_is_empty()


@db
def test_uploads_folder_with_files_is_not_replaced_without_force(archive, settings, capsys):
    call_command("flush", interactive=False, verbosity=0)
    assert main(["restore", str(archive)]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert str(settings.MEDIA_ROOT) in err and "--force" in err
    assert Facility.objects.count() == 0


@db
def test_check_only_reads_the_archive(archive, capsys):
    before = backup.current_figures()
    Facility.objects.all().delete()
    after_delete = backup.current_figures()
    assert main(["restore", "--check", str(archive)]) == EXIT_OK
    assert "vollständig" in capsys.readouterr().out
    assert backup.current_figures() == after_delete != before


@db
@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda data: data[: len(data) // 3], "kein vollständiges tar-Archiv"),
        (lambda data: b"not a tar file at all" * 50, "kein vollständiges tar-Archiv"),
    ],
)
def test_a_broken_archive_is_refused_before_anything_changes(
    archive, tmp_path, capsys, damage, expected
):
    broken = tmp_path / "broken.tar"
    broken.write_bytes(damage(archive.read_bytes()))
    Facility.objects.all().delete()
    before = backup.current_figures()
    assert main(["restore", str(broken), "--force"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "broken.tar" in err and expected in err
    assert backup.current_figures() == before


@db
def test_a_damaged_member_fails_its_checksum(archive, tmp_path, capsys):
    database_member = backup.read_manifest(archive)["database_file"]
    broken = _rewrite(archive, tmp_path / "b.tar", member=(database_member, b"garbage"))
    Facility.objects.all().delete()
    before = backup.current_figures()
    assert main(["restore", str(broken), "--force"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert database_member in err and "Prüfsumme" in err
    assert backup.current_figures() == before


@db
def test_a_missing_manifest_is_named(archive, tmp_path, capsys):
    with tarfile.open(tmp_path / "nomanifest.tar", "w") as tar:
        tar.add(archive, arcname="something.tar")
    assert main(["restore", str(tmp_path / "nomanifest.tar")]) == EXIT_PROBLEMS
    assert "manifest.json fehlt" in capsys.readouterr().err


@db
def test_another_vendor_is_refused(archive, tmp_path, capsys):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    foreign = _rewrite(
        archive, tmp_path / "foreign.tar", manifest=lambda m: m.update(database_vendor=other)
    )
    Facility.objects.all().delete()
    before = backup.current_figures()
    assert main(["restore", str(foreign), "--force"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert other in err and connection.vendor in err
    assert backup.current_figures() == before


@db
def test_a_restore_that_differs_from_the_manifest_fails_loudly(archive, tmp_path, settings, capsys):
    def wrong_checksum(manifest: dict) -> None:
        manifest["tables"]["territory_area"]["checksum"] = "0" * 64

    lying = _rewrite(archive, tmp_path / "lying.tar", manifest=wrong_checksum)
    marker = Path(settings.MEDIA_ROOT) / "after.txt"
    marker.write_text("x", encoding="utf-8")
    assert main(["restore", str(lying), "--force"]) == EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "territory_area" in err and "Prüfsumme" in err
    assert marker.is_file()  # uploads are left alone when the database does not match


@db
def test_an_existing_archive_is_never_overwritten(archive, capsys):
    before = archive.read_bytes()
    assert main(["backup", "-o", str(archive)]) == EXIT_PROBLEMS
    assert "existiert bereits" in capsys.readouterr().err
    assert archive.read_bytes() == before


@db
def test_backup_into_a_folder_names_the_file_by_time(tmp_path, capsys):
    make_city()
    assert main(["backup", "-o", str(tmp_path)]) == EXIT_OK
    (written,) = tmp_path.glob("kitaplan-*.tar")
    assert backup.read_manifest(written)["tables"]["territory_territory"]["rows"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL on PostgreSQL")
@db
def test_postgres_dump_targets_the_test_database(tmp_path):
    make_city()
    path = tmp_path / "pg.tar"
    backup.create_backup(path)
    with tarfile.open(path) as tar:
        dump = tar.extractfile("database.dump").read()
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
    assert connection.settings_dict["NAME"].encode() in dump


# --- without a Django database ---------------------------------------------------------------


def _sqlite_table(rows: list[tuple[int, str | None, float]]) -> sqlite3.Cursor:
    db_ = sqlite3.connect(":memory:")
    db_.execute('CREATE TABLE "t" (id INTEGER PRIMARY KEY, name TEXT, share REAL)')
    db_.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    return db_.cursor()


def test_the_checksum_is_stable_and_sees_every_change():
    rows = [(1, "Kita Sonne", 0.5), (2, None, 1.25), (3, "Kita Mond", 2.0)]
    reference = backup.table_figures(_sqlite_table(rows), "sqlite", "t")
    assert reference.rows == 3
    assert backup.table_figures(_sqlite_table(list(reversed(rows))), "sqlite", "t") == reference
    for changed in (
        [(1, "Kita Sonne", 0.5), (2, "NULL", 1.25), (3, "Kita Mond", 2.0)],  # NULL ≠ 'NULL'
        [(1, "Kita Sonne", 0.5), (2, None, 1.26), (3, "Kita Mond", 2.0)],
        [(1, "Kita Sonne", 0.5), (3, "Kita Mond", 2.0)],
        [(1, "Kita Sonne", 0.5), (2, None, 1.25), (4, "Kita Mond", 2.0)],
    ):
        assert backup.table_figures(_sqlite_table(changed), "sqlite", "t") != reference


def test_the_password_goes_to_pg_tools_in_the_environment_only(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-the-shell")
    args, env = backup.postgres_command(
        "pg_dump",
        {
            "NAME": "kitaplan",
            "USER": "planer",
            "PASSWORD": "geheim-123",
            "HOST": "db.example",
            "PORT": 5433,
            "OPTIONS": {"sslmode": "require"},
        },
    )
    assert "geheim-123" not in " ".join(args)
    assert env["PGPASSWORD"] == "geheim-123"
    assert env["PGSSLMODE"] == "require"
    assert args[:2] == ["pg_dump", "--no-password"]
    assert args[2:4] == ["--dbname", "kitaplan"]
    assert "db.example" in args and "5433" in args and "planer" in args
    _args, env = backup.postgres_command("pg_dump", {"NAME": "kitaplan"})
    assert env["PGPASSWORD"] == "from-the-shell"  # as libpq, and Django, would use it


def test_help_explains_backup_and_restore(capsys):
    for command in ("backup", "restore"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
    assert "--force" in capsys.readouterr().out
