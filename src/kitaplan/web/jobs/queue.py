"""The queue under the jobs: procrastinate (ADR 0012).

On PostgreSQL the queue is procrastinate's own tables (``procrastinate.contrib.django``,
installed only there), and ``kitaplan worker`` runs the workers. On the embedded SQLite demo
the queue is procrastinate's in-memory connector, worked by a thread of the server process
(``jobs.worker.start_in_process_worker``). The queue carries only the job's id.
"""

from __future__ import annotations

import threading

import procrastinate
from django.conf import settings
from procrastinate.contrib.django.db_cleanup import DjangoApp
from procrastinate.testing import InMemoryConnector

__all__ = ["TASK_NAME", "app", "blueprint", "defer", "uses_postgres"]

TASK_NAME = "kitaplan.run_job"

#: Holds the one task (``jobs.services.run_job_task``); the apps below take it from here.
blueprint = procrastinate.Blueprint()


def uses_postgres() -> bool:
    """Whether the queue lives in PostgreSQL (procrastinate's Django app is installed)."""
    return "procrastinate.contrib.django" in settings.INSTALLED_APPS


_lock = threading.Lock()
_memory_app: procrastinate.App | None = None


def app() -> procrastinate.App:
    """The procrastinate app of this process."""
    global _memory_app
    if uses_postgres():
        from procrastinate.contrib.django import app as django_app

        return django_app
    with _lock:
        if _memory_app is None:
            _memory_app = DjangoApp(connector=InMemoryConnector())
            _memory_app.add_tasks_from(blueprint, namespace="")
        return _memory_app


def defer(job_id: int) -> None:
    """Put ``job_id`` on the queue (see ``jobs.services._submit`` for when)."""
    app().configure_task(TASK_NAME).defer(job_id=job_id)
