"""E2SFCA close-to-home accessibility: a hand-computed case, invariants, and PySAL ``access``."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.planning.accessibility import (
    DEFAULT_SIGMA_FRACTION,
    DemandPoints,
    GaussianDecay,
    StepDecay,
    SupplyPoints,
    access_by_group,
    e2sfca,
    nearest_place_distance,
    project_to_metres,
    share_with_place_within,
)

BANDS = StepDecay(bands=((500.0, 1.0), (1000.0, 0.68), (1500.0, 0.22)))


def on_a_line(xs, amounts, cls):
    return cls(np.asarray(xs, dtype=float), np.zeros(len(xs)), np.asarray(amounts, dtype=float))


# --- hand-computed example ------------------------------------------------------------------
#
# Facilities on the x axis: F1 at 0 m (10 places), F2 at 1200 m (15 places).
# Children: P1 at 300 m (10), P2 at 800 m (20), P3 at 1900 m (30). Steps 1 / 0.68 / 0.22.
#   distances  F1: 300 (1), 800 (0.68), 1900 (out)   F2: 900 (0.68), 400 (1), 700 (0.68)
#   D1 = 10 + 0.68·20 = 23.6              R1 = 10 / 23.6 = 25/59
#   D2 = 0.68·10 + 20 + 0.68·30 = 47.2    R2 = 15 / 47.2 = 75/236
#   A1 = 25/59 + 0.68·75/236 = 151/236    A2 = 0.68·25/59 + 75/236 = 143/236
#   A3 = 0.68·75/236 = 51/236             Σ A·P = 5900/236 = 25 = all places


def tiny():
    demand = on_a_line([300, 800, 1900], [10, 20, 30], DemandPoints)
    supply = on_a_line([0, 1200], [10, 15], SupplyPoints)
    return demand, supply


def test_hand_computed_example_with_step_weights():
    demand, supply = tiny()
    result = e2sfca(demand, supply, catchment_m=1500, decay=BANDS)
    assert result.weighted_demand == pytest.approx([23.6, 47.2], abs=1e-12)
    assert result.supply_ratio == pytest.approx(
        [float(Fraction(25, 59)), float(Fraction(75, 236))], abs=1e-15
    )
    assert result.access == pytest.approx([151 / 236, 143 / 236, 51 / 236], abs=1e-15)
    assert result.reaches_supply.tolist() == [True, True, True]
    assert result.pairs == 5
    assert float(result.access @ demand.weight) == pytest.approx(25.0, abs=1e-12)


def test_distance_equal_to_a_band_bound_or_the_catchment_counts_inclusively():
    demand = on_a_line([500, 1500, 1500.001], [1, 1, 1], DemandPoints)
    supply = on_a_line([0], [3], SupplyPoints)
    result = e2sfca(demand, supply, catchment_m=1500, decay=BANDS)
    # D = 1 + 0.22 (the third point is just outside), R = 3 / 1.22
    assert result.weighted_demand == pytest.approx([1.22])
    assert result.access == pytest.approx([3 / 1.22, 0.22 * 3 / 1.22, 0.0])
    assert result.reaches_supply.tolist() == [True, True, False]


def test_gaussian_weight_matches_pysal_formula_and_default_sigma_follows_luo_qi():
    decay = GaussianDecay(sigma_m=20)
    d = np.array([0.0, 20.0, 40.0, 60.0])
    assert decay.weights(d) == pytest.approx(
        [1.0, 0.6065306597126334, 0.1353352832366127, 0.011108996538242306], rel=1e-15
    )
    luo_qi = GaussianDecay.for_catchment(1500)
    assert luo_qi.sigma_m == pytest.approx(DEFAULT_SIGMA_FRACTION * 1500)
    assert luo_qi.weights(np.array([500.0, 1000.0])) == pytest.approx([0.68, 0.22], abs=0.01)
    assert StepDecay.luo_qi(1500) == BANDS


def test_facility_without_children_in_reach_keeps_ratio_zero_and_point_without_facility_gets_zero():
    demand = on_a_line([0, 10_000], [5, 7], DemandPoints)
    supply = on_a_line([100, 5_000], [10, 10], SupplyPoints)
    result = e2sfca(demand, supply, catchment_m=1500, decay=BANDS)
    assert result.supply_ratio.tolist() == [2.0, 0.0]
    assert result.weighted_demand.tolist() == [5.0, 0.0]
    assert result.access.tolist() == [2.0, 0.0]
    assert result.reaches_supply.tolist() == [True, False]


def test_zero_capacity_facility_in_reach_does_not_count_as_reachable_supply():
    demand = on_a_line([0], [5], DemandPoints)
    supply = on_a_line([100], [0], SupplyPoints)
    result = e2sfca(demand, supply, catchment_m=1500, decay=BANDS)
    assert result.access.tolist() == [0.0]
    assert result.weighted_demand.tolist() == [5.0]
    assert result.reaches_supply.tolist() == [False]


def test_empty_inputs():
    demand, supply = tiny()
    nobody = on_a_line([], [], DemandPoints)
    nothing = on_a_line([], [], SupplyPoints)
    result = e2sfca(nobody, supply, catchment_m=1500, decay=BANDS)
    assert result.access.shape == (0,)
    assert result.supply_ratio.tolist() == [0.0, 0.0]
    result = e2sfca(demand, nothing, catchment_m=1500, decay=BANDS)
    assert result.access.tolist() == [0.0, 0.0, 0.0]
    assert result.supply_ratio.shape == (0,)
    assert not result.reaches_supply.any()
    assert nearest_place_distance(demand, nothing).tolist() == [np.inf] * 3
    assert np.isnan(share_with_place_within(nobody, supply, within_m=1000))
    assert access_by_group([], nobody, []) == {}


def test_invalid_inputs_are_refused():
    with pytest.raises(ValueError, match="same length"):
        DemandPoints([0, 1], [0, 1], [1])
    with pytest.raises(ValueError, match="negative"):
        SupplyPoints([0], [0], [-1])
    with pytest.raises(ValueError, match="finite"):
        DemandPoints([np.nan], [0], [1])
    with pytest.raises(ValueError, match="ascending"):
        StepDecay(bands=((1000.0, 1.0), (500.0, 0.5)))
    with pytest.raises(ValueError, match="sigma"):
        GaussianDecay(sigma_m=0)
    demand, supply = tiny()
    with pytest.raises(ValueError, match="catchment"):
        e2sfca(demand, supply, catchment_m=-1, decay=BANDS)


def test_aggregation_by_group_and_share_within():
    demand, supply = tiny()
    result = e2sfca(demand, supply, catchment_m=1500, decay=BANDS)
    by_area = access_by_group(result.access, demand, ["a", "a", "b"])
    assert by_area["a"] == pytest.approx((10 * 151 / 236 + 20 * 143 / 236) / 30)
    assert by_area["b"] == pytest.approx(51 / 236)
    assert np.isnan(access_by_group([1.0], on_a_line([0], [0], DemandPoints), ["x"])["x"])
    # nearest facility with places: 300, 400, 700 m
    assert nearest_place_distance(demand, supply).tolist() == [300.0, 400.0, 700.0]
    assert share_with_place_within(demand, supply, within_m=400) == pytest.approx(30 / 60)
    assert share_with_place_within(demand, supply, within_m=299) == 0.0
    # closing F2 (0 places) moves everyone to F1
    closed = on_a_line([0, 1200], [10, 0], SupplyPoints)
    assert nearest_place_distance(demand, closed).tolist() == [300.0, 800.0, 1900.0]
    assert share_with_place_within(demand, closed, within_m=1000) == pytest.approx(30 / 60)


def test_projection_to_utm33():
    x, y = project_to_metres([15.0, 13.377704], [0.0, 52.516275])  # 15° E = central meridian
    assert (x[0], y[0]) == pytest.approx((500_000.0, 0.0), abs=1e-6)
    assert (x[1], y[1]) == pytest.approx((389_918.04, 5_819_699.13), abs=0.01)  # Brandenburger Tor
    # metres are (nearly) metres: 0.01° of latitude in Berlin is about 1113 m
    _, y2 = project_to_metres([13.377704], [52.526275])
    assert y2[0] - y[1] == pytest.approx(1113, abs=2)


def test_projection_zone_is_chosen_from_the_place():
    from pyproj import Geod

    # Cologne (6.96° E) lies in zone 32: projected like EPSG:25832, not EPSG:25833
    lon, lat = [6.958, 6.990], [50.941, 50.941]  # Dom and Deutz, about 2.2 km apart
    x, y = project_to_metres(lon, lat)
    assert (x.tolist(), y.tolist()) == (
        project_to_metres(lon, lat, crs="EPSG:25832")[0].tolist(),
        project_to_metres(lon, lat, crs="EPSG:25832")[1].tolist(),
    )
    assert x[0] == pytest.approx(356_500, abs=1_000)  # 500 km minus 2° of longitude
    _, _, true_m = Geod(ellps="GRS80").inv(lon[0], lat[0], lon[1], lat[1])
    assert float(np.hypot(x[1] - x[0], y[1] - y[0])) == pytest.approx(true_m, rel=5e-4)
    # in the zone of Berlin the same distance would be off by more than 0.3 %
    wx, wy = project_to_metres(lon, lat, crs="EPSG:25833")
    assert abs(float(np.hypot(wx[1] - wx[0], wy[1] - wy[0])) / true_m - 1) > 3e-3
    # Berlin stays in zone 33, and no points give no coordinates
    assert project_to_metres([13.377704], [52.516275])[0].tolist() == pytest.approx([389_918.04])
    assert project_to_metres([], [])[0].tolist() == []


# --- invariants --------------------------------------------------------------------------------


def dense_reference(demand, supply, catchment, decay):
    """Textbook E2SFCA with a full distance matrix."""
    d = np.hypot(demand.x[:, None] - supply.x[None, :], demand.y[:, None] - supply.y[None, :])
    w = np.where(d <= catchment, decay.weights(d), 0.0)
    weighted = w.T @ demand.weight
    ratio = np.divide(supply.capacity, weighted, out=np.zeros_like(weighted), where=weighted > 0)
    return w @ ratio, ratio, weighted


# whole metres: the k-d tree and np.hypot then agree on every distance to the last bit
coordinate = st.integers(0, 4000).map(float)
amount = st.one_of(st.just(0.0), st.floats(0.01, 200))  # children, places
decays = st.one_of(
    st.floats(100, 2000).map(lambda s: GaussianDecay(sigma_m=s)),
    st.floats(100, 1000).map(lambda b: StepDecay(bands=((b, 1.0), (2 * b, 0.68), (3 * b, 0.22)))),
)


@st.composite
def instances(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(1, 8))
    demand = DemandPoints(
        draw(st.lists(coordinate, min_size=n, max_size=n)),
        draw(st.lists(coordinate, min_size=n, max_size=n)),
        draw(st.lists(amount, min_size=n, max_size=n)),
    )
    supply = SupplyPoints(
        draw(st.lists(coordinate, min_size=m, max_size=m)),
        draw(st.lists(coordinate, min_size=m, max_size=m)),
        draw(st.lists(amount, min_size=m, max_size=m)),
    )
    return demand, supply, draw(st.floats(0, 3000)), draw(decays)


@settings(max_examples=200, deadline=None)
@given(instances(), st.integers(1, 30))
def test_matches_dense_reference_for_any_chunk_size(instance, chunk_size):
    demand, supply, catchment, decay = instance
    result = e2sfca(demand, supply, catchment_m=catchment, decay=decay, chunk_size=chunk_size)
    access, ratio, weighted = dense_reference(demand, supply, catchment, decay)
    np.testing.assert_allclose(result.weighted_demand, weighted, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(result.supply_ratio, ratio, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.access, access, rtol=1e-9, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_all_supply_that_reaches_children_is_distributed(instance):
    demand, supply, catchment, decay = instance
    result = e2sfca(demand, supply, catchment_m=catchment, decay=decay)
    reached = result.weighted_demand > 0
    distributed = float(supply.capacity[reached].sum())
    assert float(result.supply_ratio @ result.weighted_demand) == pytest.approx(distributed)
    assert float(result.access @ demand.weight) == pytest.approx(distributed)
    if reached.all():  # every facility reaches some demand: Σ_j R_j D_j = Σ_j S_j
        assert float(result.supply_ratio @ result.weighted_demand) == pytest.approx(
            float(supply.capacity.sum())
        )


@settings(max_examples=200, deadline=None)
@given(instances(), st.data())
def test_access_never_falls_when_a_facility_grows(instance, data):
    demand, supply, catchment, decay = instance
    j = data.draw(st.integers(0, len(supply) - 1))
    extra = data.draw(st.floats(0, 500))
    grown = supply.capacity.copy()
    grown[j] += extra
    before = e2sfca(demand, supply, catchment_m=catchment, decay=decay)
    after = e2sfca(
        demand, SupplyPoints(supply.x, supply.y, grown), catchment_m=catchment, decay=decay
    )
    assert np.all(after.access >= before.access - 1e-12 * (1 + before.access))
    others = np.arange(len(supply)) != j
    np.testing.assert_array_equal(after.supply_ratio[others], before.supply_ratio[others])


@settings(max_examples=200, deadline=None)
@given(instances(), st.data())
def test_a_facility_without_places_contributes_nothing(instance, data):
    demand, supply, catchment, decay = instance
    j = data.draw(st.integers(0, len(supply) - 1))
    capacity = supply.capacity.copy()
    capacity[j] = 0
    emptied = e2sfca(
        demand, SupplyPoints(supply.x, supply.y, capacity), catchment_m=catchment, decay=decay
    )
    keep = np.arange(len(supply)) != j
    removed = e2sfca(
        demand,
        SupplyPoints(supply.x[keep], supply.y[keep], supply.capacity[keep]),
        catchment_m=catchment,
        decay=decay,
    )
    assert emptied.supply_ratio[j] == 0
    np.testing.assert_allclose(emptied.access, removed.access, rtol=1e-12, atol=1e-15)


# --- independent implementation: PySAL access -------------------------------------------------


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside access, pandas 3
@pytest.mark.parametrize("kind", ["gaussian", "step"])
def test_agrees_with_pysal_access(kind):
    access = pytest.importorskip("access")
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(2026)
    n, m, catchment = 400, 40, 1500.0
    demand = DemandPoints(
        rng.uniform(0, 6000, n), rng.uniform(0, 6000, n), rng.integers(1, 60, n).astype(float)
    )
    supply = SupplyPoints(
        rng.uniform(0, 6000, m), rng.uniform(0, 6000, m), rng.integers(0, 150, m).astype(float)
    )
    if kind == "gaussian":
        decay = GaussianDecay.for_catchment(catchment)
        weight_fn = access.weights.gaussian(decay.sigma_m)
    else:
        decay = BANDS
        weight_fn = access.weights.step_fn({500: 1.0, 1000: 0.68, 1500: 0.22})
    ours = e2sfca(demand, supply, catchment_m=catchment, decay=decay)

    # the full cost table (all pairs); access applies max_cost itself
    d = np.hypot(demand.x[:, None] - supply.x[None, :], demand.y[:, None] - supply.y[None, :])
    origin, dest = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    costs = pd.DataFrame({"origin": origin.ravel(), "dest": dest.ravel(), "cost": d.ravel()})
    model = access.Access(
        demand_df=pd.DataFrame({"geoid": np.arange(n), "children": demand.weight}),
        demand_index="geoid",
        demand_value="children",
        supply_df=pd.DataFrame({"sid": np.arange(m), "places": supply.capacity}),
        supply_index="sid",
        supply_value="places",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    theirs = model.enhanced_two_stage_fca(name="e2sfca", max_cost=catchment, weight_fn=weight_fn)[
        "e2sfca_places"
    ]
    theirs = theirs.reindex(np.arange(n)).to_numpy(dtype=float)
    # access gives NaN where no facility is in reach; we give 0 and say so in reaches_supply
    assert ours.pairs > 0
    assert not ours.reaches_supply[np.isnan(theirs)].any()
    np.testing.assert_allclose(ours.access, np.nan_to_num(theirs), rtol=0, atol=1e-9)
