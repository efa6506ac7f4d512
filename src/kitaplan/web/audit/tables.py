"""Columns of the audit trail, shared by the page and its exports."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.exports import Column

AUDIT_COLUMNS = [
    Column("occurred_at", _("Time"), lambda e: e.occurred_at.isoformat(timespec="seconds")),
    Column("actor", _("Who"), lambda e: e.actor_label),
    Column("action", _("Action"), lambda e: e.action),
    Column("target_type", _("Target type"), lambda e: e.target_type),
    Column("target_id", _("Target id"), lambda e: e.target_id),
    Column("target", _("What"), lambda e: e.target_label),
    Column(
        "before",
        _("Before"),
        lambda e: json.dumps(e.before, ensure_ascii=False) if e.before else "",
    ),
    Column(
        "after", _("After"), lambda e: json.dumps(e.after, ensure_ascii=False) if e.after else ""
    ),
    Column(
        "personal_fields",
        _("Personal fields changed (no values)"),
        lambda e: ", ".join(e.personal_fields or []),
    ),
]
