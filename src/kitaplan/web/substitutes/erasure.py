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
from kitaplan.web.childminding import signals
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core import retention
from kitaplan.web.core.access import AnyUser
from kitaplan.web.substitutes.models import ParentContact, SubstituteProfile


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
    *, actor: AnyUser, today: dt.date | None = None, dry_run: bool = False
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


# --- a childminder's erasure and export (answers to kitaplan.web.childminding.signals; H4) -------


def erase_childminder_records(childminder: Childminder, **_kwargs: Any) -> dict[str, Any]:
    """Her substitute notice address is emptied (she is no longer available) and the parents'
    addresses of her contracts are deleted."""
    SubstituteProfile.objects.filter(childminder=childminder).update(email="", available=False)
    deleted = ParentContact.objects.filter(contract__childminder=childminder).delete()[0]
    return {"parent_contacts_deleted": deleted}


def export_childminder_records(childminder: Childminder, **_kwargs: Any) -> dict[str, Any]:
    profile = SubstituteProfile.objects.filter(childminder=childminder).first()
    return {"substitute_notice_email": profile.email if profile is not None else ""}


def connect_childminder_signals() -> None:
    """Answer the registry's signals (called once from ``SubstitutesConfig.ready()``)."""
    signals.childminder_erasing.connect(
        erase_childminder_records, dispatch_uid="substitutes.erasure.erase"
    )
    signals.childminder_exporting.connect(
        export_childminder_records, dispatch_uid="substitutes.erasure.export"
    )
