"""Care contracts (de: Betreuungsverträge) of childminders with their weekly schedule.

One row per contract. A contract is identified by the childminder's register number, the
child's reference (the pseudonym or case number the registry stores, never a name) and its
first day; a contract with a later ``valid_from`` is another contract. The weekly schedule is
given per weekday (``mon`` … ``sun``, German ``Mo`` … ``So``): each cell holds the care times of
that day as ``HH:MM-HH:MM``, several separated by spaces (``08:00-12:00 14:00-16:00``), an
empty cell for no care. ``weekly_hours`` are the granted hours (like the payments' contracts
file); the daily hours and days per week that the payment engine needs are read from the
schedule (``payments.selectors.schedule_hours``).

:func:`day_times` and :func:`weekly_slots` read the weekday cells into the registry's stored
form ``[[weekday, "08:00", "15:00"], …]`` (:func:`kitaplan.domain.childminding.capacity.parse_slots`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from kitaplan.domain.childminding.capacity import format_slots, parse_slots, parse_time
from kitaplan.domain.common.problems import ExpectationCode, expectation
from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = [
    "KEY",
    "MAPPINGS",
    "MOST_WEEKLY_HOURS",
    "SUPPLEMENT_CODES",
    "WEEKDAY_TARGETS",
    "day_times",
    "supplement_codes",
    "weekly_slots",
]

_E = ExpectationCode

KEY = ("childminder_number", "child_reference", "valid_from")
#: The weekday columns, Monday first (index = weekday of the schedule).
WEEKDAY_TARGETS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_GERMAN = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
#: A week has 168 hours.
MOST_WEEKLY_HOURS = 168
#: Codes of the childminding app's contract supplements (``models.SUPPLEMENTS``).
SUPPLEMENT_CODES = ("inclusion",)

_SPAN = re.compile(r"(\d{1,2}[:.]\d{2})\s*[-–]\s*(\d{1,2}[:.]\d{2})")
_SEPARATORS = " \t,;/+"


def _gap(text: str, *, between: bool) -> None:
    """What stands beside the spans: blanks at the ends, separators between two spans."""
    if between and not text:
        raise ValueError("two time spans need a separator")
    if text.strip(_SEPARATORS if between else " \t"):
        raise ValueError(f"{text.strip()!r} is not a time span HH:MM-HH:MM")


def _time(text: str) -> str:
    hours, minutes = text.replace(".", ":").split(":")
    return f"{int(hours):02d}:{minutes}"


def day_times(text: str) -> list[tuple[str, str]]:
    """``"08:00-12:00 14:00-16:30"`` → ``[("08:00", "12:00"), ("14:00", "16:30")]``.

    ``8.00–12.00`` is read too. Raises ``ValueError`` for anything else, for an end that is not
    after its start and for times that are not times of day.
    """
    found: list[tuple[str, str]] = []
    position = 0
    for match in _SPAN.finditer(text):
        _gap(text[position : match.start()], between=bool(found))
        start, end = _time(match.group(1)), _time(match.group(2))
        if parse_time(end, allow_end_of_day=True) <= parse_time(start):
            raise ValueError(f"{match.group(0)!r}: the end is not after the start")
        found.append((start, end))
        position = match.end()
    _gap(text[position:], between=False)
    if not found:
        raise ValueError(f"{text!r} is not a time span HH:MM-HH:MM")
    return found


def weekly_slots(days: dict[int, list[tuple[str, str]]]) -> list[list[int | str]]:
    """The stored schedule of the times per weekday (0 = Monday); ``ValueError`` on overlaps."""
    data = [[weekday, start, end] for weekday, spans in days.items() for start, end in spans]
    return format_slots(parse_slots(data))


def supplement_codes(text: str | None) -> list[str]:
    """``"inclusion"`` or several codes separated by spaces or commas → sorted codes."""
    return sorted({code for code in re.split(r"[\s,;]+", text or "") if code})


def _weekday(target: str, source: str) -> FieldSpec:
    return FieldSpec(target, source, FieldKind.TEXT, expected=expectation(_E.DAY_TIMES))


def _mapping(name: str, sources: dict[str, str], description: str, note: str) -> ColumnMapping:
    def source(target: str) -> str:
        return sources.get(target, target)

    weekdays = tuple(_weekday(target, source(target)) for target in WEEKDAY_TARGETS)
    return ColumnMapping(
        name=name,
        kind_of_import=ImportKind.CARE_CONTRACTS,
        key=KEY,
        fields=(
            FieldSpec("childminder_number", source("childminder_number"), required=True),
            FieldSpec("child_reference", source("child_reference"), required=True),
            FieldSpec(
                "child_birth_date", source("child_birth_date"), FieldKind.DATE, required=True
            ),
            FieldSpec("valid_from", source("valid_from"), FieldKind.DATE, required=True),
            FieldSpec("valid_to", source("valid_to"), FieldKind.DATE),
            FieldSpec(
                "weekly_hours",
                source("weekly_hours"),
                FieldKind.DECIMAL,
                required=True,
                minimum=Decimal("0.01"),
                maximum=MOST_WEEKLY_HOURS,
                expected=expectation(_E.NUMBER_POSITIVE_AT_MOST, high=MOST_WEEKLY_HOURS),
            ),
            *weekdays,
            FieldSpec("settling_in_from", source("settling_in_from"), FieldKind.DATE),
            FieldSpec("settling_in_to", source("settling_in_to"), FieldKind.DATE),
            FieldSpec("funded", source("funded"), FieldKind.BOOLEAN, default=True),
            FieldSpec("scheme", source("scheme")),
            FieldSpec(
                "supplements",
                source("supplements"),
                expected=expectation(_E.SUPPLEMENT_CODES, choices=", ".join(SUPPLEMENT_CODES)),
            ),
        ),
        ordered=(("valid_from", "valid_to"), ("settling_in_from", "settling_in_to")),
        description=description,
        source_note=note,
    )


KITAPLAN_CARE_CONTRACTS = _mapping(
    "kitaplan-care-contracts",
    {},
    "Care contracts of childminders with their weekly schedule (one column per weekday).",
    "kitaplan standard exchange format, see docs/data-formats.md",
)

CARE_CONTRACTS_DE = _mapping(
    "care-contracts-de",
    {
        "childminder_number": "Tagespflegeperson",
        "child_reference": "Kind",
        "child_birth_date": "Geburtsdatum",
        "valid_from": "Beginn",
        "valid_to": "Ende",
        "weekly_hours": "Wochenstunden",
        "settling_in_from": "Eingewöhnung ab",
        "settling_in_to": "Eingewöhnung bis",
        "funded": "Gefördert",
        "scheme": "Tarif",
        "supplements": "Zuschläge",
        **dict(zip(WEEKDAY_TARGETS, _WEEKDAY_GERMAN, strict=True)),
    },
    "The same records from a spreadsheet with German column names.",
    "German column names (Tagespflegeperson, Kind, Beginn, …, Mo … So), see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_CARE_CONTRACTS, CARE_CONTRACTS_DE)
