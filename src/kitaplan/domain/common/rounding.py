"""Rounding that keeps totals (largest-remainder method, de: Hare-Niemeyer)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def split_by_largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split the whole number ``total`` in proportion to ``weights``; the parts sum to ``total``.

    1. Each part gets the floor of its exact share.
    2. The units still missing go, one each, to the parts with the largest remainders (ties:
       the earlier part first, so the result is deterministic).
    All-zero weights split evenly.
    """
    if total < 0:
        raise ValueError("total must not be negative")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if not weights:
        if total:
            raise ValueError("cannot split a positive total over no parts")
        return []
    # Exact rational arithmetic: float remainders could order near-ties wrongly.
    exact = [Fraction(w) for w in weights] if any(weights) else [Fraction(1)] * len(weights)
    weight_sum = sum(exact)
    shares = [total * w / weight_sum for w in exact]
    parts = [math.floor(share) for share in shares]
    missing = total - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[:missing]:
        parts[i] += 1
    return parts
