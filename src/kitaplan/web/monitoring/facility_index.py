"""Reads for the facility social index: enrolled children by home area, the areas' index values.

The computation is the domain's (:mod:`kitaplan.domain.indicators.facility_index`); this module
only gathers what it needs:

* **Enrolment data** are the allocation rounds' place offers that a family **accepted**
  (``Offer.status == accepted``, at a facility, application not withdrawn), counted per facility
  and the application's **home area** – the only record of where a facility's children live that
  kitaplan keeps. Every round counts, whatever its care start.
* **Index values** are the MSS status index (``mss_status_index``) and status class
  (``mss_status_class``) of each area, latest year with a value, as the Sozialraumbudget uses.

The same numbers feed the monitoring page ``/monitoring/facilities/`` and the budget runs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone

from kitaplan.domain.indicators.facility_index import (
    DEFAULT_MIN_CHILDREN,
    AreaNeed,
    FacilityChildren,
    FacilityNeed,
    NeedBasis,
    facility_needs,
)
from kitaplan.domain.indicators.index import MSS_2021_STATUS
from kitaplan.domain.indicators.periods import latest_values
from kitaplan.web.allocation.models import Offer
from kitaplan.web.core.validity import valid_on
from kitaplan.web.facilities.models import Facility
from kitaplan.web.facilities.selectors import facilities_visible_to
from kitaplan.web.monitoring.timeseries import districts_of
from kitaplan.web.territory.models import Area, IndicatorValue, Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

CLASS_CODE = MSS_2021_STATUS.published_class_code or "mss_status_class"
INDEX_CODE = MSS_2021_STATUS.published_index_code or "mss_status_index"
BANDS = MSS_2021_STATUS.bands


def area_needs(territory: Territory) -> dict[str, AreaNeed]:
    """Every area of ``territory`` with an index value or class (area pk as text)."""
    values = IndicatorValue.objects.filter(area__territory=territory)
    classes = latest_values(
        values.filter(indicator__code=CLASS_CODE).values_list("area_id", "year", "value")
    )
    indexes = latest_values(
        values.filter(indicator__code=INDEX_CODE).values_list("area_id", "year", "value")
    )
    return {
        str(pk): AreaNeed(
            index=indexes.get(pk),
            need_class=int(classes[pk]) if pk in classes else None,
        )
        for pk in set(classes) | set(indexes)
    }


def enrolled_by_home_area(
    territory: Territory, facility_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """facility pk → home area pk (text) → children holding an accepted place offer there
    (for the facilities of ``territory`` among ``facility_ids``)."""
    wanted = set(facility_ids)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Offer.objects.filter(
            status=Offer.ACCEPTED,
            facility__territory=territory,
            application__withdrawn=False,
        )
        .values("facility_id", "application__home_area_id")
        .annotate(n=Count("application", distinct=True))
        .values_list("facility_id", "application__home_area_id", "n")
    )
    for facility_id, area_id, n in rows:
        if facility_id in wanted:
            out[facility_id][str(area_id)] = n
    return dict(out)


@dataclass(frozen=True)
class NeedTable:
    """The need level of facilities of one territory, by facility pk."""

    basis: NeedBasis
    min_children: int
    needs: dict[int, FacilityNeed]


def needs_of(
    territory: Territory,
    facilities: Iterable[tuple[int, int | None]],
    *,
    basis: NeedBasis = NeedBasis.HOME_AREAS,
    min_children: int = DEFAULT_MIN_CHILDREN,
) -> NeedTable:
    """The need level of ``facilities`` ((facility pk, own area pk) pairs) of ``territory``."""
    pairs = list(facilities)
    enrolled = enrolled_by_home_area(territory, (pk for pk, _area in pairs))
    result = facility_needs(
        (
            FacilityChildren(
                facility_key=str(pk),
                own_area=str(area_id) if area_id is not None else None,
                children_by_home_area=enrolled.get(pk, {}),
            )
            for pk, area_id in pairs
        ),
        area_needs(territory),
        basis=basis,
        bands=BANDS,
        min_children=min_children,
    )
    return NeedTable(basis, min_children, {int(k): v for k, v in result.items()})


@dataclass(frozen=True)
class VisibleNeed:
    """A facility the user may see, its district and its need level."""

    facility: Facility
    district: Area | None
    need: FacilityNeed


def visible_needs(
    user: AnyUser,
    territory: Territory,
    *,
    basis: NeedBasis,
    min_children: int,
    on: dt.date | None = None,
) -> list[VisibleNeed]:
    """The need level of the facilities of ``territory`` open on ``on`` (default today) that
    ``user`` may see, by official number."""
    facilities = list(
        facilities_visible_to(user)
        .filter(territory=territory)
        .filter(valid_on(on or timezone.localdate()))
        .select_related("area")
        .defer("area__geometry", "area__bbox")
        .order_by("official_number")
    )
    table = needs_of(
        territory, [(f.pk, f.area_id) for f in facilities], basis=basis, min_children=min_children
    )
    district_of, districts = districts_of(territory, [f.area for f in facilities if f.area])
    out = []
    for f in facilities:
        district_key = district_of.get(str(f.area_id)) if f.area_id else None
        district = districts.get(district_key) if district_key else None
        out.append(VisibleNeed(f, district, table.needs[f.pk]))
    return out
