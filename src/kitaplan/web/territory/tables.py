"""Columns of area lists and data exports, shared by pages, exports and the CLI.

The population and indicator-value columns use the keys of the kitaplan standard import formats
(docs/data-formats.md) as their headers, so an export can be imported again unchanged.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.exports import Column

AREA_COLUMNS = [
    Column("official_code", _("Code"), lambda s: s.area.official_code),
    Column("name", _("Name"), lambda s: s.area.name),
    Column("level", _("Level"), lambda s: s.area.level.name),
    Column("parent", _("Part of"), lambda s: s.area.parent.name if s.area.parent else ""),
    Column("children_u3", _("Children under 3"), lambda s: s.children_u3),
    Column("children_ue3", _("Children 3 to under 6"), lambda s: s.children_ue3),
    Column("facilities", _("Facilities"), lambda s: s.facilities),
    Column("places_u3", _("Places under 3"), lambda s: s.places_u3),
    Column("places_ue3", _("Places 3 and over"), lambda s: s.places_ue3),
    Column(
        "places_per_100_children",
        _("Places per 100 children under 6"),
        lambda s: s.places_per_100_children,
    ),
    Column("area_km2", _("Size (km²)"), lambda s: s.area.area_km2),
]

POPULATION_COLUMNS = [
    Column("area_code", "area_code", lambda c: c.area.official_code),
    Column("year", "year", lambda c: c.year),
    Column("age", "age", lambda c: c.age),
    Column("count", "count", lambda c: c.count),
    Column("method", "method", lambda c: c.method),
    Column("source", "source", lambda c: c.source),
]

INDICATOR_VALUE_COLUMNS = [
    Column("indicator_code", "indicator_code", lambda v: v.indicator.code),
    Column("area_code", "area_code", lambda v: v.area.official_code),
    Column("year", "year", lambda v: v.year),
    Column("value", "value", lambda v: v.value),
]
