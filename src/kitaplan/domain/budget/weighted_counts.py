"""A Land's budget split across Jugendämter by weighted shares of given counts (de:
Landesverteilung nach gewichteten Anteilen).

Rheinland-Pfalz, Sozialraumbudget (KiTaG § 25 Abs. 5): 40 % by each Jugendamt's share of the
children under 7, 60 % by its share of the children under 7 in SGB II households; 51.25 M EUR in
2022. For recipient ``j`` and counts ``c_i`` with weights ``w_i`` (adding up to 1)::

    exact_j = total x sum_i  w_i x c_ij / sum_k c_ik

Money is integer cents and the arithmetic is exact (:class:`fractions.Fraction`). Only the
last step rounds, by the **largest-remainder method** (Hamilton, de: Hare-Niemeyer): every
recipient gets the floor of its exact cents, and the cents still missing go one each to the
largest remainders (ties: the smaller recipient key). It is used because it is the method
that (a) adds up to the total *exactly*, which independent rounding of every amount does not,
and (b) gives every recipient its exact amount rounded down or up, never further off; of all
whole-cent splits with the exact total it is the one closest to the exact amounts (least sum of
squared deviations). Its known flaw (the Alabama paradox: a larger
total can cost one recipient a cent) cannot matter for one total split once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class SplitErrorCode(StrEnum):
    """Why the counts cannot split the total (stable codes; the web layer words them)."""

    NO_WEIGHTS = "no_weights"
    NEGATIVE_VALUE = "negative_value"
    WEIGHTS_NOT_ONE = "weights_not_one"
    NO_RECIPIENT = "no_recipient"
    DUPLICATE_RECIPIENT = "duplicate_recipient"
    MISSING_COUNT = "missing_count"
    ZERO_TOTAL_COUNT = "zero_total_count"


class SplitError(ValueError):
    def __init__(self, code: SplitErrorCode, *, key: str = "", detail: str = "") -> None:
        self.code = code
        self.key = key
        self.detail = detail
        super().__init__(" ".join(x for x in (code.value, key, detail) if x))


@dataclass(frozen=True, slots=True)
class CountWeight:
    """One weighted count: its name (e.g. an indicator code) and its weight (e.g. 2/5)."""

    name: str
    weight: Fraction


@dataclass(frozen=True, slots=True)
class Recipient:
    """One recipient (e.g. a Jugendamtsbezirk) and its counts by name."""

    key: str
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class CountTerm:
    """One weighted count of one recipient: its count, the total of all recipients, its share
    of that total, the weight and the exact cents this term contributes."""

    name: str
    count: int
    total: int
    weight: Fraction
    exact_cents: Fraction

    @property
    def share(self) -> Fraction:
        return Fraction(self.count, self.total)


@dataclass(frozen=True, slots=True)
class RecipientShare:
    key: str
    terms: tuple[CountTerm, ...]
    exact_cents: Fraction  # before rounding (the sum of the terms)
    amount_cents: int  # after rounding
    remainder_rank: int  # 1 = largest remainder; recipients with rank <= extra_cents got +1 cent

    @property
    def rounding_cents(self) -> Fraction:
        return self.amount_cents - self.exact_cents

    @property
    def weighted_share(self) -> Fraction:
        """The recipient's combined share, sum_i w_i x c_ij / sum_k c_ik."""
        return sum((t.weight * t.share for t in self.terms), Fraction(0))


@dataclass(frozen=True, slots=True)
class WeightedSplit:
    total_cents: int
    weights: tuple[CountWeight, ...]
    shares: tuple[RecipientShare, ...]  # by key
    extra_cents: int  # cents given out by the largest remainders

    def share_of(self, key: str) -> RecipientShare:
        return next(s for s in self.shares if s.key == key)


def largest_remainder(total: int, exact: Sequence[Fraction]) -> tuple[list[int], list[int]]:
    """Whole parts of ``exact`` (which add up to ``total``) by the largest-remainder method,
    and each part's remainder rank (1 = largest; ties: the earlier part first)."""
    if sum(exact, Fraction(0)) != total:
        raise ValueError("the exact parts must add up to the total")
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    ranks = [0] * len(exact)
    for rank, i in enumerate(order, start=1):
        ranks[i] = rank
    return parts, ranks


def _validate(
    total_cents: int, recipients: Sequence[Recipient], weights: Sequence[CountWeight]
) -> None:
    if total_cents < 0:
        raise SplitError(SplitErrorCode.NEGATIVE_VALUE, detail=f"total_cents={total_cents}")
    if not weights:
        raise SplitError(SplitErrorCode.NO_WEIGHTS)
    for w in weights:
        if w.weight < 0:
            raise SplitError(SplitErrorCode.NEGATIVE_VALUE, detail=f"weight[{w.name}]={w.weight}")
    if sum((w.weight for w in weights), Fraction(0)) != 1:
        raise SplitError(
            SplitErrorCode.WEIGHTS_NOT_ONE, detail=f"sum={sum(w.weight for w in weights)}"
        )
    if not recipients:
        raise SplitError(SplitErrorCode.NO_RECIPIENT)
    seen: set[str] = set()
    for r in recipients:
        if r.key in seen:
            raise SplitError(SplitErrorCode.DUPLICATE_RECIPIENT, key=r.key)
        seen.add(r.key)
        for w in weights:
            if w.name not in r.counts:
                raise SplitError(SplitErrorCode.MISSING_COUNT, key=r.key, detail=w.name)
            if r.counts[w.name] < 0:
                raise SplitError(SplitErrorCode.NEGATIVE_VALUE, key=r.key, detail=w.name)


def split_by_weighted_counts(
    total_cents: int, recipients: Sequence[Recipient], weights: Sequence[CountWeight]
) -> WeightedSplit:
    """Split ``total_cents`` by the weighted shares of the recipients' counts, exact to the cent
    (see the module docstring). The amounts add up to ``total_cents`` exactly."""
    _validate(total_cents, recipients, weights)
    ordered = sorted(recipients, key=lambda r: r.key)
    totals = {w.name: sum(r.counts[w.name] for r in ordered) for w in weights}
    for w in weights:
        if totals[w.name] == 0 and w.weight:
            raise SplitError(SplitErrorCode.ZERO_TOTAL_COUNT, detail=w.name)
    terms = [
        tuple(
            CountTerm(
                name=w.name,
                count=r.counts[w.name],
                total=totals[w.name],
                weight=w.weight,
                exact_cents=(
                    total_cents * w.weight * Fraction(r.counts[w.name], totals[w.name])
                    if totals[w.name]
                    else Fraction(0)
                ),
            )
            for w in weights
        )
        for r in ordered
    ]
    exact = [sum((t.exact_cents for t in ts), Fraction(0)) for ts in terms]
    amounts, ranks = largest_remainder(total_cents, exact)
    return WeightedSplit(
        total_cents=total_cents,
        weights=tuple(weights),
        shares=tuple(
            RecipientShare(r.key, ts, x, a, k)
            for r, ts, x, a, k in zip(ordered, terms, exact, amounts, ranks, strict=True)
        ),
        extra_cents=total_cents - sum(math.floor(x) for x in exact),
    )
