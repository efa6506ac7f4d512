"""Monthly childminder payment run for 10,000 contracts (not a test).

Synthetic input (reproducible from ``--seed``), written as the files an auditor would get: the
three shipped rate tables (NRW city 2014, BW Landkreis 2009, Dresden 2022), a contracts CSV
(2,000 childminders with 5 contracts each, a third per scheme; 10 % start mid-month, 5 % are
not funded by this Jugendamt, settling-in for 3 %), an insurance CSV (3 proofs per childminder)
and an absences CSV (10 % of childminders, some beyond their quota).

Prints, on the same machine and in the same run:

* reading the files (exchange readers) -- the reference the issue names,
* the run (``compute_month``, every line, insurance, absences), target < 5 s,
* the same run as a naive per-contract loop (``compute_month`` called once per contract,
  so nothing is shared between contracts), for comparison,
* the run with the released previous month as history (recomputed for corrections),
* writing the output CSV,

and the ratios run / reading and naive / run.

Usage: python benchmarks/payments.py [--contracts 10000] [--seed 1] [--no-naive]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import kitaplan
from kitaplan.domain.childminding.payments import compute_month
from kitaplan.exchange.childminding_payments import (
    read_absences,
    read_contracts,
    read_insurance,
    read_rate_tables,
    write_payment_lines,
)

DATA = Path(kitaplan.__file__).parent / "demo" / "data" / "childminding"
TABLES = [DATA / f"{n}.toml" for n in ("nrw-2014", "bw-landkreis-2009", "dresden-2022")]
MONTH, PREVIOUS = "2022-10", "2022-09"
HEADER = (
    "contract_id,childminder_id,child_id,from,to,weekly_hours,daily_hours,days_per_week,"
    "care_location,stage,settling_in_from,settling_in_to,funded,scheme\n"
)


def write_inputs(folder: Path, n: int, seed: int) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    schemes = ("nrw-city", "bw-landkreis", "dresden")
    contracts, proofs, absences = (
        [HEADER],
        ["childminder_id,kind,monthly_amount,valid_from\n"],
        ["childminder_id,from,to\n"],
    )
    childminders = max(1, n // 5)
    for cm in range(childminders):
        scheme = schemes[cm % 3]
        for kind, low, high in (
            ("accident", 5, 15),
            ("pension", 80, 250),
            ("health_care", 150, 400),
        ):
            proofs.append(f"tp{cm},{kind},{rng.uniform(low, high):.2f},2022-01-01\n")
        if rng.random() < 0.1:
            start = rng.randint(1, 20)
            absences.append(f"tp{cm},2022-09-{start:02d},2022-10-{rng.randint(1, 28):02d}\n")
    for i in range(n):
        cm = i % childminders
        scheme = schemes[cm % 3]
        start = (
            f"2022-{MONTH[-2:]}-{rng.randint(2, 28):02d}" if rng.random() < 0.1 else "2022-07-01"
        )
        funded = "0" if rng.random() < 0.05 else "1"
        settle = "2022-10-03,2022-10-14" if rng.random() < 0.03 else ","
        location = "own_home" if rng.random() < 0.7 else "rented_rooms"
        if scheme == "dresden":
            stage = f"BG{rng.randint(1, 6)}"
            row = f"45,{rng.choice(('8.5', '9'))},5,{location},{stage}"
        else:
            row = f"{rng.randint(20, 90) / 2},,5,{location},"
        contracts.append(f"c{i},tp{cm},k{i},{start},,{row},{settle},{funded},{scheme}\n")
    paths = (folder / "contracts.csv", folder / "insurance.csv", folder / "absences.csv")
    for path, text in zip(paths, (contracts, proofs, absences), strict=True):
        path.write_text("".join(text), encoding="utf-8")
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-naive", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        contracts_csv, insurance_csv, absences_csv = write_inputs(folder, args.contracts, args.seed)

        started = time.perf_counter()
        tables, p1 = read_rate_tables(TABLES)
        contracts, p2 = read_contracts(contracts_csv, tables)
        proofs, p3 = read_insurance(insurance_csv)
        absences, p4 = read_absences(absences_csv)
        t_read = time.perf_counter() - started
        problems = p1 + p2 + p3 + p4
        assert not problems, problems[:5]
        assert tables and contracts and proofs is not None and absences is not None

        started = time.perf_counter()
        result = compute_month(tables, contracts, MONTH, insurance=proofs, absences=absences)
        t_run = time.perf_counter() - started
        assert not result.issues, result.issues[:5]

        previous = compute_month(tables, contracts, PREVIOUS, insurance=proofs, absences=absences)
        started = time.perf_counter()
        with_history = compute_month(
            tables,
            contracts[: len(contracts) - 50],  # 50 contracts withdrawn retroactively
            MONTH,
            insurance=proofs,
            absences=absences,
            previous_lines=previous.lines,
        )
        t_history = time.perf_counter() - started
        fixes = sum(1 for line in with_history.lines if line.corrects_month)

        started = time.perf_counter()
        write_payment_lines(folder / "out.csv", result.lines)
        t_write = time.perf_counter() - started

        t_naive = None
        if not args.no_naive:
            started = time.perf_counter()
            naive_total = 0
            for contract in contracts:
                naive_total += compute_month(
                    tables, [contract], MONTH, absences=absences
                ).total_cents
            t_naive = time.perf_counter() - started
            insurance_cents = sum(
                line.amount_cents for line in result.lines if line.child_id is None
            )
            assert naive_total == result.total_cents - insurance_cents

    print(
        f"contracts: {len(contracts):,}, lines: {len(result.lines):,}, "
        f"childminders: {len(result.totals_by_childminder()):,}, "
        f"total: {result.total_cents // 100:,}.{result.total_cents % 100:02d} EUR"
    )
    print(f"read files (reference):            {t_read:7.3f} s")
    print(
        f"monthly run (compute_month):        {t_run:7.3f} s   target < 5 s: "
        f"{'OK' if t_run < 5 else 'MISSED'}"
    )
    print(f"run with last month as history:     {t_history:7.3f} s   ({fixes} correction lines)")
    print(f"write output CSV:                   {t_write:7.3f} s")
    print(f"ratio run / read files:             {t_run / t_read:7.2f}")
    if t_naive is not None:
        print(
            f"naive per-contract loop:            {t_naive:7.3f} s   "
            f"ratio naive / run: {t_naive / t_run:5.1f}"
        )
    return 0 if t_run < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
