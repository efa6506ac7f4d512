"""Retention periods of personal data and their legal reasons: the one place they are defined.

The periods come from the settings ``KITAPLAN_RETENTION_*`` (environment variables of the same
name, see :mod:`kitaplan.web.settings`); the erasure services of the apps
(``allocation.erasure``, ``childminding.erasure``, ``substitutes.erasure``) and the command
``kitaplan retention`` read them from here, and the pages show the reasons from here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

#: The value an erased name is replaced with (stored data, not a user-facing message).
ERASED_NAME = "gelöscht"


@dataclass(frozen=True)
class RetentionPeriods:
    application_months: int
    parent_contact_months: int
    childminder_years: int
    payment_years: int


def periods() -> RetentionPeriods:
    """The configured periods (read on every call, so tests may override the settings)."""
    return RetentionPeriods(
        application_months=int(settings.KITAPLAN_RETENTION_APPLICATION_MONTHS),
        parent_contact_months=int(settings.KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS),
        childminder_years=int(settings.KITAPLAN_RETENTION_CHILDMINDER_YEARS),
        payment_years=int(settings.KITAPLAN_RETENTION_PAYMENT_YEARS),
    )


def payment_retention_reason() -> str:
    """Why payment runs, their lines and the payee accounts frozen in them stay."""
    return str(
        _(
            "Payment runs, their lines and the bank details frozen in them are kept: retention "
            "under § 147 AO and budget law, %(years)s years."
        )
        % {"years": periods().payment_years}
    )


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` moved back by whole months (the last day of a shorter month when needed)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class RetentionRun:
    """What one run of the retention rule did (or, in a dry run, would do): references only."""

    dry_run: bool
    applications_deleted: list[str]
    applications_anonymised: list[str]
    parent_contacts_deleted: list[str]
    childminders_anonymised: list[str]
    childminders_undated: list[str]

    @property
    def total(self) -> int:
        return (
            len(self.applications_deleted)
            + len(self.applications_anonymised)
            + len(self.parent_contacts_deleted)
            + len(self.childminders_anonymised)
        )


def run_retention(
    *, actor: Any, today: dt.date | None = None, dry_run: bool = False
) -> RetentionRun:
    """Apply every retention period once (idempotent: erased records are not due again). Each
    erasure is audited by its app; a real run adds one summary event with counts and
    references (no values)."""
    from kitaplan.web.allocation import erasure as allocation
    from kitaplan.web.audit.services import AuditAction, record_audit_event
    from kitaplan.web.childminding import erasure as childminding
    from kitaplan.web.substitutes import erasure as substitutes

    apps = allocation.apply_retention(actor=actor, today=today, dry_run=dry_run)
    contacts = substitutes.apply_retention(actor=actor, today=today, dry_run=dry_run)
    people = childminding.apply_retention(actor=actor, today=today, dry_run=dry_run)
    result = RetentionRun(
        dry_run=dry_run,
        applications_deleted=apps.deleted,
        applications_anonymised=apps.anonymised,
        parent_contacts_deleted=contacts.deleted,
        childminders_anonymised=people.anonymised,
        childminders_undated=people.undated,
    )
    if not dry_run and result.total:
        p = periods()
        record_audit_event(
            actor=actor,
            action=AuditAction.RETENTION_APPLIED,
            target_type="core.retention",
            target_label="retention rule",
            details={
                "periods": {
                    "application_months": p.application_months,
                    "parent_contact_months": p.parent_contact_months,
                    "childminder_years": p.childminder_years,
                },
                "applications_deleted": result.applications_deleted,
                "applications_anonymised": result.applications_anonymised,
                "parent_contacts_deleted": result.parent_contacts_deleted,
                "childminders_anonymised": result.childminders_anonymised,
                "counts": {
                    "applications_deleted": len(result.applications_deleted),
                    "applications_anonymised": len(result.applications_anonymised),
                    "parent_contacts_deleted": len(result.parent_contacts_deleted),
                    "childminders_anonymised": len(result.childminders_anonymised),
                },
            },
        )
    return result
