"""Totals of a budget run for its pages: per district and per provider (de: Übersichten).

A stored run keeps one input record per facility (with its district) and one share per eligible
facility; the run's page sums them per district and per provider. Pure sums over what the web
layer reads, in integer cents.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class DistrictTotal:
    """One district of a run: its facilities, those with a share, and their amount."""

    name: str
    facilities: int
    eligible: int
    cents: int


def district_totals(
    facilities: Iterable[tuple[int, str]], amounts: Mapping[int, int]
) -> list[DistrictTotal]:
    """Per district name (in order of the name): ``facilities`` are ``(facility id, district
    name)`` of the run's snapshot, ``amounts`` the cents of each facility with a share."""
    counts: dict[str, list[int]] = {}
    for facility, district in facilities:
        entry = counts.setdefault(district, [0, 0, 0])
        entry[0] += 1
        if facility in amounts:
            entry[1] += 1
            entry[2] += amounts[facility]
    return [DistrictTotal(name, *counts[name]) for name in sorted(counts)]


@dataclass(frozen=True)
class Total:
    """How many amounts and their sum."""

    count: int
    cents: int


def totals_by(amounts: Iterable[tuple[K, int]]) -> dict[K, Total]:
    """Count and sum ``(key, cents)`` pairs per key (in order of the first appearance)."""
    sums: dict[K, tuple[int, int]] = {}
    for key, cents in amounts:
        count, total = sums.get(key, (0, 0))
        sums[key] = (count + 1, total + cents)
    return {k: Total(c, t) for k, (c, t) in sums.items()}
