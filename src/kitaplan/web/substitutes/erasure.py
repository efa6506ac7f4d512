"""The retention rule for parents' e-mail addresses (substitute notices).

An adviser deletes an address at any time by saving it empty
(:func:`kitaplan.web.substitutes.services.save_parent_contact`); the retention rule deletes the
addresses of care contracts that ended the configured number of months ago
(``KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS``). Each deletion is audited with the contract's
child reference, never the address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core import retention
from kitaplan.web.substitutes.models import ParentContact


def due_for_retention(today: dt.date | None = None) -> QuerySet[ParentContact]:
    day = today or timezone.localdate()
    cutoff = retention.months_before(day, retention.periods().parent_contact_months)
    return ParentContact.objects.filter(
        contract__valid_to__isnull=False, contract__valid_to__lte=cutoff
    )


@dataclass
class RetentionReport:
    deleted: list[str] = field(default_factory=list)  # child references of the contracts


def apply_retention(
    *, actor: Any, today: dt.date | None = None, dry_run: bool = False
) -> RetentionReport:
    report = RetentionReport()
    for contact in due_for_retention(today).select_related("contract").order_by("contract_id"):
        contract = contact.contract
        report.deleted.append(contract.child_reference)
        if dry_run:
            continue
        with transaction.atomic():
            record_audit_event(
                actor=actor,
                action=AuditAction.PERSONAL_DATA_ERASED,
                target=contract,
                details={
                    "reason": "retention",
                    "erasure": "parent_contact_deleted",
                    "contract_ended": contract.valid_to,
                },
            )
            contact.delete()
    return report
