"""Reading and writing the allocation interchange format."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from kitaplan.domain.allocation import run_allocation
from kitaplan.domain.common.problems import ProblemCode
from kitaplan.exchange.allocation_instance import read_instance, write_allocation, write_instance

FILES = Path(__file__).parent / "files" / "allocation"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_read_small_instance():
    result = read_instance(FILES / "small")
    assert result.problems == ()
    inst = result.instance
    assert inst is not None
    assert len(inst.programmes) == 4 and len(inst.children) == 6
    assert inst.preferences["c3"] == ("B", "A")
    assert inst.priorities == {("A", "c4"): 1}
    assert inst.programmes[0].release_unused and inst.children[2].integration_need


def test_round_trip_and_outputs(tmp_path):
    inst = read_instance(FILES / "small").instance
    assert inst is not None
    write_instance(tmp_path / "copy", inst)
    again = read_instance(tmp_path / "copy").instance
    assert again is not None
    assert again.programmes == inst.programmes and again.children == inst.children
    assert dict(again.preferences) == dict(inst.preferences)
    assert dict(again.priorities) == dict(inst.priorities)

    allocation = run_allocation(inst, seed=42)
    write_allocation(tmp_path / "out", inst, allocation)
    assignment = rows(tmp_path / "out" / "assignment.csv")
    assert [r["child_id"] for r in assignment] == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert {r["child_id"]: r["facility_id"] or None for r in assignment} == allocation.assignment
    lottery = rows(tmp_path / "out" / "lottery.csv")
    assert {r["child_id"]: int(r["lottery"]) for r in lottery} == allocation.lottery
    cutoffs = rows(tmp_path / "out" / "cutoffs.csv")
    assert list(cutoffs[0]) == [
        "facility_id", "age_group", "seat_type", "priority_class", "lottery", "capacity",
        "admitted",
    ]  # fmt: skip
    integration_b = next(
        r for r in cutoffs if (r["facility_id"], r["seat_type"]) == ("B", "integration")
    )
    assert integration_b["admitted"] == "1" and integration_b["priority_class"] == "2"
    # A/u3 released its empty integration place: 1 regular + 1 released
    regular_a = next(
        r
        for r in cutoffs
        if (r["facility_id"], r["age_group"], r["seat_type"]) == ("A", "u3", "regular")
    )
    assert regular_a["capacity"] == "2"


def test_semicolon_and_missing_priorities_file(tmp_path):
    shutil.copytree(FILES / "small", tmp_path / "i")
    (tmp_path / "i" / "priorities.csv").unlink()
    text = (tmp_path / "i" / "children.csv").read_text(encoding="utf-8").replace(",", ";")
    (tmp_path / "i" / "children.csv").write_text(text, encoding="utf-8")
    result = read_instance(tmp_path / "i")
    assert result.problems == () and result.instance is not None
    assert result.instance.priorities == {}


def test_broken_instance_names_every_problem():
    result = read_instance(FILES / "broken")
    assert result.instance is None
    found = {(p.file, p.row, p.column, p.code, p.value) for p in result.problems}
    assert found == {
        ("facilities.csv", 2, "integration_places", ProblemCode.OUT_OF_RANGE, "3"),
        ("facilities.csv", 3, "age_group", ProblemCode.DUPLICATE_KEY, "u3"),
        ("facilities.csv", 4, "capacity", ProblemCode.NOT_AN_INTEGER, "x"),
        ("facilities.csv", 4, "release_unused", ProblemCode.NOT_A_BOOLEAN, "2"),
        ("children.csv", 2, "integration_need", ProblemCode.NOT_A_BOOLEAN, "yes"),
        ("preferences.csv", 3, "rank", ProblemCode.DUPLICATE_KEY, "1"),
        ("preferences.csv", 4, "child_id", ProblemCode.UNKNOWN_CHOICE, "c9"),
        ("preferences.csv", 5, "facility_id", ProblemCode.UNKNOWN_CHOICE, "Z"),
        ("preferences.csv", 7, "facility_id", ProblemCode.DUPLICATE_KEY, "A"),
        ("priorities.csv", 2, "priority_class", ProblemCode.NEGATIVE_NUMBER, "-1"),
    }
    assert all(p.expected for p in result.problems)


def test_missing_files_and_columns(tmp_path):
    (tmp_path / "facilities.csv").write_text("facility_id,capacity\nA,1\n", encoding="utf-8")
    result = read_instance(tmp_path)
    codes = {(p.file, p.code, p.column) for p in result.problems}
    assert ("facilities.csv", ProblemCode.MISSING_COLUMN, "age_group") in codes
    assert ("children.csv", ProblemCode.FILE_UNREADABLE, "") in codes
    assert ("preferences.csv", ProblemCode.FILE_UNREADABLE, "") in codes
    assert not any(p.file == "priorities.csv" for p in result.problems)
