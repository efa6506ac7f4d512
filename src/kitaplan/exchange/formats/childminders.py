"""Childminders with their care permit (de: Kindertagespflegeperson mit Pflegeerlaubnis).

One row per childminder and permit: the childminder's register number in the territory is the
key; the permit (§ 43 SGB VIII) is identified by its first day, so a renewal with a later
``permit_valid_from`` adds a permit and keeps the old one. ``permit_places`` is the most
children at the same time the permit allows (at most 5 by federal law).

``kitaplan-childminders`` is the standard layout of ``docs/data-formats.md``;
``childminders-de`` reads the same records from a spreadsheet with German column names.
"""

from __future__ import annotations

from kitaplan.domain.common.problems import ExpectationCode, expectation
from kitaplan.exchange.mappings import (
    ColumnMapping,
    FieldKind,
    FieldSpec,
    ImportKind,
    german_postcode,
)

__all__ = ["CARE_LOCATIONS", "KEY", "MAPPINGS", "MOST_PLACES", "STATUSES"]

_E = ExpectationCode

#: Codes of the childminding app's care locations and statuses (its model choices).
CARE_LOCATIONS = ("own_home", "parents_home", "rented_rooms", "group_practice")
STATUSES = ("active", "paused", "left")
#: § 43 para. 3 SGB VIII: at most five children at the same time.
MOST_PLACES = 5
KEY = ("number",)

#: (target, German column, kind, required) in the order of the standard layout
_COLUMNS: tuple[tuple[str, str, FieldKind, bool], ...] = (
    ("number", "Nummer", FieldKind.TEXT, True),
    ("name", "Name", FieldKind.TEXT, True),
    ("street", "Straße", FieldKind.TEXT, False),
    ("postcode", "PLZ", FieldKind.TEXT, False),
    ("city", "Ort", FieldKind.TEXT, False),
    ("lat", "Breitengrad", FieldKind.DECIMAL, False),
    ("lon", "Längengrad", FieldKind.DECIMAL, False),
    ("area_code", "Gebiet", FieldKind.TEXT, False),
    ("care_location", "Betreuungsort", FieldKind.CHOICE, True),
    ("service", "Fachberatung", FieldKind.TEXT, False),
    ("languages", "Sprachen", FieldKind.TEXT, False),
    ("inclusion_skills", "Inklusion", FieldKind.BOOLEAN, False),
    ("qualification", "Qualifikation", FieldKind.TEXT, False),
    ("experience_group", "Stufe", FieldKind.TEXT, False),
    ("status", "Status", FieldKind.CHOICE, False),
    ("permit_reference", "Erlaubnis Aktenzeichen", FieldKind.TEXT, False),
    ("permit_valid_from", "Erlaubnis gültig ab", FieldKind.DATE, True),
    ("permit_valid_to", "Erlaubnis gültig bis", FieldKind.DATE, True),
    ("permit_places", "Erlaubnis Plätze", FieldKind.INTEGER, True),
    ("permit_conditions", "Erlaubnis Auflagen", FieldKind.TEXT, False),
)


def _spec(target: str, source: str, kind: FieldKind, required: bool) -> FieldSpec:
    if target == "postcode":
        return FieldSpec(target, source, kind, derive=german_postcode)
    if target == "lat":
        return FieldSpec(
            target, source, kind, minimum=-90, maximum=90, expected=expectation(_E.WGS84_LATITUDE)
        )
    if target == "lon":
        return FieldSpec(
            target,
            source,
            kind,
            minimum=-180,
            maximum=180,
            expected=expectation(_E.WGS84_LONGITUDE),
        )
    if target == "care_location":
        return FieldSpec(target, source, kind, required=True, choices=CARE_LOCATIONS)
    if target == "status":
        # empty: a new childminder is active, a stored one keeps her status
        return FieldSpec(target, source, kind, choices=STATUSES)
    if target == "inclusion_skills":
        return FieldSpec(target, source, kind, default=False)
    if target == "permit_places":
        return FieldSpec(target, source, kind, required=True, minimum=0, maximum=MOST_PLACES)
    return FieldSpec(target, source, kind, required=required)


def _mapping(name: str, *, german: bool, description: str, note: str) -> ColumnMapping:
    return ColumnMapping(
        name=name,
        kind_of_import=ImportKind.CHILDMINDERS,
        key=KEY,
        fields=tuple(
            _spec(target, german_name if german else target, kind, required)
            for target, german_name, kind, required in _COLUMNS
        ),
        ordered=(("permit_valid_from", "permit_valid_to"),),
        description=description,
        source_note=note,
    )


KITAPLAN_CHILDMINDERS = _mapping(
    "kitaplan-childminders",
    german=False,
    description="Childminders (Kindertagespflegepersonen) with their care permit and its places.",
    note="kitaplan standard exchange format, see docs/data-formats.md",
)

CHILDMINDERS_DE = _mapping(
    "childminders-de",
    german=True,
    description="The same records from a spreadsheet with German column names.",
    note="German column names (Nummer, Name, …, Erlaubnis Plätze), see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_CHILDMINDERS, CHILDMINDERS_DE)
