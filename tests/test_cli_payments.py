"""``kitaplan payments`` on the shipped published cases: files in, one line per component out."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from kitaplan import cli

EXAMPLES = Path(cli.__file__).parent / "demo" / "data" / "childminding"


def total(path: Path) -> Decimal:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum((Decimal(row["amount"]) for row in csv.DictReader(handle)), Decimal(0))


def test_the_dresden_case_from_files_alone(tmp_path, capsys):
    out = tmp_path / "dresden.csv"
    code = cli.main(
        [
            "payments",
            "--rates",
            str(EXAMPLES / "dresden-2022.toml"),
            "--contracts",
            str(EXAMPLES / "dresden-2022-contracts.csv"),
            "--month",
            "2022-09",
            "--out",
            str(out),
        ]
    )
    assert code == cli.EXIT_OK
    assert total(out) == Decimal("4595.00")
    assert "4.595,00 EUR" in capsys.readouterr().out


def test_a_broken_contract_file_is_refused_in_german(tmp_path, capsys):
    broken = tmp_path / "contracts.csv"
    source = (EXAMPLES / "dresden-2022-contracts.csv").read_text(encoding="utf-8").splitlines()
    header = source[0].split(",")
    row = source[1].split(",")
    row[header.index("weekly_hours")] = "viele"
    broken.write_text("\n".join([source[0], ",".join(row)]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code = cli.main(
        [
            "payments",
            "--rates",
            str(EXAMPLES / "dresden-2022.toml"),
            "--contracts",
            str(broken),
            "--month",
            "2022-09",
            "--out",
            str(out),
        ]
    )
    assert code == cli.EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "contracts.csv, Zeile 2, Spalte „weekly_hours“: „viele“" in err
    assert not out.exists()


def test_actual_hours_settle_a_released_month(tmp_path, capsys):
    rates = str(EXAMPLES / "bw-landkreis-2009.toml")
    contracts = str(EXAMPLES / "bw-landkreis-2009-contracts.csv")
    september = tmp_path / "2009-09.csv"
    base = ["payments", "--rates", rates, "--contracts", contracts]
    assert cli.main([*base, "--month", "2009-09", "--out", str(september)]) == cli.EXIT_OK
    hours = tmp_path / "hours.csv"
    hours.write_text("contract_id,month,hours\nbw-1,2009-09,120.5\n", encoding="utf-8")
    october = tmp_path / "2009-10.csv"
    code = cli.main(
        [
            *base,
            "--month",
            "2009-10",
            "--out",
            str(october),
            "--released",
            str(september),
            "--actual-hours",
            str(hours),
        ]
    )
    assert code == cli.EXIT_OK
    # 540.80 paid in advance for September; 120.5 h × 3.90 = 469.95 due: -70.85.
    assert total(october) == Decimal("540.80") - Decimal("70.85")
    hours.write_text("contract_id,month,hours\nbw-1,2009-09,viel\n", encoding="utf-8")
    refused = tmp_path / "refused.csv"
    code = cli.main(
        [*base, "--month", "2009-10", "--out", str(refused), "--actual-hours", str(hours)]
    )
    assert code == cli.EXIT_PROBLEMS
    assert "hours.csv, Zeile 2, Spalte „hours“: „viel“" in capsys.readouterr().err
    assert not refused.exists()
