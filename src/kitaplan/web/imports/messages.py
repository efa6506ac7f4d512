"""Import problems worded for people (msgids English, German in the catalogue)."""

from __future__ import annotations

from typing import Any

__all__ = ["describe_expectation", "describe_problem"]

from django.utils.translation import gettext as _

from kitaplan.domain.common.problems import ImportProblem, ProblemCode
from kitaplan.web.imports.expectations import describe_expectation


def _templates() -> dict[ProblemCode, str]:
    return {
        ProblemCode.FILE_UNREADABLE: _(
            "{file}: the file cannot be read ({value}). Expected: {expected}."
        ),
        ProblemCode.UNSUPPORTED_FORMAT: _(
            "{file}: this file type is not supported. Expected: {expected}."
        ),
        ProblemCode.EMPTY_FILE: _("{file}: the file contains no data rows."),
        ProblemCode.MISSING_COLUMN: _(
            '{file}, row {row}: the column "{column}" is missing. Expected: {expected}.'
        ),
        ProblemCode.MISSING_VALUE: _(
            '{file}, row {row}, column "{column}": a value is required. Expected: {expected}.'
        ),
        ProblemCode.NOT_A_NUMBER: _(
            '{file}, row {row}, column "{column}": "{value}" is not a number. Expected: {expected}.'
        ),
        ProblemCode.NOT_AN_INTEGER: _(
            '{file}, row {row}, column "{column}": "{value}" is not a whole number. Expected: {expected}.'
        ),
        ProblemCode.NEGATIVE_NUMBER: _(
            '{file}, row {row}, column "{column}": "{value}" is negative. Expected: {expected}.'
        ),
        ProblemCode.OUT_OF_RANGE: _(
            '{file}, row {row}, column "{column}": "{value}" is out of range. Expected: {expected}.'
        ),
        ProblemCode.NOT_A_DATE: _(
            '{file}, row {row}, column "{column}": "{value}" is not a date. Expected: {expected}.'
        ),
        ProblemCode.NOT_A_TIME: _(
            '{file}, row {row}, column "{column}": "{value}" is not a time of day. Expected: {expected}.'
        ),
        ProblemCode.NOT_A_BOOLEAN: _(
            '{file}, row {row}, column "{column}": "{value}" is not yes or no. Expected: {expected}.'
        ),
        ProblemCode.UNKNOWN_CHOICE: _(
            '{file}, row {row}, column "{column}": "{value}" is not an allowed value. Expected: {expected}.'
        ),
        ProblemCode.DUPLICATE_KEY: _(
            '{file}, row {row}, column "{column}": "{value}" appears more than once. Expected: {expected}.'
        ),
        ProblemCode.MISSING_GEOMETRY: _(
            "{file}, row {row}: the geometry is missing. Expected: {expected}."
        ),
        ProblemCode.INVALID_GEOMETRY: _(
            "{file}, row {row}: the geometry is invalid ({value}). Expected: {expected}."
        ),
        ProblemCode.WRONG_GEOMETRY_TYPE: _(
            '{file}, row {row}: the geometry type "{value}" does not fit. Expected: {expected}.'
        ),
        ProblemCode.UNKNOWN_AREA: _(
            '{file}, row {row}, column "{column}": there is no area "{value}". Expected: {expected}.'
        ),
        ProblemCode.UNKNOWN_PARENT: _(
            '{file}, row {row}, column "{column}": there is no parent area "{value}". Expected: {expected}.'
        ),
        ProblemCode.UNKNOWN_PROVIDER: _(
            '{file}, row {row}, column "{column}": there is no provider "{value}". Expected: {expected}.'
        ),
        ProblemCode.UNKNOWN_INDICATOR: _(
            '{file}, row {row}, column "{column}": there is no indicator "{value}". Expected: {expected}.'
        ),
        ProblemCode.UNKNOWN_LEVEL: _(
            '{file}, row {row}, column "{column}": there is no area level "{value}". Expected: {expected}.'
        ),
        ProblemCode.DUPLICATE_COLUMN: _(
            '{file}, row {row}: the column "{column}" appears more than once. Expected: {expected}.'
        ),
        ProblemCode.TOO_LONG: _(
            '{file}, row {row}, column "{column}": the value "{value}" is too long. Expected: {expected}.'
        ),
        ProblemCode.INCONSISTENT_VALUES: _(
            '{file}, row {row}, column "{column}": "{value}" contradicts other values. Expected: {expected}.'
        ),
    }


def describe_problem(problem: ImportProblem) -> str:
    """One sentence naming file, row, column, value and what was expected."""
    template = _templates().get(
        problem.code,
        _('{file}, row {row}, column "{column}": "{value}" ({code}). Expected: {expected}.'),
    )
    values: dict[str, Any] = {
        "file": problem.file,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "expected": describe_expectation(problem.expected),
        "code": problem.code.value,
    }
    return template.format(**values)
