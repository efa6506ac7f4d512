"""Qualification rules without a database: part status, deadlines, the behind list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kitaplan.domain.childminding.qualification import (
    EnrolmentRecord,
    Part,
    Programme,
    ShortfallKind,
    Timing,
    minimum_for,
    programme_status,
    shortfalls,
    training_hours,
)

TODAY = dt.date(2026, 11, 30)
PRE = Part(1, "Vor Tätigkeitsbeginn", Timing.BEFORE_START, 160, 80, True)
ALONGSIDE = Part(2, "Tätigkeitsbegleitend", Timing.ALONGSIDE_WORK, 140, 0, True, 24)
QHB = Programme(10, "QHB", (PRE, ALONGSIDE))


def enrolment(pre: int, alongside: int, *, hours: int = 0, tests=(), dropped=False):
    return EnrolmentRecord(
        programme_id=10,
        dropped=dropped,
        internship_hours=hours,
        units_by_part={1: pre, 2: alongside},
        tests_passed=frozenset(tests),
    )


def test_units_internships_and_the_test_complete_a_part():
    pre, alongside = programme_status(QHB, [enrolment(152, 0)], start=None).parts
    assert (pre.units, pre.units_missing, pre.done) == (152, 8, False)
    assert alongside.units == 0 and alongside.units_missing == 140
    pre = programme_status(QHB, [enrolment(160, 0)], start=None).parts[0]
    assert pre.units_missing == 0 and not pre.done  # internships and the test are open
    status = programme_status(QHB, [enrolment(160, 0, hours=80, tests={1})], start=None)
    assert status.parts[0].done and not status.parts[1].done and not status.done
    assert (status.units, status.units_missing) == (160, 140)


def test_dropped_enrolments_and_other_programmes_do_not_count():
    other = EnrolmentRecord(programme_id=11, units_by_part={1: 160})
    status = programme_status(QHB, [enrolment(160, 0, dropped=True), other], start=None)
    assert status.parts[0].units == 0


def test_internship_hours_go_to_the_first_part_that_asks_first():
    first = Part(1, "A", Timing.BEFORE_START, 0, 40)
    second = Part(2, "B", Timing.ALONGSIDE_WORK, 0, 40)
    programme = Programme(10, "X", (first, second))
    a, b = programme_status(programme, [enrolment(0, 0, hours=50)], start=None).parts
    assert (a.internship_hours, b.internship_hours) == (40, 10)
    assert a.done and not b.done and b.internship_missing == 30


def test_the_deadline_counts_months_from_the_start_and_clips_to_the_month_end():
    status = programme_status(QHB, [enrolment(160, 40)], start=dt.date(2024, 11, 1))
    part = status.parts[1]
    assert part.deadline == dt.date(2026, 11, 1) and part.units_missing == 100
    assert part.overdue(TODAY) and not part.overdue(dt.date(2026, 11, 1))
    assert status.parts[0].deadline is None  # before starting: no deadline
    end_of_month = programme_status(QHB, [], start=dt.date(2024, 12, 31)).parts[1]
    assert end_of_month.deadline == dt.date(2026, 12, 31)
    leap = programme_status(QHB, [], start=dt.date(2026, 2, 28)).parts[1]
    assert leap.deadline == dt.date(2028, 2, 28)


def test_due_soon_is_within_three_months_of_today():
    soon = programme_status(QHB, [], start=dt.date(2025, 1, 31)).parts[1]
    later = programme_status(QHB, [], start=dt.date(2025, 6, 1)).parts[1]
    assert soon.deadline == dt.date(2027, 1, 31) and soon.due_soon(TODAY)
    assert not later.due_soon(TODAY) and not later.overdue(TODAY)
    done = programme_status(QHB, [enrolment(160, 140, hours=80, tests={1, 2})], start=None)
    assert not done.parts[1].due_soon(TODAY)


def test_shortfalls_name_open_parts_and_further_training():
    overdue = programme_status(QHB, [enrolment(100, 40)], start=dt.date(2024, 11, 1))
    found = shortfalls([overdue], training=Decimal(18), minimum=Decimal(20), today=TODAY)
    assert [(f.kind, f.detail, f.missing, f.due) for f in found] == [
        (ShortfallKind.PRE_START_MISSING, PRE.name, Decimal(60), None),
        (ShortfallKind.ALONGSIDE_OVERDUE, ALONGSIDE.name, Decimal(100), dt.date(2026, 11, 1)),
        (ShortfallKind.TRAINING_BELOW_MINIMUM, "2026", Decimal(2), dt.date(2026, 12, 31)),
    ]
    assert found[0].programme == "QHB" and found[2].programme == ""


def test_a_programme_done_clears_the_other_programmes_parts():
    done = programme_status(QHB, [enrolment(160, 140, hours=80, tests={1, 2})], start=None)
    other = programme_status(Programme(11, "DJI160", (PRE,)), [], start=None)
    assert shortfalls([done, other], training=Decimal(20), minimum=Decimal(20), today=TODAY) == []
    assert shortfalls([], training=Decimal(0), minimum=Decimal(0), today=TODAY) == []


def test_a_part_alongside_the_work_neither_due_nor_overdue_is_not_listed():
    later = programme_status(QHB, [enrolment(160, 0, hours=80, tests={1})], start=TODAY)
    assert shortfalls([later], training=Decimal(20), minimum=Decimal(20), today=TODAY) == []


def test_training_hours_of_a_year_and_the_minimum_that_applies():
    trainings = [
        (dt.date(2026, 3, 1), Decimal(12)),
        (dt.date(2026, 9, 1), Decimal(6)),
        (dt.date(2025, 9, 1), Decimal(30)),
    ]
    assert training_hours(trainings, 2026) == Decimal(18)
    assert training_hours([], 2026) == Decimal(0)
    default = Decimal(20)
    assert minimum_for({}, 2026, default) == default
    assert minimum_for({None: Decimal(18)}, 2026, default) == Decimal(18)
    assert minimum_for({None: Decimal(18), 2026: Decimal(16)}, 2026, default) == Decimal(16)
