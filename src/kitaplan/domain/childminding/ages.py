"""A child's age in Kindertagespflege: full years on a day, and the third birthday (the move to a
Kita is due then)."""

from __future__ import annotations

import datetime as dt


def age_in_years(birth: dt.date, day: dt.date) -> int:
    """Full years of life on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def third_birthday(birth: dt.date) -> dt.date:
    """The day a child turns three (born on 29 February: on 1 March)."""
    try:
        return birth.replace(year=birth.year + 3)
    except ValueError:  # born on 29 February
        return dt.date(birth.year + 3, 3, 1)
