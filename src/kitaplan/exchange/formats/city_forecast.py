"""A citywide population forecast by year and single year of age (de: stadtweite
Bevölkerungsprognose nach Altersjahren).

One row per forecast year and age: the children (residents) of that age the city's own
forecast expects for the whole territory (e.g. Dresden's ``einwohner-prognose_md8_…csv``,
2025–2040). Shared out over the areas by their births (:mod:`.births`), it gives the forecast
of a city without children by age per area (``domain.planning.forecast_births``).

Key: ``year``, ``age``. ``kitaplan-city-forecast`` is the standard layout of
``docs/data-formats.md``.
"""

from __future__ import annotations

from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["KEY", "KITAPLAN_CITY_FORECAST", "MAPPINGS"]

KEY = ("year", "age")

KITAPLAN_CITY_FORECAST = ColumnMapping(
    name="kitaplan-city-forecast",
    kind_of_import=ImportKind.CITY_FORECAST,
    key=KEY,
    fields=(
        FieldSpec("year", "year", FieldKind.INTEGER, required=True, minimum=1900, maximum=2100),
        FieldSpec("age", "age", FieldKind.INTEGER, required=True, minimum=0, maximum=17),
        FieldSpec("count", "count", FieldKind.INTEGER, required=True, minimum=0),
        FieldSpec("source", "source", FieldKind.TEXT, default=""),
    ),
    description="The city's own population forecast per year and single year of age.",
    source_note="kitaplan standard exchange format, see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_CITY_FORECAST,)
