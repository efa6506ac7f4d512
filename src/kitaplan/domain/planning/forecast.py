"""Small-area child population forecast (de: kleinräumige Bevölkerungsprognose).

A cohort-component projection in the Hamilton–Perry form (cohort change ratios instead of
separate survival and migration rates, because registers published per small area give stocks,
not flows), with empirical-Bayes shrinkage of every area's ratios towards its district:

1. **Ageing.** Children aged ``a`` in year ``t+1`` are the children aged ``a−1`` in year ``t``
   times the cohort change ratio (de: Kohortenveränderungsquote) ``c[a]`` = survival and net
   migration together, estimated over the last ``window`` transitions as a ratio of sums:
   ``c[a] = Σ_t P[a, t+1] / Σ_t P[a−1, t]``.
2. **Births** (age 0). No women-by-age data exist for small areas, so no fertility rate can be
   estimated. Three documented choices (:class:`BirthsModel`):
   ``trend`` (default) – the area's age-0 counts follow their own (damped, shrunk) linear trend,
   expressed relative to the window mean so it can be shrunk like a ratio;
   ``mean`` – age 0 stays at the window mean (what most small municipalities do);
   ``ratio`` – a child-to-child ratio ``P[0, t] / Σ P[1..5, t]`` (older siblings as a proxy for
   the parent population), applied to the projected 1–5-year-olds.
3. **Shrinkage** (small-area estimation, empirical Bayes): with the area's numerator ``x``,
   denominator ``n`` and the district's ratio ``c_D`` (itself shrunk towards the city), the area's
   ratio is ``(x + k·c_D) / (n + k)`` = ``w·x/n + (1−w)·c_D`` with ``w = n / (n + k)``: an area
   with few children borrows strength from its district, a big area keeps its own ratio. ``k`` is
   chosen by back-testing (``scripts/backtest_forecast.py``; Berlin, tuned on the base years
   2006–2008: ``k = 100`` children, ``k_trend = 6400`` births, ``φ = 0.8``).
4. **Damping.** The birth trend's yearly increment is multiplied by ``φ^h`` (Gardner's damped
   trend), so trends flatten out instead of running away. The slope of a small area's births is
   much noisier than its ratios, so it has its own shrinkage constant ``k_trend``.

Two baselines in the same shape: :func:`project_carry_forward` (the last observed counts stay
constant) and :func:`project_district_trend` (each area keeps its base-year share of its
district, per single age; the district follows its own linear trend, the least-squares slope of
the window, drawn from the last observed value). :func:`backtest` forecasts from several base
years using only the data up to each base year and reports MAPE, median APE and weighted MAPE by
area level (area, district, city), age group and horizon; the Berlin results and an honest
verdict are in ``docs/domain/forecast.md``.

Everything is vectorised numpy and deterministic; results are expected values (floats), never
negative, and are not rounded.

Sources: Hamilton & Perry (1962), "A short method for projecting population by age from one
decennial census to another", Social Forces 41; Baker, Swanson & Tayman (2020), Popul. Res.
Policy Rev. (Hamilton–Perry accuracy for 65,221 US tracts, control to area totals); Gardner &
McKenzie (1985), "Forecasting trends in time series", Management Science 31 (damped trend);
Efron & Morris (1975) on empirical Bayes shrinkage; KOSIS-Verbund SIKURS guidance (results for
units of ≥ 5,000–10,000 inhabitants).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: A projection method: (history up to the base year, horizon in years) → projection.
ProjectionMethod = Callable[["PopulationTable", int], "PopulationTable"]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class PopulationTable:
    """Counts of residents per area × year × single year of age.

    ``values[i, j, a]`` is the count of area ``areas[i]`` at the end of year ``years[j]`` (e.g.
    31.12.) aged ``ages[a]``; ``districts[i]`` is the area's parent (de: Bezirk). Years and ages
    are consecutive. The array is copied and made read-only. Values may be missing (NaN) outside
    the years a method uses; the methods check their own window.
    """

    areas: tuple[str, ...]
    districts: tuple[str, ...]
    years: tuple[int, ...]
    ages: tuple[int, ...]
    values: FloatArray

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.float64)
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "areas", tuple(self.areas))
        object.__setattr__(self, "districts", tuple(self.districts))
        object.__setattr__(self, "years", tuple(int(y) for y in self.years))
        object.__setattr__(self, "ages", tuple(int(a) for a in self.ages))
        if values.shape != (len(self.areas), len(self.years), len(self.ages)):
            raise ValueError(
                f"values have shape {values.shape}, expected "
                f"{(len(self.areas), len(self.years), len(self.ages))} (areas, years, ages)"
            )
        if len(self.districts) != len(self.areas):
            raise ValueError("every area needs exactly one district")
        if len(set(self.areas)) != len(self.areas):
            raise ValueError("area keys must be unique")
        if not self.years or not self.ages:
            raise ValueError("a population table needs at least one year and one age")
        if list(self.years) != list(range(self.years[0], self.years[0] + len(self.years))):
            raise ValueError("years must be consecutive and ascending")
        if list(self.ages) != list(range(self.ages[0], self.ages[0] + len(self.ages))):
            raise ValueError("ages must be consecutive and ascending")

    @property
    def district_keys(self) -> tuple[str, ...]:
        """The distinct districts, sorted."""
        return tuple(sorted(set(self.districts)))

    def district_index(self) -> IntArray:
        """For each area, the position of its district in :attr:`district_keys`."""
        position = {key: i for i, key in enumerate(self.district_keys)}
        return np.array([position[d] for d in self.districts], dtype=np.intp)

    def until(self, year: int) -> PopulationTable:
        """The table cut after ``year`` (the data a forecaster had at the end of that year)."""
        if year not in self.years:
            raise ValueError(f"year {year} is not in the table ({self.years[0]}–{self.years[-1]})")
        stop = self.years.index(year) + 1
        return PopulationTable(
            areas=self.areas,
            districts=self.districts,
            years=self.years[:stop],
            ages=self.ages,
            values=self.values[:, :stop, :],
        )

    def age_sum(self, first: int, last: int) -> FloatArray:
        """Counts aged ``first``…``last`` (inclusive) per area × year."""
        if first not in self.ages or last not in self.ages or last < first:
            raise ValueError(f"ages {first}–{last} are not all in the table")
        lo, hi = self.ages.index(first), self.ages.index(last) + 1
        summed: FloatArray = self.values[:, :, lo:hi].sum(axis=2)
        return summed


def split_age_bands(
    counts: npt.ArrayLike, bands: Sequence[tuple[int, int]], *, axis: int = -1
) -> FloatArray:
    """Disaggregate counts in age bands into single years of age, evenly within each band.

    ``bands`` are half-open ``[first, end)`` in years and must follow each other without gaps
    (e.g. ``[(0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (6, 7)]`` for the Berlin register columns
    ``E_E00_01 … E_E06_07``). Along ``axis`` the band ``[3, 5)`` becomes two single ages with half
    the count each; the result covers ages ``bands[0][0] … bands[-1][1] − 1`` and keeps every
    band's total exactly (up to float rounding). Even splitting is the simplest assumption; it
    is wrong by the difference of neighbouring birth cohorts, which the back-test sees only inside
    the band (the Kita age groups 0–2 and 3–5 are sums of whole bands).
    """
    if not bands:
        raise ValueError("at least one age band is needed")
    for (_, end), (next_first, _) in zip(bands, bands[1:], strict=False):
        if end != next_first:
            raise ValueError(f"age bands must follow each other without gaps, {end} ≠ {next_first}")
    if any(end <= first for first, end in bands):
        raise ValueError("every age band needs end > first")
    array = np.asarray(counts, dtype=np.float64)
    moved = np.moveaxis(array, axis, -1)
    if moved.shape[-1] != len(bands):
        raise ValueError(f"{moved.shape[-1]} band columns given, {len(bands)} bands described")
    widths = np.array([end - first for first, end in bands], dtype=np.intp)
    single = np.repeat(moved / widths, widths, axis=-1)
    result: FloatArray = np.moveaxis(single, -1, axis)
    return result


# --------------------------------------------------------------------------------------------
# Shrinkage
# --------------------------------------------------------------------------------------------


def _indicator(group_index: IntArray, n_groups: int) -> FloatArray:
    """Matrix (groups × members) with 1 where the member belongs to the group."""
    matrix = np.zeros((n_groups, group_index.size), dtype=np.float64)
    matrix[group_index, np.arange(group_index.size)] = 1.0
    return matrix


def _group_sum(values: FloatArray, group_index: IntArray, n_groups: int) -> FloatArray:
    """Sum the first axis of ``values`` by group (deterministic matrix product)."""
    flat = values.reshape(values.shape[0], -1)
    summed = _indicator(group_index, n_groups) @ flat
    result: FloatArray = summed.reshape((n_groups, *values.shape[1:]))
    return result


def _shrink(
    numerator: FloatArray, denominator: FloatArray, prior: FloatArray, k: float
) -> FloatArray:
    """``(x + k·prior) / (n + k)``; where ``n + k = 0`` the prior itself."""
    weight_sum = denominator + k
    safe = np.where(weight_sum > 0, weight_sum, 1.0)
    shrunk: FloatArray = np.where(weight_sum > 0, (numerator + k * prior) / safe, prior)
    return shrunk


def shrink_ratios(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    district_index: npt.ArrayLike,
    *,
    k: float,
    fallback: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Ratios ``numerator / denominator`` per area, shrunk towards the district (empirical Bayes).

    1. The city ratio is the ratio of all sums (``fallback`` if the city denominator is 0).
    2. Each district's ratio is its ratio of sums, shrunk towards the city with weight
       ``n_D / (n_D + k)`` (districts are large, so this hardly matters).
    3. Each area's ratio is ``(x + k·c_D) / (n + k)``, i.e. its own ratio with weight
       ``w = n / (n + k)`` and the district's with ``1 − w``. ``k = 0`` means no shrinkage
       (areas with ``n = 0`` still get the district's ratio); ``k → ∞`` gives every area its
       district's ratio.

    ``numerator`` and ``denominator`` have the areas on the first axis (any further axes, e.g.
    ages, are handled element-wise); denominators must not be negative (numerators may, e.g. for
    a falling trend). Returns ``(area_ratios, district_ratios)``.
    """
    if k < 0:
        raise ValueError("the shrinkage constant k must not be negative")
    x = np.asarray(numerator, dtype=np.float64)
    n = np.asarray(denominator, dtype=np.float64)
    index = np.asarray(district_index, dtype=np.intp)
    if x.shape != n.shape or x.shape[0] != index.size:
        raise ValueError("numerator, denominator and district_index must describe the same areas")
    if (n < 0).any():
        raise ValueError("denominators must not be negative")
    n_districts = int(index.max()) + 1 if index.size else 0
    city_x, city_n = x.sum(axis=0), n.sum(axis=0)
    city = np.where(city_n > 0, city_x / np.where(city_n > 0, city_n, 1.0), fallback)
    district_x = _group_sum(x, index, n_districts)
    district_n = _group_sum(n, index, n_districts)
    district = _shrink(district_x, district_n, np.broadcast_to(city, district_x.shape), k)
    area = _shrink(x, n, district[index], k)
    return area, district


# --------------------------------------------------------------------------------------------
# Cohort-component projection
# --------------------------------------------------------------------------------------------


class BirthsModel(StrEnum):
    """How the age-0 counts of the projection years are obtained (see the module docstring)."""

    TREND = "trend"
    MEAN = "mean"
    RATIO = "ratio"


@dataclass(frozen=True, slots=True)
class CohortParameters:
    """Parameters of :func:`project_cohort_component`.

    ``window``: number of year-to-year transitions (base years) the ratios are estimated from;
    ``shrinkage_k``: the constant ``k`` of the shrinkage weight ``n / (n + k)`` of the cohort
    change ratios and the ``ratio`` births model, in children (``n`` = the ratio's denominator
    summed over the window); ``trend_shrinkage_k``: the same for the relative birth trend
    (``n`` = the area's births in the window); ``births``: the births model; ``trend_damping``:
    ``φ`` of the damped birth trend (1 = linear, 0 = flat from the trend's base-year level);
    ``birth_base_ages``: the ages whose sum is the base of the ``ratio`` births model.

    The defaults are the values chosen by the Berlin back-test's tuning on the base years
    2006–2008 (``scripts/backtest_forecast.py``, ``docs/domain/forecast.md``).
    """

    window: int = 5
    shrinkage_k: float = 100.0
    trend_shrinkage_k: float = 6400.0
    births: BirthsModel = BirthsModel.TREND
    trend_damping: float = 0.8
    birth_base_ages: tuple[int, int] = (1, 5)

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError("the estimation window needs at least one transition")
        if self.shrinkage_k < 0 or self.trend_shrinkage_k < 0:
            raise ValueError("the shrinkage constants must not be negative")
        if not 0.0 <= self.trend_damping <= 1.0:
            raise ValueError("the trend damping φ must lie between 0 and 1")
        if not 1 <= self.birth_base_ages[0] <= self.birth_base_ages[1]:
            raise ValueError("birth base ages must be ≥ 1 and ascending")


@dataclass(frozen=True, slots=True, eq=False)
class CohortRates:
    """The estimated rates of a cohort-component projection, per area (and per district).

    ``change_ratios[i, a]``: cohort change ratio into age ``ages[a]`` (column 0 unused, NaN);
    ``births_level[i]``: the window mean of the age-0 counts; ``births_slope[i]``: the relative
    yearly trend of age 0 (share of the mean, 0 for the ``mean`` model); ``births_ratio[i]``:
    age 0 per child of the base ages (``ratio`` model only, else NaN); ``weights[i, a]``: the
    area's own weight ``n / (n + k)`` in the change ratios.
    """

    change_ratios: FloatArray
    district_change_ratios: FloatArray
    births_level: FloatArray
    births_slope: FloatArray
    births_ratio: FloatArray
    weights: FloatArray


def _window_values(history: PopulationTable, window: int) -> FloatArray:
    """The last ``window + 1`` years of the history, checked to be complete and non-negative."""
    if len(history.years) < 2:
        raise ValueError("a cohort projection needs at least two years of history")
    if history.ages[0] != 0 or len(history.ages) < 2:
        raise ValueError("a cohort projection needs single years of age from 0 upwards")
    used = min(window, len(history.years) - 1)
    values = history.values[:, -(used + 1) :, :]
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("the history has missing or negative counts in the estimation window")
    return values


def estimate_cohort_rates(
    history: PopulationTable, *, parameters: CohortParameters | None = None
) -> CohortRates:
    """Estimate the (shrunk) rates of :func:`project_cohort_component` from the history's window."""
    params = parameters or CohortParameters()
    values = _window_values(history, params.window)
    index = history.district_index()
    k = params.shrinkage_k
    n_years = values.shape[1]

    # 1. Cohort change ratios: Σ P[a, t+1] / Σ P[a−1, t] over the window's transitions.
    numerator = values[:, 1:, 1:].sum(axis=1)
    denominator = values[:, :-1, :-1].sum(axis=1)
    area_ratios, district_ratios = shrink_ratios(numerator, denominator, index, k=k)
    nan_column = np.full((area_ratios.shape[0], 1), np.nan)
    change_ratios = np.concatenate([nan_column, area_ratios], axis=1)
    district_change = np.concatenate(
        [np.full((district_ratios.shape[0], 1), np.nan), district_ratios], axis=1
    )
    den_sum = denominator + k
    weights = np.concatenate(
        [nan_column, np.where(den_sum > 0, denominator / np.where(den_sum > 0, den_sum, 1.0), 0.0)],
        axis=1,
    )

    # 2. Births: window mean and the relative least-squares slope, shrunk by the age-0 total.
    births = values[:, :, 0]
    level = births.mean(axis=1)
    centred = np.arange(n_years, dtype=np.float64) - (n_years - 1) / 2.0
    slope = births @ centred / float(centred @ centred)
    if params.births is BirthsModel.TREND:
        # The relative slope g = slope / mean is a ratio with numerator slope·n_years and
        # denominator Σ_t P0 (the births of the window), so it is shrunk like the other ratios.
        births_slope, _ = shrink_ratios(
            slope * n_years, births.sum(axis=1), index, k=params.trend_shrinkage_k, fallback=0.0
        )
    else:
        births_slope = np.zeros_like(level)
    births_ratio = np.full_like(level, np.nan)
    if params.births is BirthsModel.RATIO:
        first, last = params.birth_base_ages
        if last > history.ages[-1]:
            raise ValueError("the birth base ages exceed the ages of the history")
        base = values[:, :, first : last + 1].sum(axis=2)
        births_ratio, _ = shrink_ratios(
            births.sum(axis=1), base.sum(axis=1), index, k=k, fallback=0.0
        )
    return CohortRates(
        change_ratios=change_ratios,
        district_change_ratios=district_change,
        births_level=level,
        births_slope=births_slope,
        births_ratio=births_ratio,
        weights=weights,
    )


def _projection_table(history: PopulationTable, projected: FloatArray) -> PopulationTable:
    last = history.years[-1]
    return PopulationTable(
        areas=history.areas,
        districts=history.districts,
        years=tuple(range(last + 1, last + 1 + projected.shape[1])),
        ages=history.ages,
        values=projected,
    )


def _check_horizon(horizon: int) -> None:
    if horizon < 1:
        raise ValueError("the horizon must be at least one year")


def project_cohort_component(
    history: PopulationTable, *, horizon: int = 10, parameters: CohortParameters | None = None
) -> PopulationTable:
    """Project the children of every area ``horizon`` years beyond the last year of ``history``.

    Uses only the last ``parameters.window + 1`` years of ``history``. Steps (module docstring):
    1. ageing with shrunk cohort change ratios,
    2. births from the chosen model (damped trend ``φ``, window mean, or child-to-child ratio),
    3. counts are clipped at 0 (a falling trend never gives negative births).
    """
    _check_horizon(horizon)
    params = parameters or CohortParameters()
    rates = estimate_cohort_rates(history, parameters=params)
    n_years = min(params.window, len(history.years) - 1) + 1
    # The trend line's value at the base year, relative to the window mean: 1 + g·(n−1)/2.
    offset = (n_years - 1) / 2.0
    current = np.asarray(history.values[:, -1, :], dtype=np.float64)
    projected = np.empty((current.shape[0], horizon, current.shape[1]), dtype=np.float64)
    trend_steps = 0.0
    for h in range(1, horizon + 1):
        following = np.empty_like(current)
        following[:, 1:] = current[:, :-1] * rates.change_ratios[:, 1:]
        trend_steps += params.trend_damping**h
        if params.births is BirthsModel.RATIO:
            first, last = params.birth_base_ages
            lo, hi = history.ages.index(first), history.ages.index(last) + 1
            following[:, 0] = rates.births_ratio * following[:, lo:hi].sum(axis=1)
        else:
            relative = 1.0 + rates.births_slope * (offset + trend_steps)
            following[:, 0] = rates.births_level * relative
        current = np.maximum(following, 0.0)
        projected[:, h - 1, :] = current
    return _projection_table(history, projected)


# --------------------------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------------------------


def project_carry_forward(history: PopulationTable, *, horizon: int = 10) -> PopulationTable:
    """Baseline: every area keeps the counts of the last observed year, age by age."""
    _check_horizon(horizon)
    last = np.asarray(history.values[:, -1, :], dtype=np.float64)
    if not np.isfinite(last).all() or (last < 0).any():
        raise ValueError("the last year of the history has missing or negative counts")
    projected = np.repeat(last[:, np.newaxis, :], horizon, axis=1)
    return _projection_table(history, projected)


def project_district_trend(
    history: PopulationTable, *, horizon: int = 10, window: int = 5
) -> PopulationTable:
    """Baseline: areas keep their share of the district; the district follows a linear trend.

    1. District counts ``D[t, a]`` per single age are the sums of their areas.
    2. The district's slope ``b[a]`` is the least-squares slope over the last ``window + 1``
       years; the district projection is ``max(0, D[t0, a] + b[a]·h)`` (drawn from the last
       observed value, so ``h = 0`` reproduces the data).
    3. Each area keeps its base-year share ``P[i, t0, a] / D[t0, a]`` of its district (0 where
       the district has no children of that age).
    """
    _check_horizon(horizon)
    values = _window_values(history, window)
    index = history.district_index()
    n_districts = len(history.district_keys)
    district = _group_sum(values, index, n_districts)  # (districts, years, ages)
    n_years = district.shape[1]
    centred = np.arange(n_years, dtype=np.float64) - (n_years - 1) / 2.0
    slope = np.einsum("dya,y->da", district, centred) / float(centred @ centred)
    last = district[:, -1, :]
    steps = np.arange(1, horizon + 1, dtype=np.float64)
    district_future = np.maximum(
        last[:, np.newaxis, :] + slope[:, np.newaxis, :] * steps[:, None], 0
    )
    area_last = values[:, -1, :]
    district_last = last[index]
    share = np.where(
        district_last > 0, area_last / np.where(district_last > 0, district_last, 1), 0
    )
    projected = share[:, np.newaxis, :] * district_future[index]
    return _projection_table(history, projected)


def project_hamilton_perry(
    history: PopulationTable, *, horizon: int = 10, district_ratios: bool = False
) -> PopulationTable:
    """Baseline: classic Hamilton–Perry with the cohort change ratios of the last year.

    1. Each area's ratio into age ``a`` is ``P[i, t0, a] / P[i, t0−1, a−1]`` (the last observed
       transition, unshrunk; 1 where the area had no children of age ``a−1``). With
       ``district_ratios`` every area takes its district's ratio (sums of the district's areas)
       instead, the usual remedy for small areas.
    2. Age 0 stays at the base year's count: the registers have no women by age, so the
       child–woman ratio of the textbook method cannot be estimated.
    3. ``P̂[i, t+1, a] = P̂[i, t, a−1] · c[i, a]``.
    """
    _check_horizon(horizon)
    values = _window_values(history, 1)
    numerator, denominator = values[:, 1, 1:], values[:, 0, :-1]
    if district_ratios:
        index = history.district_index()
        n_districts = len(history.district_keys)
        numerator = _group_sum(numerator, index, n_districts)[index]
        denominator = _group_sum(denominator, index, n_districts)[index]
    ratios = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), 1.0)
    current = np.asarray(values[:, -1, :], dtype=np.float64)
    projected = np.empty((current.shape[0], horizon, current.shape[1]), dtype=np.float64)
    births = current[:, 0].copy()
    for h in range(horizon):
        following = np.empty_like(current)
        following[:, 1:] = current[:, :-1] * ratios
        following[:, 0] = births
        current = following
        projected[:, h, :] = current
    return _projection_table(history, projected)


def baseline_methods(window: int = 5) -> dict[str, ProjectionMethod]:
    """The simple baselines every forecast must beat, by name.

    ``carry_forward``, ``district_trend`` (:func:`project_district_trend`), ``hamilton_perry``
    and ``hamilton_perry_district`` (:func:`project_hamilton_perry` with area or district
    ratios).
    """

    def carry_forward(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_carry_forward(history, horizon=horizon)

    def district_trend(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_district_trend(history, horizon=horizon, window=window)

    def hamilton_perry(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_hamilton_perry(history, horizon=horizon)

    def hamilton_perry_district(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_hamilton_perry(history, horizon=horizon, district_ratios=True)

    return {
        "carry_forward": carry_forward,
        "district_trend": district_trend,
        "hamilton_perry": hamilton_perry,
        "hamilton_perry_district": hamilton_perry_district,
    }


# --------------------------------------------------------------------------------------------
# Back-test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgeGroupSpec:
    """A named range of single years of age (inclusive) scored in the back-test."""

    name: str
    first: int
    last: int


#: Kita age groups: u3 (de: Krippe, ages 0–2), ue3 (de: Kindergarten, ages 3–5), all under 6.
DEFAULT_AGE_GROUPS: tuple[AgeGroupSpec, ...] = (
    AgeGroupSpec("u3", 0, 2),
    AgeGroupSpec("ue3", 3, 5),
    AgeGroupSpec("u6", 0, 5),
)

#: Area levels of the back-test, finest first.
LEVELS: tuple[str, ...] = ("area", "district", "city")


def default_methods(parameters: CohortParameters | None = None) -> dict[str, ProjectionMethod]:
    """kitaplan's cohort-component method and the two baselines, by name."""
    params = parameters or CohortParameters()

    def kitaplan(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_cohort_component(history, horizon=horizon, parameters=params)

    def carry_forward(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_carry_forward(history, horizon=horizon)

    def district_trend(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_district_trend(history, horizon=horizon, window=params.window)

    return {"kitaplan": kitaplan, "carry_forward": carry_forward, "district_trend": district_trend}


def project_from(
    history: PopulationTable, *, base_year: int, horizon: int, method: ProjectionMethod
) -> PopulationTable:
    """Forecast as if at the end of ``base_year``: the method sees no year after it."""
    projection = method(history.until(base_year), horizon)
    if projection.years[0] != base_year + 1 or projection.areas != history.areas:
        raise ValueError("a projection method must continue its history's areas and years")
    return projection


@dataclass(frozen=True, slots=True)
class BacktestRow:
    """Errors of one method for one level, age group and horizon, pooled over the base years.

    ``mape``: mean absolute percentage error, ``median_ape``: its median, ``mpe``: mean signed
    percentage error (bias; positive = forecast too high), all over the units with a positive
    actual count (APE is undefined at 0); ``wmape``: Σ|F − A| / ΣA over all units (weights units
    by size); ``n_areas``: distinct units scored; ``n_forecasts``: unit × base-year pairs scored.
    All percentages are in per cent.
    """

    method: str
    level: str
    age_group: str
    horizon: int
    base_years: tuple[int, ...]
    n_areas: int
    n_forecasts: int
    mape: float
    median_ape: float
    wmape: float
    mpe: float


@dataclass(slots=True)
class _Pool:
    base_years: list[int] = field(default_factory=list)
    forecasts: list[FloatArray] = field(default_factory=list)
    actuals: list[FloatArray] = field(default_factory=list)


def _level_index(history: PopulationTable, level: str) -> tuple[IntArray, int]:
    if level == "area":
        return np.arange(len(history.areas), dtype=np.intp), len(history.areas)
    if level == "district":
        return history.district_index(), len(history.district_keys)
    return np.zeros(len(history.areas), dtype=np.intp), 1


def _score(method: str, level: str, group: str, horizon: int, pool: _Pool) -> BacktestRow:
    forecast = np.stack(pool.forecasts)  # (base years, units)
    actual = np.stack(pool.actuals)
    finite = np.isfinite(actual) & np.isfinite(forecast)
    positive = finite & (actual > 0)
    error = forecast - actual
    ape = np.abs(error[positive]) / actual[positive] * 100.0
    signed = error[positive] / actual[positive] * 100.0
    actual_sum = float(actual[finite].sum())
    nan = float("nan")
    return BacktestRow(
        method=method,
        level=level,
        age_group=group,
        horizon=horizon,
        base_years=tuple(pool.base_years),
        n_areas=int(positive.any(axis=0).sum()),
        n_forecasts=int(positive.sum()),
        mape=float(ape.mean()) if ape.size else nan,
        median_ape=float(np.median(ape)) if ape.size else nan,
        wmape=float(np.abs(error[finite]).sum() / actual_sum * 100.0) if actual_sum > 0 else nan,
        mpe=float(signed.mean()) if signed.size else nan,
    )


def backtest(
    history: PopulationTable,
    *,
    base_years: Sequence[int],
    horizons: Sequence[int],
    methods: Mapping[str, ProjectionMethod] | None = None,
    age_groups: Sequence[AgeGroupSpec] = DEFAULT_AGE_GROUPS,
) -> tuple[BacktestRow, ...]:
    """Forecast from each base year with data up to it only, and score against what happened.

    1. For each base year and method: :func:`project_from` (history cut after the base year).
    2. For each horizon ``h`` with year ``base + h`` in the history, forecasts and actual counts
       of each age group are summed per unit of each level (area, district, city).
    3. Errors are pooled over the base years per method × level × age group × horizon
       (:class:`BacktestRow`). Horizons beyond the data are skipped for that base year.

    ``methods`` defaults to :func:`default_methods`. Rows are ordered method, level, age group,
    horizon (in the order given).
    """
    chosen = dict(methods) if methods is not None else default_methods()
    max_horizon = max(horizons)
    pools: dict[tuple[str, str, str, int], _Pool] = {}
    level_indices = {level: _level_index(history, level) for level in LEVELS}
    for base in sorted(base_years):
        steps = [h for h in horizons if base + h in history.years]
        if not steps:
            continue
        for name, method in chosen.items():
            projection = project_from(history, base_year=base, horizon=max_horizon, method=method)
            for group in age_groups:
                predicted = projection.age_sum(group.first, group.last)
                observed = history.age_sum(group.first, group.last)
                for h in steps:
                    f_area = predicted[:, h - 1]
                    a_area = observed[:, history.years.index(base + h)]
                    for level, (index, n_units) in level_indices.items():
                        pool = pools.setdefault((name, level, group.name, h), _Pool())
                        pool.base_years.append(base)
                        pool.forecasts.append(_group_sum(f_area, index, n_units))
                        pool.actuals.append(_group_sum(a_area, index, n_units))
    rows = [
        _score(name, level, group.name, h, pools[(name, level, group.name, h)])
        for name in chosen
        for level in LEVELS
        for group in age_groups
        for h in horizons
        if (name, level, group.name, h) in pools
    ]
    return tuple(rows)
