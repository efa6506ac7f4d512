"""Attendance in qualification courses (de: Teilnahme, besuchte Unterrichtseinheiten).

One row per childminder and module of a course: the course's code, the childminder's register
number and the module are the key. The module is named by its title or by a day it was held on
(``date``); ``units`` is the teaching units (UE) the childminder attended in it. A childminder
not yet enrolled in the course is enrolled.

``kitaplan-attendance`` is the standard layout of ``docs/data-formats.md``; ``attendance-de``
reads the same records with German column names.
"""

from __future__ import annotations

from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["KEY", "MAPPINGS"]

KEY = ("course", "childminder_number", "module", "date")

#: (target, German column, kind, required) in the order of the standard layout
_COLUMNS: tuple[tuple[str, str, FieldKind, bool], ...] = (
    ("course", "Kurs", FieldKind.TEXT, True),
    ("childminder_number", "Tagespflegeperson", FieldKind.TEXT, True),
    ("module", "Modul", FieldKind.TEXT, False),
    ("date", "Datum", FieldKind.DATE, False),
    ("units", "UE", FieldKind.INTEGER, True),
)


def _spec(target: str, source: str, kind: FieldKind, required: bool) -> FieldSpec:
    if target == "units":
        return FieldSpec(target, source, kind, required=True, minimum=0, maximum=1000)
    if target == "module":
        return FieldSpec(target, source, kind, default="")
    return FieldSpec(target, source, kind, required=required)


def _mapping(name: str, *, german: bool, description: str, note: str) -> ColumnMapping:
    return ColumnMapping(
        name=name,
        kind_of_import=ImportKind.ATTENDANCE,
        key=KEY,
        fields=tuple(
            _spec(target, german_name if german else target, kind, required)
            for target, german_name, kind, required in _COLUMNS
        ),
        description=description,
        source_note=note,
    )


KITAPLAN_ATTENDANCE = _mapping(
    "kitaplan-attendance",
    german=False,
    description="Units (UE) a childminder attended per course module.",
    note="kitaplan standard exchange format, see docs/data-formats.md",
)

ATTENDANCE_DE = _mapping(
    "attendance-de",
    german=True,
    description="The same attendance from a spreadsheet with German column names.",
    note="German column names (Kurs, Tagespflegeperson, Modul, Datum, UE), see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_ATTENDANCE, ATTENDANCE_DE)
