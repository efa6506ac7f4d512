"""Writes of the planning set-up pages: care-rate sets and target rules (audited).

Planners and administrators only (``access.can_import_data``, the same who import them); every
write runs in one transaction and records an audit event with the record before and after.
Of the care-rate sets of one year and area class exactly one is active (the model's
constraint): activating a set deactivates the others of its year and class first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.core import access
from kitaplan.web.core.access import AnyUser
from kitaplan.web.planning.models import CareRateSet, TargetRule
from kitaplan.web.territory.models import Territory

#: The fields of a care-rate set its form sets (besides territory and active).
CARE_RATE_FIELDS = (
    "valid_from_year",
    "name",
    "rates",
    "integration_rate",
    "source",
    "class_indicator",
    "class_value",
)
TARGET_FIELDS = (
    "code",
    "name",
    "metric",
    "level",
    "comparison",
    "threshold",
    "tolerance",
    "valid_from_year",
    "valid_to_year",
    "source",
)


def _check(actor: AnyUser) -> None:
    if not access.can_import_data(actor):
        raise PermissionDenied


def _others_of_group(rate_set: CareRateSet) -> Any:
    return CareRateSet.objects.filter(
        territory_id=rate_set.territory_id,
        valid_from_year=rate_set.valid_from_year,
        class_indicator_id=rate_set.class_indicator_id,
        class_value=rate_set.class_value,
    ).exclude(pk=rate_set.pk)


def _store_set(
    rate_set: CareRateSet, *, active: bool, actor: AnyUser, before: dict[str, Any] | None
) -> CareRateSet:
    if active:
        for other in _others_of_group(rate_set).filter(active=True).select_for_update():
            other_before = snapshot(other)
            other.active = False
            other.save(update_fields=["active"])
            record_audit_event(
                actor=actor,
                action=AuditAction.CARE_RATES_SAVED,
                target=other,
                before=other_before,
                after=snapshot(other),
            )
    rate_set.active = active
    rate_set.save()
    record_audit_event(
        actor=actor,
        action=AuditAction.CARE_RATES_SAVED,
        target=rate_set,
        before=before,
        after=snapshot(rate_set),
    )
    return rate_set


@transaction.atomic(durable=True)
def save_care_rate_set(
    *,
    actor: AnyUser,
    territory: Territory,
    rate_set: CareRateSet | None,
    values: Mapping[str, Any],
    active: bool,
) -> CareRateSet:
    """Create (``rate_set`` None) or change a care-rate set; ``active`` makes it the one that
    applies to its year and class."""
    _check(actor)
    if rate_set is None:
        rate_set = CareRateSet(territory=territory)
    elif rate_set.territory_id != territory.pk:
        raise PermissionDenied
    before = snapshot(rate_set) if rate_set.pk else None
    for name in CARE_RATE_FIELDS:
        setattr(rate_set, name, values[name])
    return _store_set(rate_set, active=active, actor=actor, before=before)


@transaction.atomic(durable=True)
def copy_care_rate_set(
    *, actor: AnyUser, rate_set: CareRateSet, valid_from_year: int, name: str
) -> CareRateSet:
    """A copy of ``rate_set`` valid from another year (or under another name); it is active
    when no other set of its year and class is."""
    _check(actor)
    copy = CareRateSet(territory_id=rate_set.territory_id)
    for field in CARE_RATE_FIELDS:
        setattr(copy, field, getattr(rate_set, field))
    copy.valid_from_year, copy.name = valid_from_year, name
    active = not _others_of_group(copy).filter(active=True).exists()
    return _store_set(copy, active=active, actor=actor, before=None)


@transaction.atomic(durable=True)
def activate_care_rate_set(*, actor: AnyUser, rate_set: CareRateSet) -> CareRateSet:
    """Make ``rate_set`` the set that applies to its year and class."""
    _check(actor)
    return _store_set(rate_set, active=True, actor=actor, before=snapshot(rate_set))


@transaction.atomic(durable=True)
def save_target_rule(
    *,
    actor: AnyUser,
    territory: Territory,
    rule: TargetRule | None,
    values: Mapping[str, Any],
) -> TargetRule:
    """Create (``rule`` None) or change a target rule of ``territory``."""
    _check(actor)
    if rule is None:
        rule = TargetRule(territory=territory)
    elif rule.territory_id != territory.pk:
        raise PermissionDenied
    before = snapshot(rule) if rule.pk else None
    for name in TARGET_FIELDS:
        setattr(rule, name, values[name])
    rule.save()
    record_audit_event(
        actor=actor,
        action=AuditAction.TARGET_RULE_SAVED,
        target=rule,
        before=before,
        after=snapshot(rule),
    )
    return rule


@transaction.atomic(durable=True)
def set_target_rule_active(*, actor: AnyUser, rule: TargetRule, active: bool) -> TargetRule:
    """Deactivate a rule (kept, not evaluated) or activate it again."""
    _check(actor)
    before = snapshot(rule)
    rule.active = active
    rule.save(update_fields=["active"])
    record_audit_event(
        actor=actor,
        action=AuditAction.TARGET_RULE_SAVED,
        target=rule,
        before=before,
        after=snapshot(rule),
    )
    return rule
