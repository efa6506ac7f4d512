"""Every expectation code has a wording, in German too; no regular expression translates."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.web.imports import expectations
from kitaplan.web.imports.expectations import WORDINGS, describe_expectation
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.services import problem_from_dict, problem_to_dict

#: Codes whose German wording is the same text as the English one.
SAME_IN_GERMAN = {ExpectationCode.TEXT_AS_STORED}


@pytest.mark.parametrize("code", list(ExpectationCode))
def test_every_code_has_a_wording_in_german(code):
    assert code in WORDINGS
    params = {name: "X" for name in _placeholders(WORDINGS[code])}
    with translation.override("en"):
        english = describe_expectation(Expectation.of(code, **params))
    with translation.override("de"):
        german = describe_expectation(Expectation.of(code, **params))
    assert english and german
    assert "%(" not in english and "%(" not in german
    if code not in SAME_IN_GERMAN:
        assert german != english, code


def _placeholders(wording: str) -> list[str]:
    parts = wording.split("%(")[1:]
    return [part.split(")s", 1)[0] for part in parts]


def test_no_regular_expression_translates_expectations():
    source = Path(expectations.__file__).read_text(encoding="utf-8")
    assert "import re" not in source and "re." not in source


def test_nested_expectations_are_worded_in_the_active_language():
    nested = expectation(
        ExpectationCode.COLUMN_NAMED_WITH,
        column="age",
        content=expectation(ExpectationCode.WHOLE_NUMBER_RANGE, low=0, high=17),
    )
    with translation.override("de"):
        assert (
            describe_expectation(nested)
            == "eine Spalte „age“, Inhalt: eine ganze Zahl von 0 bis 17"
        )
    with translation.override("en"):
        assert (
            describe_expectation(nested) == 'a column named "age" with a whole number from 0 to 17'
        )


def test_expectations_are_hashable_and_survive_json():
    problem = ImportProblem(
        ProblemCode.MISSING_COLUMN,
        "e.csv",
        1,
        "age",
        "",
        expectation(
            ExpectationCode.COLUMN_NAMED_WITH,
            column="age",
            content=expectation(ExpectationCode.ONE_OF, choices="a, b"),
        ),
    )
    assert len({problem, problem}) == 1
    assert problem_from_dict(problem_to_dict(problem)) == problem


def test_a_stored_problem_with_a_plain_text_expectation_still_renders():
    stored = {
        "code": "not_a_number",
        "file": "e.csv",
        "row": 3,
        "column": "count",
        "value": "zwölf",
        "expected": "a whole number",
    }
    with translation.override("de"):
        assert "eine ganze Zahl" in describe_problem(problem_from_dict(stored))
    stored["expected"] = "a whole number ≥ 0"  # a wording with parameters: shown as stored
    with translation.override("de"):
        assert "a whole number ≥ 0" in describe_problem(problem_from_dict(stored))
