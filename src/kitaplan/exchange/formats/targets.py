"""Target rules of a territory (de: Zielvorgaben der Bedarfsplanung, Ampel).

One row per rule: its code in the territory is the key. A rule names a metric (the stable codes
of :class:`kitaplan.domain.planning.targets.TargetMetric`), the area level it is evaluated for
(the level's code in the territory), a comparison (``at_least``/``at_most``), a threshold and
a tolerance in the metric's unit (amber), and optionally the planning years it applies to.

``kitaplan-targets`` is the standard layout of ``docs/data-formats.md``; ``targets-de`` reads
the same records from a spreadsheet with German column names and comparisons (``mindestens``,
``höchstens``, ``≥``, ``≤``).
"""

from __future__ import annotations

from decimal import Decimal

from kitaplan.domain.planning.targets import Comparison, TargetMetric
from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["COMPARISONS", "KEY", "MAPPINGS", "METRICS", "german_comparison"]

METRICS = tuple(metric.value for metric in TargetMetric)
COMPARISONS = tuple(comparison.value for comparison in Comparison)
KEY = ("code",)
_YEARS = (1900, 2100)

_GERMAN_COMPARISONS = {
    "mindestens": Comparison.AT_LEAST.value,
    "≥": Comparison.AT_LEAST.value,
    ">=": Comparison.AT_LEAST.value,
    "höchstens": Comparison.AT_MOST.value,
    "≤": Comparison.AT_MOST.value,
    "<=": Comparison.AT_MOST.value,
}


def german_comparison(text: str) -> str | None:
    """``mindestens``/``≥`` → ``at_least``, ``höchstens``/``≤`` → ``at_most``; others as given."""
    return _GERMAN_COMPARISONS.get(text.strip().lower(), text)


#: (target, German column, kind, required) in the order of the standard layout
_COLUMNS: tuple[tuple[str, str, FieldKind, bool], ...] = (
    ("code", "Kürzel", FieldKind.TEXT, True),
    ("name", "Ziel", FieldKind.TEXT, True),
    ("metric", "Kennzahl", FieldKind.CHOICE, True),
    ("level", "Ebene", FieldKind.TEXT, True),
    ("comparison", "Vergleich", FieldKind.CHOICE, False),
    ("threshold", "Schwelle", FieldKind.DECIMAL, True),
    ("tolerance", "Toleranz", FieldKind.DECIMAL, False),
    ("valid_from_year", "Gültig ab Jahr", FieldKind.INTEGER, False),
    ("valid_to_year", "Gültig bis Jahr", FieldKind.INTEGER, False),
    ("source", "Quelle", FieldKind.TEXT, False),
    ("active", "Aktiv", FieldKind.BOOLEAN, False),
)


def _spec(target: str, source: str, kind: FieldKind, required: bool, *, german: bool) -> FieldSpec:
    if target == "metric":
        return FieldSpec(target, source, kind, required=True, choices=METRICS)
    if target == "comparison":
        return FieldSpec(
            target,
            source,
            kind,
            choices=COMPARISONS,
            default=Comparison.AT_LEAST.value,
            derive=german_comparison if german else None,
        )
    if target == "tolerance":
        return FieldSpec(target, source, kind, default=Decimal(0), minimum=0)
    if target in ("valid_from_year", "valid_to_year"):
        return FieldSpec(target, source, kind, minimum=_YEARS[0], maximum=_YEARS[1])
    if target == "source":
        return FieldSpec(target, source, kind, default="")
    # active: empty keeps a stored rule's state (a new rule is active)
    return FieldSpec(target, source, kind, required=required)


def _mapping(name: str, *, german: bool, description: str, note: str) -> ColumnMapping:
    return ColumnMapping(
        name=name,
        kind_of_import=ImportKind.TARGETS,
        key=KEY,
        fields=tuple(
            _spec(target, german_name if german else target, kind, required, german=german)
            for target, german_name, kind, required in _COLUMNS
        ),
        ordered=(("valid_from_year", "valid_to_year"),),
        description=description,
        source_note=note,
    )


KITAPLAN_TARGETS = _mapping(
    "kitaplan-targets",
    german=False,
    description="Target rules (Zielvorgaben): metric, level, comparison, threshold per rule.",
    note="kitaplan standard exchange format, see docs/data-formats.md",
)

TARGETS_DE = _mapping(
    "targets-de",
    german=True,
    description="The same rules from a spreadsheet with German column names.",
    note="German column names (Kürzel, Ziel, Kennzahl, Ebene, …), see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_TARGETS, TARGETS_DE)
