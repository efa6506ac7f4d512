"""Parsers of cell text: German and international notations, properties with hypothesis."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kitaplan.domain.common.problems import ProblemCode
from kitaplan.exchange.coercion import (
    CoercionError,
    parse_boolean,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_time,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", Decimal(12)),
        ("12,5", Decimal("12.5")),
        ("12.5", Decimal("12.5")),
        ("-0,25", Decimal("-0.25")),
        (",5", Decimal("0.5")),
        ("+3", Decimal(3)),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("1.234.567,8", Decimal("1234567.8")),
    ],
)
def test_parse_decimal(text: str, value: Decimal) -> None:
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1.2.3", "12 %", "NaN", "Infinity", "1e5", "--1"])
def test_parse_decimal_rejects(text: str) -> None:
    with pytest.raises(CoercionError) as error:
        parse_decimal(text)
    assert error.value.code is ProblemCode.NOT_A_NUMBER


@pytest.mark.parametrize(
    ("text", "value"), [("0", 0), ("42", 42), ("-7", -7), ("+7", 7), ("12.0", 12), ("12,0", 12)]
)
def test_parse_integer(text: str, value: int) -> None:
    assert parse_integer(text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12,5", ProblemCode.NOT_AN_INTEGER),
        ("12.5", ProblemCode.NOT_AN_INTEGER),
        ("1.000", ProblemCode.NOT_AN_INTEGER),  # ambiguous: thousand or one
        ("abc", ProblemCode.NOT_A_NUMBER),
        ("12 Plätze", ProblemCode.NOT_A_NUMBER),
    ],
)
def test_parse_integer_rejects(text: str, code: ProblemCode) -> None:
    with pytest.raises(CoercionError) as error:
        parse_integer(text)
    assert error.value.code is code


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2024-08-01", date(2024, 8, 1)),
        ("01.08.2024", date(2024, 8, 1)),
        ("1.8.2024", date(2024, 8, 1)),
        ("29.02.2024", date(2024, 2, 29)),
    ],
)
def test_parse_date(text: str, value: date) -> None:
    assert parse_date(text) == value


@pytest.mark.parametrize("text", ["29.02.2023", "2024-13-01", "08/01/2024", "1.8.24", "heute"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(CoercionError) as error:
        parse_date(text)
    assert error.value.code is ProblemCode.NOT_A_DATE


@pytest.mark.parametrize(
    ("text", "value"),
    [("07:30", time(7, 30)), ("7:30", time(7, 30)), ("17:45:10", time(17, 45, 10))],
)
def test_parse_time(text: str, value: time) -> None:
    assert parse_time(text) == value


@pytest.mark.parametrize("text", ["7", "7.30", "25:00", "07:60", "7:5", "abends"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(CoercionError) as error:
        parse_time(text)
    assert error.value.code is ProblemCode.NOT_A_TIME


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", True),
        ("0", False),
        ("ja", True),
        ("Nein", False),
        ("TRUE", True),
        ("false", False),
        ("yes", True),
        ("no", False),
        ("wahr", True),
        ("FALSCH", False),
        ("x", True),
        ("X", True),
    ],
)
def test_parse_boolean(text: str, value: bool) -> None:
    assert parse_boolean(text) is value


def test_parse_boolean_rejects() -> None:
    with pytest.raises(CoercionError) as error:
        parse_boolean("vielleicht")
    assert error.value.code is ProblemCode.NOT_A_BOOLEAN


def test_parse_choice_ignores_case() -> None:
    assert parse_choice("Counted", ("counted", "estimated")) == "counted"
    with pytest.raises(CoercionError) as error:
        parse_choice("gezählt", ("counted", "estimated"))
    assert error.value.code is ProblemCode.UNKNOWN_CHOICE


# --------------------------------------------------------------------------- properties


@given(st.integers(min_value=0, max_value=10**15))
def test_any_non_negative_int_written_as_text_parses_back(number: int) -> None:
    assert parse_integer(str(number)) == number
    assert parse_decimal(str(number)) == number


@given(
    st.decimals(
        min_value=Decimal("-1e9"),
        max_value=Decimal("1e9"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    ),
    st.sampled_from([".", ","]),
)
def test_decimal_with_either_separator_parses_back(value: Decimal, separator: str) -> None:
    text = format(value, "f").replace(".", separator)
    assert parse_decimal(text) == value


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_in_both_notations_parse_back(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d.%m.%Y")) == day


@given(st.times())
def test_times_parse_back(moment: time) -> None:
    whole = moment.replace(microsecond=0)
    assert parse_time(whole.strftime("%H:%M:%S")) == whole
    assert parse_time(whole.strftime("%H:%M")) == whole.replace(second=0)
