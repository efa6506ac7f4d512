"""The Dresden demo plan against seed 000, counted independently of the data file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from kitaplan.demo import data_dir
from kitaplan.web.demo.measures import create_demo_plan
from kitaplan.web.measures.models import Measure, Objective, Plan, ReportSnapshot, StatusChange
from kitaplan.web.measures.periods import parse_period
from kitaplan.web.measures.selectors import progress_report
from kitaplan.web.planning.models import TargetRule
from kitaplan.web.territory.models import AreaLevel, Territory

SEEDS = sorted(Path("/work/shared/seeds").glob("000_*.txt"))
FILE = data_dir() / "dresden" / "massnahmenplan-2020-2027.csv"


def file_rows() -> list[dict[str, str]]:
    lines = FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# Quelle:") and "Dresden" in lines[0]
    return list(csv.DictReader(lines[1:]))


def seed_counts(text: str) -> dict[str, object]:
    """Objectives and measures counted from the seed's table rows (no use of the data file)."""
    table_rows = [line.split("\t") for line in text.splitlines() if line.count("\t") >= 2]
    objective_codes: list[str] = []
    measures = 0
    for cells in table_rows:
        first = cells[0].strip()
        if first in ("Teilziel", "Maßnahmen") or set("".join(cells)) <= {"-"}:
            continue
        objective_codes += re.findall(r"(?<![\d.])([1-9]\.\d{1,2})\.?\s+[A-ZÄÖÜ]", first)
        measure_cell = cells[1] if len(cells) == 4 else cells[0]
        if measure_cell.strip():
            measures += 1
    unnumbered = len(re.findall(r"^Teilziel:\s*$", text, flags=re.MULTILINE))
    goals = 0
    for block in re.findall(r"Strategische[s]? Ziele?:\n(.*?)Teilziele und Maßnahmen", text, re.S):
        goals += len([line for line in block.splitlines() if line.strip()])
    return {
        "objective_codes": objective_codes,
        "objectives": len(objective_codes) + unnumbered,
        "measures": measures,
        "goals": goals,
        "fields": len(set(re.findall(r"^Handlungsfeld (\d):", text, re.MULTILINE))),
    }


@pytest.mark.skipif(not SEEDS, reason="seed 000 is not available here")
def test_the_data_file_has_every_objective_and_measure_of_the_seed():
    text = SEEDS[0].read_text(encoding="utf-8")
    counted = seed_counts(text)
    rows = file_rows()
    by_level: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_level.setdefault(row["level"], []).append(row)
    assert counted["measures"] == len(by_level["measure"]) == 59
    assert counted["objectives"] == len(by_level["objective"]) == 19
    assert counted["goals"] == len(by_level["goal"]) == 4
    # three numbered Handlungsfelder plus part 4 (support), which the file keeps as field "4"
    assert len(by_level["field"]) == counted["fields"] + 1
    codes = {r["code"] for r in by_level["objective"]}
    assert set(counted["objective_codes"]) <= codes
    flat = re.sub(r"\s+", " ", text)
    for row in by_level["measure"]:
        if row["period"]:
            assert row["period"] in flat, row["period"]
        assert row["parent"].split(";")[0] in codes


def test_periods_are_read_where_they_can_be():
    import datetime as dt

    assert parse_period("2020") == (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert parse_period("2020/ 2021") == (dt.date(2020, 1, 1), dt.date(2021, 12, 31))
    assert parse_period("2021 ff.") == (dt.date(2021, 1, 1), None)
    assert parse_period("ab 2020") == (dt.date(2020, 1, 1), None)
    assert parse_period("analog zu Landesplanungen") == (None, None)


@pytest.mark.django_db
def test_the_demo_plan_loads_once_with_statuses_target_and_an_earlier_report():
    assert create_demo_plan() is False  # no Dresden yet
    dresden = Territory.objects.create(code="dresden", name="Dresden")
    AreaLevel.objects.create(territory=dresden, code="stadtbezirk", name="Stadtbezirk", rank=1)
    assert create_demo_plan() is True
    assert create_demo_plan() is False
    plan = Plan.objects.get(territory=dresden)
    assert Measure.objects.filter(objective__field__plan=plan).count() == 59
    assert Objective.objects.filter(field__plan=plan).count() == 19
    statuses = set(
        Measure.objects.filter(objective__field__plan=plan).values_list("status", flat=True)
    )
    assert {"done", "running"} <= statuses and len(statuses) >= 3
    objective = Objective.objects.get(field__plan=plan, code="1.7")
    assert objective.target_rule == TargetRule.objects.get(territory=dresden, code="1.7")
    assert ReportSnapshot.objects.filter(plan=plan).count() == 1
    assert StatusChange.objects.filter(measure__objective__field__plan=plan).exists()
    snapshot = ReportSnapshot.objects.get(plan=plan)
    report = progress_report(
        plan, label="2025-H2", start=snapshot.period_end, end=snapshot.period_end
    )
    assert report.last == snapshot
    assert report.changes  # the steps after the earlier report
    lead = Measure.objects.filter(objective__field__plan=plan).exclude(lead=None).first()
    assert lead.lead.short_name == "Amt 58"
