"""The composite index: MSS 2021 reproduced from raw values, and properties of the method."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.index import (
    MSS_2021_DYNAMICS,
    MSS_2021_STATUS,
    ClassBand,
    DifferenceReason,
    IndexComponent,
    IndexDefinition,
    compare_classes,
    compute_index,
    reproduce,
    standardise,
)

ROOT = Path(__file__).resolve().parents[3]
DEMO_VALUES = ROOT / "src/kitaplan/demo/data/berlin/indicator_values.csv"
SHARED = ROOT.parent / "shared/data/berlin-mss-2021"

# PLR-ID, S1, S3, S4 (mss_2021.csv) and zS1, zS3, zS4, Status-Index, SI_N as published
# (mss_2021_index-indikatoren_z-werte_plr.csv); chosen around the class bounds.
EXTRACT = [
    ("01100101", 4.22594, 8.04329, 19.39799, -0.25, -0.41, -0.31, -0.33, 2),  # Stülerstraße
    ("01100102", 1.15858, 3.46175, 8.33333, -1.30, -1.05, -0.97, -1.12, 1),  # Großer Tiergarten
    ("06300631", 1.86788, 3.96574, 8.99183, -1.05, -0.98, -0.93, -1.01, 1),  # Goerzwerke
    ("01100415", 2.05154, 4.47074, 7.09894, -0.99, -0.91, -1.05, -1.00, 2),  # Invalidenstraße
    ("05100313", 8.16632, 19.14524, 42.08791, 1.09, 1.16, 1.05, 1.12, 3),  # Eiswerder
    ("12100204", 7.01188, 17.61191, 46.14719, 0.69, 0.95, 1.30, 0.99, 2),  # Schäfersee
    ("05100316", 7.34789, 17.78358, 44.01679, 0.81, 0.97, 1.17, 1.00, 2),  # Carl-Schurz-Straße
    ("01200517", 8.45687, 21.90604, 58.70021, 1.18, 1.55, 2.05, 1.62, 4),  # Huttenkiez
    ("01200625", 9.47838, 22.19037, 47.30769, 1.53, 1.59, 1.37, 1.52, 4),  # Lübecker Straße
]


def load_demo() -> dict[str, dict[str, float | None]]:
    """All Berlin PLR values of 2020 as packaged with the demo city (from the MSS 2021 files)."""
    table: dict[str, dict[str, float | None]] = defaultdict(dict)
    with DEMO_VALUES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["year"] == "2020" and row["indicator_code"].startswith("mss_"):
                table[row["indicator_code"]][row["area_code"]] = float(row["value"])
    return table


@pytest.fixture(scope="module")
def berlin() -> dict[str, dict[str, float | None]]:
    return load_demo()


def test_the_extract_reproduces_the_published_z_values_index_and_class(berlin):
    # The Berlin-wide reference (536 PLR) gives mean and sd; the extract is scored on it.
    extract = {
        "mss_s1": {r[0]: r[1] for r in EXTRACT},
        "mss_s3": {r[0]: r[2] for r in EXTRACT},
        "mss_s4": {r[0]: r[3] for r in EXTRACT},
    }
    result = compute_index(MSS_2021_STATUS, extract, reference=berlin)
    scores = result.by_area()
    for plr, *_raw, z1, z3, z4, index, klass in EXTRACT:
        score = scores[plr]
        assert round(score.z["mss_s1"], 2) == z1
        assert round(score.z["mss_s3"], 2) == z3
        assert round(score.z["mss_s4"], 2) == z4
        assert round(score.index, 2) == index
        assert score.band.code == klass


def test_population_sd_reproduces_the_published_z_values_and_sample_sd_does_not(berlin):
    published = berlin["mss_z_s1"]
    raw = {k: v for k, v in berlin["mss_s1"].items() if v is not None}
    for ddof, expected_misses in ((0, 0), (1, 49)):
        z = standardise(raw, ddof=ddof)
        misses = sum(1 for k in raw if abs(round(z[k], 2) - (published[k] or 0)) > 0.005)
        assert misses == expected_misses


@pytest.mark.parametrize(
    ("definition", "class_code", "index_code", "counts"),
    [
        (MSS_2021_STATUS, "mss_status_class", "mss_status_index", {1: 75, 2: 366, 3: 46, 4: 49}),
        (MSS_2021_DYNAMICS, "mss_dynamics_class", "mss_dynamics_index", {1: 48, 3: 436, 5: 52}),
    ],
)
def test_all_berlin_classes_are_reproduced(berlin, definition, class_code, index_code, counts):
    published = {k: int(v) for k, v in berlin[class_code].items() if v is not None}
    published_index = {k: v for k, v in berlin[index_code].items() if v is not None}
    result, agreement = reproduce(definition, berlin, published, published_index)
    assert len(result.scores) == 536
    assert agreement.compared == 536
    assert agreement.identical == 536
    assert agreement.share == 1.0
    assert agreement.differences == ()
    assert agreement.index_mismatches == ()
    assert result.class_counts() == counts


@pytest.mark.skipif(not (SHARED / "mss_2021.csv").exists(), reason="shared MSS data not present")
def test_reproduction_from_the_original_files_explains_the_six_empty_plr():
    with (SHARED / "mss_2021.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    table = {
        f"mss_{k.lower()}": {r["PLR_ID"]: float(r[k]) if r[k] else None for r in rows}
        for k in ("S1", "S3", "S4")
    }
    published = {r["PLR_ID"]: int(r["SI_N"]) for r in rows if r["SI_N"]}
    result, agreement = reproduce(MSS_2021_STATUS, table, published)
    assert len(rows) == 542
    assert len(result.excluded) == 6  # fewer than 300 residents: no values, no class
    assert agreement.identical == agreement.compared == 536
    # a PLR with a published class but no values would be a difference "missing values"
    one = dict(published, **{result.excluded[0]: 2})
    extra = compare_classes(result, one)
    assert [d.reason for d in extra.differences] == [DifferenceReason.MISSING_VALUES]


def synthetic() -> dict[str, dict[str, float | None]]:
    rng = np.random.default_rng(7)
    areas = [f"A{i:02d}" for i in range(40)]
    return {
        code: {a: float(v) for a, v in zip(areas, rng.normal(10, 3, len(areas)), strict=True)}
        for code in ("a", "b", "c")
    }


def definition(direction=IndicatorDirection.HIGHER_IS_WORSE, bands=None) -> IndexDefinition:
    return IndexDefinition(
        code="test",
        components=(
            IndexComponent("a", direction),
            IndexComponent("b", direction, weight=2.0),
            IndexComponent("c", direction),
        ),
        bands=bands or MSS_2021_DYNAMICS.bands,
    )


def test_shifting_an_indicator_by_a_constant_leaves_z_unchanged():
    table = synthetic()
    shifted = dict(table, a={k: (v or 0) + 123.4 for k, v in table["a"].items()})
    before = compute_index(definition(), table).by_area()
    after = compute_index(definition(), shifted).by_area()
    for area, score in before.items():
        assert after[area].z["a"] == pytest.approx(score.z["a"])
        assert after[area].index == pytest.approx(score.index)


def test_flipping_the_direction_mirrors_the_index_and_the_class_order():
    table = synthetic()
    worse = compute_index(definition(), table).by_area()
    better = compute_index(definition(IndicatorDirection.HIGHER_IS_BETTER), table).by_area()
    mirror = {1: 5, 3: 3, 5: 1}  # symmetric bounds ±1: positive ↔ negative
    for area, score in worse.items():
        assert better[area].index == pytest.approx(-score.index)
        assert better[area].band.code == mirror[score.band.code]


def test_the_index_is_standardised_and_weights_count():
    table = synthetic()
    result = compute_index(definition(), table)
    index = np.array([s.index for s in result.scores])
    assert index.mean() == pytest.approx(0, abs=1e-12)
    assert index.std() == pytest.approx(1)
    score = result.scores[0]
    assert score.weighted_sum == pytest.approx(score.z["a"] + 2 * score.z["b"] + score.z["c"])


def test_areas_with_a_missing_value_are_excluded_from_the_standardisation():
    table = synthetic()
    table["b"] = dict(table["b"], A00=None, A01=math.nan)
    result = compute_index(definition(), table)
    assert result.excluded == ("A00", "A01")
    assert len(result.scores) == 38
    rest = {k: v for k, v in table["a"].items() if k not in ("A00", "A01")}
    assert result.scales["a"].mean == pytest.approx(np.mean(list(rest.values())))


def test_classes_follow_the_configured_bounds_inclusive_upwards():
    d = definition(bands=(ClassBand(0.0, 1, "low"), ClassBand(math.inf, 2, "high")))
    assert d.classify(0.0).code == 1
    assert d.classify(1e-9).code == 2
    assert MSS_2021_STATUS.classify(-1.0).key == "high"
    assert MSS_2021_STATUS.classify(1.5).key == "low"
    assert MSS_2021_STATUS.classify(1.51).key == "very_low"


def test_a_class_difference_at_a_bound_is_explained_as_rounding():
    table = synthetic()
    result = compute_index(definition(), table)
    score = max(result.scores, key=lambda s: s.index if s.index < 1 else -9)
    published = {s.area: s.band.code for s in result.scores}
    published[score.area] = 5
    near = compare_classes(result, published, {score.area: 1.0}, input_slack=1.0)
    assert near.identical == near.compared - 1
    assert near.confusion[(3, 5)] == 1
    assert near.differences[0].reason == DifferenceReason.ROUNDING_AT_THRESHOLD
    far = compare_classes(result, published, {score.area: 2.0}, input_slack=0.0)
    if abs(score.index - 1.0) > 0.005:
        assert far.differences[0].reason == DifferenceReason.INDEX_DIFFERS


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"components": ()}, "at least one indicator"),
        ({"components": (IndexComponent("a"), IndexComponent("a"))}, "only once"),
        ({"bands": (ClassBand(1.0, 1, "x"),)}, "open upwards"),
        (
            {
                "bands": (
                    ClassBand(1.0, 1, "x"),
                    ClassBand(0.0, 2, "y"),
                    ClassBand(math.inf, 3, "z"),
                )
            },
            "must increase",
        ),
    ],
)
def test_invalid_definitions_are_refused(kwargs, message):
    base = {"code": "x", "components": (IndexComponent("a"),), "bands": MSS_2021_STATUS.bands}
    with pytest.raises(ValueError, match=message):
        IndexDefinition(**{**base, **kwargs})


def test_neutral_indicators_and_constant_values_are_refused():
    with pytest.raises(ValueError, match="neutral"):
        IndexComponent("k04", IndicatorDirection.NEUTRAL)
    with pytest.raises(ValueError, match="same value"):
        standardise({"a": 1.0, "b": 1.0})
