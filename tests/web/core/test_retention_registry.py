"""The retention run (``audit.retention``) applies the steps the apps registered, in order."""

from __future__ import annotations

import pytest

from kitaplan.web.audit import retention
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM

pytestmark = pytest.mark.django_db


def test_the_apps_register_their_steps_in_the_order_of_the_command_output():
    keys = [o.key for step in retention.steps() for o in step.outcomes]
    assert keys == [
        "applications_deleted",
        "applications_anonymised",
        "parent_contacts_deleted",
        "childminders_anonymised",
        "childminders_undated",
    ]


def test_reported_outcomes_neither_count_nor_reach_the_audit_event(monkeypatch):
    monkeypatch.setattr(retention, "_steps", {})
    calls = []

    def apply(*, actor, today, dry_run):
        calls.append(dry_run)
        return {"gone": ["A-1"], "kept": ["B-2"]}

    retention.register(
        retention.RetentionStep(
            "test",
            1,
            (
                retention.RetentionOutcome("gone", "Gone"),
                retention.RetentionOutcome("kept", "Kept: %(refs)s", erased=False),
            ),
            apply=apply,
        )
    )
    dry = retention.run_retention(actor=SYSTEM, dry_run=True)
    assert dry.total == 1 and dry.references("kept") == ["B-2"]
    assert not AuditEvent.objects.exists()
    retention.run_retention(actor=SYSTEM)
    event = AuditEvent.objects.get(action="privacy.retention")
    assert event.details["gone"] == ["A-1"] and event.details["counts"] == {"gone": 1}
    assert "kept" not in event.details
    assert calls == [True, False]
