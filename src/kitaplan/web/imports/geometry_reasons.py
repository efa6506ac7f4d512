"""GEOS' reasons for an invalid geometry, worded for people (msgids English as GEOS says them).

The exchange layer refuses an invalid polygon with ``VALID_POLYGON_REASON`` and GEOS' reason
name (``shapely.validation.explain_validity``) as the parameter ``geometry_reason``; the
imports app registers :func:`word_geometry_reason` for that parameter. A reason GEOS adds in a
later version is shown as GEOS states it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

__all__ = ["GEOS_REASONS", "word_geometry_reason"]

#: The reasons GEOS' IsValidOp states (``TopologyValidationError``), as msgids.
GEOS_REASONS: dict[str, str] = {
    "Self-intersection": gettext_noop("a self-intersection"),
    "Ring Self-intersection": gettext_noop("a ring that intersects itself"),
    "Hole lies outside shell": gettext_noop("a hole outside its outer boundary"),
    "Holes are nested": gettext_noop("a hole inside another hole"),
    "Interior is disconnected": gettext_noop("an interior split into parts"),
    "Nested shells": gettext_noop("an outer boundary inside another one"),
    "Duplicate Rings": gettext_noop("a ring given twice"),
    "Too few points in geometry component": gettext_noop("a part with too few points"),
    "Invalid Coordinate": gettext_noop("an invalid coordinate"),
    "Ring is not closed": gettext_noop("a ring that is not closed"),
    "Repeated Point": gettext_noop("a repeated point"),
    "Topology Validation Error": gettext_noop("a topology error"),
}


def word_geometry_reason(reason: str) -> str:
    """GEOS' reason in the active language; an unknown one as GEOS states it."""
    wording = GEOS_REASONS.get(reason)
    return _(wording) if wording is not None else reason
