"""The production server: gunicorn embedded through its Python API (ADR 0011).

``kitaplan serve`` builds a :class:`KitaplanServer` and runs it; the WSGI app is
:mod:`kitaplan.web.wsgi` (with its secret-key guard), static files come from WhiteNoise as
under the development server. Each worker process loads the app itself (no preloading), so a
worker never shares a database connection with the master process or another worker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication

#: More worker processes than this stop helping on one machine (each holds a Django app and
#: database connections); run further machines behind the proxy instead.
MAX_DEFAULT_WORKERS = 12


def default_workers(cores: int | None = None) -> int:
    """Worker processes for this machine: 2 × cores + 1 (gunicorn's rule), at most 12."""
    count = cores if cores is not None else (os.cpu_count() or 1)
    return min(2 * max(count, 1) + 1, MAX_DEFAULT_WORKERS)


@dataclass(frozen=True)
class ServerOptions:
    """What ``kitaplan serve`` passes to gunicorn; the defaults are the ADR's."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    threads: int = 2
    #: Seconds a request may take before its worker is restarted (imports run in the request
    #: until they move to the job queue, so this is generous).
    timeout_s: int = 120
    #: Seconds the workers get to finish their requests on TERM or HUP.
    graceful_timeout_s: int = 30

    def gunicorn_settings(self) -> dict[str, Any]:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return {
            "bind": [f"{host}:{self.port}"],
            "workers": self.workers,
            "threads": self.threads,
            "worker_class": "gthread" if self.threads > 1 else "sync",
            "timeout": self.timeout_s,
            "graceful_timeout": self.graceful_timeout_s,
            "keepalive": 5,
            # A worker is replaced after this many requests (with jitter, so not all at once):
            # bounds the memory a long-running process may collect.
            "max_requests": 2000,
            "max_requests_jitter": 200,
            # The request log is kitaplan's own middleware (core.request_log); gunicorn logs
            # only its own start, stop and worker errors.
            "accesslog": None,
            "errorlog": "-",
            "proc_name": "kitaplan",
            # No control socket in the home directory: kitaplan is steered by signals.
            "control_socket_disable": True,
        }


class KitaplanServer(BaseApplication):  # type: ignore[misc] # gunicorn ships no types
    """gunicorn running :data:`kitaplan.web.wsgi.application`, configured only from here."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        super().__init__(prog="kitaplan serve")

    def load_config(self) -> None:
        for key, value in self.options.gunicorn_settings().items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from kitaplan.web.wsgi import application

        return application


def run_server(options: ServerOptions) -> None:
    """Serve until stopped (Ctrl+C or TERM: the workers finish their requests first)."""
    from django.db import connections

    # The master process has used the database (migrations); a forked worker must not inherit
    # that connection, so close it before gunicorn forks.
    connections.close_all()
    KitaplanServer(options).run()
