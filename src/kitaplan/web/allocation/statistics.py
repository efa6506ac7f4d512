"""Figures of a round for the office and for planning: applications, offers, unplaced children by
area and age group, first-choice rate and distance from home to the offered place.

Read from the current state of offers (not from one run), so the figures include answers and
follow-up runs. Distances are straight lines (haversine) from the home point, or the centroid
of the home area where no point was given, to the facility.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from statistics import median

from kitaplan.domain.allocation import age_group_at
from kitaplan.domain.territory.geometry import haversine_km
from kitaplan.web.allocation.models import AllocationRound, Application, Offer
from kitaplan.web.allocation.services import district_codes
from kitaplan.web.territory.models import Area


@dataclass
class Row:
    key: str
    name: str
    age_group: str
    applications: int = 0
    holding: int = 0
    accepted: int = 0
    left: int = 0
    unplaced: int = 0
    first_choice: int = 0
    integration_need: int = 0
    integration_unplaced: int = 0
    distances: list[float] = field(default_factory=list)

    @property
    def first_choice_share(self) -> float | None:
        return self.first_choice / self.holding if self.holding else None

    @property
    def median_distance(self) -> float | None:
        return median(self.distances) if self.distances else None


@dataclass
class RoundStatistics:
    rows: list[Row]
    total: Row
    has_offers: bool


def round_statistics(round_: AllocationRound) -> RoundStatistics:
    districts = district_codes(round_)
    names = dict(
        Area.objects.filter(territory=round_.territory).values_list("official_code", "name")
    )
    apps = (
        Application.objects.filter(round=round_, withdrawn=False)
        .select_related("home_area")
        .prefetch_related("choices")
    )
    offers: dict[int, list[Offer]] = defaultdict(list)
    for offer in (
        Offer.objects.filter(application__round=round_)
        .select_related("facility", "childminder")
        .order_by("run__number", "pk")
    ):
        offers[offer.application_id].append(offer)
    rows: dict[tuple[str, str], Row] = {}
    total = Row("", "", "")
    for app in apps:
        age = age_group_at(app.birth_date, round_.care_start)
        age_value = age.value if age else "–"
        area = app.home_area
        code = districts.get(area.pk, area.official_code)
        row = rows.setdefault((code, age_value), Row(code, names.get(code, code), age_value))
        first = min(app.choices.all(), key=lambda c: c.rank, default=None)
        history = offers.get(app.pk, [])
        holding = next((o for o in reversed(history) if o.status in Offer.HOLDING), None)
        for target in (row, total):
            target.applications += 1
            target.integration_need += app.integration_need
            if holding is not None:
                target.holding += 1
                target.accepted += holding.status == Offer.ACCEPTED
                target.first_choice += first is not None and first.place == holding.place
                lat = app.home_lat if app.home_lat is not None else area.centroid_lat
                lon = app.home_lon if app.home_lon is not None else area.centroid_lon
                if lat is not None and lon is not None and holding.place.lat is not None:
                    target.distances.append(
                        haversine_km(lat, lon, holding.place.lat, holding.place.lon)
                    )
            elif history:
                target.left += 1
            else:
                target.unplaced += 1
                target.integration_unplaced += app.integration_need
    ordered = sorted(rows.values(), key=lambda r: (r.name, r.age_group))
    return RoundStatistics(ordered, total, has_offers=bool(offers))


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
