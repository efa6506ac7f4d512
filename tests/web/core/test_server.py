"""`kitaplan serve`: gunicorn sized to the machine, runserver only with --dev, and an embedded
SQLite database that several server processes can write to at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kitaplan import cli
from kitaplan.web.server import KitaplanServer, ServerOptions, default_workers


def test_workers_follow_the_cores_and_stop_at_twelve():
    assert default_workers(1) == 3
    assert default_workers(2) == 5
    assert default_workers(64) == 12


def test_threads_switch_gunicorn_to_its_threaded_worker():
    assert ServerOptions(threads=1).gunicorn_settings()["worker_class"] == "sync"
    assert ServerOptions(threads=4).gunicorn_settings()["worker_class"] == "gthread"


def test_the_embedded_server_loads_kitaplans_wsgi_app_with_the_given_options():
    server = KitaplanServer(ServerOptions(host="::1", port=8123, workers=3, threads=2))
    assert server.cfg.workers == 3
    assert server.cfg.threads == 2
    assert server.cfg.bind == ["[::1]:8123"]
    assert server.cfg.accesslog is None  # the request log is kitaplan's own middleware
    from kitaplan.web.wsgi import application

    assert server.load() is application


@pytest.fixture
def started(monkeypatch):
    """What cmd_serve would start, without migrating or binding a port."""
    calls: dict[str, object] = {}
    monkeypatch.setattr(cli, "_migrate", lambda verbose=False: None)
    monkeypatch.setattr(
        "kitaplan.web.server.run_server", lambda options: calls.setdefault("gunicorn", options)
    )
    monkeypatch.setattr(
        "django.core.management.call_command",
        lambda *a, **kw: calls.setdefault("runserver", (a, kw)),
    )
    monkeypatch.setattr(
        cli, "_start_background_worker", lambda args: calls.setdefault("worker", args)
    )
    return calls


def test_serve_runs_gunicorn_with_the_workers_asked_for(started):
    assert cli.main(["serve", "--port", "8123", "--workers", "3", "--threads", "4"]) == 0
    options = started["gunicorn"]
    assert isinstance(options, ServerOptions)
    assert (options.port, options.workers, options.threads) == (8123, 3, 4)
    assert "runserver" not in started
    assert "worker" in started


def test_serve_sizes_the_workers_to_the_machine_by_default(started):
    assert cli.main(["serve"]) == 0
    options = started["gunicorn"]
    assert isinstance(options, ServerOptions)
    assert options.workers == default_workers()


def test_only_dev_runs_djangos_development_server(started):
    assert cli.main(["serve", "--dev", "--port", "8124"]) == 0
    args, kwargs = started["runserver"]  # type: ignore[misc]
    assert args == ("runserver", "127.0.0.1:8124")
    assert kwargs["use_reloader"] is True
    assert "gunicorn" not in started


def test_serve_refuses_zero_workers(started, capsys):
    assert cli.main(["serve", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert "gunicorn" not in started


_WRITER = textwrap.dedent(
    """
    import os, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "kitaplan.web.settings"
    django.setup()
    from django.db import connection, transaction
    for _ in range(25):
        with transaction.atomic():  # read, then write: the pattern of every service
            with connection.cursor() as cursor:
                cursor.execute("SELECT value FROM counter")
                value = cursor.fetchone()[0]
                cursor.execute("UPDATE counter SET value = %s", [value + 1])
    """
)


@pytest.mark.skipif(
    "postgres" in os.environ.get("DATABASE_URL", ""), reason="about the embedded SQLite file"
)
def test_several_processes_write_to_the_embedded_database_without_locking_errors(tmp_path: Path):
    import sqlite3

    database = tmp_path / "kitaplan.sqlite3"
    with sqlite3.connect(database) as setup:
        setup.execute("CREATE TABLE counter (value INTEGER)")
        setup.execute("INSERT INTO counter VALUES (0)")
    environment = {**os.environ, "KITAPLAN_DATA_DIR": str(tmp_path)}
    environment.pop("DATABASE_URL", None)
    writers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _WRITER],
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0, 0, 0], errors
    with sqlite3.connect(database) as check:
        assert check.execute("SELECT value FROM counter").fetchone()[0] == 100
