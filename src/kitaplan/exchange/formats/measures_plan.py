"""A measures plan (de: Maßnahmenplan) as a table: one row per measure (Maßnahme) with its field
of action (Handlungsfeld), objective (Teilziel), period (Zeitraum) and participants
(Beteiligte), as in the tables of the Dresden strategy document.

The plan is chosen by the columns ``plan_code`` and ``plan_year``: the version of the plan with
that code for that year in the territory of the import (created on the plan pages). The German
layout ``massnahmenplan-de`` may leave both columns out: the file then goes into the
territory's only open plan. Codes and texts are split from cells such as ``"1.1. Die Anzahl …"``
there; empty Handlungsfeld and Teilziel cells repeat the row above (the document's merged
cells); rows without a measure number are numbered per objective (see
:mod:`kitaplan.domain.planning.plan_rows`).

The constant target ``layout`` tells the persister which mapping read the file, so that its
problems name the file's own columns.
"""

from __future__ import annotations

from kitaplan.domain.planning.plan_rows import split_code
from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["GERMAN", "KEY", "MAPPINGS", "STANDARD", "column_of", "code_of", "text_of"]

KEY = ("plan_code", "plan_year", "field_code", "objective_code", "measure_code")
_YEAR_MIN, _YEAR_MAX = 1900, 2100


def code_of(text: str) -> str | None:
    """The code at the start of a cell (``"1.1. Die Anzahl …"`` → ``"1.1"``)."""
    return split_code(text)[0]


def text_of(text: str) -> str | None:
    """The text after the code of a cell (``"1.1. Die Anzahl …"`` → ``"Die Anzahl …"``)."""
    code, rest = split_code(text)
    return (rest if code is not None else text.strip()) or None


STANDARD = ColumnMapping(
    name="kitaplan-measures-plan",
    kind_of_import=ImportKind.MEASURES_PLAN,
    key=KEY,
    fields=(
        FieldSpec("layout", None, default="kitaplan"),
        FieldSpec("plan_code", "plan_code", required=True),
        FieldSpec(
            "plan_year",
            "plan_year",
            FieldKind.INTEGER,
            required=True,
            minimum=_YEAR_MIN,
            maximum=_YEAR_MAX,
        ),
        FieldSpec("field_code", "field_code"),
        FieldSpec("field_title", "field_title"),
        FieldSpec("objective_code", "objective_code"),
        FieldSpec("objective_text", "objective_text"),
        FieldSpec("measure_code", "measure_code"),
        FieldSpec("measure_text", "measure_text", required=True),
        FieldSpec("period", "period"),
        FieldSpec("start", "start", FieldKind.DATE),
        FieldSpec("end", "end", FieldKind.DATE),
        FieldSpec("participants", "participants"),
    ),
    ordered=(("start", "end"),),
    description=(
        "A measures plan: one row per measure with field of action, objective, period and "
        "participants, into the plan version given by plan_code and plan_year."
    ),
    source_note="kitaplan standard exchange format, see docs/data-formats.md",
)

GERMAN = ColumnMapping(
    name="massnahmenplan-de",
    kind_of_import=ImportKind.MEASURES_PLAN,
    key=(),
    fields=(
        FieldSpec("layout", None, default="de"),
        FieldSpec("plan_code", "Plan"),
        FieldSpec("plan_year", "Planjahr", FieldKind.INTEGER, minimum=_YEAR_MIN, maximum=_YEAR_MAX),
        FieldSpec("field_code", "Handlungsfeld", derive=code_of),
        FieldSpec("field_title", "Handlungsfeld", derive=text_of),
        FieldSpec("objective_code", "Teilziel", derive=code_of),
        FieldSpec("objective_text", "Teilziel", derive=text_of),
        FieldSpec("measure_code", "Nr."),
        FieldSpec("measure_text", "Maßnahmen", required=True),
        FieldSpec("period", "Zeitraum"),
        FieldSpec("start", "Beginn", FieldKind.DATE),
        FieldSpec("end", "Ende", FieldKind.DATE),
        FieldSpec("participants", "Beteiligte"),
    ),
    ordered=(("start", "end"),),
    description=(
        "The table layout of the Dresden strategy document (Handlungsfeld, Teilziel, "
        "Maßnahmen, Zeitraum, Beteiligte; optional Nr., Beginn, Ende, Plan, Planjahr): codes "
        "are read from the start of the Handlungsfeld and Teilziel cells, empty cells repeat "
        "the row above."
    ),
    source_note=(
        "Landeshauptstadt Dresden, Amt für Kindertagesbetreuung: Strategische Maßnahmen zur "
        "Umsetzung inklusiver Kindertagesbetreuung (Maßnahmenplanung 2020–2027)."
    ),
)

MAPPINGS: tuple[ColumnMapping, ...] = (STANDARD, GERMAN)
_BY_LAYOUT = {"kitaplan": STANDARD, "de": GERMAN}


def column_of(layout: str, target: str) -> str:
    """The file's column of ``target`` in the layout that read it."""
    mapping = _BY_LAYOUT.get(layout, STANDARD)
    return mapping.field(target).column
