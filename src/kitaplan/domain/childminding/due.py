"""What falls due for one active childminder (de: Fälligkeiten): a permit to renew or missing,
a required proof expiring or missing, a child turning three (the move to a Kita).

Within a horizon ending on ``limit``:

- no permit valid ``today`` → ``permit_missing``; the valid one ends by ``limit`` and no later
  permit follows it → ``permit_expiring`` (its end, its file number);
- per required proof kind, the latest issued: none → ``proof_missing``; it expires by ``limit``
  → ``proof_expiring``;
- a child of a contract running ``today`` turns three in ``today`` .. ``limit`` and the contract
  does not end before that day → ``turns_three`` (the child's reference).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kitaplan.domain.childminding.ages import third_birthday


@dataclass(frozen=True)
class PermitSpan:
    reference: str
    valid_from: dt.date
    valid_to: dt.date


@dataclass(frozen=True)
class ProofRecord:
    kind: str
    issued_on: dt.date
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class ContractSpan:
    key: int  # the contract's id, so the caller finds it again
    child_reference: str
    child_birth_date: dt.date
    valid_from: dt.date
    valid_to: dt.date | None = None

    def runs_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


@dataclass(frozen=True)
class Due:
    kind: str  # permit_missing, permit_expiring, proof_missing, proof_expiring, turns_three
    due: dt.date | None
    detail: str
    contract: int | None = None


def valid_permit(permits: Iterable[PermitSpan], day: dt.date) -> PermitSpan | None:
    return next((p for p in permits if p.valid_from <= day <= p.valid_to), None)


def _permit_items(permits: Sequence[PermitSpan], today: dt.date, limit: dt.date) -> list[Due]:
    permit = valid_permit(permits, today)
    if permit is None:
        return [Due("permit_missing", None, "")]
    later = [p for p in permits if p.valid_from > permit.valid_to]
    if permit.valid_to <= limit and not later:
        return [Due("permit_expiring", permit.valid_to, permit.reference)]
    return []


def _proof_items(
    proofs: Iterable[ProofRecord], required: Iterable[str], limit: dt.date
) -> list[Due]:
    latest: dict[str, ProofRecord] = {}
    for proof in proofs:
        current = latest.get(proof.kind)
        if current is None or proof.issued_on > current.issued_on:
            latest[proof.kind] = proof
    items = []
    for kind in required:
        found = latest.get(kind)
        if found is None:
            items.append(Due("proof_missing", None, kind))
        elif found.valid_until is not None and found.valid_until <= limit:
            items.append(Due("proof_expiring", found.valid_until, kind))
    return items


def _turning_three(contracts: Iterable[ContractSpan], today: dt.date, limit: dt.date) -> list[Due]:
    items = []
    for contract in contracts:
        if not contract.runs_on(today):
            continue
        third = third_birthday(contract.child_birth_date)
        if today <= third <= limit and (contract.valid_to is None or contract.valid_to > third):
            items.append(Due("turns_three", third, contract.child_reference, contract.key))
    return items


def due_items(
    *,
    permits: Sequence[PermitSpan],
    proofs: Iterable[ProofRecord],
    contracts: Iterable[ContractSpan],
    required_proofs: Iterable[str],
    today: dt.date,
    limit: dt.date,
) -> list[Due]:
    """What falls due for one active childminder by ``limit`` (see the module), unsorted."""
    return [
        *_permit_items(permits, today, limit),
        *_proof_items(proofs, required_proofs, limit),
        *_turning_three(contracts, today, limit),
    ]
