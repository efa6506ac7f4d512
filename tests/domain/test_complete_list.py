"""When a complete-list import needs a confirmation before it closes records."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitaplan.domain.common.complete_list import CONFIRM_CLOSING_ABOVE, check_closing


def test_one_row_into_berlin_closes_almost_everything_and_needs_confirmation():
    check = check_closing(closing=2880, kept=1)
    assert check.stored == 2881
    assert check.needs_confirmation
    assert check.percent == 100


def test_five_percent_exactly_is_allowed_and_a_little_more_is_not():
    assert Fraction(1, 20) == CONFIRM_CLOSING_ABOVE
    assert not check_closing(closing=5, kept=95).needs_confirmation
    assert check_closing(closing=6, kept=94).needs_confirmation


def test_nothing_stored_or_nothing_closed_needs_no_confirmation():
    assert not check_closing(closing=0, kept=0).needs_confirmation
    assert not check_closing(closing=0, kept=10).needs_confirmation
    assert check_closing(closing=0, kept=10).percent == 0


def test_a_small_share_is_shown_rounded_up():
    assert check_closing(closing=1, kept=999).percent == 1
    assert check_closing(closing=1, kept=2).percent == 34


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        check_closing(closing=-1, kept=0)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_confirmation_is_needed_exactly_above_the_threshold(closing, kept):
    check = check_closing(closing=closing, kept=kept)
    stored = closing + kept
    assert check.needs_confirmation == (stored > 0 and closing * 20 > stored)
    assert 0 <= check.percent <= 100
