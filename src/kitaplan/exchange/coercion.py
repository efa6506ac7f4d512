"""Turn cell text into typed values (de: Typumwandlung), German and international notations.

Each parser takes stripped, non-empty text and returns the value or raises
:class:`CoercionError` carrying the :class:`ProblemCode` to report.

* numbers: ``12``, ``-3``, ``12.5``, ``12,5``, ``.5``; with thousands separators only when
  both separators occur (``1.234,5`` and ``1,234.5``). Decimals become :class:`Decimal`.
* integers: digits with optional sign, or a trailing ``.0`` / ``,0`` as spreadsheet exports
  write them; ``12,5`` and ``1.000`` are ``NOT_AN_INTEGER`` (the latter is ambiguous:
  German thousands or a decimal), ``abc`` is ``NOT_A_NUMBER``.
* dates: ISO ``YYYY-MM-DD`` or German ``D.M.YYYY`` / ``DD.MM.YYYY``.
* times: ``HH:MM``, ``H:MM``, ``HH:MM:SS``.
* booleans (case-insensitive): ``1 ja j true yes y wahr x`` / ``0 nein n false no falsch``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal, InvalidOperation

from kitaplan.domain.common.problems import ProblemCode

__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "CoercionError",
    "parse_boolean",
    "parse_choice",
    "parse_date",
    "parse_decimal",
    "parse_integer",
    "parse_time",
]


class CoercionError(ValueError):
    """The text does not fit the expected type; ``code`` says how."""

    def __init__(self, code: ProblemCode, text: str) -> None:
        self.code = code
        self.text = text
        super().__init__(f"{code.value}: {text!r}")


TRUE_WORDS = frozenset({"1", "ja", "j", "true", "yes", "y", "wahr", "x"})
FALSE_WORDS = frozenset({"0", "nein", "n", "false", "no", "falsch"})

_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$")
_GROUPED_GERMAN = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+$")
_GROUPED_ENGLISH = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$")
_INTEGER = re.compile(r"^[+-]?\d+(?:[.,]0)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_decimal(text: str) -> Decimal:
    """``12,5`` / ``12.5`` / ``1.234,5`` → ``Decimal``; else ``NOT_A_NUMBER``."""
    candidate = text.strip()
    if _PLAIN_NUMBER.match(candidate):
        normalized = candidate.replace(",", ".")
    elif _GROUPED_GERMAN.match(candidate):
        normalized = candidate.replace(".", "").replace(",", ".")
    elif _GROUPED_ENGLISH.match(candidate):
        normalized = candidate.replace(",", "")
    else:
        raise CoercionError(ProblemCode.NOT_A_NUMBER, text)
    if normalized.endswith("."):
        normalized = normalized[:-1]
    try:
        return Decimal(normalized)
    except InvalidOperation as error:  # pragma: no cover - the patterns exclude this
        raise CoercionError(ProblemCode.NOT_A_NUMBER, text) from error


def parse_integer(text: str) -> int:
    """Whole numbers; a fraction is ``NOT_AN_INTEGER``, anything else ``NOT_A_NUMBER``."""
    candidate = text.strip()
    if _INTEGER.match(candidate):
        return int(candidate.split(".")[0].split(",")[0])
    parse_decimal(candidate)  # raises NOT_A_NUMBER for non-numbers
    raise CoercionError(ProblemCode.NOT_AN_INTEGER, text)


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (one-digit day/month allowed); else ``NOT_A_DATE``."""
    candidate = text.strip()
    iso = _ISO_DATE.match(candidate)
    german = _GERMAN_DATE.match(candidate)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if german:
            return date(int(german.group(3)), int(german.group(2)), int(german.group(1)))
    except ValueError as error:
        raise CoercionError(ProblemCode.NOT_A_DATE, text) from error
    raise CoercionError(ProblemCode.NOT_A_DATE, text)


def parse_time(text: str) -> time:
    """``HH:MM``, ``H:MM`` or ``HH:MM:SS`` (00:00–23:59:59); else ``NOT_A_TIME``."""
    match = _TIME.match(text.strip())
    if not match:
        raise CoercionError(ProblemCode.NOT_A_TIME, text)
    try:
        return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    except ValueError as error:
        raise CoercionError(ProblemCode.NOT_A_TIME, text) from error


def parse_boolean(text: str) -> bool:
    """Yes/no words in German and English (see module doc); else ``NOT_A_BOOLEAN``."""
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CoercionError(ProblemCode.NOT_A_BOOLEAN, text)


def parse_choice(text: str, choices: Iterable[str]) -> str:
    """The allowed value equal to ``text`` ignoring case; else ``UNKNOWN_CHOICE``."""
    word = text.strip().casefold()
    for choice in choices:
        if choice.casefold() == word:
            return choice
    raise CoercionError(ProblemCode.UNKNOWN_CHOICE, text)
