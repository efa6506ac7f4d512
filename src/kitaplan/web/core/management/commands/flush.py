"""Django's ``flush`` (also what tests that commit run between tests), able to erase frozen
records on SQLite: there ``flush`` deletes row by row, which the frozen-record triggers refuse
except inside :func:`kitaplan.web.core.immutability.flushing`. PostgreSQL truncates, which
fires no row triggers."""

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from kitaplan.web.core.immutability import flushing


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with flushing(connection):
            super().handle(**options)
