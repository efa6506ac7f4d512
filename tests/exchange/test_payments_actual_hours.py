"""The actual-hours file of ``kitaplan payments`` (settlement on actual hours): the BW 2009 case
paid in advance and settled on the hours actually cared, and broken files."""

from __future__ import annotations

import csv
from fractions import Fraction as F
from pathlib import Path

import kitaplan
from kitaplan.domain.common.problems import ProblemCode
from kitaplan.exchange.childminding_payments import (
    read_actual_hours,
    read_contracts,
    run_payments_cli,
)

DATA = Path(kitaplan.__file__).parent / "demo" / "data" / "childminding"
RATES = [DATA / "bw-landkreis-2009.toml"]
CONTRACTS = DATA / "bw-landkreis-2009-contracts.csv"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_bw_case_settled_on_actual_hours(tmp_path: Path) -> None:
    """Paid in advance: 32 h × 52/12 × 3.90 = 540.80 EUR; 120.5 h actually cared in September
    are due 120.5 × 3.90 = 469.95 EUR, so October corrects September by -70.85 EUR."""
    september = tmp_path / "2009-09.csv"
    assert run_payments_cli(RATES, CONTRACTS, "2009-09", september).exit_code == 0
    assert [r["amount"] for r in rows(september)] == ["540.80"]
    hours = tmp_path / "hours.csv"
    hours.write_text("contract_id,month,hours\nbw-1,2009-09,120.5\n", encoding="utf-8")
    october = tmp_path / "2009-10.csv"
    run = run_payments_cli(
        RATES, CONTRACTS, "2009-10", october, released=[september], actual_hours=hours
    )
    assert run.exit_code == 0, run.problems
    fixes = [r for r in rows(october) if r["corrects_month"]]
    due = F("120.5") * F("3.90")
    assert due == F("469.95")
    assert [(r["component"], r["amount"], r["corrects_month"]) for r in fixes] == [
        ("foerderleistung", "-70.85", "2009-09")
    ]
    regular = [r for r in rows(october) if not r["corrects_month"]]
    assert [(r["quantity"], r["amount"]) for r in regular] == [("416/3", "540.80")]
    # October itself, computed with its own actual hours, is paid on them.
    hours.write_text("contract_id,month,hours\nbw-1,2009-10,100\n", encoding="utf-8")
    late = tmp_path / "late.csv"
    run = run_payments_cli(RATES, CONTRACTS, "2009-10", late, actual_hours=hours)
    assert run.exit_code == 0
    assert [(r["quantity"], r["amount"]) for r in rows(late)] == [("100", "390.00")]


def test_a_broken_actual_hours_file_names_file_row_and_column(tmp_path: Path) -> None:
    contracts, _ = read_contracts(CONTRACTS)
    path = tmp_path / "hours.csv"
    path.write_text(
        "contract_id,month,hours\n"
        "bw-1,2009-13,10\n"  # row 2: no month
        "bw-1,2009-09,viele\n"  # row 3: not a number
        "bw-1,2009-10,-1\n"  # row 4: negative
        "bw-1,2009-11,745\n"  # row 5: more than a month has
        "bw-9,2009-09,10\n"  # row 6: unknown contract
        "bw-1,2009-12,10\n"
        "bw-1,2009-12,11\n",  # row 8: twice
        encoding="utf-8",
    )
    hours, problems = read_actual_hours(path, contracts)
    assert hours is None
    assert [(p.code, p.file, p.row, p.column) for p in problems] == [
        (ProblemCode.NOT_A_DATE, "hours.csv", 2, "month"),
        (ProblemCode.NOT_A_NUMBER, "hours.csv", 3, "hours"),
        (ProblemCode.NEGATIVE_NUMBER, "hours.csv", 4, "hours"),
        (ProblemCode.OUT_OF_RANGE, "hours.csv", 5, "hours"),
        (ProblemCode.UNKNOWN_CHOICE, "hours.csv", 6, "contract_id"),
        (ProblemCode.DUPLICATE_KEY, "hours.csv", 8, "month"),
    ]
    missing = tmp_path / "missing.csv"
    missing.write_text("contract_id,hours\nbw-1,10\n", encoding="utf-8")
    hours, problems = read_actual_hours(missing)
    assert hours is None
    assert [(p.code, p.row, p.column) for p in problems] == [
        (ProblemCode.MISSING_COLUMN, 1, "month")
    ]
    good = tmp_path / "good.csv"
    good.write_text(
        "contract_id;month;hours\nbw-1;2009-09;0\nbw-1;2009-10;12,5\n", encoding="utf-8"
    )
    hours, problems = read_actual_hours(good, contracts)
    assert problems == []
    assert hours == {("bw-1", "2009-09"): F(0), ("bw-1", "2009-10"): F(25, 2)}


def test_nothing_is_written_when_the_actual_hours_are_refused(tmp_path: Path) -> None:
    hours = tmp_path / "hours.csv"
    hours.write_text("contract_id,month,hours\nbw-1,2009-09,x\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    run = run_payments_cli(RATES, CONTRACTS, "2009-10", out, actual_hours=hours)
    assert run.exit_code == 1
    assert [(p.file, p.row, p.column, p.value) for p in run.problems] == [
        ("hours.csv", 2, "hours", "x")
    ]
    assert not out.exists()
