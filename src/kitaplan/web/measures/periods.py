"""Reading a start and an end from a period as written in a plan ("2020", "ab 2020", "2021 ff.",
"2020/ 2021"). Periods tied to other plans ("analog zu Landesplanungen", "laufend") have none.
"""

from __future__ import annotations

import datetime as dt
import re

_RANGE = re.compile(r"^\s*(\d{4})\s*[/–-]\s*(\d{4})\s*$")
_SINGLE = re.compile(r"^\s*(\d{4})\s*$")
_FROM = re.compile(r"^\s*(?:ab\s+(\d{4})|(\d{4})\s*ff\.?)\s*$", re.IGNORECASE)


def parse_period(text: str) -> tuple[dt.date | None, dt.date | None]:
    """(start, end) where the text says so; an open end ("ab 2020", "2020 ff.") has no end."""
    if m := _RANGE.match(text):
        return dt.date(int(m[1]), 1, 1), dt.date(int(m[2]), 12, 31)
    if m := _SINGLE.match(text):
        return dt.date(int(m[1]), 1, 1), dt.date(int(m[1]), 12, 31)
    if m := _FROM.match(text):
        return dt.date(int(m[1] or m[2]), 1, 1), None
    return None, None


def report_period(year: int, half: int | None) -> tuple[str, dt.date, dt.date]:
    """(label, first day, last day) of a half year (1, 2) or, with ``half`` None, a year."""
    if half == 1:
        return f"{year}-H1", dt.date(year, 1, 1), dt.date(year, 6, 30)
    if half == 2:
        return f"{year}-H2", dt.date(year, 7, 1), dt.date(year, 12, 31)
    return str(year), dt.date(year, 1, 1), dt.date(year, 12, 31)
