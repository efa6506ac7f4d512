"""Calendar months (de: Kalendermonate): moving a day by whole months, a month's first and last
day, and the ``YYYY-MM`` keys that payment runs and reports use.

The standard library has no month arithmetic; ``dateutil.relativedelta`` does, but the domain
core keeps to the standard library (ADR 0001), and clipping to a month's last day is all we need.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (negative: back), clipped to the month's last
    day: 31 Jan + 1 → 28/29 Feb, 31 Mar − 1 → 28/29 Feb."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def months_before(day: date, months: int) -> date:
    """``day`` moved back by whole months (the last day of a shorter month when needed)."""
    return add_months(day, -months)


def month_key(year: int, month: int) -> str:
    """``2026-03`` for March 2026."""
    return f"{year:04d}-{month:02d}"


def parse_month(key: str) -> tuple[int, int]:
    """``"2026-03"`` → ``(2026, 3)``; ``ValueError`` for anything else (also ``"2026-3"``)."""
    year_text, _, month_text = key.partition("-")
    if len(year_text) != 4 or len(month_text) != 2:
        raise ValueError(f"not a month as YYYY-MM: {key!r}")
    year, month = int(year_text), int(month_text)
    if not 1 <= month <= 12:
        raise ValueError(f"not a month as YYYY-MM: {key!r}")
    return year, month


def month_bounds(key: str) -> tuple[date, date]:
    """First and last day of the month ``YYYY-MM``."""
    year, month = parse_month(key)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def first_of_next_month(day: date) -> date:
    """The first day of the month after ``day``'s month."""
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1]) + timedelta(1)
