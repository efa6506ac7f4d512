"""Qualification courses (de: Qualifizierungskurse der Kindertagespflege).

One row per course: its code in the territory is the key. A course belongs to a programme (the
programme's code, e.g. ``QHB``) and is run by an education provider (Bildungsträger, by name;
a provider the territory does not know yet is added). ``units`` is the course's teaching units
(UE) and ``places`` how many participants it takes.

``kitaplan-courses`` is the standard layout of ``docs/data-formats.md``; ``courses-de`` reads the
same records with German column names.
"""

from __future__ import annotations

from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["KEY", "MAPPINGS"]

KEY = ("code",)

#: (target, German column, kind, required) in the order of the standard layout
_COLUMNS: tuple[tuple[str, str, FieldKind, bool], ...] = (
    ("code", "Kurs", FieldKind.TEXT, True),
    ("title", "Titel", FieldKind.TEXT, True),
    ("programme", "Programm", FieldKind.TEXT, True),
    ("provider", "Bildungsträger", FieldKind.TEXT, True),
    ("start", "Beginn", FieldKind.DATE, True),
    ("end", "Ende", FieldKind.DATE, True),
    ("units", "UE", FieldKind.INTEGER, False),
    ("places", "Plätze", FieldKind.INTEGER, False),
)


def _spec(target: str, source: str, kind: FieldKind, required: bool) -> FieldSpec:
    if target == "units":
        return FieldSpec(target, source, kind, minimum=1, maximum=2000)
    if target == "places":
        return FieldSpec(target, source, kind, minimum=1, maximum=500)
    return FieldSpec(target, source, kind, required=required)


def _mapping(name: str, *, german: bool, description: str, note: str) -> ColumnMapping:
    return ColumnMapping(
        name=name,
        kind_of_import=ImportKind.COURSES,
        key=KEY,
        fields=tuple(
            _spec(target, german_name if german else target, kind, required)
            for target, german_name, kind, required in _COLUMNS
        ),
        ordered=(("start", "end"),),
        description=description,
        source_note=note,
    )


KITAPLAN_COURSES = _mapping(
    "kitaplan-courses",
    german=False,
    description="Qualification courses: programme, provider, start and end, UE and places.",
    note="kitaplan standard exchange format, see docs/data-formats.md",
)

COURSES_DE = _mapping(
    "courses-de",
    german=True,
    description="The same courses from a spreadsheet with German column names.",
    note="German column names (Kurs, Titel, Programm, Bildungsträger, …), see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_COURSES, COURSES_DE)
