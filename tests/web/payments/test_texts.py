"""The payment engine's notes and issues are codes with parameters, worded through gettext."""

from __future__ import annotations

import pathlib

from django.utils import translation

from kitaplan.domain.childminding.payments import (
    ISSUE_EXPECTATIONS,
    NOTE_TRACES,
    IssueCode,
    LineNote,
    NoteCode,
    PaymentIssue,
)
from kitaplan.domain.common.problems import Expectation
from kitaplan.web.imports.expectations import WORDINGS
from kitaplan.web.payments import texts
from kitaplan.web.payments.models import PaymentLineRecord

PAYMENTS = pathlib.Path(texts.__file__).parent


def test_every_note_and_issue_code_has_a_wording() -> None:
    assert set(NOTE_TRACES) == set(NoteCode) == set(texts.NOTE_TEXTS)
    assert set(ISSUE_EXPECTATIONS) == set(IssueCode)
    assert all(code in WORDINGS for code in ISSUE_EXPECTATIONS.values())


def test_no_regular_expression_words_the_payment_pages() -> None:
    for name in ("views.py", "hours_views.py", "master_data_views.py", "texts.py"):
        source = (PAYMENTS / name).read_text()
        assert "import re\n" not in source and "re.compile" not in source, name


def test_a_line_note_is_worded_in_german_and_kept_as_its_trace() -> None:
    notes = (
        LineNote.of(NoteCode.WEEKLY_HOURS, granted="35", billed="35", weeks="4.33"),
        LineNote.of(NoteCode.PRO_RATA, rule="calendar_days", from_day=1, to_day=15),
        LineNote.of(NoteCode.CORRECTION, month="2026-09", paid=0, due=17161),
    )
    assert notes[0].trace == "35->35 h/week x 4.33"
    assert notes[2].trace == "correction of 2026-09: paid 0.00, due 171.61"
    line = PaymentLineRecord(
        note="as stored", notes=[{"code": n.code.value, "params": n.values} for n in notes]
    )
    with translation.override("de"):
        worded = texts.line_note(line)
    assert worded == (
        "35 Wochenstunden bewilligt, abgerechnet als 35 h × 4,33 Wochen im Monat; "
        "Tage 1–15 des Monats (Kalendertage); "
        "Korrektur für 2026-09: gezahlt 0,00 €, zustehend 171,61 €"
    )
    assert texts.line_note(PaymentLineRecord(note="as stored", notes=None)) == "as stored"


def test_an_issue_expectation_is_worded_from_its_code() -> None:
    issue = PaymentIssue(
        IssueCode.NO_RATE,
        "7",
        "stage",
        "a/own_home/",
        (("component", "sachaufwand"), ("table", "t-2026")),
    )
    assert isinstance(issue.expected, Expectation)
    stored = {"code": issue.code.value, "expected": issue.expected.to_json()}
    with translation.override("en"):
        assert texts.issue_expectation(stored) == (
            "a rate of component Material costs (Sachaufwand) in rate table t-2026"
        )
    old = {"code": "no_rate", "expected": "a rate of component x in table y"}
    assert texts.issue_expectation(old) == "a rate of component x in table y"
