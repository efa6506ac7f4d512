"""What falls due for one childminder, without a database."""

from __future__ import annotations

import datetime as dt

from kitaplan.domain.childminding.due import (
    ContractSpan,
    Due,
    PermitSpan,
    ProofRecord,
    due_items,
)

D = dt.date
TODAY = D(2026, 3, 2)
LIMIT = TODAY + dt.timedelta(days=180)
REQUIRED = ("first_aid", "police_certificate")


def items(permits=(), proofs=(), contracts=()):
    return due_items(
        permits=list(permits),
        proofs=proofs,
        contracts=contracts,
        required_proofs=REQUIRED,
        today=TODAY,
        limit=LIMIT,
    )


def test_a_missing_permit_and_missing_proofs():
    assert items() == [
        Due("permit_missing", None, ""),
        Due("proof_missing", None, "first_aid"),
        Due("proof_missing", None, "police_certificate"),
    ]


def test_a_permit_ending_in_the_horizon_is_due_unless_a_later_one_follows():
    ending = PermitSpan("AZ-1", D(2021, 7, 1), D(2026, 6, 30))
    proofs = [ProofRecord(k, D(2025, 1, 1)) for k in REQUIRED]
    assert items([ending], proofs) == [Due("permit_expiring", D(2026, 6, 30), "AZ-1")]
    following = PermitSpan("AZ-2", D(2026, 7, 1), D(2031, 6, 30))
    assert items([ending, following], proofs) == []
    assert items([PermitSpan("AZ-3", D(2021, 7, 1), D(2030, 6, 30))], proofs) == []


def test_the_latest_proof_of_a_kind_counts():
    permit = PermitSpan("AZ", D(2024, 1, 1), D(2029, 12, 31))
    proofs = [
        ProofRecord("first_aid", D(2023, 1, 1), D(2026, 4, 1)),  # expiring, but superseded
        ProofRecord("first_aid", D(2025, 1, 1), D(2027, 1, 1)),
        ProofRecord("police_certificate", D(2024, 1, 1), D(2026, 8, 1)),
    ]
    assert items([permit], proofs) == [Due("proof_expiring", D(2026, 8, 1), "police_certificate")]


def test_children_turning_three_in_running_contracts_that_outlast_the_birthday():
    permit = PermitSpan("AZ", D(2024, 1, 1), D(2029, 12, 31))
    proofs = [ProofRecord(k, D(2025, 1, 1)) for k in REQUIRED]
    contracts = [
        ContractSpan(1, "K1", D(2023, 5, 10), D(2024, 1, 1)),  # turns three 10 May 2026
        ContractSpan(2, "K2", D(2023, 5, 10), D(2024, 1, 1), D(2026, 5, 9)),  # ends before
        ContractSpan(3, "K3", D(2023, 5, 10), D(2026, 4, 1)),  # not running today
        ContractSpan(4, "K4", D(2024, 2, 29), D(2025, 1, 1)),  # 1 March 2027: beyond
        ContractSpan(5, "K5", D(2023, 2, 28), D(2024, 1, 1)),  # already three
    ]
    assert items([permit], proofs, contracts) == [Due("turns_three", D(2026, 5, 10), "K1", 1)]
