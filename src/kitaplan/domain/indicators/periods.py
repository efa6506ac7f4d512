"""Which periods (years) a page or report compares, and which year of a series stands in for
another (de: Berichtsjahr, Vergleichsjahr).

Indicator values are stored per area and year; a page shows one *period* beside a *comparison
period*. These choices need no database: they work on the years that carry values.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def resolve_periods(
    periods: Sequence[int], period: int | None, compare: int | None
) -> tuple[int | None, int | None]:
    """The chosen period (default: the latest) and comparison period (default: the one before).

    A period not among ``periods`` falls back to the latest; a comparison period not among them
    or equal to the period falls back to the latest earlier one (``None`` when there is none).
    """
    if not periods:
        return None, None
    chosen = period if period is not None and period in periods else periods[-1]
    if compare not in periods or compare == chosen:
        earlier = [p for p in periods if p < chosen]
        compare = earlier[-1] if earlier else None
    return chosen, compare


def closest_year(years: Iterable[int], year: int) -> int | None:
    """The year of ``years`` closest to ``year``; on a tie the earlier one (``None`` if empty).

    Population counts, say, are recorded for fewer years than indicators: the weights of a
    period come from the closest recorded year.
    """
    candidates = sorted(set(years))
    if not candidates:
        return None
    return min(candidates, key=lambda y: (abs(y - year), y > year))


def latest_values(rows: Iterable[tuple[K, int, float]]) -> dict[K, float]:
    """key → the value of its latest year, from ``(key, year, value)`` rows."""
    best: dict[K, tuple[int, float]] = {}
    for key, year, value in rows:
        if key not in best or year > best[key][0]:
            best[key] = (year, value)
    return {k: v for k, (_y, v) in best.items()}
