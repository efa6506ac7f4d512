"""The resource pool (de: Ressourcenpool): aids and expert cooperation lent to facilities.

A booking is *requested* for a period, then *lent* (from the day it goes out) and *returned*, or
*cancelled* while it is still requested (:data:`TRANSITIONS`). The days lent of a booking run
from the day it went out (else its start) to the day it came back (else its end), both counted;
requested and cancelled bookings lent no days.

The use of an item (:func:`item_use`): its bookings (cancelled ones left out), the days lent,
the distinct facilities, and whether it is out on the day (lent, gone out on or before it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Allowed status changes of a booking.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "requested": frozenset({"lent", "cancelled"}),
    "lent": frozenset({"returned"}),
    "returned": frozenset(),
    "cancelled": frozenset(),
}


def may_change(current: str, new: str) -> bool:
    """Whether a booking in status ``current`` may move to ``new``."""
    return new in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True, slots=True)
class BookingFacts:
    item_id: int
    facility_id: int
    status: str
    start: dt.date
    end: dt.date
    lent_on: dt.date | None = None
    returned_at: dt.date | None = None


def days_lent(booking: BookingFacts) -> int:
    """Days the item was (or is) out: lent_on to returned_at, else the booked period."""
    if booking.status not in ("lent", "returned"):
        return 0
    first = booking.lent_on or booking.start
    last = booking.returned_at or booking.end
    return max((last - first).days + 1, 0)


@dataclass(frozen=True, slots=True)
class Use:
    bookings: int = 0
    days_lent: int = 0
    facilities: frozenset[int] = frozenset()
    lent_now: bool = False

    @property
    def facility_count(self) -> int:
        return len(self.facilities)


def item_use(bookings: Iterable[BookingFacts], *, day: dt.date) -> dict[int, Use]:
    """The use per item id of the given bookings (module docstring)."""
    counts: dict[int, tuple[int, int, set[int], bool]] = {}
    for b in bookings:
        if b.status == "cancelled":
            continue
        n, days, facilities, now = counts.get(b.item_id, (0, 0, set(), False))
        facilities.add(b.facility_id)
        out = b.status == "lent" and (b.lent_on or b.start) <= day
        counts[b.item_id] = (n + 1, days + days_lent(b), facilities, now or out)
    return {
        item_id: Use(n, days, frozenset(facilities), now)
        for item_id, (n, days, facilities, now) in counts.items()
    }
