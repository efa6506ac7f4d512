"""Changing budget data: one transaction, one audit event each (create, publish, report use)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kitaplan.domain.budget.distribution import BudgetDistribution, BudgetShare, distribute_budget
from kitaplan.domain.budget.ranks import distribute_by_rank
from kitaplan.domain.budget.stored import (
    COUNTS,
    TIERS,
    allocation_of,
    need_basis_of,
    to_count_weights,
    to_eligible,
    to_recipients,
    to_rule,
    to_tier_rule,
)
from kitaplan.domain.budget.weighted_counts import (
    RecipientShare,
    SplitError,
    SplitErrorCode,
    WeightedSplit,
    split_by_weighted_counts,
)
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event
from kitaplan.web.budget import selectors
from kitaplan.web.budget.models import (
    AreaBudget,
    AreaShareRecord,
    BudgetRun,
    BudgetShareRecord,
    FrozenRunError,
    UseReport,
)
from kitaplan.web.core.access import AnyUser
from kitaplan.web.territory.models import Territory


def compute(
    budget: AreaBudget, rule: dict[str, Any], records: list[dict[str, Any]]
) -> BudgetDistribution:
    """The domain engine on stored facility records (raises ``BudgetRuleError`` with a code):
    tiers by rank, or the weights of :func:`distribute_budget`."""
    if allocation_of(rule) == TIERS:
        return distribute_by_rank(budget.total_cents, to_eligible(records), to_tier_rule(rule))
    return distribute_budget(budget.total_cents, to_eligible(records), to_rule(rule))


def compute_counts(
    budget: AreaBudget, rule: dict[str, Any], records: list[dict[str, Any]]
) -> WeightedSplit:
    """The split across areas by weighted counts (raises ``SplitError`` with a code)."""
    return split_by_weighted_counts(
        budget.total_cents, to_recipients(records), to_count_weights(rule)
    )


def count_terms_json(share: RecipientShare) -> list[dict[str, Any]]:
    return [
        {
            "name": t.name,
            "count": t.count,
            "total": t.total,
            "weight": str(t.weight),
            "share": str(t.share),
            "exact": str(t.exact_cents),
        }
        for t in share.terms
    ]


def rule_for(budget: AreaBudget, rule: dict[str, Any]) -> dict[str, Any]:
    """The rule as a run stores it: with the budget's need indicator and direction."""
    return {
        **rule,
        "need_indicator": budget.need_indicator,
        "higher_is_more_need": budget.higher_is_more_need,
    }


def terms_json(share: BudgetShare) -> list[dict[str, Any]]:
    return [
        {
            "code": t.code.value,
            "cents": t.cents,
            "exact": str(t.exact_cents),
            "values": [list(v) for v in t.values],
        }
        for t in share.terms
    ]


@transaction.atomic(durable=True)
def create_budget(
    *,
    territory: Territory,
    actor: AnyUser,
    year: int,
    total_cents: int,
    source: str,
    description: str = "",
    need_indicator: str = "",
    higher_is_more_need: bool = True,
) -> AreaBudget:
    if not selectors.can_manage(actor):
        raise PermissionDenied
    budget = AreaBudget.objects.create(
        territory=territory,
        year=year,
        total_cents=total_cents,
        source=source,
        description=description,
        need_indicator=need_indicator,
        higher_is_more_need=higher_is_more_need,
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.BUDGET_CREATED,
        target=budget,
        after={
            "year": year,
            "total_cents": total_cents,
            "source": source,
            "need_indicator": need_indicator,
            "higher_is_more_need": higher_is_more_need,
        },
    )
    return budget


@transaction.atomic(durable=True)
def create_run(*, budget: AreaBudget, rule: dict[str, Any], actor: AnyUser) -> BudgetRun:
    """Distribute ``budget`` by ``rule`` over today's facility records (or, for weighted
    counts, the areas' counts); store every term."""
    if not selectors.can_manage(actor):
        raise PermissionDenied
    rule = rule_for(budget, rule)
    if allocation_of(rule) == COUNTS:
        return _create_count_run(budget, rule, actor)
    need_basis, min_children = need_basis_of(rule)
    records = selectors.facility_records(
        budget.territory,
        need_basis=need_basis,
        min_children=min_children,
        need_indicator=rule["need_indicator"],
    )
    result = compute(budget, rule, records)  # raises before anything is written
    budget = AreaBudget.objects.select_for_update().get(pk=budget.pk)
    version = (budget.runs.aggregate(v=Max("version"))["v"] or 0) + 1
    run = BudgetRun.objects.create(
        budget=budget,
        version=version,
        rule=rule,
        created_by=actor_user(actor),
        inputs=records,
        unallocated_cents=result.unallocated_cents,
        factor=str(result.factor),
        ineligible=[
            {"facility_id": int(i.facility_key), "reason": i.reason.value}
            for i in result.ineligible
        ],
    )
    BudgetShareRecord.objects.bulk_create(
        BudgetShareRecord(
            run=run,
            facility_id=int(s.facility_key),
            amount_cents=s.amount_cents,
            terms=terms_json(s),
            staff_positions=str(s.staff_positions) if s.staff_positions is not None else "",
        )
        for s in result.shares
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.BUDGET_RUN_CREATED,
        target=run,
        after={
            "budget": budget.pk,
            "version": version,
            "rule": rule,
            "shares": len(result.shares),
            "allocated_cents": sum(s.amount_cents for s in result.shares),
            "unallocated_cents": result.unallocated_cents,
        },
    )
    return run


def _create_count_run(budget: AreaBudget, rule: dict[str, Any], actor: AnyUser) -> BudgetRun:
    """A split of ``budget`` across the areas with every named count (inside the transaction
    of :func:`create_run`)."""
    codes = [c.name for c in to_count_weights(rule)]
    records = selectors.count_records(budget.territory, codes)
    if not records:
        raise SplitError(SplitErrorCode.NO_RECIPIENT, detail=",".join(codes))
    result = compute_counts(budget, rule, records)  # raises before anything is written
    budget = AreaBudget.objects.select_for_update().get(pk=budget.pk)
    version = (budget.runs.aggregate(v=Max("version"))["v"] or 0) + 1
    run = BudgetRun.objects.create(
        budget=budget,
        version=version,
        rule=rule,
        created_by=actor_user(actor),
        inputs=records,
        unallocated_cents=0,
    )
    AreaShareRecord.objects.bulk_create(
        AreaShareRecord(
            run=run,
            area_id=int(s.key),
            amount_cents=s.amount_cents,
            exact_cents=str(s.exact_cents),
            terms=count_terms_json(s),
            remainder_rank=s.remainder_rank,
        )
        for s in result.shares
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.BUDGET_RUN_CREATED,
        target=run,
        after={
            "budget": budget.pk,
            "version": version,
            "rule": rule,
            "area_shares": len(result.shares),
            "allocated_cents": sum(s.amount_cents for s in result.shares),
            "extra_cents": result.extra_cents,
        },
    )
    return run


def reproduce(run: BudgetRun) -> bool:
    """Recompute the run from its stored rule and input snapshot: identical shares and terms?"""
    if allocation_of(run.rule) == COUNTS:
        split = compute_counts(run.budget, run.rule, run.inputs)
        again = {int(s.key): (s.amount_cents, count_terms_json(s)) for s in split.shares}
        kept = {a.area_id: (a.amount_cents, a.terms) for a in run.area_shares.all()}
        return again == kept
    result = compute(run.budget, run.rule, run.inputs)
    fresh = {int(s.facility_key): (s.amount_cents, terms_json(s)) for s in result.shares}
    stored = {s.facility_id: (s.amount_cents, s.terms) for s in run.shares.all()}
    return fresh == stored and result.unallocated_cents == run.unallocated_cents


@transaction.atomic(durable=True)
def publish_run(*, run: BudgetRun, actor: AnyUser) -> BudgetRun:
    """Freeze the run: from now on neither it nor its shares can change."""
    if not selectors.can_manage(actor):
        raise PermissionDenied
    run = BudgetRun.objects.select_for_update().get(pk=run.pk)
    if run.is_published:
        raise FrozenRunError(f"run {run.pk} is published")
    run.status = BudgetRun.PUBLISHED
    run.published_at = timezone.now()
    run.save(update_fields=["status", "published_at"])
    record_audit_event(
        actor=actor,
        action=AuditAction.BUDGET_RUN_PUBLISHED,
        target=run,
        before={"status": BudgetRun.DRAFT},
        after={"status": BudgetRun.PUBLISHED, "published_at": run.published_at},
    )
    return run


@transaction.atomic(durable=True)
def report_use(
    *,
    share: BudgetShareRecord,
    actor: AnyUser,
    amount_spent_cents: int,
    purpose: str,
    staff: str = "",
) -> UseReport:
    """Store a Verwendungsnachweis for a share (its facility's provider manager or a planner)."""
    share = BudgetShareRecord.objects.select_related("run").get(pk=share.pk)
    if not selectors.can_report_use(actor, share):
        raise PermissionDenied
    if amount_spent_cents < 0:
        raise ValueError("amount_spent_cents must not be negative")
    report = UseReport.objects.create(
        share=share,
        reported_by=actor_user(actor),
        amount_spent_cents=amount_spent_cents,
        purpose=purpose,
        staff=staff,
    )
    record_audit_event(
        actor=actor,
        action=AuditAction.BUDGET_USE_REPORTED,
        target=report,
        after={
            "share": share.pk,
            "facility": share.facility_id,
            "amount_spent_cents": amount_spent_cents,
            "purpose": purpose,
            "staff": staff,
        },
    )
    return report


def staff_positions_text(value: str) -> str:
    if not value:
        return ""
    return str(float(Fraction(value)))
