"""Writes of the Bedarfsplanung: care rates (one transaction, audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kitaplan.domain.planning.demand import CareRates
from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.core import access
from kitaplan.web.planning.models import CareRateSet
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser


@transaction.atomic(durable=True)
def save_care_rates(
    *,
    territory: Territory,
    actor: AnyUser,
    valid_from_year: int,
    rates: CareRates,
    class_indicator: Any = None,
    class_value: float | None = None,
) -> CareRateSet:
    """Create or replace the care rates of a territory from a planning year on, for all areas
    or (with ``class_indicator`` and ``class_value``) for the areas of one class."""
    if not access.can_import_data(actor):
        raise PermissionDenied
    if (class_indicator is None) != (class_value is None):
        raise ValueError("an area class needs both an indicator and a value")
    stored = (
        CareRateSet.objects.select_for_update()
        .filter(
            territory=territory,
            valid_from_year=valid_from_year,
            class_indicator=class_indicator,
            class_value=class_value,
            name="",
        )
        .first()
    )
    before = snapshot(stored) if stored else None
    stored = stored or CareRateSet(
        territory=territory,
        valid_from_year=valid_from_year,
        class_indicator=class_indicator,
        class_value=class_value,
    )
    stored.rates = {str(age): rate for age, rate in sorted(rates.by_age.items())}
    stored.integration_rate = rates.integration_rate
    stored.source = rates.source
    # the rates set here apply: other sets of the year and class (set-up pages) step back
    others = CareRateSet.objects.filter(
        territory=territory,
        valid_from_year=valid_from_year,
        class_indicator=class_indicator,
        class_value=class_value,
        active=True,
    ).exclude(name="")
    deactivated = sorted(others.values_list("pk", flat=True))
    others.update(active=False)
    stored.active = True
    stored.save()
    record_audit_event(
        actor=actor,
        action=AuditAction.CARE_RATES_SAVED,
        target=stored,
        before=before,
        after=snapshot(stored),
        details={"deactivated_sets": deactivated} if deactivated else None,
    )
    return stored
