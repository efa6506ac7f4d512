"""The area statistics with the facilities and places of each area (de: Gebietsstatistik).

``territory.selectors.area_statistics`` gives the population and indicators of every current
area; this module adds the facilities and their places valid on a day, summed at the finest
level and rolled up the hierarchy (``domain.territory.hierarchy``), with a fixed number of
queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from kitaplan.domain.territory.hierarchy import roll_up
from kitaplan.web.core.sums import sum64
from kitaplan.web.core.validity import valid_from_on
from kitaplan.web.facilities.models import FacilityPlaces
from kitaplan.web.territory import selectors as territory_selectors
from kitaplan.web.territory.models import Territory
from kitaplan.web.territory.selectors import AreaStatistics

#: Sum of the places query → attribute of :class:`AreaStatistics`.
PLACE_SUMS = (
    ("n", "facilities"),
    ("u3", "places_u3"),
    ("ue3", "places_ue3"),
    ("integ", "integration_places"),
)


def add_places(stats: dict[int, AreaStatistics], *, territory: Territory, day: dt.date) -> None:
    """Fill the facility and place counts of ``stats`` (every current area of ``territory``)
    with the places valid on ``day`` of the facilities not closed by then."""
    parent_of: dict[int, int | None] = {pk: s.area.parent_id for pk, s in stats.items()}
    places = (
        FacilityPlaces.objects.valid_on(day)
        .filter(facility__territory=territory, facility__area__isnull=False)
        .filter(valid_from_on(day, "facility__"))
        .values("facility__area_id")
        .annotate(
            n=Count("facility_id", distinct=True),
            u3=sum64("places_u3"),
            ue3=sum64("places_ue3"),
            integ=sum64("integration_places"),
        )
    )
    by_area: dict[str, dict[int, float]] = defaultdict(dict)
    for row in places:
        area_id = row["facility__area_id"]
        if area_id in parent_of:
            for key, _attr in PLACE_SUMS:
                by_area[key][area_id] = row[key] or 0
    for key, attr in PLACE_SUMS:
        for area_id, value in roll_up(by_area[key], parent_of).items():
            setattr(stats[area_id], attr, int(value))


def area_statistics(
    *,
    territory: Territory,
    year: int | None = None,
    day: dt.date | None = None,
    indicator_codes: tuple[str, ...] = (),
) -> tuple[dict[int, AreaStatistics], int | None]:
    """Statistics for every current area of the territory, keyed by area id, and the year used:
    population and indicators (``territory.selectors``) and the places valid on ``day``."""
    stats, year = territory_selectors.area_statistics(
        territory=territory, year=year, indicator_codes=indicator_codes
    )
    add_places(stats, territory=territory, day=day or timezone.localdate())
    return stats, year
