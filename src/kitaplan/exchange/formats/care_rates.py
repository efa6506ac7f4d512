"""Care-rate sets of a territory (de: Bedarfs- bzw. Versorgungsquoten je Altersjahr).

One row per set: the share (0–1) of the children of each single year of age 0–5 who need a
place, the share with an integration need, and the set's validity: it applies from
``valid_from_year`` on (until a later set), to all areas or, with ``class_indicator`` and
``class_value``, only to areas whose value of that indicator equals the class value (e.g. the
MSS status class). Several sets of the same year and class are told apart by ``name`` (e.g. a
draft beside the adopted rates); only the active one applies.

Key: ``valid_from_year``, ``name``, ``class_indicator``, ``class_value``.

``kitaplan-care-rates`` is the standard layout of ``docs/data-formats.md``;
``care-rates-de`` reads the same records from a spreadsheet with German column names.
"""

from __future__ import annotations

from decimal import Decimal

from kitaplan.domain.common.problems import ExpectationCode, expectation
from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["AGES", "KEY", "MAPPINGS", "RATE_TARGETS"]

_E = ExpectationCode

#: The single years of age a set gives a rate for (the planning page's ages).
AGES = tuple(range(6))
RATE_TARGETS = tuple(f"rate_{age}" for age in AGES)
KEY = ("valid_from_year", "name", "class_indicator", "class_value")
_SHARE = expectation(_E.NUMBER_RANGE, low=0, high=1)

#: (target, German column, kind, required) in the order of the standard layout
_COLUMNS: tuple[tuple[str, str, FieldKind, bool], ...] = (
    ("valid_from_year", "Gültig ab Jahr", FieldKind.INTEGER, True),
    ("name", "Variante", FieldKind.TEXT, False),
    ("class_indicator", "Indikator", FieldKind.TEXT, False),
    ("class_value", "Klassenwert", FieldKind.DECIMAL, False),
    *((f"rate_{age}", f"Alter {age}", FieldKind.DECIMAL, True) for age in AGES),
    ("integration_rate", "Integrationsbedarf", FieldKind.DECIMAL, False),
    ("source", "Quelle", FieldKind.TEXT, False),
    ("active", "Aktiv", FieldKind.BOOLEAN, False),
)


def _spec(target: str, source: str, kind: FieldKind, required: bool) -> FieldSpec:
    if target == "valid_from_year":
        return FieldSpec(target, source, kind, required=True, minimum=1900, maximum=2100)
    if target in RATE_TARGETS:
        return FieldSpec(target, source, kind, required=True, minimum=0, maximum=1, expected=_SHARE)
    if target == "integration_rate":
        return FieldSpec(
            target, source, kind, default=Decimal(0), minimum=0, maximum=1, expected=_SHARE
        )
    if target in ("name", "source"):
        return FieldSpec(target, source, kind, default="")
    # class_indicator, class_value: both or neither (checked where stored);
    # active: empty keeps a stored set's state (see web.planning.imports)
    return FieldSpec(target, source, kind, required=required)


def _mapping(name: str, *, german: bool, description: str, note: str) -> ColumnMapping:
    return ColumnMapping(
        name=name,
        kind_of_import=ImportKind.CARE_RATES,
        key=KEY,
        fields=tuple(
            _spec(target, german_name if german else target, kind, required)
            for target, german_name, kind, required in _COLUMNS
        ),
        description=description,
        source_note=note,
    )


KITAPLAN_CARE_RATES = _mapping(
    "kitaplan-care-rates",
    german=False,
    description="Care-rate sets (Bedarfsquoten): the share needing a place per age 0-5.",
    note="kitaplan standard exchange format, see docs/data-formats.md",
)

CARE_RATES_DE = _mapping(
    "care-rates-de",
    german=True,
    description="The same sets from a spreadsheet with German column names.",
    note="German column names (Gültig ab Jahr, Variante, Alter 0 … Alter 5, …), see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_CARE_RATES, CARE_RATES_DE)
