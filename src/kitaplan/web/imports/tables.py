"""Columns of the import history, shared by the page and its exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.exports import Column

IMPORT_COLUMNS = [
    Column("started_at", _("Started"), lambda r: r.started_at.isoformat(timespec="seconds")),
    Column("file_name", _("File"), lambda r: r.file_name),
    Column("kind", _("Kind of data"), lambda r: r.kind_label),
    Column("territory", _("Territory"), lambda r: r.territory.name),
    Column("mapping", _("Column mapping"), lambda r: r.mapping),
    Column("status", _("Status"), lambda r: r.get_status_display()),
    Column("rows", _("Rows"), lambda r: r.rows),
    Column("added", _("added"), lambda r: r.added),
    Column("changed", _("changed"), lambda r: r.changed),
    Column("unchanged", _("unchanged"), lambda r: r.unchanged),
    Column("removed", _("removed"), lambda r: r.removed),
    Column("problems", _("Problems"), lambda r: len(r.problems)),
    Column("actor", _("Imported by"), lambda r: r.actor_label),
    Column("file_sha256", _("Checksum (SHA-256)"), lambda r: r.file_sha256),
]
