"""kitaplan's forecast: an ensemble of the cohort method and the baselines, chosen by back-test.

No single method wins everywhere on Berlin (``docs/domain/forecast.md``): the shrunk cohort
method is best on small areas and for ue3, Hamilton–Perry and the district trend are better for
u3 at district level at short horizons. The ensemble therefore combines them, with weights that
the history itself chooses, in two stages per age group (u3, ue3) and horizon:

1. **Members.** Every member method (:data:`MEMBERS`: the cohort method, the same with an
   undamped birth trend, and the four baselines) projects from each past origin ``o`` of the history whose targets lie inside it.
2. **Weights.** For horizon ``h`` the fitting pool is every origin ``o ≤ t0 − h`` (so every
   target year is ``≤ t0``, the base year: no look-ahead). On a simplex grid (step
   :attr:`EnsembleParameters.grid_step`) the convex weights with the lowest pooled WAPE
   ``Σ|F − A| / ΣA`` are chosen – once for the areas (finest level) and once for the districts.
   The district weights of u3 are by default pooled over the horizons: one weight vector,
   fitted on every past (origin, horizon) pair with target ``≤ t0`` and on the district sums
   of each single age of u3, the error of horizon ``h`` counted ``h`` times
   (:attr:`EnsembleParameters.pool_district_horizons`).
   Horizons without a fitting origin take the weights of the longest fitted horizon, horizons
   beyond :attr:`EnsembleParameters.max_fit_horizon` those of the last one; with no fitting
   origin at all the cohort method alone is used.
3. **Combination and reconciliation.** The area forecast is the area-weighted combination per
   single age; the district total the district-weighted combination of the members' district
   sums. The area forecasts are then scaled within each district (per single age) to that total
   (top-down control, de: *Eckwertsteuerung*), so districts and the city are the sums of areas.

Because the weights are fitted inside :func:`project_ensemble` on the history it is handed, a
back-test through :func:`kitaplan.domain.planning.forecast.project_from` sees no year after the
origin – also not in the weights.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import numpy.typing as npt

from kitaplan.domain.planning.forecast import (
    AgeGroupSpec,
    CohortParameters,
    PopulationTable,
    ProjectionMethod,
    _group_sum,
    _projection_table,
    baseline_methods,
    project_cohort_component,
)

FloatArray = npt.NDArray[np.float64]

#: The ensemble's member methods, in this order (weights are given in it).
MEMBERS: tuple[str, ...] = (
    "cohort",
    "cohort_linear",
    "carry_forward",
    "district_trend",
    "hamilton_perry",
    "hamilton_perry_district",
)

#: Age groups that get their own weights; ages above the last group use the last group's.
WEIGHT_GROUPS: tuple[AgeGroupSpec, ...] = (AgeGroupSpec("u3", 0, 2), AgeGroupSpec("ue3", 3, 5))


@dataclass(frozen=True, slots=True)
class EnsembleParameters:
    """Parameters of :func:`project_ensemble` (fixed, not tuned on Berlin's evaluation years).

    ``max_fit_horizon``: the longest horizon with weights of its own; ``grid_step``: the step of
    the simplex grid of weights (1/step must be a whole number); ``min_history_years``: the
    fewest years a past origin must have seen to enter the fitting pool (6 = the cohort
    method's full window of 5 transitions); ``min_pool``: the fewest past origins a horizon
    needs for weights of its own (else it takes those of the longest horizon that had enough);
    ``pool_district_horizons``: the age groups whose district weights are fitted once on all
    horizons together (each pair's error counted ``h`` times) instead of per horizon – u3, whose
    births no per-horizon pool of old origins foresees (Berlin: Bezirk u3 h = 2–4 better; for
    ue3, mostly children already born, pooling was worse; see ``docs/domain/forecast.md``);
    ``cohort``: the parameters of the cohort members (``cohort_linear`` is the same with an
    undamped birth trend, φ = 1).
    """

    max_fit_horizon: int = 5
    grid_step: float = 0.1
    min_history_years: int = 6
    min_pool: int = 2
    pool_district_horizons: tuple[str, ...] = ("u3",)
    cohort: CohortParameters = field(default_factory=CohortParameters)

    def __post_init__(self) -> None:
        if self.max_fit_horizon < 1:
            raise ValueError("the ensemble needs at least one fitted horizon")
        steps = 1.0 / self.grid_step
        if self.grid_step <= 0 or abs(steps - round(steps)) > 1e-9:
            raise ValueError("1 / grid_step must be a whole number")
        if self.min_history_years < 2:
            raise ValueError("a past origin needs at least two years of history")
        if self.min_pool < 1:
            raise ValueError("a fitted horizon needs at least one past origin")


@dataclass(frozen=True, slots=True, eq=False)
class EnsembleWeights:
    """The fitted weights: ``area[g, h − 1, m]`` and ``district[g, h − 1, m]`` for age group
    ``groups[g]``, horizon ``h`` and member ``members[m]`` (each row sums to 1);
    ``origins[h − 1]`` are the past origins that were pooled for horizon ``h`` (empty: the
    weights were carried over from a shorter horizon or default to the cohort method)."""

    members: tuple[str, ...]
    groups: tuple[AgeGroupSpec, ...]
    area: FloatArray
    district: FloatArray
    origins: tuple[tuple[int, ...], ...]


def member_methods(parameters: EnsembleParameters | None = None) -> dict[str, ProjectionMethod]:
    """The members by name (:data:`MEMBERS` order)."""
    params = parameters or EnsembleParameters()

    def cohort(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_cohort_component(history, horizon=horizon, parameters=params.cohort)

    linear = replace(params.cohort, trend_damping=1.0)

    def cohort_linear(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_cohort_component(history, horizon=horizon, parameters=linear)

    return {
        "cohort": cohort,
        "cohort_linear": cohort_linear,
        **baseline_methods(params.cohort.window),
    }


@cache
def _simplex_grid(n_members: int, steps: int) -> FloatArray:
    """All weight vectors with entries in multiples of 1/steps that sum to 1 (fixed order)."""
    rows = [
        combo
        for combo in itertools.product(range(steps + 1), repeat=n_members)
        if sum(combo) == steps
    ]
    grid: FloatArray = np.array(rows, dtype=np.float64) / steps
    grid.setflags(write=False)
    return grid


def _best_weights(forecasts: FloatArray, actual: FloatArray, grid: FloatArray) -> FloatArray:
    """The grid row with the lowest ``Σ|Σ_m w_m F_m − A|`` (the first on ties)."""
    errors = np.abs(grid @ forecasts - actual[np.newaxis, :]).sum(axis=1)
    best: FloatArray = grid[int(np.argmin(errors))]
    return best


def _group_of_age(ages: tuple[int, ...], groups: tuple[AgeGroupSpec, ...]) -> list[int]:
    positions = []
    for age in ages:
        inside = [g for g, spec in enumerate(groups) if spec.first <= age <= spec.last]
        positions.append(inside[0] if inside else (0 if age < groups[0].first else len(groups) - 1))
    return positions


def fit_ensemble(
    history: PopulationTable, *, parameters: EnsembleParameters | None = None
) -> EnsembleWeights:
    """Fit the weights on the history's own past origins (targets ≤ its last year only)."""
    params = parameters or EnsembleParameters()
    methods = member_methods(params)
    members = tuple(methods)
    base = history.years[-1]
    first_origin = history.years[0] + params.min_history_years - 1
    horizons = range(1, params.max_fit_horizon + 1)
    index = history.district_index()
    n_districts = len(history.district_keys)
    # Member projections from every usable past origin, to the last year of the history.
    projections: dict[int, list[PopulationTable]] = {}
    for origin in range(first_origin, base):
        past = history.until(origin)
        steps = min(base - origin, params.max_fit_horizon)
        projections[origin] = [methods[m](past, steps) for m in members]
    grid = _simplex_grid(len(members), round(1.0 / params.grid_step))
    shape = (len(WEIGHT_GROUPS), params.max_fit_horizon, len(members))
    area = np.zeros(shape)
    district = np.zeros(shape)
    origins: list[tuple[int, ...]] = []
    for h in horizons:
        pool = tuple(o for o in projections if o + h <= base)
        if len(pool) < params.min_pool:
            pool = ()
        origins.append(pool)
        for g, spec in enumerate(WEIGHT_GROUPS):
            if not pool:
                area[g, h - 1] = area[g, h - 2] if h > 1 else np.eye(len(members))[0]
                district[g, h - 1] = district[g, h - 2] if h > 1 else np.eye(len(members))[0]
                continue
            actual = np.concatenate(
                [
                    history.age_sum(spec.first, spec.last)[:, history.years.index(o + h)]
                    for o in pool
                ]
            )
            forecast = np.stack(
                [
                    np.concatenate(
                        [projections[o][m].age_sum(spec.first, spec.last)[:, h - 1] for o in pool]
                    )
                    for m in range(len(members))
                ]
            )
            area[g, h - 1] = _best_weights(forecast, actual, grid)
            if spec.name in params.pool_district_horizons:
                continue
            n_pool = len(pool)
            by_district = forecast.reshape(len(members), n_pool, -1)
            summed = np.stack(
                [_group_sum(by_district[m].T, index, n_districts).T for m in range(len(members))]
            ).reshape(len(members), -1)
            actual_d = _group_sum(actual.reshape(n_pool, -1).T, index, n_districts).T.reshape(-1)
            district[g, h - 1] = _best_weights(summed, actual_d, grid)
    for g, spec in enumerate(WEIGHT_GROUPS):
        if spec.name in params.pool_district_horizons:
            district[g, :] = _pooled_district_weights(
                history, projections, spec, params.max_fit_horizon, grid
            )
    return EnsembleWeights(
        members=members,
        groups=WEIGHT_GROUPS,
        area=area,
        district=district,
        origins=tuple(origins),
    )


def _pooled_district_weights(
    history: PopulationTable,
    projections: dict[int, list[PopulationTable]],
    spec: AgeGroupSpec,
    max_horizon: int,
    grid: FloatArray,
) -> FloatArray:
    """One weight vector for the district totals of an age group, fitted on every past
    (origin, horizon) pair with target ``≤`` the history's last year and on the district sums
    of every single age of the group (not the group's total), the absolute error of
    horizon ``h`` counted ``h`` times (long horizons, which have the fewest pairs, are what the
    district totals get wrong); the cohort method alone where there is no pair."""
    base = history.years[-1]
    index = history.district_index()
    n_districts = len(history.district_keys)
    n_members = grid.shape[1]
    ages = [history.ages.index(a) for a in range(spec.first, spec.last + 1) if a in history.ages]
    actual_parts: list[FloatArray] = []
    forecast_parts: list[FloatArray] = []
    for origin, members in projections.items():
        for h in range(1, min(base - origin, max_horizon) + 1):
            # Single ages, not the group's sum: the combination is applied per single age, and
            # an age-0 count one year ahead (a births forecast) is then scored as such instead
            # of being netted against the errors of the ages already born.
            observed = history.values[:, history.years.index(origin + h), ages]
            actual_parts.append(h * _group_sum(observed, index, n_districts).reshape(-1))
            forecast_parts.append(
                h
                * np.stack(
                    [
                        _group_sum(p.values[:, h - 1, ages], index, n_districts).reshape(-1)
                        for p in members
                    ]
                )
            )
    if not actual_parts:
        weights: FloatArray = np.eye(n_members)[0]
        return weights
    return _best_weights(np.concatenate(forecast_parts, axis=1), np.concatenate(actual_parts), grid)


def combine(
    history: PopulationTable,
    member_projections: list[PopulationTable],
    weights: EnsembleWeights,
) -> PopulationTable:
    """Combine the members' projections with the weights and control areas to districts."""
    stacked = np.stack([p.values for p in member_projections])  # (members, areas, years, ages)
    horizon = stacked.shape[2]
    age_group = _group_of_age(history.ages, weights.groups)
    h_index = np.minimum(np.arange(horizon), weights.area.shape[1] - 1)
    # (groups, horizon, members) → (members, horizon, ages)
    w_area = weights.area[age_group][:, h_index, :].transpose(2, 1, 0)
    w_district = weights.district[age_group][:, h_index, :].transpose(2, 1, 0)
    area = np.einsum("myha,mha->yha", stacked, w_area)
    index = history.district_index()
    n_districts = len(history.district_keys)
    district_members = np.stack(
        [_group_sum(stacked[m], index, n_districts) for m in range(stacked.shape[0])]
    )
    district_total = np.einsum("mdha,mha->dha", district_members, w_district)
    area_sum = _group_sum(area, index, n_districts)
    positive = area_sum > 0
    factor = np.where(positive, district_total / np.where(positive, area_sum, 1.0), 1.0)
    controlled = np.maximum(area * factor[index], 0.0)
    return _projection_table(history, controlled)


def ensemble_projection(
    history: PopulationTable, *, horizon: int = 10, parameters: EnsembleParameters | None = None
) -> tuple[PopulationTable, EnsembleWeights]:
    """:func:`project_ensemble` and the weights it used (e.g. to name the method on a page:
    no pooled origin at all means the cohort method alone)."""
    params = parameters or EnsembleParameters()
    weights = fit_ensemble(history, parameters=params)
    methods = member_methods(params)
    projections = [methods[m](history, horizon) for m in weights.members]
    return combine(history, projections, weights), weights


def project_ensemble(
    history: PopulationTable, *, horizon: int = 10, parameters: EnsembleParameters | None = None
) -> PopulationTable:
    """kitaplan's forecast: the members combined with weights fitted on the history's own past."""
    projection, _ = ensemble_projection(history, horizon=horizon, parameters=parameters)
    return projection
