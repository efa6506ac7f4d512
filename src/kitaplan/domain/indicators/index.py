"""A configurable composite index of areas (de: Status-Index, Dynamik-Index).

Follows the method of Berlin's "Monitoring Soziale Stadtentwicklung" (MSS 2021, SenSBW; data as of
31.12.2020, dynamics 31.12.2018–31.12.2020; see docs/domain/social-index.md):

1. Areas take part when every component indicator has a finite value for them. Others are
   excluded from the standardisation and get no index (the MSS leaves Planungsräume with fewer
   than 300 residents without values, so they drop out the same way).
2. Each component is z-standardised over the areas of the reference year:
   ``z = (x − mean) / sd`` with the *population* standard deviation (``ddof = 0``). The MSS
   z-values are reproduced exactly by ``ddof = 0`` (all 536 × 6 published zS*/zD* values, rounded
   to two decimals, except one rounding tie); ``ddof = 1`` misses about 40 of them per indicator.
3. The direction turns every component so that higher means worse: ``higher_is_better``
   components are multiplied by −1 (all MSS index indicators are "higher is worse").
4. The weighted sum ``Σ weight · z`` is formed (MSS: weight 1 each, the "Statussumme").
5. The sum is standardised again over the same areas (the "standardisierte Statussumme" = index).
6. The index is classified by ordered bands (upper bound, class): the first band whose upper
   bound the index does not exceed. MSS 2021 status: ≤ −1.0 high (1), ≤ +1.0 medium (2),
   ≤ +1.5 low (3), above very low (4); dynamics: ≤ −1.0 positive (1), ≤ +1.0 stable (3),
   above negative (5). The bounds are read off the published data: no Planungsraum lies
   exactly on a bound, so whether a bound belongs to the lower or the upper class cannot be told
   from the data; here it belongs to the lower (better) class.

Steps 2 and 5 may use a different set of areas (a reference year) than the one scored: pass
``reference`` to :func:`compute_index` to score later years on the scale of a base year.

:func:`compare_classes` compares computed classes with published ones and gives each difference
a reason (see :class:`DifferenceReason`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from kitaplan.domain.common.vocabulary import IndicatorDirection

#: indicator code → area key → value (None or NaN = missing).
IndicatorTable = Mapping[str, Mapping[str, float | None]]


@dataclass(frozen=True)
class IndexComponent:
    """One indicator of an index: its code, how to read it, and its weight."""

    code: str
    direction: IndicatorDirection = IndicatorDirection.HIGHER_IS_WORSE
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.direction == IndicatorDirection.NEUTRAL:
            raise ValueError(f"Indicator {self.code!r} is neutral and cannot enter an index.")
        if not math.isfinite(self.weight) or self.weight <= 0:
            raise ValueError(f"The weight of {self.code!r} must be a positive number.")

    @property
    def sign(self) -> float:
        return -1.0 if self.direction == IndicatorDirection.HIGHER_IS_BETTER else 1.0


@dataclass(frozen=True)
class ClassBand:
    """A class of the index: values up to ``upper`` (inclusive) that passed the lower bands."""

    upper: float
    code: int
    key: str


@dataclass(frozen=True)
class IndexDefinition:
    """Which indicators, how standardised and how classified (a configured composite index)."""

    code: str
    components: tuple[IndexComponent, ...]
    bands: tuple[ClassBand, ...]
    ddof: int = 0
    #: indicator codes holding the published class / index to compare with (optional).
    published_class_code: str | None = None
    published_index_code: str | None = None

    def __post_init__(self) -> None:
        if not self.components:
            raise ValueError("An index needs at least one indicator.")
        codes = [c.code for c in self.components]
        if len(set(codes)) != len(codes):
            raise ValueError("Each indicator may enter an index only once.")
        if not self.bands:
            raise ValueError("An index needs at least one class.")
        uppers = [b.upper for b in self.bands]
        if any(b <= a for a, b in zip(uppers, uppers[1:], strict=False)):
            raise ValueError("Class bounds must increase.")
        if uppers[-1] != math.inf:
            raise ValueError("The last class must be open upwards (upper bound infinity).")
        if self.ddof not in (0, 1):
            raise ValueError("ddof must be 0 (population) or 1 (sample) standard deviation.")

    @property
    def thresholds(self) -> tuple[float, ...]:
        return tuple(b.upper for b in self.bands[:-1])

    def classify(self, value: float) -> ClassBand:
        for band in self.bands:
            if value <= band.upper:
                return band
        return self.bands[-1]  # NaN: never reached for finite values


MSS_STATUS_BANDS = (
    ClassBand(-1.0, 1, "high"),
    ClassBand(1.0, 2, "medium"),
    ClassBand(1.5, 3, "low"),
    ClassBand(math.inf, 4, "very_low"),
)
MSS_DYNAMICS_BANDS = (
    ClassBand(-1.0, 1, "positive"),
    ClassBand(1.0, 3, "stable"),
    ClassBand(math.inf, 5, "negative"),
)

#: MSS 2021 status index: S1 unemployment, S3 transfer receipt, S4 child poverty.
MSS_2021_STATUS = IndexDefinition(
    code="mss_2021_status",
    components=(IndexComponent("mss_s1"), IndexComponent("mss_s3"), IndexComponent("mss_s4")),
    bands=MSS_STATUS_BANDS,
    published_class_code="mss_status_class",
    published_index_code="mss_status_index",
)
#: MSS 2021 dynamics index: two-year changes D1, D3, D4 of S1, S3, S4 (percentage points).
MSS_2021_DYNAMICS = IndexDefinition(
    code="mss_2021_dynamics",
    components=(IndexComponent("mss_d1"), IndexComponent("mss_d3"), IndexComponent("mss_d4")),
    bands=MSS_DYNAMICS_BANDS,
    published_class_code="mss_dynamics_class",
    published_index_code="mss_dynamics_index",
)
PRESETS: dict[str, IndexDefinition] = {
    "status": MSS_2021_STATUS,
    "dynamics": MSS_2021_DYNAMICS,
}


@dataclass(frozen=True)
class Scale:
    """Mean and standard deviation a variable was standardised with."""

    mean: float
    sd: float

    def z(self, value: float) -> float:
        return (value - self.mean) / self.sd


@dataclass(frozen=True)
class AreaScore:
    area: str
    values: Mapping[str, float]
    z: Mapping[str, float]
    weighted_sum: float
    index: float
    band: ClassBand


@dataclass(frozen=True)
class IndexResult:
    definition: IndexDefinition
    scores: tuple[AreaScore, ...]
    excluded: tuple[str, ...]
    scales: Mapping[str, Scale]
    sum_scale: Scale

    def by_area(self) -> dict[str, AreaScore]:
        return {s.area: s for s in self.scores}

    def class_counts(self) -> dict[int, int]:
        counts = Counter(s.band.code for s in self.scores)
        return {b.code: counts.get(b.code, 0) for b in self.definition.bands}


def _value(table: IndicatorTable, code: str, area: str) -> float | None:
    value = table.get(code, {}).get(area)
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def complete_areas(definition: IndexDefinition, table: IndicatorTable) -> list[str]:
    """Areas with a finite value for every component (step 1), sorted."""
    areas: set[str] = set()
    for component in definition.components:
        areas |= set(table.get(component.code, {}))
    return sorted(
        a for a in areas if all(_value(table, c.code, a) is not None for c in definition.components)
    )


def scale_of(values: Sequence[float], ddof: int = 0) -> Scale:
    """Mean and standard deviation (``ddof`` 0 = population, as the MSS) of ``values``."""
    if len(values) <= ddof or len(values) < 2:
        raise ValueError("Standardisation needs at least two areas with values.")
    array = np.asarray(values, dtype=float)
    sd = float(array.std(ddof=ddof))
    if sd == 0.0 or not math.isfinite(sd):
        raise ValueError("All areas have the same value; it cannot be standardised.")
    return Scale(mean=float(array.mean()), sd=sd)


def standardise(values: Mapping[str, float], ddof: int = 0) -> dict[str, float]:
    """z-scores of ``values`` over their own areas."""
    scale = scale_of(list(values.values()), ddof)
    return {area: scale.z(v) for area, v in values.items()}


def _weighted_sums(
    definition: IndexDefinition,
    table: IndicatorTable,
    areas: Sequence[str],
    scales: Mapping[str, Scale],
) -> dict[str, tuple[dict[str, float], dict[str, float], float]]:
    out = {}
    for area in areas:
        values = {c.code: _value(table, c.code, area) or 0.0 for c in definition.components}
        z = {c.code: c.sign * scales[c.code].z(values[c.code]) for c in definition.components}
        total = sum(c.weight * z[c.code] for c in definition.components)
        out[area] = (values, z, total)
    return out


def compute_index(
    definition: IndexDefinition, table: IndicatorTable, *, reference: IndicatorTable | None = None
) -> IndexResult:
    """Score every complete area of ``table`` (steps 1–6).

    ``reference`` (default: ``table`` itself) gives the areas whose mean and standard deviation
    standardise the components and the weighted sum, e.g. the values of a base year.
    """
    reference = table if reference is None else reference
    ref_areas = complete_areas(definition, reference)
    scales = {
        c.code: scale_of([_value(reference, c.code, a) or 0.0 for a in ref_areas], definition.ddof)
        for c in definition.components
    }
    ref_sums = _weighted_sums(definition, reference, ref_areas, scales)
    sum_scale = scale_of([s for _v, _z, s in ref_sums.values()], definition.ddof)
    areas = complete_areas(definition, table)
    sums = ref_sums if table is reference else _weighted_sums(definition, table, areas, scales)
    scores = []
    for area in areas:
        values, z, total = sums[area]
        index = sum_scale.z(total)
        scores.append(AreaScore(area, values, z, total, index, definition.classify(index)))
    everything: set[str] = set()
    for component in definition.components:
        everything |= set(table.get(component.code, {}))
    return IndexResult(
        definition=definition,
        scores=tuple(scores),
        excluded=tuple(sorted(everything - set(areas))),
        scales=scales,
        sum_scale=sum_scale,
    )


class DifferenceReason(StrEnum):
    """Why a computed class differs from the published one."""

    #: the area has no computed index (a component value is missing) but a published class.
    MISSING_VALUES = "missing_values"
    #: the area has a computed class but no published one.
    NOT_PUBLISHED = "not_published"
    #: the index lies within the rounding of the published index (two decimals) from a bound.
    ROUNDING_AT_THRESHOLD = "rounding_at_threshold"
    #: the computed index differs from the published index beyond rounding.
    INDEX_DIFFERS = "index_differs"
    #: the published index agrees with the computed one, yet the class differs.
    UNEXPLAINED = "unexplained"


@dataclass(frozen=True)
class Difference:
    area: str
    computed: int | None
    published: int | None
    index: float | None
    published_index: float | None
    reason: DifferenceReason
    nearest_threshold: float | None = None


@dataclass(frozen=True)
class Agreement:
    """How far computed classes agree with published ones."""

    compared: int
    identical: int
    #: (computed class, published class) → number of areas, for all compared areas.
    confusion: Mapping[tuple[int, int], int]
    class_codes: tuple[int, ...]
    differences: tuple[Difference, ...]
    #: areas whose computed index rounds to a different value than the published index.
    index_mismatches: tuple[Difference, ...] = field(default=())

    @property
    def share(self) -> float | None:
        return self.identical / self.compared if self.compared else None


def _nearest_threshold(definition: IndexDefinition, value: float) -> float | None:
    thresholds = definition.thresholds
    return min(thresholds, key=lambda t: abs(value - t)) if thresholds else None


def compare_classes(
    result: IndexResult,
    published: Mapping[str, int],
    published_index: Mapping[str, float] | None = None,
    *,
    decimals: int = 2,
    input_slack: float = 1e-4,
) -> Agreement:
    """Compare computed with published classes; explain every difference.

    ``published_index`` (the published index values, rounded to ``decimals``) lets the check
    tell rounding at a class bound from a real difference of the index; a difference counts as
    rounding when it is at most half a unit of the last decimal plus ``input_slack``.
    """
    definition = result.definition
    published_index = published_index or {}
    # half a unit of the last published decimal, plus slack for raw values that are themselves
    # published rounded (MSS: five decimals), which can flip a tie such as 0.134998 → 0.14.
    tolerance = 0.5 * 10.0**-decimals + input_slack
    scores = result.by_area()
    confusion: Counter[tuple[int, int]] = Counter()
    differences: list[Difference] = []
    mismatches: list[Difference] = []
    for area in sorted(set(scores) | set(published)):
        score = scores.get(area)
        pub = published.get(area)
        pub_index = published_index.get(area)
        if score is None:
            differences.append(
                Difference(area, None, pub, None, pub_index, DifferenceReason.MISSING_VALUES)
            )
            continue
        nearest = _nearest_threshold(definition, score.index)
        if pub_index is not None and abs(score.index - pub_index) > tolerance:
            mismatches.append(
                Difference(
                    area,
                    score.band.code,
                    pub,
                    score.index,
                    pub_index,
                    DifferenceReason.INDEX_DIFFERS,
                    nearest,
                )
            )
        if pub is None:
            differences.append(
                Difference(
                    area, score.band.code, None, score.index, None, DifferenceReason.NOT_PUBLISHED
                )
            )
            continue
        confusion[(score.band.code, int(pub))] += 1
        if score.band.code == int(pub):
            continue
        if nearest is not None and abs(score.index - nearest) <= tolerance:
            reason = DifferenceReason.ROUNDING_AT_THRESHOLD
        elif pub_index is not None and abs(score.index - pub_index) > tolerance:
            reason = DifferenceReason.INDEX_DIFFERS
        else:
            reason = DifferenceReason.UNEXPLAINED
        differences.append(
            Difference(area, score.band.code, int(pub), score.index, pub_index, reason, nearest)
        )
    compared = sum(confusion.values())
    identical = sum(n for (c, p), n in confusion.items() if c == p)
    codes = sorted({b.code for b in definition.bands} | {p for _c, p in confusion})
    return Agreement(
        compared=compared,
        identical=identical,
        confusion=dict(confusion),
        class_codes=tuple(codes),
        differences=tuple(differences),
        index_mismatches=tuple(mismatches),
    )


def reproduce(
    definition: IndexDefinition,
    table: IndicatorTable,
    published: Mapping[str, int],
    published_index: Mapping[str, float] | None = None,
) -> tuple[IndexResult, Agreement]:
    """Compute ``definition`` from the raw values and compare with the published classes."""
    result = compute_index(definition, table)
    return result, compare_classes(result, published, published_index)
