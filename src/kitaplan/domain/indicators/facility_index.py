"""A facility's social index from the areas its children live in (de: Sozialindex der Kita).

Issue 5, item 4: "each facility's need level from the areas its children live in (where
enrolment data exists) or from its own area". Method (see docs/domain/social-index.md):

1. For every facility, count the enrolled children by **home area** (the caller decides what
   counts as enrolled; kitaplan's web layer uses accepted place offers of the allocation rounds).
2. A child is **known** when its home area has an index value. The facility's home-area index is
   the **child-weighted mean** of the home areas' index values:
   ``Σ n_a · index_a / Σ n_a`` over the home areas ``a`` with a value (``n_a`` children from ``a``).
   Its class is the class band of that mean (the same bands as the area index).
3. The **share of children from areas of high need** is the number of children whose home area
   has a class in ``high_need_classes`` (MSS status: 3 niedrig, 4 sehr niedrig – the two classes
   of highest need) divided by the number of children whose home area has a class.
4. **Basis.** With the basis "home areas", the home-area index and its class are used when at least
   ``min_children`` children are known; otherwise the facility's own area's index and class
   (``own_area_fallback``). With the basis "own area" the own area is always used. A facility
   with neither gets no need level (``none``).

Pure and typed: no Django, no wording (the web layer words the codes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kitaplan.domain.indicators.index import ClassBand

#: The default least number of known children for the home-area basis.
DEFAULT_MIN_CHILDREN = 10
#: MSS status classes of the highest need: 3 niedrig (low), 4 sehr niedrig (very low status).
HIGH_NEED_CLASSES: frozenset[int] = frozenset({3, 4})


class NeedBasis(StrEnum):
    """What the planner asks for."""

    OWN_AREA = "own_area"
    HOME_AREAS = "home_areas"


class BasisUsed(StrEnum):
    """What a facility's need level was taken from."""

    HOME_AREAS = "home_areas"
    OWN_AREA = "own_area"
    OWN_AREA_FALLBACK = "own_area_fallback"
    NONE = "none"


@dataclass(frozen=True)
class AreaNeed:
    """An area's index value and class (either may be missing)."""

    index: float | None = None
    need_class: int | None = None


@dataclass(frozen=True)
class FacilityChildren:
    """A facility, the area it lies in, and its enrolled children per home area."""

    facility_key: str
    own_area: str | None
    children_by_home_area: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FacilityNeed:
    """A facility's need level and how it was found."""

    facility_key: str
    basis: BasisUsed
    index: float | None
    need_class: int | None
    own_index: float | None
    own_class: int | None
    #: enrolled children with a recorded home area
    enrolled: int
    #: of them, children whose home area has an index value
    known: int
    #: child-weighted mean index of the home areas (None without known children)
    home_index: float | None
    home_class: int | None
    #: children whose home area has a class, and of them those in a high-need class
    with_class: int
    high_need: int

    @property
    def high_need_share(self) -> float | None:
        return self.high_need / self.with_class if self.with_class else None


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def classify(value: float, bands: Sequence[ClassBand]) -> int:
    """The class code of the first band whose upper bound ``value`` does not exceed."""
    for band in bands:
        if value <= band.upper:
            return band.code
    return bands[-1].code


def facility_need(
    facility: FacilityChildren,
    areas: Mapping[str, AreaNeed],
    *,
    basis: NeedBasis,
    bands: Sequence[ClassBand],
    min_children: int = DEFAULT_MIN_CHILDREN,
    high_need_classes: frozenset[int] = HIGH_NEED_CLASSES,
) -> FacilityNeed:
    """The need level of one facility (see the module's method)."""
    if min_children < 1:
        raise ValueError("min_children must be at least 1.")
    if not bands:
        raise ValueError("At least one class band is needed.")
    enrolled = known = with_class = high_need = 0
    weighted = []
    for area_key, count in sorted(facility.children_by_home_area.items()):
        if count < 0:
            raise ValueError(f"Negative number of children for area {area_key!r}.")
        if count == 0:
            continue
        enrolled += count
        area = areas.get(area_key)
        if area is None:
            continue
        index = _finite(area.index)
        if index is not None:
            known += count
            weighted.append(count * index)
        if area.need_class is not None:
            with_class += count
            if area.need_class in high_need_classes:
                high_need += count
    home_index = math.fsum(weighted) / known if known else None
    home_class = classify(home_index, bands) if home_index is not None else None
    own = areas.get(facility.own_area) if facility.own_area is not None else None
    own_index = _finite(own.index) if own else None
    own_class = own.need_class if own else None
    if basis == NeedBasis.HOME_AREAS and known >= min_children:
        used, index_used, class_used = BasisUsed.HOME_AREAS, home_index, home_class
    elif own_index is None and own_class is None:
        used, index_used, class_used = BasisUsed.NONE, None, None
    else:
        used = BasisUsed.OWN_AREA if basis == NeedBasis.OWN_AREA else BasisUsed.OWN_AREA_FALLBACK
        index_used, class_used = own_index, own_class
    return FacilityNeed(
        facility_key=facility.facility_key,
        basis=used,
        index=index_used,
        need_class=class_used,
        own_index=own_index,
        own_class=own_class,
        enrolled=enrolled,
        known=known,
        home_index=home_index,
        home_class=home_class,
        with_class=with_class,
        high_need=high_need,
    )


def facility_needs(
    facilities: Iterable[FacilityChildren],
    areas: Mapping[str, AreaNeed],
    *,
    basis: NeedBasis,
    bands: Sequence[ClassBand],
    min_children: int = DEFAULT_MIN_CHILDREN,
    high_need_classes: frozenset[int] = HIGH_NEED_CLASSES,
) -> dict[str, FacilityNeed]:
    """The need level of every facility, by facility key."""
    return {
        f.facility_key: facility_need(
            f,
            areas,
            basis=basis,
            bands=bands,
            min_children=min_children,
            high_need_classes=high_need_classes,
        )
        for f in facilities
    }
