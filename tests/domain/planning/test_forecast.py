"""Small-area child population forecast: exactness, shrinkage, baselines, honest back-test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.planning.forecast import (
    BirthsModel,
    CohortParameters,
    PopulationTable,
    backtest,
    default_methods,
    estimate_cohort_rates,
    project_carry_forward,
    project_cohort_component,
    project_district_trend,
    project_from,
    shrink_ratios,
    split_age_bands,
)

AGES = tuple(range(7))


def simulate(
    *,
    start: np.ndarray,
    births: np.ndarray,
    ratios: np.ndarray,
    first_year: int = 2000,
    districts: tuple[str, ...] | None = None,
) -> PopulationTable:
    """The true process: ``P[a, t+1] = P[a−1, t] · ratios[i, a]``, ``P[0, t] = births[i, t]``.

    ``start`` (areas × ages) is the first year; ``births`` (areas × years) gives age 0 of every
    year including the first.
    """
    n_areas, n_years = births.shape
    values = np.zeros((n_areas, n_years, len(AGES)))
    values[:, 0, :] = start
    values[:, 0, 0] = births[:, 0]
    for t in range(1, n_years):
        values[:, t, 1:] = values[:, t - 1, :-1] * ratios[:, 1:]
        values[:, t, 0] = births[:, t]
    areas = tuple(f"A{i}" for i in range(n_areas))
    return PopulationTable(
        areas=areas,
        districts=districts or tuple("D1" if i % 2 == 0 else "D2" for i in range(n_areas)),
        years=tuple(range(first_year, first_year + n_years)),
        ages=AGES,
        values=values,
    )


RATIOS = np.array([np.nan, 0.97, 1.02, 0.95, 1.01, 0.99, 0.93])
START = np.array(
    [[50, 80, 30, 70, 20, 60, 40], [5, 9, 3, 8, 2, 7, 4], [500, 420, 610, 380, 450, 300, 520]],
    dtype=float,
)


def test_constant_ratios_and_constant_births_are_reproduced_exactly():
    births = np.array([[60.0] * 16, [6.0] * 16, [480.0] * 16])
    ratios = np.array([RATIOS, RATIOS, RATIOS])
    truth = simulate(start=START, births=births, ratios=ratios)
    history = truth.until(2004)  # 4 transitions, far from stationary

    for births_model in (BirthsModel.TREND, BirthsModel.MEAN):
        params = CohortParameters(window=4, shrinkage_k=250.0, births=births_model)
        projection = project_cohort_component(history, horizon=11, parameters=params)
        assert projection.years == tuple(range(2005, 2016))
        np.testing.assert_allclose(projection.values, truth.values[:, 5:, :], rtol=1e-12)


def test_area_specific_ratios_and_a_linear_birth_trend_are_reproduced_without_shrinkage():
    years = np.arange(16, dtype=float)
    births = np.array([40 + 2 * years, 9 - 0.25 * years, 300 + 10 * years])
    ratios = np.array([RATIOS, RATIOS * 1.1, RATIOS * 0.9])
    truth = simulate(start=START, births=births, ratios=ratios)
    params = CohortParameters(window=5, shrinkage_k=0.0, trend_shrinkage_k=0.0, trend_damping=1.0)
    projection = project_cohort_component(truth.until(2005), horizon=10, parameters=params)
    np.testing.assert_allclose(projection.values, truth.values[:, 6:, :], rtol=1e-10)


def test_the_ratio_births_model_reproduces_a_constant_child_to_child_ratio():
    # Stationary history: age 0 is a fixed share of ages 1–5 in every year.
    ratios = np.array([RATIOS, RATIOS, RATIOS])
    stationary = np.cumprod(np.nan_to_num(RATIOS, nan=1.0)) * 100
    start = np.array([stationary, stationary * 0.1, stationary * 3])
    births = np.array([[100.0] * 12, [10.0] * 12, [300.0] * 12])
    truth = simulate(start=start, births=births, ratios=ratios)
    params = CohortParameters(births=BirthsModel.RATIO, shrinkage_k=50.0)
    projection = project_cohort_component(truth.until(2005), horizon=6, parameters=params)
    np.testing.assert_allclose(projection.values, truth.values[:, 6:, :], rtol=1e-12)


def test_shrinkage_pulls_a_tiny_area_to_its_district_and_leaves_a_big_area_alone():
    # District D: a big area (ratio 1.0 on 10,000 children) and a tiny one (2.0 on 5 children).
    numerator = np.array([10_000.0, 10.0, 800.0])
    denominator = np.array([10_000.0, 5.0, 1_000.0])
    area, district = shrink_ratios(numerator, denominator, [0, 0, 1], k=100.0)
    own = numerator / denominator
    assert abs(area[0] - own[0]) < 0.001  # weight 10,000 / 10,100
    assert abs(area[1] - district[0]) < 0.1 * abs(own[1] - district[0])  # weight 5 / 105
    assert district[0] == pytest.approx(10_010 / 10_005, rel=1e-3)
    # k = 0: no shrinkage; k huge: every area takes its district's ratio.
    np.testing.assert_allclose(shrink_ratios(numerator, denominator, [0, 0, 1], k=0)[0], own)
    huge, districts = shrink_ratios(numerator, denominator, [0, 0, 1], k=1e12)
    np.testing.assert_allclose(huge, districts[[0, 0, 1]], rtol=1e-6)


def test_an_empty_area_takes_its_districts_ratios():
    area, district = shrink_ratios([[0.0], [90.0]], [[0.0], [100.0]], [0, 0], k=0.0)
    assert area[0, 0] == district[0, 0] == pytest.approx(0.9)


def test_shrinkage_in_the_projection_weighs_areas_by_their_size():
    # Same district, same true ratios, but the tiny area had one odd year: +100 % at age 3.
    ratios = np.array([RATIOS, RATIOS])
    births = np.array([[2000.0] * 8, [2.0] * 8])
    start = np.array([START[2] * 4, START[1] / 4])
    history = simulate(start=start, births=births, ratios=ratios, districts=("D", "D"))
    values = np.array(history.values)
    values[1, 5, 3] *= 2
    noisy = PopulationTable(
        areas=history.areas,
        districts=history.districts,
        years=history.years,
        ages=AGES,
        values=values,
    )
    free = estimate_cohort_rates(noisy, parameters=CohortParameters(shrinkage_k=0.0))
    shrunk = estimate_cohort_rates(noisy, parameters=CohortParameters(shrinkage_k=100.0))
    assert abs(free.change_ratios[1, 3] - RATIOS[3]) > 0.1
    assert abs(shrunk.change_ratios[1, 3] - RATIOS[3]) < 0.02
    assert shrunk.change_ratios[0, 3] == pytest.approx(free.change_ratios[0, 3], rel=1e-3)
    assert shrunk.weights[0, 3] > 0.98 > 0.2 > shrunk.weights[1, 3]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    damping=st.sampled_from([0.5, 0.8, 1.0]),
    births=st.sampled_from(list(BirthsModel)),
    k=st.sampled_from([0.0, 10.0, 1000.0]),
)
def test_projected_counts_are_never_negative(seed, damping, births, k):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 30, size=(6, 8, 7)).astype(float)
    values[:, :, 0] *= np.linspace(3, 0, 8)  # births collapsing: a steep negative trend
    values[rng.random(values.shape) < 0.3] = 0.0
    history = PopulationTable(
        areas=tuple("abcdef"),
        districts=tuple("xxxyyz"),
        years=tuple(range(2010, 2018)),
        ages=AGES,
        values=values,
    )
    params = CohortParameters(
        shrinkage_k=k, trend_shrinkage_k=k, births=births, trend_damping=damping
    )
    for projection in (
        project_cohort_component(history, horizon=15, parameters=params),
        project_district_trend(history, horizon=15),
        project_carry_forward(history, horizon=15),
    ):
        assert np.isfinite(projection.values).all()
        assert (projection.values >= 0).all()


def test_carry_forward_keeps_the_last_observed_counts():
    rng = np.random.default_rng(7)
    history = PopulationTable(
        areas=("a", "b"),
        districts=("x", "x"),
        years=(2018, 2019, 2020),
        ages=AGES,
        values=rng.integers(0, 50, size=(2, 3, 7)).astype(float),
    )
    projection = project_carry_forward(history, horizon=12)
    assert projection.years == tuple(range(2021, 2033))
    for j in range(12):
        np.testing.assert_array_equal(projection.values[:, j, :], history.values[:, -1, :])


def test_district_trend_keeps_shares_and_follows_the_districts_line():
    years = np.arange(6, dtype=float)
    district = 100.0 + 10.0 * years  # per age, exactly linear
    values = np.zeros((3, 6, 7))
    values[0] = (0.25 * district)[:, None]
    values[1] = (0.75 * district)[:, None]
    values[2] = 40.0  # alone in district y, constant
    history = PopulationTable(
        areas=("a", "b", "c"),
        districts=("x", "x", "y"),
        years=tuple(range(2015, 2021)),
        ages=AGES,
        values=values,
    )
    projection = project_district_trend(history, horizon=3, window=5)
    for h in (1, 2, 3):
        expected = 150.0 + 10.0 * h
        np.testing.assert_allclose(projection.values[0, h - 1], 0.25 * expected)
        np.testing.assert_allclose(projection.values[1, h - 1], 0.75 * expected)
        np.testing.assert_allclose(projection.values[2, h - 1], 40.0)


def _garbage_after(history: PopulationTable, year: int, fill: float) -> PopulationTable:
    values = np.array(history.values)
    values[:, history.years.index(year) + 1 :, :] = fill
    return PopulationTable(
        areas=history.areas,
        districts=history.districts,
        years=history.years,
        ages=AGES,
        values=values,
    )


def _berlin_like_history() -> PopulationTable:
    rng = np.random.default_rng(2026)
    n_areas, n_years = 12, 16
    start = rng.integers(5, 200, size=(n_areas, 7)).astype(float)
    births = rng.integers(5, 200, size=(n_areas, 1)) * np.linspace(1, 1.4, n_years)
    ratios = np.clip(RATIOS + rng.normal(0, 0.03, size=(n_areas, 7)), 0.5, 1.5)
    noisy = simulate(start=start, births=births, ratios=ratios, first_year=2001)
    values = np.round(np.array(noisy.values) * rng.uniform(0.9, 1.1, size=noisy.values.shape))
    return PopulationTable(
        areas=noisy.areas,
        districts=tuple(f"D{i % 3}" for i in range(n_areas)),
        years=noisy.years,
        ages=AGES,
        values=values,
    )


@pytest.mark.parametrize("fill", [np.nan, -1e9, 1e12])
def test_forecasts_from_a_base_year_ignore_every_later_year(fill):
    history = _berlin_like_history()
    spoiled = _garbage_after(history, 2010, fill)
    for name, method in default_methods().items():
        clean = project_from(history, base_year=2010, horizon=10, method=method)
        dirty = project_from(spoiled, base_year=2010, horizon=10, method=method)
        np.testing.assert_array_equal(clean.values, dirty.values, err_msg=name)


def test_the_backtest_hands_each_method_only_the_years_up_to_its_base_year():
    history = _berlin_like_history()
    seen: list[tuple[int, int, bool]] = []

    def spy(data: PopulationTable, horizon: int) -> PopulationTable:
        seen.append((data.years[-1], horizon, bool(np.isfinite(data.values).all())))
        return project_carry_forward(data, horizon=horizon)

    # Years after the last target are garbage: the back-test must neither use nor choke on them.
    spoiled = _garbage_after(history, 2014, np.nan)
    rows = backtest(spoiled, base_years=[2008, 2010, 2012], horizons=[1, 2], methods={"spy": spy})
    assert seen == [(2008, 2, True), (2010, 2, True), (2012, 2, True)]
    clean_rows = backtest(
        history, base_years=[2008, 2010, 2012], horizons=[1, 2], methods={"spy": spy}
    )
    assert rows == clean_rows


def test_the_backtest_scores_a_perfect_model_with_zero_error_and_carry_forward_with_more():
    years = np.arange(20, dtype=float)
    births = np.array([40 + 2 * years, 90 + 1 * years, 300 + 10 * years, 20 + 0 * years])
    ratios = np.array([RATIOS, RATIOS * 1.05, RATIOS * 0.95, RATIOS])
    truth = simulate(start=np.vstack([START, START[0]]), births=births, ratios=ratios)
    exact = CohortParameters(shrinkage_k=0.0, trend_shrinkage_k=0.0, trend_damping=1.0)
    rows = backtest(
        truth, base_years=[2008, 2010, 2012], horizons=[1, 3, 5], methods=default_methods(exact)
    )
    assert len(rows) == 3 * 3 * 3 * 3  # methods × levels × age groups × horizons
    for row in rows:
        assert row.base_years == (2008, 2010, 2012)
        if row.method == "kitaplan":
            assert row.mape < 1e-9 and row.wmape < 1e-9
        elif row.method == "carry_forward" and row.level == "city":
            assert row.mape > 1.0
    area_rows = [r for r in rows if r.level == "area" and r.method == "kitaplan"]
    assert {r.n_areas for r in area_rows} == {4}
    assert {r.n_forecasts for r in area_rows} == {12}


def test_horizons_beyond_the_data_are_left_out_per_base_year():
    history = _berlin_like_history()  # 2001–2016
    rows = backtest(history, base_years=[2010, 2014], horizons=[1, 2, 3, 4])
    by_horizon = {r.horizon: r.base_years for r in rows if r.method == "kitaplan"}
    assert by_horizon == {1: (2010, 2014), 2: (2010, 2014), 3: (2010,), 4: (2010,)}


def test_band_disaggregation_keeps_every_band_total():
    bands = [(0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (6, 7)]
    counts = np.array([[[19, 9, 16, 33, 26, 14], [3, 0, 0, 7, 0, 3]]], dtype=float)
    single = split_age_bands(counts, bands)
    assert single.shape == (1, 2, 7)
    np.testing.assert_allclose(single[0, 0], [19, 9, 16, 16.5, 16.5, 26, 14])
    np.testing.assert_allclose(single[..., 3:5].sum(axis=-1), counts[..., 3])
    np.testing.assert_allclose(single.sum(axis=-1), counts.sum(axis=-1))
    along_first = split_age_bands(counts[0].T, bands, axis=0)
    np.testing.assert_allclose(along_first, single[0].T)


@given(st.lists(st.integers(1, 5), min_size=1, max_size=8), st.integers(0, 1000))
def test_band_disaggregation_keeps_totals_for_any_bands(widths, seed):
    edges = np.concatenate([[0], np.cumsum(widths)])
    bands = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    counts = np.random.default_rng(seed).integers(0, 500, size=(3, len(bands))).astype(float)
    single = split_age_bands(counts, bands)
    assert single.shape == (3, int(edges[-1]))
    for j, (first, end) in enumerate(bands):
        np.testing.assert_allclose(single[:, first:end].sum(axis=1), counts[:, j])


def test_band_disaggregation_rejects_gaps():
    with pytest.raises(ValueError, match="without gaps"):
        split_age_bands(np.ones(2), [(0, 1), (2, 3)])


def test_a_population_table_checks_its_shape_and_is_read_only():
    with pytest.raises(ValueError, match="shape"):
        PopulationTable(
            areas=("a",), districts=("x",), years=(2020,), ages=AGES, values=np.zeros((1, 2, 7))
        )
    with pytest.raises(ValueError, match="consecutive"):
        PopulationTable(
            areas=("a",),
            districts=("x",),
            years=(2019, 2021),
            ages=AGES,
            values=np.zeros((1, 2, 7)),
        )
    table = PopulationTable(
        areas=("a",), districts=("x",), years=(2020,), ages=AGES, values=np.zeros((1, 1, 7))
    )
    with pytest.raises(ValueError, match="read-only"):
        table.values[0, 0, 0] = 1.0


def test_missing_counts_in_the_estimation_window_are_refused():
    history = _garbage_after(_berlin_like_history(), 2010, np.nan)
    with pytest.raises(ValueError, match="missing or negative"):
        project_cohort_component(history, horizon=5)
