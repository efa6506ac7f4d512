"""Files of the childminder payment: the shipped published cases, broken files, round trips."""

from __future__ import annotations

import csv
import shutil
from fractions import Fraction as F
from pathlib import Path

import pytest

import kitaplan
from kitaplan.domain.childminding.payments import compute_month
from kitaplan.domain.childminding.payments_rules import parent_fee
from kitaplan.domain.common.problems import (
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange.childminding_payments import (
    LINE_COLUMNS,
    read_contracts,
    read_fee_table,
    read_insurance,
    read_payment_lines,
    read_rate_table,
    read_rate_tables,
    run_payments_cli,
    write_payment_lines,
)

DATA = Path(kitaplan.__file__).parent / "demo" / "data" / "childminding"
HEADER = (
    "contract_id,childminder_id,child_id,from,to,weekly_hours,daily_hours,days_per_week,"
    "care_location,stage,settling_in_from,settling_in_to,funded\n"
)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def total(path: Path) -> str:
    cents = sum(round(F(r["amount"]) * 100) for r in rows(path))
    return f"{cents // 100}.{cents % 100:02d}"


# --------------------------------------------------------------------------- published cases


def test_nrw_city_2014_from_the_shipped_files(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    run = run_payments_cli(
        [DATA / "nrw-2014.toml"], DATA / "nrw-2014-contracts.csv", "2014-10", out
    )
    assert (run.exit_code, run.problems) == (0, [])
    lines = rows(out)
    assert [(r["component"], r["quantity"], r["rate"], r["amount"]) for r in lines] == [
        ("sachaufwand", "84", "1.8", "151.20"),
        ("foerderleistung", "84", "2.7", "226.80"),
    ]
    assert total(out) == "378.00"
    assert list(lines[0]) == list(LINE_COLUMNS)


def test_bw_landkreis_2009_and_insurance_from_the_shipped_files(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    run = run_payments_cli(
        [DATA / "bw-landkreis-2009.toml"],
        DATA / "bw-landkreis-2009-contracts.csv",
        "2009-09",
        out,
        insurance=DATA / "bw-landkreis-2009-insurance.csv",
    )
    assert run.exit_code == 0, run.problems
    by = {r["component"]: r for r in rows(out)}
    assert by["foerderleistung"]["amount"] == "540.80"
    assert by["foerderleistung"]["quantity"] == "416/3"  # 32 h × 52/12, exact
    assert by["insurance_health_care"]["amount"] == "171.61"
    assert by["insurance_health_care"]["child_id"] == ""


def test_dresden_2022_from_the_shipped_files(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    run = run_payments_cli(
        [DATA / "dresden-2022.toml"], DATA / "dresden-2022-contracts.csv", "2022-09", out
    )
    assert run.exit_code == 0, run.problems
    assert total(out) == "4595.00"
    assert len(rows(out)) == 10  # 5 children × (Förderleistung, Sachkosten)
    assert run.result is not None and run.result.total_cents == 459500


def test_all_tables_load_together_and_contracts_need_a_scheme(tmp_path: Path) -> None:
    tables, problems = read_rate_tables(
        [DATA / f"{n}.toml" for n in ("nrw-2014", "bw-landkreis-2009", "dresden-2022")]
    )
    assert problems == [] and tables is not None
    assert {t.scheme for t in tables} == {"nrw-city", "bw-landkreis", "dresden"}
    assert all(t.source for t in tables)
    contracts, problems = read_contracts(DATA / "nrw-2014-contracts.csv", tables)
    assert contracts is None
    assert [(p.code, p.row, p.column) for p in problems] == [
        (ProblemCode.MISSING_VALUE, 2, "scheme")
    ]


def test_munich_parent_fee_table() -> None:
    table, problems = read_fee_table(DATA / "munich-parent-fees-2020.toml")
    assert problems == [] and table is not None
    assert parent_fee(table, weekly_hours=F(36)).amount_cents == 7900
    assert parent_fee(table, weekly_hours=F(46)).amount_cents == 10000


# --------------------------------------------------------------------------- released runs


def test_released_file_yields_correction_lines(tmp_path: Path) -> None:
    october = tmp_path / "2014-10.csv"
    assert (
        run_payments_cli(
            [DATA / "nrw-2014.toml"], DATA / "nrw-2014-contracts.csv", "2014-10", october
        ).exit_code
        == 0
    )
    lines, problems = read_payment_lines(october)
    assert problems == [] and lines is not None
    tables, _ = read_rate_tables([DATA / "nrw-2014.toml"])
    contracts, _ = read_contracts(DATA / "nrw-2014-contracts.csv")
    assert tables is not None and contracts is not None
    assert lines == compute_month(tables, contracts, "2014-10").lines  # exact round trip
    changed = tmp_path / "contracts.csv"
    changed.write_text(HEADER + "nrw-1,tp-nrw-1,k-nrw-1,2014-09-22,2014-10-15,20,,,own_home,,,,1\n")
    november = tmp_path / "2014-11.csv"
    run = run_payments_cli(
        [DATA / "nrw-2014.toml"], changed, "2014-11", november, released=[october]
    )
    assert run.exit_code == 0, run.problems
    fixes = [r for r in rows(november) if r["corrects_month"]]
    assert [(r["month"], r["component"], r["amount"], r["corrects_month"]) for r in fixes] == [
        ("2014-11", "foerderleistung", "-117.06", "2014-10"),
        ("2014-11", "sachaufwand", "-78.04", "2014-10"),
    ]
    assert october.read_text().count("\n") == 3  # the released file is never rewritten
    # a correction written, read back and given as history again corrects nothing more
    december = tmp_path / "2014-12.csv"
    run = run_payments_cli(
        [DATA / "nrw-2014.toml"], changed, "2014-12", december, released=[october, november]
    )
    assert run.exit_code == 0 and rows(december) == []


# --------------------------------------------------------------------------- broken files


def codes(problems: list[ImportProblem]) -> set[tuple[ProblemCode, str, int, str]]:
    return {(p.code, p.file, p.row, p.column) for p in problems}


def test_broken_contracts_are_refused_with_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "contracts.csv"
    path.write_text(
        HEADER
        + "c1,tp1,k1,2014-13-01,,20,,,own_home,,,,1\n"  # bad date
        + "c2,tp1,k2,2014-09-01,2014-08-01,-5,,,garden,,,,maybe\n"  # to<from, negative, choice, flag
        + "c1,tp1,k3,2014-09-01,,20,30,9,own_home,,,,1\n"  # duplicate id, daily > 24, days > 7
        + "c4,,k4,2014-09-01,,abc,,,own_home,,2014-09-10,2014-09-01,1\n",  # missing, NaN, order
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    run = run_payments_cli([DATA / "nrw-2014.toml"], path, "2014-10", out)
    assert run.exit_code == 1 and not out.exists()
    found = codes(run.problems)
    name = "contracts.csv"
    assert {
        (ProblemCode.NOT_A_DATE, name, 2, "from"),
        (ProblemCode.INCONSISTENT_VALUES, name, 3, "to"),
        (ProblemCode.NEGATIVE_NUMBER, name, 3, "weekly_hours"),
        (ProblemCode.UNKNOWN_CHOICE, name, 3, "care_location"),
        (ProblemCode.NOT_A_BOOLEAN, name, 3, "funded"),
        (ProblemCode.DUPLICATE_KEY, name, 4, "contract_id"),
        (ProblemCode.OUT_OF_RANGE, name, 4, "daily_hours"),
        (ProblemCode.OUT_OF_RANGE, name, 4, "days_per_week"),
        (ProblemCode.MISSING_VALUE, name, 5, "childminder_id"),
        (ProblemCode.NOT_A_NUMBER, name, 5, "weekly_hours"),
        (ProblemCode.INCONSISTENT_VALUES, name, 5, "settling_in_to"),
    } <= found
    bad = next(p for p in run.problems if p.column == "care_location")
    assert (bad.value, bad.expected) == (
        "garden",
        expectation(ExpectationCode.ONE_OF, choices="own_home, rented_rooms, parents_home"),
    )


def test_missing_columns_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "contracts.csv"
    path.write_text("contract_id,childminder_id\nc1,tp1\n", encoding="utf-8")
    contracts, problems = read_contracts(path)
    assert contracts is None
    assert {(p.code, p.row, p.column) for p in problems} == {
        (ProblemCode.MISSING_COLUMN, 1, c)
        for c in ("child_id", "from", "weekly_hours", "care_location")
    }
    proofs, problems = read_insurance(tmp_path / "missing.csv")
    assert proofs is None and problems[0].code is ProblemCode.FILE_UNREADABLE


def test_broken_rate_table_names_every_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        """
scheme = "x"
valid_from = "2014-02-30"
source = "s"
weeks_per_month = "4,2/0"
pro_rata = "lunar"

[hours]
rule = "bands"
width = 0

[[components]]
code = "a"
kind = "wage"
unit = "hour"
rates = [{ amount = "1.8x" }, { amount = -1 }]

[[components]]
code = "b"
kind = "supplement"
unit = "percent"
rounding = "sideways"
rates = []
""",
        encoding="utf-8",
    )
    table, problems = read_rate_table(path)
    assert table is None
    found = {(p.code, p.file, p.row, p.column) for p in problems}
    name = "broken.toml"
    assert {
        (ProblemCode.MISSING_VALUE, name, 0, "code"),
        (ProblemCode.NOT_A_DATE, name, 0, "valid_from"),
        (ProblemCode.NOT_A_NUMBER, name, 0, "weeks_per_month"),
        (ProblemCode.UNKNOWN_CHOICE, name, 0, "pro_rata"),
        (ProblemCode.OUT_OF_RANGE, name, 0, "hours.width"),
        (ProblemCode.UNKNOWN_CHOICE, name, 0, "components[1].kind"),
        (ProblemCode.NOT_A_NUMBER, name, 0, "components[1].rates[1].amount"),
        (ProblemCode.NEGATIVE_NUMBER, name, 0, "components[1].rates[2].amount"),
        (ProblemCode.UNKNOWN_CHOICE, name, 0, "components[2].rounding"),
        (ProblemCode.MISSING_VALUE, name, 0, "components[2].rates"),
    } <= found


def test_inconsistent_rate_table_and_toml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    text = (DATA / "dresden-2022.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('class = "9h" }', 'class = "10h" }', 1), encoding="utf-8")
    table, problems = read_rate_table(path)
    assert table is None
    assert [(p.code, p.column, p.value) for p in problems] == [
        (ProblemCode.INCONSISTENT_VALUES, "components[1].rates[1].class", "10h")
    ]
    path.write_text('scheme = "x"\ncode = \n', encoding="utf-8")
    table, problems = read_rate_table(path)
    assert table is None and (problems[0].code, problems[0].row) == (
        ProblemCode.FILE_UNREADABLE,
        2,
    )


def test_overlapping_versions_and_duplicate_codes(tmp_path: Path) -> None:
    second = tmp_path / "nrw-2015.toml"
    shutil.copy(DATA / "nrw-2014.toml", second)
    tables, problems = read_rate_tables([DATA / "nrw-2014.toml", second])
    assert tables is None
    assert {(p.code, p.file, p.column) for p in problems} == {
        (ProblemCode.DUPLICATE_KEY, "nrw-2015.toml", "code"),
        (ProblemCode.INCONSISTENT_VALUES, "nrw-2015.toml", "valid_from"),
    }


def test_contracts_the_table_cannot_pay_are_refused_by_row(tmp_path: Path) -> None:
    path = tmp_path / "contracts.csv"
    path.write_text(
        HEADER
        + "d1,tp,k1,2022-07-01,,45,9,5,own_home,BG2,,,1\n"
        + "d2,tp,k2,2022-07-01,,30,6,5,own_home,BG2,,,1\n"  # 6 h/day: no class shipped
        + "d4,tp,k4,2022-07-01,,45,9,5,parents_home,BG1,,,1\n",  # no Sachkosten rate
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    run = run_payments_cli([DATA / "dresden-2022.toml"], path, "2022-09", out)
    assert run.exit_code == 1 and not out.exists()
    assert {(p.code, p.row, p.column) for p in run.problems} == {
        (ProblemCode.OUT_OF_RANGE, 3, "daily_hours"),
        (ProblemCode.UNKNOWN_CHOICE, 4, "stage"),
    }
    # an unknown stage is refused while reading, before anything is computed
    with path.open("a", encoding="utf-8") as handle:
        handle.write("d3,tp,k3,2022-07-01,,45,9,5,own_home,BG9,,,1\n")
    run = run_payments_cli([DATA / "dresden-2022.toml"], path, "2022-09", out)
    assert [(p.code, p.row, p.column, p.value) for p in run.problems] == [
        (ProblemCode.UNKNOWN_CHOICE, 5, "stage", "BG9")
    ]
    assert run_payments_cli([DATA / "dresden-2022.toml"], path, "2022-9", out).exit_code == 2


def test_written_lines_read_back_exactly(tmp_path: Path) -> None:
    tables, _ = read_rate_tables([DATA / "bw-landkreis-2009.toml"])
    contracts, _ = read_contracts(DATA / "bw-landkreis-2009-contracts.csv")
    proofs, _ = read_insurance(DATA / "bw-landkreis-2009-insurance.csv")
    assert tables and contracts and proofs
    result = compute_month(tables, contracts, "2009-07", insurance=proofs)
    path = tmp_path / "lines.csv"
    write_payment_lines(path, result.lines)
    lines, problems = read_payment_lines(path)
    assert problems == [] and lines == result.lines


@pytest.mark.parametrize(
    ("cell", "column", "code"),
    [("2009-7", "month", ProblemCode.NOT_A_DATE), ("x", "amount", ProblemCode.NOT_A_NUMBER)],
)
def test_broken_released_file(tmp_path: Path, cell: str, column: str, code: ProblemCode) -> None:
    path = tmp_path / "released.csv"
    values = dict.fromkeys(LINE_COLUMNS, "")
    values.update(
        month="2009-07",
        childminder_id="tp",
        component="f",
        quantity="1",
        unit="h",
        rate="1",
        amount="1.00",
        table="t",
    )
    values[column] = cell
    path.write_text(",".join(LINE_COLUMNS) + "\n" + ",".join(values.values()) + "\n")
    lines, problems = read_payment_lines(path)
    assert lines is None and [(p.code, p.row, p.column) for p in problems] == [(code, 2, column)]
