"""Figures of a round and of a run, without the database.

- :func:`round_figures`: applications, offers and children without an offer by home area and age
  group, the first-choice rate and the distance from home to the held place. The web side reads
  the current state of the offers (not one run) and hands one :class:`ApplicationOutcome` per
  application that was not withdrawn.
- :func:`summarise_run`: how many children a stored run placed, at their first choice, and how
  many with integration need it left without a place.

Distances are straight lines (haversine) from the home point, or from the centroid of the home
area where no point was given (each coordinate on its own), to the place.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median

from kitaplan.domain.territory.geometry import haversine_km

#: The age group of a child outside the round's age groups (shown as a dash).
NO_AGE_GROUP = "–"


@dataclass(frozen=True, slots=True)
class ApplicationOutcome:
    """One application (not withdrawn) in the current state of its offers.

    ``held_place`` is the place of the offer the child holds (open or accepted), ``None`` when
    it holds none; ``offered`` says whether the child ever had an offer (then, holding none, it
    has left the round). Places are compared by their key only.
    """

    area_code: str
    area_name: str
    age_group: str
    integration_need: bool = False
    offered: bool = False
    held_place: str | None = None
    accepted: bool = False
    first_choice: str | None = None
    home_lat: float | None = None
    home_lon: float | None = None
    area_lat: float | None = None
    area_lon: float | None = None
    place_lat: float | None = None
    place_lon: float | None = None

    def distance_km(self) -> float | None:
        """From home (or the home area's centroid) to the held place; ``None`` when a point is
        missing or no place is held."""
        if self.held_place is None:
            return None
        lat = self.home_lat if self.home_lat is not None else self.area_lat
        lon = self.home_lon if self.home_lon is not None else self.area_lon
        if lat is None or lon is None or self.place_lat is None or self.place_lon is None:
            return None
        return haversine_km(lat, lon, self.place_lat, self.place_lon)


@dataclass(frozen=True, slots=True)
class AreaFigures:
    """The figures of one home area and age group (or of the whole round: empty key)."""

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
    distances: tuple[float, ...] = ()

    @property
    def first_choice_share(self) -> float | None:
        return self.first_choice / self.holding if self.holding else None

    @property
    def median_distance(self) -> float | None:
        return median(self.distances) if self.distances else None


@dataclass(frozen=True, slots=True)
class RoundFigures:
    rows: tuple[AreaFigures, ...]
    total: AreaFigures
    has_offers: bool


@dataclass(slots=True)
class _Counter:
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

    def count(self, outcome: ApplicationOutcome) -> None:
        self.applications += 1
        self.integration_need += outcome.integration_need
        if outcome.held_place is not None:
            self.holding += 1
            self.accepted += outcome.accepted
            self.first_choice += outcome.first_choice == outcome.held_place
            distance = outcome.distance_km()
            if distance is not None:
                self.distances.append(distance)
        elif outcome.offered:
            self.left += 1
        else:
            self.unplaced += 1
            self.integration_unplaced += outcome.integration_need

    def frozen(self) -> AreaFigures:
        return AreaFigures(
            key=self.key,
            name=self.name,
            age_group=self.age_group,
            applications=self.applications,
            holding=self.holding,
            accepted=self.accepted,
            left=self.left,
            unplaced=self.unplaced,
            first_choice=self.first_choice,
            integration_need=self.integration_need,
            integration_unplaced=self.integration_unplaced,
            distances=tuple(self.distances),
        )


def round_figures(outcomes: Iterable[ApplicationOutcome], *, has_offers: bool) -> RoundFigures:
    """The figures by (area code, age group), ordered by area name and age group, and in total."""
    rows: dict[tuple[str, str], _Counter] = {}
    total = _Counter("", "", "")
    for outcome in outcomes:
        key = (outcome.area_code, outcome.age_group)
        row = rows.setdefault(
            key, _Counter(outcome.area_code, outcome.area_name, outcome.age_group)
        )
        row.count(outcome)
        total.count(outcome)
    ordered = sorted((r.frozen() for r in rows.values()), key=lambda r: (r.name, r.age_group))
    return RoundFigures(tuple(ordered), total.frozen(), has_offers)


@dataclass(frozen=True, slots=True)
class RunSummary:
    children: int
    placed: int
    unplaced: int
    first_choice: int
    need_unplaced: int


def summarise_run(
    assignment: Mapping[str, str | None],
    preferences: Mapping[str, Sequence[str]],
    integration_need: Collection[str],
) -> RunSummary:
    """A stored run in figures: ``assignment`` child → place (``None``: unplaced),
    ``preferences`` child → ranked places, ``integration_need`` the children who have it."""
    placed = [c for c, f in assignment.items() if f is not None]
    first = sum(1 for c in placed if preferences.get(c) and preferences[c][0] == assignment[c])
    return RunSummary(
        children=len(assignment),
        placed=len(placed),
        unplaced=len(assignment) - len(placed),
        first_choice=first,
        need_unplaced=sum(1 for c in set(integration_need) if assignment.get(c) is None),
    )
