"""Allocation of childcare places (de: Platzvergabe): one application per child, two-step
child-proposing deferred acceptance, cut-offs and explanations. See docs/domain/allocation.md."""

from kitaplan.domain.allocation.chances import (
    Chances,
    ChildChances,
    Estimate,
    draw_seed,
    estimate_chances,
)
from kitaplan.domain.allocation.engine import (
    allocate,
    allocate_iterative,
    allocate_reference,
    deferred_acceptance,
    draw_lottery,
    facility_proposing,
    run_allocation,
)
from kitaplan.domain.allocation.explain import (
    BlockingPair,
    CheckCode,
    CheckProblem,
    Explanation,
    Reason,
    blocking_pairs,
    check_problems,
    explain,
    explain_all,
    feasibility_problems,
)
from kitaplan.domain.allocation.model import (
    Allocation,
    AllocationInstance,
    Child,
    Cutoff,
    Programme,
    SeatType,
)
from kitaplan.domain.allocation.priorities import (
    Applicant,
    Criterion,
    FacilityFacts,
    PriorityTable,
    age_group_at,
    months_between,
    priority_classes,
)
from kitaplan.domain.allocation.rounds import GUARANTEED_CLASS, with_guarantees

__all__ = [
    "GUARANTEED_CLASS",
    "Applicant",
    "Criterion",
    "FacilityFacts",
    "PriorityTable",
    "age_group_at",
    "months_between",
    "priority_classes",
    "with_guarantees",
    "Allocation",
    "AllocationInstance",
    "BlockingPair",
    "CheckCode",
    "CheckProblem",
    "Chances",
    "Child",
    "ChildChances",
    "Cutoff",
    "Estimate",
    "Explanation",
    "Programme",
    "Reason",
    "SeatType",
    "allocate",
    "allocate_iterative",
    "allocate_reference",
    "facility_proposing",
    "blocking_pairs",
    "check_problems",
    "deferred_acceptance",
    "draw_lottery",
    "draw_seed",
    "estimate_chances",
    "explain",
    "explain_all",
    "feasibility_problems",
    "run_allocation",
]
