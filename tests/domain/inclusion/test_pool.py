"""The resource pool's rules without a database: status changes, days lent, use per item."""

from __future__ import annotations

import datetime as dt

from kitaplan.domain.inclusion.pool import BookingFacts, Use, days_lent, item_use, may_change

DAY = dt.date(2026, 3, 2)


def booking(status, *, item=1, facility=1, days=10, lent_on=None, returned_at=None):
    end = DAY + dt.timedelta(days=days - 1)
    return BookingFacts(item, facility, status, DAY, end, lent_on, returned_at)


def test_the_status_changes_of_a_booking():
    assert may_change("requested", "lent") and may_change("requested", "cancelled")
    assert may_change("lent", "returned")
    assert not may_change("lent", "cancelled") and not may_change("returned", "lent")
    assert not may_change("cancelled", "requested") and not may_change("unknown", "lent")


def test_days_lent_run_from_going_out_to_coming_back():
    assert days_lent(booking("requested")) == 0
    assert days_lent(booking("cancelled")) == 0
    assert days_lent(booking("lent")) == 10  # the booked period while out
    assert days_lent(booking("returned", returned_at=DAY + dt.timedelta(days=4))) == 5
    late = booking("lent", lent_on=DAY + dt.timedelta(days=2))
    assert days_lent(late) == 8
    assert days_lent(booking("returned", lent_on=DAY, returned_at=DAY - dt.timedelta(1))) == 0


def test_the_use_of_items():
    rows = [
        booking("lent", facility=1),
        booking("returned", facility=2, returned_at=DAY + dt.timedelta(days=4)),
        booking("cancelled", facility=3),
        booking("requested", item=2, facility=1),
    ]
    use = item_use(rows, day=DAY)
    assert use[1] == Use(2, 15, frozenset({1, 2}), True)
    assert use[1].facility_count == 2
    assert use[2] == Use(1, 0, frozenset({1}), False)
    assert not item_use(rows, day=DAY - dt.timedelta(days=1))[1].lent_now  # not out yet
    assert item_use([booking("cancelled")], day=DAY) == {}
