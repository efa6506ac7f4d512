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
from kitaplan.web.allocation.models import AllocationRound, Application, Offer
from kitaplan.web.allocation.selectors import offers_by_application
from kitaplan.web.allocation.services import district_codes
from kitaplan.web.territory.models import Area


def _place_key(place: Any) -> str:
    return f"{place._meta.model_name}:{place.pk}"


def _outcome(
    app: Application, code: str, name: str, age_group: str, history: list[Offer]
) -> ApplicationOutcome:
    """The application for :func:`round_figures`; ``history`` its offers, oldest first."""
    area = app.home_area
    first = min(app.choices.all(), key=lambda c: c.rank, default=None)
    holding = next((o for o in reversed(history) if o.status in Offer.HOLDING), None)
    place = holding.place if holding is not None else None
    return ApplicationOutcome(
        area_code=code,
        area_name=name,
        age_group=age_group,
        integration_need=app.integration_need,
        offered=bool(history),
        held_place=_place_key(place) if place is not None else None,
        accepted=holding is not None and holding.status == Offer.ACCEPTED,
        first_choice=_place_key(first.place) if first is not None else None,
        home_lat=app.home_lat,
        home_lon=app.home_lon,
        area_lat=area.centroid_lat,
        area_lon=area.centroid_lon,
        place_lat=place.lat if place is not None else None,
        place_lon=place.lon if place is not None else None,
    )


def round_statistics(round_: AllocationRound) -> RoundFigures:
    districts = district_codes(round_)
    names = dict(
        Area.objects.filter(territory=round_.territory).values_list("official_code", "name")
    )
    apps = (
        Application.objects.filter(round=round_, withdrawn=False)
        .select_related("home_area")
        .prefetch_related("choices__facility", "choices__childminder")
    )
    offers = offers_by_application(round_)
    outcomes = []
    for app in apps:
        age = age_group_at(app.birth_date, round_.care_start)
        code = districts.get(app.home_area.pk, app.home_area.official_code)
        outcomes.append(
            _outcome(
                app,
                code,
                names.get(code, code),
                age.value if age else NO_AGE_GROUP,
                offers.get(app.pk, []),
            )
        )
    return round_figures(outcomes, has_offers=bool(offers))


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
