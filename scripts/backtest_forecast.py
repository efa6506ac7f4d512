#!/usr/bin/env python
"""Back-test the small-area child population forecast on 20 years of Berlin register data.

    .venv/bin/python scripts/backtest_forecast.py            # --shared ../shared/data

Reads ``berlin-ewr-2001-2020/EWR<YYYY>12E_Matrix.csv`` (residents per pre-2021 LOR Planungsraum
on 31.12., Amt für Statistik Berlin-Brandenburg, CC BY 3.0 DE), builds single years of age 0–6,
tunes the shrinkage constant ``k`` on early base years only, back-tests kitaplan's
cohort-component method, back-tests kitaplan's forecast (the ensemble of
``kitaplan.domain.planning.forecast_ensemble``) beside the cohort method and the baselines
carry-forward, district trend, Hamilton–Perry and Hamilton–Perry with district ratios (WAPE per
Planungsraum, Bezirk and Berlin for u3 and ue3, origins 2008–2015, horizons 1–5), prints the
tables and writes ``src/kitaplan/demo/data/berlin/forecast_backtest.csv`` (read by the forecast
page). Deterministic: same input, same bytes; timings are printed, never stored.

Design (documented in ``docs/domain/forecast.md``):

1. **Files.** ``;``-separated; 2012, 2013 and 2015 quote every field and write counts with a
   decimal comma (``15,00``); 2014 drops the leading zero of the keys (``1011101``) – keys are
   left-padded to 8 digits; the 2009 file has a trailing row with empty keys (dropped).
2. **LOR change 2019.** 2019 and 2020 have 448 Planungsräume: the new key ``09041403``
   (Treptow-Köpenick) was cut from ``09041301`` (−4,594 residents 2018→2019) and ``09041501``
   (−418), with ``09041401`` gaining 614. These four keys are merged into one unit
   (:data:`MERGED`) in every year, so all 20 years have the same 445 units and every Bezirk and
   the city keep their true totals.
3. **Ages.** Columns ``E_E00_01, E_E01_02, E_E02_03, E_E03_05, E_E05_06, E_E06_07`` → single
   ages 0…6 (the band 3–<5 split evenly, :func:`split_age_bands`). Scored age groups are sums of
   whole bands (0–2, 3–5, 0–5), so the split does not enter the scored actuals.
4. **No peeking.** ``k`` (and the births model, among a few documented variants) is chosen on
   the tuning base years 2006–2008 with targets up to 2010 only; the evaluation uses the origins
   2008–2015, horizons 1–5 (targets 2009–2020; the targets 2009–2010 of the origins 2008–2009
   overlap the tuning years, see the docs). Every forecast sees only the years up to its origin
   (:func:`project_from`), the ensemble's weights included: they are fitted inside the
   forecast on the past origins of the history it is handed.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import time
from pathlib import Path

import numpy as np

from kitaplan.domain.planning.forecast import (
    AgeGroupSpec,
    BacktestRow,
    BirthsModel,
    CohortParameters,
    PopulationTable,
    ProjectionMethod,
    backtest,
    default_methods,
    split_age_bands,
)
from kitaplan.domain.planning.forecast_ensemble import (
    EnsembleParameters,
    fit_ensemble,
    member_methods,
    project_ensemble,
)

REPO = Path(__file__).resolve().parent.parent
SOURCE_FOLDER = "berlin-ewr-2001-2020"
YEARS = tuple(range(2001, 2021))
BAND_COLUMNS = ("E_E00_01", "E_E01_02", "E_E02_03", "E_E03_05", "E_E05_06", "E_E06_07")
BANDS = ((0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (6, 7))
#: The 2019 LOR revision: these keys are merged into one unit (named after the first).
MERGED = ("09041301", "09041401", "09041403", "09041501")
MERGED_NAME = "+".join(MERGED)
CREDIT = (
    "Amt für Statistik Berlin-Brandenburg, Einwohnerregisterstatistik 31.12.2001–2020 "
    "(LOR-Planungsräume), CC BY 3.0 DE"
)

TUNING_BASE_YEARS = (2006, 2007, 2008)
TUNING_LAST_TARGET = 2010
EVALUATION_BASE_YEARS = tuple(range(2008, 2016))
SCORED_GROUPS = (AgeGroupSpec("u3", 0, 2), AgeGroupSpec("ue3", 3, 5))
HORIZONS = (1, 2, 3, 4, 5)
K_GRID = (0.0, 10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0)
K_TREND_GRID = (100.0, 400.0, 1600.0, 6400.0, 25600.0)
DAMPING_GRID = (0.5, 0.8, 1.0)
#: Undamped trends (φ = 1) are scored for information but not admissible: the product projects
#: 10 years ahead while the tuning sees at most 4, and a linear birth trend never stops.
ADMISSIBLE_DAMPING = (0.5, 0.8)
LEVEL_NAMES = {"area": "Planungsraum", "district": "Bezirk", "city": "Berlin"}
METHOD_ORDER = (
    "kitaplan",
    "cohort",
    "carry_forward",
    "district_trend",
    "hamilton_perry",
    "hamilton_perry_district",
)
BASELINES = ("carry_forward", "district_trend", "hamilton_perry", "hamilton_perry_district")
CSV_COLUMNS = (
    "method",
    "level",
    "age_group",
    "horizon",
    "base_years",
    "n_areas",
    "wmape",
    "mape",
    "median_ape",
    "source",
)


def _read_year(path: Path) -> dict[str, list[float]]:
    """Counts of the age-band columns per (8-digit) RAUMID of one register file."""
    text = path.read_text(encoding="ascii")
    rows: dict[str, list[float]] = {}
    for record in csv.DictReader(io.StringIO(text), delimiter=";"):
        key = (record["RAUMID"] or "").strip()
        if not key:
            continue  # 2009: trailing row with empty keys
        key = key.zfill(8)
        if key in rows:
            raise ValueError(f"{path.name}: duplicate RAUMID {key}")
        counts = [float(record[column].strip().replace(",", ".")) for column in BAND_COLUMNS]
        if any(c < 0 or c != int(c) for c in counts):
            raise ValueError(f"{path.name}: {key} has a count that is not a whole number ≥ 0")
        rows[key] = counts
    return rows


def load_history(shared: Path) -> PopulationTable:
    """Berlin children aged 0–6 per Planungsraum (2019 change merged), 2001–2020."""
    folder = shared / SOURCE_FOLDER
    by_year = {year: _read_year(folder / f"EWR{year}12E_Matrix.csv") for year in YEARS}
    merged_by_year: dict[int, dict[str, list[float]]] = {}
    for year, rows in by_year.items():
        merged: dict[str, list[float]] = {}
        for key, counts in rows.items():
            unit = MERGED_NAME if key in MERGED else key
            previous = merged.get(unit, [0.0] * len(counts))
            merged[unit] = [a + b for a, b in zip(previous, counts, strict=True)]
        merged_by_year[year] = merged
    keys = sorted(merged_by_year[YEARS[0]])
    for year in YEARS:
        if sorted(merged_by_year[year]) != keys:
            raise ValueError(f"{year}: the Planungsräume differ from {YEARS[0]} after the merge")
    bands = np.array(
        [[merged_by_year[year][key] for year in YEARS] for key in keys], dtype=np.float64
    )
    return PopulationTable(
        areas=tuple(keys),
        districts=tuple(key[:2] for key in keys),
        years=YEARS,
        ages=tuple(range(BANDS[0][0], BANDS[-1][1])),
        values=split_age_bands(bands, BANDS),
    )


def _row(rows: tuple[BacktestRow, ...], method: str, level: str, group: str, h: int) -> BacktestRow:
    for row in rows:
        if (row.method, row.level, row.age_group, row.horizon) == (method, level, group, h):
            return row
    raise KeyError((method, level, group, h))


def tuning_score(rows: tuple[BacktestRow, ...], method: str = "kitaplan") -> float:
    """Mean Planungsraum MAPE of u3 and ue3 over the tuning horizons (the criterion for k)."""
    values = [
        row.mape
        for row in rows
        if row.method == method and row.level == "area" and row.age_group in ("u3", "ue3")
    ]
    return float(np.mean(values))


def _candidates() -> list[CohortParameters]:
    """The tuning grid: births model × k (× k_trend × φ for the trend model)."""
    grid: list[CohortParameters] = []
    for k in K_GRID:
        for k_trend in K_TREND_GRID:
            for damping in DAMPING_GRID:
                grid.append(
                    CohortParameters(
                        shrinkage_k=k, trend_shrinkage_k=k_trend, trend_damping=damping
                    )
                )
        grid.append(CohortParameters(shrinkage_k=k, births=BirthsModel.MEAN))
        grid.append(CohortParameters(shrinkage_k=k, births=BirthsModel.RATIO))
    return grid


def tune(history: PopulationTable) -> tuple[CohortParameters, list[tuple[CohortParameters, float]]]:
    """Grid search on the tuning base years; no target after :data:`TUNING_LAST_TARGET`.

    Only admissible candidates (:data:`ADMISSIBLE_DAMPING`) can be chosen. Ties (to 1e-9) keep
    the earlier candidate of :func:`_candidates`, so the choice is
    deterministic.
    """
    tuning_history = history.until(TUNING_LAST_TARGET)
    horizons = tuple(range(1, TUNING_LAST_TARGET - TUNING_BASE_YEARS[0] + 1))
    results: list[tuple[CohortParameters, float]] = []
    for params in _candidates():
        rows = backtest(
            tuning_history,
            base_years=TUNING_BASE_YEARS,
            horizons=horizons,
            methods={"kitaplan": default_methods(params)["kitaplan"]},
        )
        results.append((params, tuning_score(rows)))
    admissible = [
        (params, score)
        for params, score in results
        if params.births is not BirthsModel.TREND or params.trend_damping in ADMISSIBLE_DAMPING
    ]
    best = min(admissible, key=lambda item: round(item[1], 9))
    return best[0], results


def print_tuning(
    chosen: CohortParameters,
    results: list[tuple[CohortParameters, float]],
    baselines: dict[str, float],
) -> None:
    print(
        f"\nTuning (base years {TUNING_BASE_YEARS[0]}–{TUNING_BASE_YEARS[-1]}, horizons up to "
        f"{TUNING_LAST_TARGET}; criterion: mean Planungsraum MAPE of u3 and ue3, %):"
    )
    print("  baselines: " + ", ".join(f"{m} {v:.2f}" for m, v in baselines.items()))

    def same_but(p: CohortParameters, **fixed: object) -> bool:
        return all(getattr(p, name) == value for name, value in fixed.items())

    print(f"  {'k':>6}  {'trend*':>8} {'mean':>8} {'ratio':>8}   (* k_trend, φ as chosen)")
    for k in K_GRID:
        cells = []
        for births in (BirthsModel.TREND, BirthsModel.MEAN, BirthsModel.RATIO):
            fixed: dict[str, object] = {"shrinkage_k": k, "births": births}
            if births is BirthsModel.TREND:
                fixed |= {
                    "trend_shrinkage_k": chosen.trend_shrinkage_k,
                    "trend_damping": chosen.trend_damping,
                }
            score = next(s for p, s in results if same_but(p, **fixed))
            cells.append(f"{score:>8.2f}")
        print(f"  {k:>6.0f}  " + " ".join(cells))
    print(
        f"  {'k_trend':>8}"
        + "".join(f"{'φ=' + format(d, 'g'):>8}" for d in DAMPING_GRID)
        + "   (φ = 1 shown, not admissible)"
    )
    for k_trend in K_TREND_GRID:
        cells = [
            f"{next(s for p, s in results if same_but(p, births=BirthsModel.TREND, shrinkage_k=chosen.shrinkage_k, trend_shrinkage_k=k_trend, trend_damping=d)):>8.2f}"
            for d in DAMPING_GRID
        ]
        print(f"  {k_trend:>8.0f}" + "".join(cells))
    print(
        f"chosen: births = {chosen.births.value}, k = {chosen.shrinkage_k:g}, "
        f"k_trend = {chosen.trend_shrinkage_k:g}, φ = {chosen.trend_damping:g}, "
        f"window = {chosen.window}"
        f" ({'same as' if chosen == CohortParameters() else 'DIFFERENT FROM'} the defaults "
        "of CohortParameters)"
    )


def _fmt(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.2f}"


def write_csv(rows: tuple[BacktestRow, ...], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.method,
                LEVEL_NAMES[row.level],
                row.age_group,
                row.horizon,
                " ".join(str(y) for y in row.base_years),
                row.n_areas,
                _fmt(row.wmape),
                _fmt(row.mape),
                _fmt(row.median_ape),
                CREDIT,
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def evaluation_methods(
    params: CohortParameters, ensemble: EnsembleParameters | None = None
) -> dict[str, ProjectionMethod]:
    """kitaplan's forecast (the ensemble), the cohort method alone and the four baselines."""
    ensemble_params = ensemble or EnsembleParameters(cohort=params)
    members = member_methods(ensemble_params)

    def kitaplan(history: PopulationTable, horizon: int) -> PopulationTable:
        return project_ensemble(history, horizon=horizon, parameters=ensemble_params)

    return {"kitaplan": kitaplan, **{m: members[m] for m in METHOD_ORDER[1:]}}


def run_backtest(
    history: PopulationTable,
    params: CohortParameters,
    *,
    base_years: tuple[int, ...] = EVALUATION_BASE_YEARS,
    horizons: tuple[int, ...] = HORIZONS,
) -> tuple[BacktestRow, ...]:
    """The evaluation back-test: every method of :func:`evaluation_methods`, u3 and ue3."""
    return backtest(
        history,
        base_years=base_years,
        horizons=horizons,
        methods=evaluation_methods(params),
        age_groups=SCORED_GROUPS,
    )


def losses(
    rows: tuple[BacktestRow, ...], levels: tuple[str, ...] = ("area", "district")
) -> list[str]:
    """The cells (level, age group, horizon) where a baseline's WAPE is below kitaplan's."""
    lost = []
    for level in levels:
        for group in SCORED_GROUPS:
            for h in sorted({r.horizon for r in rows}):
                own = _row(rows, "kitaplan", level, group.name, h).wmape
                for baseline in BASELINES:
                    other = _row(rows, baseline, level, group.name, h).wmape
                    if other < own:
                        lost.append(
                            f"{LEVEL_NAMES[level]} {group.name} h={h}: kitaplan {own:.2f} > "
                            f"{baseline} {other:.2f}"
                        )
    return lost


def print_table(rows: tuple[BacktestRow, ...]) -> None:
    """WAPE (Σ|F − A| / ΣA, %) per level × age group: horizon × method; * = lowest."""
    print(
        f"\nWAPE (%), origins {EVALUATION_BASE_YEARS[0]}–{EVALUATION_BASE_YEARS[-1]}, "
        "pooled over origins; * = lowest in the row; 'wins' = kitaplan below every baseline"
    )
    for level in ("area", "district", "city"):
        for group in SCORED_GROUPS:
            print(f"\n{LEVEL_NAMES[level]}, {group.name}")
            print(f"{'h':>3}  " + "".join(f"{m:>24}" for m in METHOD_ORDER) + "   wins")
            for h in HORIZONS:
                values = {m: _row(rows, m, level, group.name, h).wmape for m in METHOD_ORDER}
                best = min(values.values())
                cells = [
                    f"{values[m]:>23.2f}{'*' if values[m] == best else ' '}" for m in METHOD_ORDER
                ]
                wins = all(values["kitaplan"] < values[b] for b in BASELINES)
                print(f"{h:>3}  " + "".join(cells) + f"   {'yes' if wins else 'NO'}")


def print_markdown(rows: tuple[BacktestRow, ...]) -> None:
    """The evaluation table as Markdown (WAPE per method), for the docs."""
    names = {
        "kitaplan": "kitaplan",
        "cohort": "cohort",
        "carry_forward": "carry-fwd",
        "district_trend": "district trend",
        "hamilton_perry": "H–P",
        "hamilton_perry_district": "H–P district",
    }
    print("\n| level | age | h | " + " | ".join(names[m] for m in METHOD_ORDER) + " |")
    print("|---|---|--:|" + "--:|" * len(METHOD_ORDER))
    for level in ("area", "district", "city"):
        for group in SCORED_GROUPS:
            for h in HORIZONS:
                values = {m: _row(rows, m, level, group.name, h).wmape for m in METHOD_ORDER}
                best = min(values.values())
                cells = [
                    f"**{values[m]:.2f}**" if values[m] == best else f"{values[m]:.2f}"
                    for m in METHOD_ORDER
                ]
                print(f"| {LEVEL_NAMES[level]} | {group.name} | {h} | " + " | ".join(cells) + " |")


def print_weights(history: PopulationTable, params: CohortParameters) -> None:
    """The ensemble's weights fitted on the whole history (what the product uses from 2020)."""
    weights = fit_ensemble(history, parameters=EnsembleParameters(cohort=params))
    print(
        f"\nEnsemble weights fitted on {history.years[0]}–{history.years[-1]} (members: "
        + ", ".join(weights.members)
        + ")"
    )
    for stage, array in (("area", weights.area), ("district", weights.district)):
        for g, group in enumerate(weights.groups):
            for h in range(array.shape[1]):
                shares = " ".join(f"{w:.1f}" for w in array[g, h])
                print(f"  {stage:<9}{group.name:<4} h={h + 1}: {shares}")


def print_outlook(history: PopulationTable, params: CohortParameters) -> None:
    """Berlin totals of the forecast from the last year (what the demo would show)."""
    projection = project_ensemble(history, horizon=10, parameters=EnsembleParameters(cohort=params))
    u3, ue3 = projection.age_sum(0, 2).sum(axis=0), projection.age_sum(3, 5).sum(axis=0)
    last_u3, last_ue3 = history.age_sum(0, 2)[:, -1].sum(), history.age_sum(3, 5)[:, -1].sum()
    print(f"\nForecast from {history.years[-1]} (Berlin, sum of the Planungsräume):")
    print(f"  {history.years[-1]}: u3 {last_u3:>8,.0f}  ue3 {last_ue3:>8,.0f}  (observed)")
    for j, year in enumerate(projection.years):
        print(f"  {year}: u3 {u3[j]:>8,.0f}  ue3 {ue3[j]:>8,.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "src" / "kitaplan" / "demo" / "data" / "berlin" / "forecast_backtest.csv",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="also print the table as Markdown (docs)"
    )
    parser.add_argument(
        "--skip-tuning", action="store_true", help="use the default cohort parameters"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    history = load_history(args.shared)
    u6 = history.age_sum(0, 5)
    print(f"Source: {CREDIT}")
    print(
        f"{len(history.areas)} units ({len(history.district_keys)} Bezirke), "
        f"{history.years[0]}–{history.years[-1]}; children 0–5 in {history.years[-1]}: "
        f"{u6[:, -1].sum():,.0f}; merged 2019 LOR change: {MERGED_NAME}"
    )

    params = CohortParameters()
    if not args.skip_tuning:
        params, results = tune(history)
        baseline_rows = backtest(
            history.until(TUNING_LAST_TARGET),
            base_years=TUNING_BASE_YEARS,
            horizons=tuple(range(1, TUNING_LAST_TARGET - TUNING_BASE_YEARS[0] + 1)),
        )
        print_tuning(
            params,
            results,
            {m: tuning_score(baseline_rows, m) for m in ("carry_forward", "district_trend")},
        )
    tuned = time.perf_counter()

    rows = run_backtest(history, params)
    print_table(rows)
    lost = losses(rows, ("area", "district", "city"))
    print(
        "\nkitaplan beats every baseline at every horizon on Planungsraum, Bezirk and Berlin level"
        if not lost
        else "\nWhere a baseline is better (WAPE, Planungsraum, Bezirk and Berlin):\n  "
        + "\n  ".join(lost)
    )
    if args.markdown:
        print_markdown(rows)
    print_weights(history, params)
    print_outlook(history, params)
    write_csv(rows, args.out)
    finished = time.perf_counter()
    print(f"\nwrote {len(rows)} rows to {args.out}")
    print(f"time: tuning {tuned - started:.1f} s, back-test and outlook {finished - tuned:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
