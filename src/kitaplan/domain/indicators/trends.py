"""Indicators over time: changes between periods, ranks, alerts, comparisons, quantile classes.

Pure functions on plain mappings (area key → value); no Django, no wording. The web layer turns
the codes and numbers returned here into German sentences (see docs/domain/social-index.md,
"Indicators over time").

* :func:`change` / :func:`changes`: absolute (``after − before``) and relative
  (``(after − before) / |before|``; none when ``before`` is 0) change of an area between two
  periods.
* :func:`rank`: standard competition ranking ("1224"), highest value first by default; areas
  without a value get no rank.
* :func:`assess`: whether a change is a worsening or an improvement, by the indicator's direction
  (neutral indicators are never assessed).
* :func:`find_alerts`: areas whose absolute or relative change reaches a threshold
  (``|change| ≥ threshold``), largest first.
* :func:`reference_mean`: the mean of a group of areas (the district, the territory) — weighted
  by a given weight (population) when every area with a value has a positive weight, else the
  plain mean; the result says which.
* :func:`quantile_classes`: the 5 quantile classes of the map (the same rule as
  ``core/static/core/map.js``), so the text legend agrees with the drawn map.
* :func:`summarise`: counts and extremes of a set of changes, the data of the generated summary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kitaplan.domain.common.vocabulary import IndicatorDirection

#: area key → value (None or NaN = missing).
Values = Mapping[str, float | None]


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


class Movement(StrEnum):
    """Which way a value moved between two periods."""

    ROSE = "rose"
    FELL = "fell"
    UNCHANGED = "unchanged"


class Assessment(StrEnum):
    """What a movement means, read by the indicator's direction."""

    WORSENED = "worsened"
    IMPROVED = "improved"
    #: a neutral indicator, or no movement.
    NOT_ASSESSED = "not_assessed"


class ChangeBasis(StrEnum):
    """Which change a threshold applies to."""

    #: ``after − before`` in the indicator's unit (percentage points for shares).
    ABSOLUTE = "absolute"
    #: ``(after − before) / |before|`` in percent.
    RELATIVE = "relative"


class MeanMethod(StrEnum):
    """How a reference mean (district, territory) was formed."""

    WEIGHTED = "weighted"
    PLAIN = "plain"


@dataclass(frozen=True)
class Change:
    """An area's value in two periods and the change between them."""

    area: str
    before: float | None
    after: float | None

    @property
    def absolute(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def relative(self) -> float | None:
        """The change as a fraction of ``|before|`` (0.1 = +10 %); None when before is 0."""
        absolute = self.absolute
        if absolute is None or self.before is None or self.before == 0:
            return None
        return absolute / abs(self.before)

    @property
    def relative_percent(self) -> float | None:
        relative = self.relative
        return None if relative is None else 100.0 * relative

    @property
    def movement(self) -> Movement | None:
        absolute = self.absolute
        if absolute is None:
            return None
        if absolute > 0:
            return Movement.ROSE
        if absolute < 0:
            return Movement.FELL
        return Movement.UNCHANGED

    def amount(self, basis: ChangeBasis) -> float | None:
        """The change on ``basis``: absolute, or relative in percent."""
        return self.absolute if basis == ChangeBasis.ABSOLUTE else self.relative_percent


def change(area: str, before: float | None, after: float | None) -> Change:
    return Change(area=area, before=_finite(before), after=_finite(after))


def changes(before: Values, after: Values) -> dict[str, Change]:
    """The change of every area that has a value in either period, by area key (sorted)."""
    return {a: change(a, before.get(a), after.get(a)) for a in sorted(set(before) | set(after))}


def rank(values: Values, *, descending: bool = True) -> dict[str, int]:
    """Standard competition ranks ("1224"): equal values share a rank, the next rank skips.

    ``descending`` (default) gives rank 1 to the highest value. Missing values get no rank.
    """
    present = {a: v for a, v in ((a, _finite(v)) for a, v in values.items()) if v is not None}
    ordered = sorted(present.values(), reverse=descending)
    first: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return {a: first[v] for a, v in present.items()}


def assess(delta: float | None, direction: IndicatorDirection) -> Assessment:
    """A rise of a "higher is worse" indicator worsens, of a "higher is better" one improves."""
    if delta is None or delta == 0 or direction == IndicatorDirection.NEUTRAL:
        return Assessment.NOT_ASSESSED
    worse = delta > 0 if direction == IndicatorDirection.HIGHER_IS_WORSE else delta < 0
    return Assessment.WORSENED if worse else Assessment.IMPROVED


@dataclass(frozen=True)
class Alert:
    """An area whose change reached the threshold."""

    change: Change
    movement: Movement
    assessment: Assessment
    basis: ChangeBasis
    amount: float
    threshold: float

    @property
    def area(self) -> str:
        return self.change.area


def find_alerts(
    area_changes: Iterable[Change],
    *,
    threshold: float,
    direction: IndicatorDirection,
    basis: ChangeBasis = ChangeBasis.ABSOLUTE,
    only: Assessment | None = None,
) -> list[Alert]:
    """Changes with ``|amount| ≥ threshold`` on ``basis``, largest first (ties by area key).

    ``only`` keeps the alerts of one assessment (e.g. only worsenings). A threshold of 0 reports
    every area that moved.
    """
    if not math.isfinite(threshold) or threshold < 0:
        raise ValueError("The threshold must be a number of at least 0.")
    alerts = []
    for item in area_changes:
        amount = item.amount(basis)
        movement = item.movement
        if amount is None or movement is None or movement == Movement.UNCHANGED:
            continue
        # a relative change is rounded to 1e-9 so that 10 % of 20 → 22 counts as 10 %.
        if round(abs(amount), 9) < threshold:
            continue
        assessment = assess(item.absolute, direction)
        if only is not None and assessment != only:
            continue
        alerts.append(Alert(item, movement, assessment, basis, amount, threshold))
    alerts.sort(key=lambda a: (-abs(a.amount), a.area))
    return alerts


@dataclass(frozen=True)
class Reference:
    """The mean of a group of areas and how it was formed."""

    mean: float
    method: MeanMethod
    areas: int


def reference_mean(
    values: Values,
    weights: Mapping[str, float | None] | None = None,
    *,
    areas: Iterable[str] | None = None,
) -> Reference | None:
    """The mean over ``areas`` (default: all keys of ``values``) that have a value.

    Weighted by ``weights`` (e.g. residents) when every such area has a positive finite weight;
    otherwise the plain mean. None when no area has a value.
    """
    keys = sorted(values) if areas is None else sorted(set(areas))
    present = [(a, v) for a, v in ((a, _finite(values.get(a))) for a in keys) if v is not None]
    if not present:
        return None
    if weights is not None:
        w = [_finite(weights.get(a)) for a, _v in present]
        if all(x is not None and x > 0 for x in w):
            total = math.fsum(x for x in w if x is not None)
            mean = math.fsum((x or 0.0) * v for x, (_a, v) in zip(w, present, strict=True)) / total
            return Reference(mean, MeanMethod.WEIGHTED, len(present))
    mean = math.fsum(v for _a, v in present) / len(present)
    return Reference(mean, MeanMethod.PLAIN, len(present))


@dataclass(frozen=True)
class Comparison:
    """An area's value beside the mean of its district and of the territory."""

    area: str
    value: float | None
    district: Reference | None
    territory: Reference | None

    @property
    def to_district(self) -> float | None:
        if self.value is None or self.district is None:
            return None
        return self.value - self.district.mean

    @property
    def to_territory(self) -> float | None:
        if self.value is None or self.territory is None:
            return None
        return self.value - self.territory.mean


def compare_with_groups(
    values: Values,
    district_of: Mapping[str, str | None],
    weights: Mapping[str, float | None] | None = None,
) -> dict[str, Comparison]:
    """Every area of ``values`` beside its district's mean (over the district's areas in
    ``values``, ``district_of`` maps area → district key) and the territory's mean (all areas)."""
    territory = reference_mean(values, weights)
    members: dict[str, list[str]] = {}
    for area in values:
        district = district_of.get(area)
        if district is not None:
            members.setdefault(district, []).append(area)
    district_means = {d: reference_mean(values, weights, areas=a) for d, a in members.items()}
    out = {}
    for area in sorted(values):
        district = district_of.get(area)
        out[area] = Comparison(
            area=area,
            value=_finite(values.get(area)),
            district=district_means.get(district) if district is not None else None,
            territory=territory,
        )
    return out


@dataclass(frozen=True)
class QuantileClass:
    """One class of the map: its number (1 = lowest values), range and size."""

    number: int
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Classification:
    classes: tuple[QuantileClass, ...]
    thresholds: tuple[float, ...]
    no_data: int

    def class_of(self, value: float | None) -> int | None:
        """The class number (1 …) of ``value``; None for a missing value."""
        value = _finite(value)
        if value is None or not self.classes:
            return None
        return _class_number(value, self.thresholds)


def _class_number(value: float, thresholds: Sequence[float]) -> int:
    index = 0
    while index < len(thresholds) and value > thresholds[index]:
        index += 1
    return index + 1


def quantile_classes(values: Sequence[float | None], classes: int = 5) -> Classification:
    """At most ``classes`` quantile classes, exactly as the map script draws them.

    Threshold ``i`` is the value at position ``ceil(i · n / classes)`` of the sorted values;
    thresholds equal to the largest value or to an earlier threshold are dropped, so there may
    be fewer classes. A class's range is its smallest and largest value.
    """
    numbers = sorted(v for v in (_finite(x) for x in values) if v is not None)
    no_data = len(values) - len(numbers)
    if not numbers:
        return Classification((), (), no_data)
    n = len(numbers)
    thresholds: list[float] = []
    for i in range(1, classes):
        t = numbers[min(n - 1, math.ceil(i * n / classes) - 1)]
        if t < numbers[-1] and t not in thresholds:
            thresholds.append(t)
    bounds: list[list[float]] = [[math.inf, -math.inf, 0] for _ in range(len(thresholds) + 1)]
    for value in numbers:
        number = _class_number(value, thresholds)
        cell = bounds[number - 1]
        cell[0] = min(cell[0], value)
        cell[1] = max(cell[1], value)
        cell[2] += 1
    result = tuple(
        QuantileClass(i, low, high, int(count))
        for i, (low, high, count) in enumerate(bounds, start=1)
        if count
    )
    return Classification(result, tuple(thresholds), no_data)


@dataclass(frozen=True)
class SeriesPoint:
    """One period of an area's time series and the change since the previous period shown."""

    period: int
    value: float | None
    previous_period: int | None
    change: Change | None


def series(area: str, by_period: Mapping[int, float | None]) -> list[SeriesPoint]:
    """The periods in order, each with the change since the previous period that has a value."""
    points = []
    previous: tuple[int, float] | None = None
    for period in sorted(by_period):
        value = _finite(by_period[period])
        delta = change(area, previous[1], value) if previous and value is not None else None
        points.append(SeriesPoint(period, value, previous[0] if previous else None, delta))
        if value is not None:
            previous = (period, value)
    return points


@dataclass(frozen=True)
class Summary:
    """Counts and extremes of the changes of a group of areas: the generated text's data."""

    compared: int
    rose: int
    fell: int
    unchanged: int
    worsened: int
    improved: int
    mean_before: Reference | None
    mean_after: Reference | None
    largest_rise: Change | None
    largest_fall: Change | None

    @property
    def mean_change(self) -> Change | None:
        if self.mean_before is None or self.mean_after is None:
            return None
        return Change("", self.mean_before.mean, self.mean_after.mean)


def summarise(
    area_changes: Iterable[Change],
    direction: IndicatorDirection,
    weights_before: Mapping[str, float | None] | None = None,
    weights_after: Mapping[str, float | None] | None = None,
) -> Summary:
    """How many areas rose/fell/stayed, were worsened/improved; the group's mean before and
    after (over the areas with values in both periods); the largest rise and fall."""
    items = [c for c in area_changes if c.absolute is not None]
    movements = [c.movement for c in items]
    assessments = [assess(c.absolute, direction) for c in items]
    before = {c.area: c.before for c in items}
    after = {c.area: c.after for c in items}
    rises = [c for c in items if (c.absolute or 0.0) > 0]
    falls = [c for c in items if (c.absolute or 0.0) < 0]
    return Summary(
        compared=len(items),
        rose=movements.count(Movement.ROSE),
        fell=movements.count(Movement.FELL),
        unchanged=movements.count(Movement.UNCHANGED),
        worsened=assessments.count(Assessment.WORSENED),
        improved=assessments.count(Assessment.IMPROVED),
        mean_before=reference_mean(before, weights_before),
        mean_after=reference_mean(after, weights_after),
        largest_rise=max(rises, key=lambda c: (c.absolute or 0.0, c.area)) if rises else None,
        largest_fall=min(falls, key=lambda c: (c.absolute or 0.0, c.area)) if falls else None,
    )
