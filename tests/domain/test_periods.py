import datetime as dt

import pytest

from kitaplan.domain.common.periods import ValidityPeriod

D = dt.date


def test_open_ended_period_contains_every_later_day():
    period = ValidityPeriod(D(2024, 1, 1))
    assert period.contains(D(2030, 1, 1)) and not period.contains(D(2023, 12, 31))


def test_adjacent_periods_do_not_overlap():
    assert not ValidityPeriod(D(2024, 1, 1), D(2024, 12, 31)).overlaps(
        ValidityPeriod(D(2025, 1, 1))
    )
    assert ValidityPeriod(D(2024, 1, 1), D(2025, 1, 1)).overlaps(ValidityPeriod(D(2025, 1, 1)))


def test_a_backwards_period_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        ValidityPeriod(D(2025, 1, 1), D(2024, 1, 1))
