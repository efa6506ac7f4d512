"""German (or English) wording of the problems the independent check of a run found.

The domain states each problem as a :class:`~kitaplan.domain.allocation.CheckProblem` (a code
and its parameters); runs store them as JSON (``{"code": ..., "params": {...}}``). Here every
code has one msgid into which the parameters are placed, for the run page, the run's export
and ``kitaplan allocate``. Runs computed before the codes stored English sentences: those are
shown as they were stored. A test enumerates :class:`CheckCode`, so a new code without a
wording fails the suite.

Needs no database (the CLI words problems without one).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kitaplan.domain.allocation import CheckCode, CheckProblem

C = CheckCode

#: The msgid of each code (``gettext_noop`` so that ``makemessages`` finds them).
WORDINGS: dict[CheckCode, str] = {
    C.NOT_RANKED: gettext_noop("%(child)s: placed at %(facility)s, which it did not rank"),
    C.NO_PLACES_FOR_AGE_GROUP: gettext_noop(
        "%(child)s: placed at %(facility)s, which has no places for age group %(age_group)s"
    ),
    C.WRONG_SEAT_TYPE: gettext_noop("%(child)s: placed on the wrong kind of place"),
    C.OVER_INTEGRATION_PLACES: gettext_noop(
        "%(facility)s, %(age_group)s: %(admitted)s children on %(places)s integration places"
    ),
    C.OVER_REGULAR_PLACES: gettext_noop(
        "%(facility)s, %(age_group)s: %(admitted)s children on %(places)s regular and "
        "released places"
    ),
    C.BLOCKING_PAIR: gettext_noop(
        "%(child)s prefers %(facility)s and would be entitled to a place there (blocking pair)"
    ),
    C.GUARANTEE_BROKEN: gettext_noop(
        "%(child)s held a place at %(facility)s and lost it (guarantee broken)"
    ),
}


def describe_check_problem(problem: CheckProblem) -> str:
    """One problem as a sentence in the active language."""
    return _(WORDINGS[problem.code]) % problem.arguments


def describe_stored_problem(stored: object) -> str:
    """A problem as a run stores it: a code with parameters, or (older runs) the text itself."""
    if isinstance(stored, dict):
        return describe_check_problem(CheckProblem.from_json(stored))
    return str(stored)


def describe_stored_problems(stored: Iterable[object]) -> list[str]:
    return [describe_stored_problem(p) for p in stored]


def check_report(stored: Iterable[object]) -> str:
    """The check's outcome as plain text lines (the run's export, the CLI)."""
    problems = describe_stored_problems(stored)
    if not problems:
        return _("Independent check: passed") + "\n"
    lines = [_("Independent check: problems found") + ":"]
    lines += ["  " + p for p in problems]
    return "\n".join(lines) + "\n"
