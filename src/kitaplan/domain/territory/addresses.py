"""Home addresses without a geocoder: normalised street keys and the choice among candidates.

An address register (de: Adressverzeichnis, e.g. the official Hauskoordinaten) lists each
address with its point. A parent types "Falkenseer Chaussee 8", "falkenseer chaussee 8a" or
"Hauptstr. 12, 10827 Berlin"; this module turns both sides into comparable keys and decides:

- :func:`street_key`: case-folded, ``ß`` → ``ss``, ``ä/ö/ü`` → ``ae/oe/ue``, a trailing
  ``Str.``/``Str``/``-str.`` → ``strasse``, everything but letters and digits dropped
  (``Karl-Marx-Allee`` = ``Karl Marx Allee`` = ``karlmarxallee``).
- :func:`house_number_key`: case-folded without spaces (``8 A`` = ``8a``).
- :func:`parse_address`: street, house number and an optional 5-digit postcode from free text.
- :func:`choose`: among the register's entries of that street, the one with that number
  (a number with a letter suffix falls back to the plain number, ``8a`` → ``8``); several
  postcodes for the same street and number without a postcode given are ambiguous.
- :func:`suggest_streets`: the nearest known street names (difflib ratio, stdlib), prefixes
  first, for an unknown street.

Everything here is pure; the web layer reads the candidates from the database by key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

__all__ = [
    "Candidate",
    "Choice",
    "ParsedAddress",
    "UnknownReason",
    "choose",
    "house_number_key",
    "nearby_numbers",
    "parse_address",
    "street_key",
    "suggest_streets",
]

Payload = TypeVar("Payload")

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
#: "str." / "str" at the end of a word (Hauptstr., Haupt-Str, Str. des 17. Juni)
_STR_ABBREVIATION = re.compile(r"str\.?(?=$|[\s\-,.])")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
#: street, then the house number: digits with an optional letter suffix or range (8, 8a, 8 a, 8-10)
_STREET_NUMBER = re.compile(
    r"^\s*(?P<street>.*?[^\d\s,])[\s,]*(?P<number>\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)"
    r"\s*$"
)
SUGGESTIONS = 3
SUGGESTION_CUTOFF = 0.6


def street_key(street: str) -> str:
    """The comparable form of a street name (see the module's text)."""
    text = street.casefold().translate(_UMLAUTS)  # casefold: ß → ss
    text = _STR_ABBREVIATION.sub("strasse", text)
    return _NOT_ALNUM.sub("", text)


def house_number_key(number: str) -> str:
    """The comparable form of a house number: ``8 A`` → ``8a``, `` 12 - 14 `` → ``12-14``."""
    return re.sub(r"\s+", "", number.casefold())


def _base_number(key: str) -> str:
    match = re.match(r"\d+", key)
    return match.group(0) if match else key


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    street: str
    house_number: str
    postcode: str  # "" when the text gives none

    @property
    def street_key(self) -> str:
        return street_key(self.street)

    @property
    def number_key(self) -> str:
        return house_number_key(self.house_number)


def parse_address(text: str) -> ParsedAddress:
    """Street, house number and postcode from ``text`` ("Falkenseer Chaussee 8a, 13583 Berlin").

    The postcode is the first five-digit number; it and what follows it in the same part (the
    town) are dropped from the street. Without a house number the number is ``""``.
    """
    postcode = ""
    pieces: list[str] = []
    for part in (part.strip() for part in text.split(",")):
        found = _POSTCODE.search(part)
        if found and not postcode:
            postcode = found.group(1)
            part = part[: found.start()].strip()  # the town after the postcode goes too
        if part:
            pieces.append(part)
    numbered = [piece for piece in pieces if _STREET_NUMBER.match(piece)]
    street_text = numbered[0] if numbered else (pieces[0] if pieces else "")
    match = _STREET_NUMBER.match(street_text)
    if match:
        return ParsedAddress(
            street=match.group("street").strip(" ,"),
            house_number=re.sub(r"\s+", "", match.group("number")),
            postcode=postcode,
        )
    return ParsedAddress(street=street_text.strip(" ,"), house_number="", postcode=postcode)


@dataclass(frozen=True, slots=True)
class Candidate(Generic[Payload]):
    """One register entry of the wanted street, as the web layer read it."""

    number_key: str
    postcode: str
    payload: Payload


class UnknownReason(StrEnum):
    NO_STREET = "no_street"  # nothing that looks like a street was given
    STREET = "street"  # the street is not in the register
    POSTCODE = "postcode"  # the street is known, but not with that postcode
    HOUSE_NUMBER = "house_number"  # the street is known, the number is not
    AMBIGUOUS = "ambiguous"  # the same street and number in several postcodes


@dataclass(frozen=True, slots=True)
class Choice(Generic[Payload]):
    """The entry found (``found``), else why not (``reason``) and the entries that would fit
    with a postcode or a nearby number (``alternatives``)."""

    found: Payload | None
    reason: UnknownReason | None = None
    alternatives: tuple[Payload, ...] = ()


def choose(
    candidates: Sequence[Candidate[Payload]], *, number_key: str, postcode: str = ""
) -> Choice[Payload]:
    """The entry of ``candidates`` (all of one street) with that house number and postcode.

    A number with a letter suffix not in the register falls back to the plain number
    (``8a`` → ``8``); the postcode, when given, must match. Without a postcode, the same number
    in several postcodes is :attr:`UnknownReason.AMBIGUOUS`.
    """
    if not candidates:
        return Choice(None, UnknownReason.STREET)
    pool = list(candidates)
    if postcode:
        pool = [c for c in pool if c.postcode == postcode]
        if not pool:
            return Choice(None, UnknownReason.POSTCODE, _one_per_postcode(candidates))
    for wanted in dict.fromkeys((number_key, _base_number(number_key))):
        hits = [c for c in pool if c.number_key == wanted]
        if len({c.postcode for c in hits}) > 1:
            return Choice(None, UnknownReason.AMBIGUOUS, tuple(c.payload for c in hits))
        if hits:
            return Choice(hits[0].payload)
    return Choice(None, UnknownReason.HOUSE_NUMBER, nearby_numbers(pool, number_key))


def _one_per_postcode(candidates: Sequence[Candidate[Payload]]) -> tuple[Payload, ...]:
    seen: dict[str, Payload] = {}
    for candidate in sorted(candidates, key=lambda c: (c.postcode, _numeric(c.number_key))):
        seen.setdefault(candidate.postcode, candidate.payload)
    return tuple(seen.values())


def _numeric(key: str) -> tuple[int, str]:
    base = _base_number(key)
    return (int(base) if base.isdigit() else 0, key)


def nearby_numbers(
    candidates: Sequence[Candidate[Payload]], number_key: str, count: int = SUGGESTIONS
) -> tuple[Payload, ...]:
    """The entries whose house numbers are closest to ``number_key`` (by the numeric part)."""
    wanted = _numeric(number_key)[0]
    ranked = sorted(
        candidates, key=lambda c: (abs(_numeric(c.number_key)[0] - wanted), _numeric(c.number_key))
    )
    return tuple(c.payload for c in ranked[:count])


def suggest_streets(
    wanted: str, known: Iterable[tuple[str, str]], count: int = SUGGESTIONS
) -> list[str]:
    """The names of the known streets nearest to ``wanted``: those whose key starts with the
    wanted key first, then by difflib's ratio (at least :data:`SUGGESTION_CUTOFF`).

    ``known`` holds (street key, street name as displayed) pairs.
    """
    key = street_key(wanted)
    if not key:
        return []
    names: dict[str, str] = {}
    for known_key, name in known:
        names.setdefault(known_key, name)
    prefixed = sorted((k for k in names if k.startswith(key) and k != key), key=len)
    close = difflib.get_close_matches(key, list(names), n=count, cutoff=SUGGESTION_CUTOFF)
    ordered = list(dict.fromkeys([*prefixed, *close]))
    return [names[k] for k in ordered[:count]]
