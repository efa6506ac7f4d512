"""Which periods (years) a page or report compares, and which year of a series stands in for
another (de: Berichtsjahr, Vergleichsjahr); the year or half year a report covers
(de: Berichtszeitraum, Halbjahr).

Indicator values are stored per area and year; a page shows one *period* beside a *comparison
period*. These choices need no database: they work on the years that carry values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
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


#: The halves of a year a report may cover (de: Halbjahr): 1 = January–June, 2 = July–December.
HALVES = (1, 2)


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """The span a report covers (de: Berichtszeitraum): a calendar year or one half of it.

    Indicator values are yearly and stated as at 31 December; :attr:`data_year` is the year of
    values that describes the period (the latest year whose reference date is not after the
    period's end): a year and its second half use that year, the first half the year before.
    """

    year: int
    half: int | None = None

    def __post_init__(self) -> None:
        if self.half is not None and self.half not in HALVES:
            raise ValueError(f"a half year is 1 or 2, not {self.half!r}")

    @property
    def code(self) -> str:
        """``2024`` or ``2024-H1``: what the query string and file names carry."""
        return str(self.year) if self.half is None else f"{self.year}-H{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 7 if self.half == 2 else 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    @property
    def data_year(self) -> int:
        return self.year - 1 if self.half == 1 else self.year

    def year_before(self) -> ReportPeriod:
        """The same span one year earlier: the comparison that keeps the season."""
        return ReportPeriod(self.year - 1, self.half)


def parse_report_period(text: str | None) -> ReportPeriod | None:
    """``2024``, ``2024-H1`` or ``2024-h2`` (also without the dash) → the period; else None."""
    match = _PERIOD.fullmatch((text or "").strip())
    if match is None:
        return None
    year = int(match["year"])
    if not 1 <= year <= 9998:
        return None
    return ReportPeriod(year, int(match["half"]) if match["half"] else None)


_PERIOD = re.compile(r"(?P<year>\d{4})(?:-?[Hh](?P<half>[12]))?")


def report_periods(data_years: Iterable[int]) -> list[ReportPeriod]:
    """Every period a report can cover with values of ``data_years``, latest first: each year,
    its second half, and the first half of the following year (described by that year's values).
    """
    out: set[ReportPeriod] = set()
    for year in set(data_years):
        out |= {ReportPeriod(year), ReportPeriod(year, 2), ReportPeriod(year + 1, 1)}
    return sorted(out, key=lambda p: (p.end, p.half is None), reverse=True)


def resolve_report_period(
    data_years: Sequence[int], period: ReportPeriod | None, compare: ReportPeriod | None
) -> tuple[ReportPeriod | None, ReportPeriod | None]:
    """The chosen period (default: the latest year with values) and its comparison (default: the
    same span a year earlier), each only where the values of its :attr:`~ReportPeriod.data_year`
    exist (else the same kind of span with the latest earlier values); a comparison not before
    the period's values is replaced."""
    years = set(data_years)
    if not years:
        return None, None
    if period is None or period.data_year not in years:
        period = ReportPeriod(max(years))
    if compare is None or compare.data_year not in years or compare.data_year >= period.data_year:
        before = [y for y in years if y < period.data_year]
        if not before:
            return period, None
        # the same kind of span, described by the latest earlier year of values
        latest = max(before)
        compare = ReportPeriod(latest + 1 if period.half == 1 else latest, period.half)
    return period, compare
