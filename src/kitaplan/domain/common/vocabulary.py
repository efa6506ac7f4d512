"""Shared vocabulary of the city's data model (see docs/glossary.md).

Stored values are lowercase English codes; labels are worded by the web layer.
"""

from __future__ import annotations

from enum import StrEnum


class AgeGroup(StrEnum):
    """Age groups of places (de: Krippe 0–3, Kindergarten 3–6, Hort school age)."""

    U3 = "u3"
    UE3 = "ue3"
    SCHOOL = "school"


class ProviderType(StrEnum):
    """Kinds of provider (de: Trägerart)."""

    MUNICIPAL = "municipal"
    NON_PROFIT = "non_profit"
    CHURCH = "church"
    PARENT_INITIATIVE = "parent_initiative"
    COMPANY = "company"
    OTHER = "other"


class IndicatorDirection(StrEnum):
    """How to read an indicator (de: Wirkungsrichtung)."""

    HIGHER_IS_WORSE = "higher_is_worse"
    HIGHER_IS_BETTER = "higher_is_better"
    NEUTRAL = "neutral"


class PopulationMethod(StrEnum):
    """How a population count came about."""

    COUNTED = "counted"
    DISAGGREGATED = "disaggregated"
    ESTIMATED = "estimated"


#: Single years of age the model keeps for Kita planning (0 .. 6 inclusive).
KITA_AGES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
