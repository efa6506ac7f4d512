"""Applications of an allocation round with their ranked choices (de: Anmeldungen mit Wünschen).

As another system (Little Bird, kitaVM, a spreadsheet of the office) exports them. The round is
named in the ``round`` column by its name (exactly one round of the territory has it); the
application's case number (``reference``) identifies it in the round.

``kitaplan-applications`` is the standard, wide layout of ``docs/data-formats.md``: one row per
application with its choices in ``choice_1`` … ``choice_12`` (official numbers of facilities or
childminders, most wanted first). ``kitaplan-applications-long`` reads the long layout of other
exports: one row per (application, rank, facility), the application's fields repeated on each.

The pure checks of a ranked list (gaps, a facility twice, more than the round allows) are here,
so that the persister (``kitaplan.web.allocation.imports``) only adds what the database knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kitaplan.exchange.mappings import (
    ColumnMapping,
    FieldKind,
    FieldSpec,
    ImportKind,
    german_postcode,
)

__all__ = [
    "APPLICATION_TARGETS",
    "CHOICE_COLUMNS",
    "CONFIRMED_CRITERIA",
    "MAPPINGS",
    "MOST_CHOICES",
    "ChoiceIssue",
    "ChoiceProblem",
    "RankedChoice",
    "check_ranked",
    "split_list",
    "wide_choices",
]

#: How many choice columns the wide layout declares (a round allowing more needs the long one).
MOST_CHOICES = 12
CHOICE_COLUMNS = tuple(f"choice_{k}" for k in range(1, MOST_CHOICES + 1))
#: Criteria whose fact the file confirms in the ``criteria`` column (criterion code → the
#: application's field). The other criteria of a round follow from other columns: integration
#: need (``integration_need``), siblings (``siblings_at``), the district (the home area), age
#: (``birth_date``) and waiting time (``registered_on``); a facility's own criteria are
#: confirmed by the facility in kitaplan.
CONFIRMED_CRITERIA: Mapping[str, str] = {
    "social_urgency": "social_urgency",
    "residence_in_municipality": "lives_in_municipality",
}
_SEPARATORS = re.compile(r"[,\s|]+")


def split_list(text: object) -> list[str]:
    """The items of a list cell ("F1, F2" or "F1 F2" or "F1|F2"), in order, empty ones dropped."""
    if text is None:
        return []
    return [item for item in _SEPARATORS.split(str(text).strip()) if item]


@dataclass(frozen=True, slots=True)
class RankedChoice:
    rank: int
    number: str
    column: str  # where the choice stands in the file (for problems)
    row: int


class ChoiceIssue(StrEnum):
    GAP = "gap"  # a rank is empty while a later one is filled
    TWICE = "twice"  # the same facility at two ranks
    TOO_MANY = "too_many"  # more choices than the round allows
    NONE = "none"  # no choice at all


@dataclass(frozen=True, slots=True)
class ChoiceProblem:
    issue: ChoiceIssue
    choice: RankedChoice | None
    #: the rank missing (gap), the rank that already names the facility (twice), the most
    #: choices (too many)
    detail: int = 0


def wide_choices(record: Mapping[str, Any]) -> list[RankedChoice]:
    """The filled choice cells of a wide row, by rank."""
    row = int(record.get("row_number", 0))
    return [
        RankedChoice(rank, str(record[column]).strip(), column, row)
        for rank, column in enumerate(CHOICE_COLUMNS, start=1)
        if record.get(column) not in (None, "")
    ]


def check_ranked(choices: Sequence[RankedChoice], most: int) -> list[ChoiceProblem]:
    """What is wrong with a ranked list: no choice, a gap, a facility twice, too many."""
    if not choices:
        return [ChoiceProblem(ChoiceIssue.NONE, None)]
    problems: list[ChoiceProblem] = []
    ordered = sorted(choices, key=lambda c: c.rank)
    expected = 1
    for choice in ordered:
        if choice.rank != expected:
            problems.append(ChoiceProblem(ChoiceIssue.GAP, choice, expected))
            break
        expected += 1
    first_rank: dict[str, int] = {}
    for choice in ordered:
        if choice.number in first_rank:
            problems.append(ChoiceProblem(ChoiceIssue.TWICE, choice, first_rank[choice.number]))
        first_rank.setdefault(choice.number, choice.rank)
    if len(ordered) > most:
        problems.append(ChoiceProblem(ChoiceIssue.TOO_MANY, ordered[most], most))
    return problems


#: (target, kind, required) of the application's own fields, in the order of the layout
_APPLICATION_COLUMNS: tuple[tuple[str, FieldKind, bool], ...] = (
    ("round", FieldKind.TEXT, True),
    ("reference", FieldKind.TEXT, True),
    ("child_name", FieldKind.TEXT, True),
    ("birth_date", FieldKind.DATE, True),
    ("desired_start", FieldKind.DATE, True),
    ("weekly_hours", FieldKind.INTEGER, False),
    ("registered_on", FieldKind.DATE, False),
    ("integration_need", FieldKind.BOOLEAN, False),
    ("criteria", FieldKind.TEXT, False),
    ("siblings_at", FieldKind.TEXT, False),
    ("home_area_code", FieldKind.TEXT, False),
    ("home_street", FieldKind.TEXT, False),
    ("home_house_number", FieldKind.TEXT, False),
    ("home_postcode", FieldKind.TEXT, False),
)
APPLICATION_TARGETS = tuple(target for target, _kind, _required in _APPLICATION_COLUMNS)


def _spec(target: str, kind: FieldKind, required: bool) -> FieldSpec:
    if target == "weekly_hours":
        return FieldSpec(target, target, kind, default=35, minimum=1, maximum=60)
    if target == "integration_need":
        return FieldSpec(target, target, kind, default=False)
    if target == "home_postcode":
        return FieldSpec(target, target, kind, derive=german_postcode)
    return FieldSpec(target, target, kind, required=required)


_FIELDS = tuple(_spec(*column) for column in _APPLICATION_COLUMNS)

KITAPLAN_APPLICATIONS = ColumnMapping(
    name="kitaplan-applications",
    kind_of_import=ImportKind.APPLICATIONS,
    key=("round", "reference"),
    fields=_FIELDS + tuple(FieldSpec(c, c, FieldKind.TEXT) for c in CHOICE_COLUMNS),
    description=(
        "Applications of an allocation round, one row per application with its ranked choices "
        "choice_1 … choice_12 (official numbers)."
    ),
    source_note="kitaplan standard exchange format, see docs/data-formats.md",
)

KITAPLAN_APPLICATIONS_LONG = ColumnMapping(
    name="kitaplan-applications-long",
    kind_of_import=ImportKind.APPLICATIONS,
    key=("round", "reference", "rank"),
    fields=_FIELDS
    + (
        FieldSpec("rank", "rank", FieldKind.INTEGER, required=True, minimum=1, maximum=99),
        FieldSpec("facility", "facility", FieldKind.TEXT, required=True),
    ),
    description=(
        "The same applications in the long layout: one row per application, rank and facility, "
        "the application's fields repeated on each of its rows."
    ),
    source_note="long layout of other systems' exports, see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_APPLICATIONS, KITAPLAN_APPLICATIONS_LONG)
