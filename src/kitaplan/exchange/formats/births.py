"""Live births per area and year (de: Lebendgeborene je Stadtteil und Jahr).

One row per area of the territory's finest level and calendar year: the children born alive
that year to mothers living in the area (the register's count, e.g. Dresden's
``einwohner_geborene_md121_<year>_…csv``). Together with a citywide forecast by age
(:mod:`kitaplan.exchange.formats.city_forecast`) they give a forecast per area for a city that
publishes no children by age per area (``domain.planning.forecast_births``).

Key: ``area_code``, ``year``. ``kitaplan-births`` is the standard layout of
``docs/data-formats.md``.
"""

from __future__ import annotations

from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["KEY", "KITAPLAN_BIRTHS", "MAPPINGS"]

KEY = ("area_code", "year")

KITAPLAN_BIRTHS = ColumnMapping(
    name="kitaplan-births",
    kind_of_import=ImportKind.BIRTHS,
    key=KEY,
    fields=(
        FieldSpec("area_code", "area_code", FieldKind.TEXT, required=True),
        FieldSpec("year", "year", FieldKind.INTEGER, required=True, minimum=1900, maximum=2100),
        FieldSpec("count", "count", FieldKind.INTEGER, required=True, minimum=0),
        FieldSpec("source", "source", FieldKind.TEXT, default=""),
    ),
    description="Live births per area (finest level) and calendar year.",
    source_note="kitaplan standard exchange format, see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_BIRTHS,)
