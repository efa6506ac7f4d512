"""The shared helpers of the domain core: months, euros, and the UTM zone of a place."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from kitaplan.domain.common.calendar import (
    add_months,
    first_of_next_month,
    month_bounds,
    month_key,
    months_before,
    parse_month,
)
from kitaplan.domain.common.money import format_euros, plain_euros
from kitaplan.domain.common.projection import to_planar, to_wgs84, utm_crs_for


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
        (date(2026, 5, 31), 0, date(2026, 5, 31)),
    ],
)
def test_add_months_clips_to_the_last_day(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected
    assert months_before(day, -months) == expected


def test_month_keys_and_bounds() -> None:
    assert month_key(2026, 3) == "2026-03"
    assert parse_month("2026-03") == (2026, 3)
    assert month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert first_of_next_month(date(2026, 12, 17)) == date(2027, 1, 1)
    for bad in ("2026-13", "2026-00", "26-01", "2026-3", "März"):
        with pytest.raises(ValueError, match="month|invalid literal"):
            parse_month(bad)


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (12345678, "123.456,78 €"),
        (5, "0,05 €"),
        (-150, "-1,50 €"),
        (0, "0,00 €"),
        (Fraction(1, 3), "0,00 €"),
        (Fraction(199999, 2), "1.000,00 €"),  # 999.995 € to the even cent: 1.000,00
        (Fraction(3, 2), "0,02 €"),  # half a cent rounds to the even cent
        (None, "–"),
    ],
)
def test_format_euros(cents: int | Fraction | None, text: str) -> None:
    assert format_euros(cents) == text


def test_plain_euros_is_machine_readable() -> None:
    assert plain_euros(123456) == "1234.56"
    assert plain_euros(-5) == "-0.05"
    assert format_euros(250, symbol=False) == "2,50"


@pytest.mark.parametrize(
    ("longitude", "crs"),
    [
        (13.40, "EPSG:25833"),  # Berlin
        (13.74, "EPSG:25833"),  # Dresden
        (6.96, "EPSG:25832"),  # Köln
        (11.58, "EPSG:25832"),  # München
        (12.0, "EPSG:25833"),  # the zone boundary belongs to the eastern zone
    ],
)
def test_utm_zone_follows_the_longitude(longitude: float, crs: str) -> None:
    assert utm_crs_for(longitude) == crs


def test_utm_zone_outside_europe_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        utm_crs_for(-74.0)
    with pytest.raises(ValueError, match="not a longitude"):
        utm_crs_for(200.0)


def test_planar_round_trip_and_distance() -> None:
    forward, back = to_planar("EPSG:25833"), to_wgs84("EPSG:25833")
    # Brandenburger Tor to Alexanderplatz: about 2.6 km.
    x1, y1 = forward(13.3777, 52.5163)
    x2, y2 = forward(13.4132, 52.5219)
    assert 2_300 < ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 < 2_700
    lon, lat = back(x1, y1)
    assert abs(lon - 13.3777) < 1e-7 and abs(lat - 52.5163) < 1e-7
