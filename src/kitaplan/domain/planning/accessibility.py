"""Close-to-home accessibility of places (de: Erreichbarkeit, wohnortnahe Versorgung).

The enhanced two-step floating catchment area method (E2SFCA, Luo & Qi 2009): how many places
per child each population point can reach, when children compete for the places of every
facility within a catchment radius and nearer places count more than farther ones.

Inputs are points in metres of a projected CRS (:func:`project_to_metres` turns WGS84
longitude/latitude into the ETRS89 / UTM zone of the place, e.g. EPSG:25833 for Berlin and
EPSG:25832 for Cologne; demand and supply of one analysis must share the zone): demand points *i* with weight ``P_i``
(children), supply points *j* with capacity ``S_j`` (places), a catchment radius ``d0`` and a
distance decay ``w(d)`` (:class:`GaussianDecay` or :class:`StepDecay`).

1. **Pairs.** All pairs (i, j) with straight-line distance ``d_ij <= d0`` (the boundary is
   inclusive, as in PySAL ``access`` since 2025), found with a k-d tree
   (``scipy.spatial.cKDTree.sparse_distance_matrix``) demand chunk by demand chunk, so memory
   grows with the number of pairs, never with ``n_demand × n_supply``. Each pair gets the weight
   ``w_ij = w(d_ij)``; pairs beyond ``d0`` have weight 0.
2. **Supply ratio per facility** (step 1 of E2SFCA): the weighted demand in its catchment
   ``D_j = Σ_i w_ij · P_i`` and the ratio ``R_j = S_j / D_j`` (places per weighted child).
   A facility with no weighted demand in reach (``D_j = 0``) gets ``R_j = 0``: no child can
   use its places, so they are not distributed (PySAL would give ∞ or NaN there).
3. **Accessibility per demand point** (step 2): ``A_i = Σ_j w_ij · R_j``, places per child
   within reach. A point with no facility in reach gets ``A_i = 0`` (PySAL gives NaN);
   :attr:`Accessibility.reaches_supply` tells the two cases apart.
4. Both sums are sparse matrix–vector products over the pair list (``numpy.bincount`` on the
   pair indices), without a Python loop over pairs; the pairs are kept between the two steps
   at 16 bytes each (3.2 million cells × 60,000 facilities, 2 km: 14.5 million pairs, about
   230 MB). Supply is conserved:
   ``Σ_i A_i · P_i = Σ_{j: D_j > 0} S_j``, so the demand-weighted mean of ``A`` is the overall
   places-per-child ratio whenever every facility reaches some children.

Aggregation: :func:`access_by_group` (demand-weighted mean per area) and
:func:`share_with_place_within` ("share of children with a place within X m", nearest
facility with capacity > 0, also by :func:`nearest_place_distance`).

Sources: W. Luo & Y. Qi (2009), "An enhanced two-step floating catchment area (E2SFCA) method
for measuring spatial accessibility to primary care physicians", Health & Place 15(4),
1100–1107; PySAL ``access`` documentation (https://pysal.org/access/), whose
``weights.gaussian(sigma)`` is ``exp(-d² / (2σ²))`` with ``w(0) = 1`` and whose
``weights.step_fn`` assigns each band's weight to distances up to and including its bound.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar, overload

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from kitaplan.domain.common.projection import WGS84, utm_crs_for
from kitaplan.domain.common.projection import _transformer as transformer

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Key = TypeVar("Key", bound=Hashable)

#: Catchment for walking to a Kita (about 20–25 minutes at 3.6–4.5 km/h).
WALKING_CATCHMENT_M = 1_500.0
#: Wider catchment (bike, or walking plus a short public-transport ride).
EXTENDED_CATCHMENT_M = 3_000.0
#: Gaussian width as a fraction of the catchment. 0.38 puts the Gaussian through Luo & Qi's
#: step weights: w(d0/3) = 0.68 and w(2·d0/3) = 0.22 (σ = 0.380·d0 and 0.383·d0), w(d0) = 0.031.
DEFAULT_SIGMA_FRACTION = 0.38
#: Luo & Qi's (2009) weights for three equal bands of the catchment.
LUO_QI_STEP_WEIGHTS = (1.0, 0.68, 0.22)
#: Demand points per chunk: bounds the temporary memory of the pair search; small chunks
#: also keep the pair arrays in the CPU cache (8k points was fastest for Berlin and Germany).
DEFAULT_CHUNK_SIZE = 8_192


def _as_float_array(values: npt.ArrayLike, name: str) -> FloatArray:
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array


def _check_points(x: FloatArray, y: FloatArray, amount: FloatArray, amount_name: str) -> None:
    if not len(x) == len(y) == len(amount):
        raise ValueError(f"x, y and {amount_name} must have the same length")
    if np.any(amount < 0):
        raise ValueError(f"{amount_name} must not be negative")


@dataclass(frozen=True, slots=True, eq=False)
class DemandPoints:
    """Population points in metres (projected CRS) with their number of children."""

    x: FloatArray
    y: FloatArray
    weight: FloatArray  # P_i, children

    def __init__(self, x: npt.ArrayLike, y: npt.ArrayLike, weight: npt.ArrayLike) -> None:
        object.__setattr__(self, "x", _as_float_array(x, "x"))
        object.__setattr__(self, "y", _as_float_array(y, "y"))
        object.__setattr__(self, "weight", _as_float_array(weight, "weight"))
        _check_points(self.x, self.y, self.weight, "weight")

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True, slots=True, eq=False)
class SupplyPoints:
    """Facilities in metres (projected CRS) with their number of places."""

    x: FloatArray
    y: FloatArray
    capacity: FloatArray  # S_j, places

    def __init__(self, x: npt.ArrayLike, y: npt.ArrayLike, capacity: npt.ArrayLike) -> None:
        object.__setattr__(self, "x", _as_float_array(x, "x"))
        object.__setattr__(self, "y", _as_float_array(y, "y"))
        object.__setattr__(self, "capacity", _as_float_array(capacity, "capacity"))
        _check_points(self.x, self.y, self.capacity, "capacity")

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True, slots=True)
class GaussianDecay:
    """``w(d) = exp(-½ (d/σ)²)``, ``w(0) = 1`` (PySAL ``access.weights.gaussian(sigma)``)."""

    sigma_m: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sigma_m) and self.sigma_m > 0):
            raise ValueError("sigma_m must be a positive number of metres")

    @classmethod
    def for_catchment(
        cls, catchment_m: float, *, sigma_fraction: float = DEFAULT_SIGMA_FRACTION
    ) -> GaussianDecay:
        """The Gaussian with ``σ = sigma_fraction × catchment_m`` (default 0.38, see module)."""
        return cls(sigma_m=sigma_fraction * catchment_m)

    def weights(self, distances_m: FloatArray) -> FloatArray:
        scaled = distances_m / self.sigma_m
        return np.exp(-0.5 * scaled * scaled)


@dataclass(frozen=True, slots=True)
class StepDecay:
    """Constant weight per distance band; ``bands`` = ((upper bound m, weight), ...) ascending.

    A distance gets the weight of the first band whose upper bound it does not exceed
    (``d <= bound``, as ``access.weights.step_fn``); beyond the last bound the weight is 0.
    ``((500, 1.0), (1000, 0.68), (1500, 0.22))`` means 0–500 m: 1, 500–1000 m: 0.68, …
    """

    bands: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        bounds = [bound for bound, _ in self.bands]
        if not bounds:
            raise ValueError("a step decay needs at least one band")
        if any(not (math.isfinite(b) and b > 0) for b in bounds) or any(
            later <= earlier for earlier, later in zip(bounds, bounds[1:], strict=False)
        ):
            raise ValueError("band bounds must be positive and strictly ascending")
        if any(not (math.isfinite(w) and w >= 0) for _, w in self.bands):
            raise ValueError("band weights must not be negative")

    @classmethod
    def luo_qi(cls, catchment_m: float) -> StepDecay:
        """Three equal bands up to ``catchment_m`` with Luo & Qi's weights 1, 0.68, 0.22."""
        return cls(
            bands=tuple(
                (catchment_m * (k + 1) / 3, weight) for k, weight in enumerate(LUO_QI_STEP_WEIGHTS)
            )
        )

    def weights(self, distances_m: FloatArray) -> FloatArray:
        bounds = np.array([bound for bound, _ in self.bands], dtype=np.float64)
        values = np.array([weight for _, weight in self.bands] + [0.0], dtype=np.float64)
        return values[np.searchsorted(bounds, distances_m, side="left")]


DistanceDecay: TypeAlias = GaussianDecay | StepDecay


@dataclass(frozen=True, slots=True, eq=False)
class Accessibility:
    """E2SFCA result; arrays are aligned with the demand and supply points given."""

    access: FloatArray  # A_i, places per child within reach, per demand point
    supply_ratio: FloatArray  # R_j = S_j / D_j (0 where D_j = 0), per facility
    weighted_demand: FloatArray  # D_j = Σ_i w_ij P_i, per facility
    reaches_supply: BoolArray  # demand point has a facility with capacity > 0 and w > 0
    catchment_m: float
    pairs: int = field(default=0)  # demand–facility pairs within the catchment


def project_to_metres(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, crs: str | None = None
) -> tuple[FloatArray, FloatArray]:
    """WGS84 longitude/latitude (degrees) to x, y in metres of ``crs``.

    Without ``crs`` the ETRS89 / UTM zone is chosen from the points' own mean longitude
    (:func:`kitaplan.domain.common.projection.utm_crs_for`): zone 33 (EPSG:25833) for Berlin
    and Dresden, zone 32 (EPSG:25832) for Cologne or Munich. Points that are compared with
    each other (demand and supply of one analysis) must be projected with the same ``crs``:
    pass it when they are projected in separate calls of a place near a zone border.
    """
    lon_array = np.asarray(lon, dtype=np.float64)
    lat_array = np.asarray(lat, dtype=np.float64)
    if lon_array.size == 0:
        return np.zeros(lon_array.shape), np.zeros(lat_array.shape)
    if crs is None:
        crs = utm_crs_for(float(np.nanmean(lon_array)))
    x, y = transformer(WGS84, crs).transform(lon_array, lat_array)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _xy(x: FloatArray, y: FloatArray) -> FloatArray:
    return np.column_stack((x, y))


def e2sfca(
    demand: DemandPoints,
    supply: SupplyPoints,
    *,
    catchment_m: float,
    decay: DistanceDecay,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Accessibility:
    """Enhanced two-step floating catchment accessibility (steps 1–4 of the module docstring)."""
    if not (math.isfinite(catchment_m) and catchment_m >= 0):
        raise ValueError("catchment_m must be a non-negative number of metres")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    n, m = len(demand), len(supply)
    weighted_demand = np.zeros(m, dtype=np.float64)
    if n == 0 or m == 0:
        return Accessibility(
            access=np.zeros(n, dtype=np.float64),
            supply_ratio=np.zeros(m, dtype=np.float64),
            weighted_demand=weighted_demand,
            reaches_supply=np.zeros(n, dtype=np.bool_),
            catchment_m=catchment_m,
        )

    # Step 1: pairs within the catchment, chunk by chunk; kept (16 bytes a pair) for step 3.
    supply_tree = cKDTree(_xy(supply.x, supply.y))
    chunks: list[tuple[int, npt.NDArray[np.int32], npt.NDArray[np.int32], FloatArray]] = []
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        # Sliding-midpoint trees build about twice as fast and query as fast for grids.
        chunk_tree = cKDTree(
            _xy(demand.x[start:stop], demand.y[start:stop]),
            balanced_tree=False,
            compact_nodes=False,
        )
        found = chunk_tree.sparse_distance_matrix(supply_tree, catchment_m, output_type="ndarray")
        # Coincident points (distance 0) stay in, as they must (sparse matrices may drop zeros).
        distances = found["v"]
        rows = found["i"].astype(np.int32)
        cols = found["j"].astype(np.int32)
        if len(distances) and distances.max() > catchment_m:  # guard: the boundary is <=
            inside = distances <= catchment_m
            distances, rows, cols = distances[inside], rows[inside], cols[inside]
        weights = decay.weights(np.ascontiguousarray(distances))
        del found, distances
        keep = weights > 0
        if not np.all(keep):
            rows, cols, weights = rows[keep], cols[keep], weights[keep]
        # Step 2 (first half): D_j += Σ_i w_ij P_i, a sparse transpose–vector product.
        weighted_demand += np.bincount(
            cols, weights=weights * demand.weight[start:stop][rows], minlength=m
        )
        chunks.append((start, rows, cols, weights))

    # Step 2: R_j = S_j / D_j, 0 where nobody is in reach.
    has_demand = weighted_demand > 0
    supply_ratio = np.zeros(m, dtype=np.float64)
    np.divide(supply.capacity, weighted_demand, out=supply_ratio, where=has_demand)
    has_places = (supply.capacity > 0).astype(np.float64)

    # Step 3: A_i = Σ_j w_ij R_j, a sparse matrix–vector product.
    access = np.zeros(n, dtype=np.float64)
    reaches_supply = np.zeros(n, dtype=np.bool_)
    pairs = 0
    for start, rows, cols, weights in chunks:
        size = min(chunk_size, n - start)
        access[start : start + size] = np.bincount(
            rows, weights=weights * supply_ratio[cols], minlength=size
        )
        reaches_supply[start : start + size] = (
            np.bincount(rows, weights=has_places[cols], minlength=size) > 0
        )
        pairs += len(rows)
    return Accessibility(
        access=access,
        supply_ratio=supply_ratio,
        weighted_demand=weighted_demand,
        reaches_supply=reaches_supply,
        catchment_m=catchment_m,
        pairs=pairs,
    )


def nearest_place_distance(demand: DemandPoints, supply: SupplyPoints) -> FloatArray:
    """Distance (m) from each demand point to the nearest facility with capacity > 0 (∞: none)."""
    n = len(demand)
    with_places = supply.capacity > 0
    if n == 0 or not np.any(with_places):
        return np.full(n, np.inf, dtype=np.float64)
    tree = cKDTree(_xy(supply.x[with_places], supply.y[with_places]))
    distances, _ = tree.query(_xy(demand.x, demand.y), k=1)
    return np.asarray(distances, dtype=np.float64)


def share_with_place_within(
    demand: DemandPoints, supply: SupplyPoints, *, within_m: float
) -> float:
    """Demand-weighted share of points whose nearest facility with places is ``<= within_m``.

    "Share of children with at least one place within X km"; NaN when there are no children.
    Per area: ``access_by_group((nearest_place_distance(d, s) <= x).astype(float), d, ids)``.
    """
    total = float(demand.weight.sum())
    if total <= 0:
        return math.nan
    close = nearest_place_distance(demand, supply) <= within_m
    return float(demand.weight[close].sum()) / total


@overload
def access_by_group(
    access: npt.ArrayLike, demand: DemandPoints, group_ids: Sequence[Key]
) -> dict[Key, float]: ...
@overload
def access_by_group(
    access: npt.ArrayLike, demand: DemandPoints, group_ids: npt.NDArray[Any]
) -> dict[Any, float]: ...
def access_by_group(
    access: npt.ArrayLike, demand: DemandPoints, group_ids: Sequence[Any] | npt.NDArray[Any]
) -> dict[Any, float]:
    """Demand-weighted mean of a per-point value (e.g. ``A_i``) per group (e.g. area code).

    Groups appear in sorted order; a group without children gets NaN.
    """
    values = _as_float_array(access, "access")
    ids = np.asarray(group_ids)
    if not len(values) == len(ids) == len(demand):
        raise ValueError("access, demand and group_ids must have the same length")
    if len(ids) == 0:
        return {}
    keys, inverse = np.unique(ids, return_inverse=True)
    inverse = inverse.reshape(-1)
    children = np.bincount(inverse, weights=demand.weight, minlength=len(keys))
    weighted = np.bincount(inverse, weights=values * demand.weight, minlength=len(keys))
    means = np.full(len(keys), np.nan, dtype=np.float64)
    np.divide(weighted, children, out=means, where=children > 0)
    return dict(zip(keys.tolist(), means.tolist(), strict=True))
