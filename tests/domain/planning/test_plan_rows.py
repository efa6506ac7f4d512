"""Measure rows of a plan file into the plan's tree: codes from cells, merged cells filled
down, measure numbers, contradictions, and participants matched with the directory."""

from __future__ import annotations

import datetime as dt

from kitaplan.domain.planning.plan_rows import (
    IssueKind,
    PlanRow,
    complete_rows,
    match_participants,
    split_code,
    split_participants,
)


def row(n, field=None, title=None, objective=None, text=None, code=None, **kw):
    return PlanRow(n, field, title, objective, text, code, f"Maßnahme {n}", **kw)


def test_codes_are_split_from_the_cells_of_the_strategy_document():
    assert split_code("1.1. Die Anzahl der Kitas") == ("1.1", "Die Anzahl der Kitas")
    assert split_code("1.10 Die Planung") == ("1.10", "Die Planung")
    assert split_code("Handlungsfeld 2: Professionalisierung") == ("2", "Professionalisierung")
    assert split_code("Teil 4") == (None, "Teil 4")


def test_merged_cells_repeat_the_row_above_and_measures_are_numbered_per_objective():
    rows, issues = complete_rows(
        [
            row(2, "1", "Orte", "1.1", "Plätze"),
            row(3),
            row(4, objective="1.2", text="Infos"),
            row(5, code="1.2-9"),
        ]
    )
    assert issues == []
    assert [(r.field_code, r.objective_code, r.measure_code) for r in rows] == [
        ("1", "1.1", "1.1-1"),
        ("1", "1.1", "1.1-2"),
        ("1", "1.2", "1.2-1"),
        ("1", "1.2", "1.2-9"),
    ]
    assert {r.field_title for r in rows} == {"Orte"}
    assert [r.objective_text for r in rows] == ["Plätze", "Plätze", "Infos", "Infos"]


def test_contradictions_and_gaps_are_issues_naming_the_first_row():
    _rows, issues = complete_rows(
        [
            row(2),
            row(3, "1", "Orte", "1.1", "Plätze", "a"),
            row(4, "1", "Andere", "1.1", None, "a"),
            row(
                5, "2", "Zwei", "1.1", None, "b", start=dt.date(2027, 1, 1), end=dt.date(2026, 1, 1)
            ),
        ]
    )
    assert [(i.row, i.kind, i.first_row) for i in issues] == [
        (2, IssueKind.MISSING, 0),
        (4, IssueKind.FIELD_TITLE, 3),
        (4, IssueKind.DUPLICATE_MEASURE, 3),
        (5, IssueKind.END_BEFORE_START, 0),
        (5, IssueKind.OBJECTIVE_FIELD, 3),
    ]


def test_a_row_below_a_failed_row_is_not_reported_again():
    _rows, issues = complete_rows([row(2), row(3), row(4, "1", "Orte", "1.1", "Plätze")])
    assert [(i.row, i.kind) for i in issues] == [(2, IssueKind.MISSING)]


def test_participants_are_split_and_matched_with_the_directory():
    text = "Amt 58; Sozialamt, Dresdner Netzwerk, Kindertagesbetreuung (Netzwerk QE), Eltern"
    assert split_participants("A, B (x, y); C") == ["A", "B (x, y)", "C"]
    found, missing = match_participants(
        text, {"Amt 58": "Amt für Kindertagesbetreuung", "SA": "Sozialamt", "Netzwerk QE": "N"}
    )
    assert found == ["Amt 58", "SA", "Netzwerk QE"]
    assert missing == ["Dresdner Netzwerk", "Eltern"]
