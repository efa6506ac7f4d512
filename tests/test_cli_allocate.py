"""``kitaplan allocate`` end to end on fixture folders: no Django setup, no database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kitaplan import cli

FILES = Path(__file__).parent / "exchange" / "files" / "allocation"


def read(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row[0]: row[1] for row in list(csv.reader(handle))[1:]}


def test_allocate_end_to_end(tmp_path, capsys, monkeypatch):
    code = cli.main(
        ["allocate", "--instance", str(FILES / "small"), "--out", str(tmp_path), "--seed", "5"]
    )
    assert code == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "Startwert: 5" in out and "Kinder: 6" in out and "Erstwunsch" in out
    assignment = read(tmp_path / "assignment.csv")
    lottery = {k: int(v) for k, v in read(tmp_path / "lottery.csv").items()}
    assert assignment["c3"] == "B"  # integration place
    assert assignment["c4"] == "A" and assignment["c5"] == "A"  # class 1; other age group
    # one regular plus one released place at A/u3: c4 and the lottery winner of c1, c2, c6
    winner = min(["c1", "c2", "c6"], key=lottery.__getitem__)
    assert assignment[winner] == "A"
    assert assignment["c1"] == ("A" if winner == "c1" else "C")
    assert assignment["c2"] == ("A" if winner == "c2" else "")
    cli.main(
        [
            "allocate",
            "--instance",
            str(FILES / "small"),
            "--out",
            str(tmp_path / "b"),
            "--seed",
            "5",
        ]
    )
    for name in ("assignment.csv", "cutoffs.csv", "lottery.csv"):
        assert (tmp_path / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_allocate_refuses_broken_files(tmp_path, capsys):
    code = cli.main(["allocate", "--instance", str(FILES / "broken"), "--out", str(tmp_path / "o")])
    assert code == cli.EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "facilities.csv, Zeile 2, Spalte „integration_places“: „3“" in err
    assert "preferences.csv, Zeile 4, Spalte „child_id“: „c9“" in err
    assert "Erwartet: a " not in err and "expected" not in err  # expectations worded in German too
    assert not (tmp_path / "o").exists()


def test_allocate_missing_folder_and_help(tmp_path, capsys):
    assert (
        cli.main(["allocate", "--instance", str(tmp_path / "nope"), "--out", str(tmp_path)])
        == cli.EXIT_USAGE
    )
    with pytest.raises(SystemExit):
        cli.main(["allocate", "--help"])
    assert "--seed" in capsys.readouterr().out


def test_allocate_with_given_lottery_numbers_and_a_broken_lottery_file(tmp_path, capsys):
    first = tmp_path / "first"
    cli.main(["allocate", "--instance", str(FILES / "small"), "--out", str(first), "--seed", "9"])
    again = tmp_path / "again"
    code = cli.main(
        [
            "allocate",
            "--instance",
            str(FILES / "small"),
            "--out",
            str(again),
            "--lottery",
            str(first / "lottery.csv"),
        ]
    )
    assert code == cli.EXIT_OK
    assert (first / "assignment.csv").read_bytes() == (again / "assignment.csv").read_bytes()
    broken = tmp_path / "lottery.csv"
    broken.write_text("child_id,lottery\nc1,1\nc2,1\nc9,3\n", encoding="utf-8")
    capsys.readouterr()
    code = cli.main(
        [
            "allocate",
            "--instance",
            str(FILES / "small"),
            "--out",
            str(tmp_path / "no"),
            "--lottery",
            str(broken),
        ]
    )
    assert code == cli.EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "lottery.csv, Zeile 3, Spalte „lottery“: „1“" in err
    assert "lottery.csv, Zeile 4, Spalte „child_id“: „c9“" in err
    assert not (tmp_path / "no").exists()
