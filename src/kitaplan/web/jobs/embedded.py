"""The worker thread of the embedded queue (SQLite demo): one per server process.

The in-memory queue lives in the process that queued the job, so each server process
(``kitaplan serve`` forks several) works its own with a thread and its own event loop,
started with the process's first job or health check.
"""

from __future__ import annotations

import asyncio
import threading

from django.db import close_old_connections

from kitaplan.web.jobs import queue

__all__ = ["in_process_worker_alive", "start_in_process_worker"]

_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def _thread_main() -> None:
    app = queue.app()

    async def main() -> None:
        async with app.open_async():
            await app.run_worker_async(
                concurrency=1,
                install_signal_handlers=False,
                listen_notify=False,
                fetch_job_polling_interval=1.0,
                name="in-process",
            )

    try:
        asyncio.run(main())
    finally:
        close_old_connections()


def start_in_process_worker() -> bool:
    """Start this process's worker thread for the in-memory queue (SQLite) if it is not
    running; returns whether it runs. Each server process works its own in-memory queue."""
    global _thread
    if queue.uses_postgres():
        return False
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_thread_main, name="kitaplan-jobs", daemon=True)
            _thread.start()
        return _thread.is_alive()


def in_process_worker_alive() -> bool:
    return _thread is not None and _thread.is_alive()
