"""Figures of a round for the office and for planning: applications, offers, unplaced children by
area and age group, first-choice rate and distance from home to the offered place.

Read from the current state of offers (not from one run), so the figures include answers and
follow-up runs; counted by :func:`kitaplan.domain.allocation.figures.round_figures`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kitaplan.domain.allocation import age_group_at
from kitaplan.domain.allocation.figures import (
    NO_AGE_GROUP,
    ApplicationOutcome,
    RoundFigures,
    round_figures,
)
from kitaplan.web.allocation.models import (
    AllocationRound,
    Application,
    ApplicationChoice,
    Offer,
)
from kitaplan.web.allocation.services import district_codes
from kitaplan.web.territory.models import Area


def _place_key(facility_id: int | None, childminder_id: int | None) -> str | None:
    """A place compared by key only: ``facility:<pk>`` or ``childminder:<pk>``."""
    if facility_id is not None:
        return f"facility:{facility_id}"
    if childminder_id is not None:
        return f"childminder:{childminder_id}"
    return None


def _held_places(round_: AllocationRound) -> dict[int, tuple[str, Any, Any, Any, Any]]:
    """Application id → (status, facility id, childminder id, lat, lon) of the latest offer
    it holds (open or accepted): flat rows, no model instances."""
    held: dict[int, tuple[str, Any, Any, Any, Any]] = {}
    rows = (
        Offer.objects.filter(application__round=round_, status__in=Offer.HOLDING)
        .order_by("run__number", "pk")
        .values_list(
            "application_id",
            "status",
            "facility_id",
            "childminder_id",
            "facility__lat",
            "facility__lon",
            "childminder__lat",
            "childminder__lon",
        )
    )
    for app_id, status, facility, childminder, f_lat, f_lon, c_lat, c_lon in rows:
        if facility is not None:
            held[app_id] = (status, facility, None, f_lat, f_lon)
        else:
            held[app_id] = (status, None, childminder, c_lat, c_lon)
    return held


def _first_choices(round_: AllocationRound) -> dict[int, str | None]:
    """Application id → the key of its first choice (the smallest rank)."""
    first: dict[int, str | None] = {}
    for app_id, facility, childminder in (
        ApplicationChoice.objects.filter(application__round=round_, application__withdrawn=False)
        .order_by("-rank")
        .values_list("application_id", "facility_id", "childminder_id")
    ):
        first[app_id] = _place_key(facility, childminder)  # the last row has the lowest rank
    return first


def round_statistics(round_: AllocationRound) -> RoundFigures:
    """The figures of the round from flat rows (five queries, whatever its size)."""
    districts = district_codes(round_)
    names = dict(
        Area.objects.filter(territory=round_.territory).values_list("official_code", "name")
    )
    held = _held_places(round_)
    first = _first_choices(round_)
    offered = set(
        Offer.objects.filter(application__round=round_)
        .order_by()
        .values_list("application_id", flat=True)
        .distinct()
    )
    apps = (
        Application.objects.filter(round=round_, withdrawn=False)
        .order_by("round", "reference")
        .values_list(
            "pk",
            "birth_date",
            "integration_need",
            "home_lat",
            "home_lon",
            "home_area_id",
            "home_area__official_code",
            "home_area__centroid_lat",
            "home_area__centroid_lon",
        )
    )
    outcomes = []
    for pk, birth, need, lat, lon, area_id, area_code, area_lat, area_lon in apps:
        age = age_group_at(birth, round_.care_start)
        code = districts.get(area_id, area_code)
        holding = held.get(pk)
        outcomes.append(
            ApplicationOutcome(
                area_code=code,
                area_name=names.get(code, code),
                age_group=age.value if age else NO_AGE_GROUP,
                integration_need=need,
                offered=pk in offered,
                held_place=_place_key(holding[1], holding[2]) if holding else None,
                accepted=holding is not None and holding[0] == Offer.ACCEPTED,
                first_choice=first.get(pk),
                home_lat=lat,
                home_lon=lon,
                area_lat=area_lat,
                area_lon=area_lon,
                place_lat=holding[3] if holding else None,
                place_lon=holding[4] if holding else None,
            )
        )
    return round_figures(outcomes, has_offers=bool(offered))


def unplaced_by_area(round_: AllocationRound) -> dict[tuple[int, str], int]:
    """Children without an offer (not withdrawn, never offered a place or still waiting) by home
    area and age group: the demand the round's places did not meet (de: beobachteter Bedarf)."""
    holding_or_left = set(
        Offer.objects.filter(application__round=round_).values_list("application_id", flat=True)
    )
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for pk, area_id, birth in Application.objects.filter(round=round_, withdrawn=False).values_list(
        "pk", "home_area_id", "birth_date"
    ):
        if pk in holding_or_left:
            continue
        age = age_group_at(birth, round_.care_start)
        if age is not None:
            counts[(area_id, age.value)] += 1
    return dict(counts)


def latest_round_with_offers(territory_id: int) -> AllocationRound | None:
    return (
        AllocationRound.objects.filter(territory_id=territory_id, runs__published_at__isnull=False)
        .distinct()
        .order_by("-care_start", "-pk")
        .first()
    )
