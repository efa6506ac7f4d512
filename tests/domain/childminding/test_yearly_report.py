"""The yearly report's figures without a database: dates, ages, status and qualification on a
day, the counts of one reference date and the rows beside the year before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kitaplan.domain.childminding.ages import age_in_years, third_birthday
from kitaplan.domain.childminding.substitutes import CoverageReport
from kitaplan.domain.childminding.yearly_report import (
    SECTIONS,
    Care,
    Payments,
    Person,
    StatusSpan,
    Training,
    age_band,
    default_year,
    figures,
    months_in,
    period_of,
    qualification_class,
    qualification_on,
    rows,
    status_on,
)

LOCATIONS = ("own_home", "rented_rooms", "parents_home")
D = dt.date


COURSE = (D(2024, 9, 7), D(2025, 6, 30))


def qhb(*, passed_on=None, status=None):
    return Training(
        kind="qhb",
        status=status or ("completed" if passed_on else "enrolled"),
        result="passed" if passed_on else "",
        course_start=COURSE[0],
        course_end=COURSE[1],
        certificate_date=passed_on,
    )


def test_the_period_ends_on_1_march_and_starts_the_day_after_the_previous_one():
    assert period_of(2026) == (D(2025, 3, 2), D(2026, 3, 1))
    assert period_of(2024) == (D(2023, 3, 2), D(2024, 3, 1))  # leap year: 29 Feb inside
    assert default_year(D(2026, 2, 28)) == 2025
    assert default_year(D(2026, 3, 1)) == 2026


def test_the_months_whose_first_day_lies_in_the_period():
    months = months_in(*period_of(2026))
    assert months[0] == "2025-04" and months[-1] == "2026-03" and len(months) == 12
    assert months_in(D(2025, 1, 1), D(2025, 1, 31)) == ["2025-01"]
    assert months_in(D(2025, 1, 2), D(2025, 1, 31)) == []


def test_ages_in_full_years_and_the_third_birthday():
    assert age_in_years(D(2023, 3, 2), D(2026, 3, 1)) == 2
    assert age_in_years(D(2023, 3, 1), D(2026, 3, 1)) == 3
    assert [age_band(D(b, 6, 1), D(2026, 3, 1)) for b in (2025, 2024, 2023, 2022, 2018)] == [
        "under_1",
        "age_1",
        "age_2",
        "age_3_plus",
        "age_3_plus",
    ]
    assert third_birthday(D(2024, 2, 29)) == D(2027, 3, 1)
    assert third_birthday(D(2024, 5, 31)) == D(2027, 5, 31)


def test_status_on_a_day_follows_the_history_and_same_day_entries_by_order():
    person = Person(
        status="left",
        history=(
            StatusSpan("left", D(2025, 9, 30), 3),
            StatusSpan("active", D(2019, 5, 1), 1),
            StatusSpan("paused", D(2025, 9, 30), 2),
        ),
    )
    assert status_on(person, D(2019, 4, 30)) is None
    assert status_on(person, D(2020, 1, 1)) == "active"
    assert status_on(person, D(2025, 9, 30)) == "left"
    assert status_on(Person(status="paused"), D(2000, 1, 1)) == "paused"  # no history


def test_the_free_text_is_classified_qhb_first():
    assert [
        qualification_class(t)
        for t in ("", "QHB 300 UE", "160 UE", "Erzieherin", "Kinderpflegerin", "Kurs")
    ] == ["none", "qhb", "ue160", "pedagogical", "pedagogical", "other"]


def test_qualification_on_a_day_from_the_trainings_before_the_text():
    later = Person(
        "active", qualification_text="QHB 300 UE", trainings=(qhb(passed_on=D(2025, 4, 30)),)
    )
    assert qualification_on(later, D(2024, 9, 6)) == "none"  # text explained by the course
    assert qualification_on(later, D(2024, 9, 7)) == "in_qualification"
    assert qualification_on(later, D(2025, 4, 30)) == "qhb"
    trained = Person(
        "active", qualification_text="Erzieherin", trainings=(qhb(passed_on=D(2025, 4, 30)),)
    )
    assert qualification_on(trained, D(2025, 3, 1)) == "pedagogical"
    assert qualification_on(trained, D(2026, 3, 1)) == "qhb"  # QHB ranks first
    no_certificate = Person("active", trainings=(qhb(status="completed"),))
    assert qualification_on(no_certificate, D(2025, 7, 1)) == "in_qualification"  # not passed
    by_end = Person(
        "active",
        trainings=(
            Training("curriculum_160", "completed", "passed", D(2024, 9, 1), D(2025, 6, 30)),
        ),
    )
    assert qualification_on(by_end, D(2025, 6, 29)) == "in_qualification"
    assert qualification_on(by_end, D(2025, 6, 30)) == "ue160"
    dropped = Person("active", trainings=(qhb(status="dropped"),))
    assert qualification_on(dropped, D(2026, 3, 1)) == "none"


def test_the_figures_of_one_reference_date():
    people = [
        Person("active", (StatusSpan("active", D(2020, 1, 1)),), "QHB"),
        Person("active", (StatusSpan("active", D(2025, 6, 1)),), "160 UE"),  # new
        Person(
            "left",
            (StatusSpan("active", D(2019, 5, 1)), StatusSpan("left", D(2025, 9, 30), 1)),
            "Erzieherin",
        ),  # left
        Person(
            "paused",
            (StatusSpan("active", D(2021, 1, 1)), StatusSpan("paused", D(2026, 1, 15), 1)),
        ),
        Person("active", (StatusSpan("active", D(2026, 6, 1)),), "QHB"),  # later
    ]
    contracts = [
        Care(D(2025, 6, 10), D(2025, 9, 1), None, "own_home"),  # placement, under 1
        Care(D(2024, 1, 10), D(2024, 8, 1), None, "rented_rooms"),  # age 2
        Care(D(2023, 5, 5), D(2024, 1, 1), D(2025, 9, 30), "own_home"),  # ending
        Care(D(2023, 3, 1), D(2024, 3, 2), D(2025, 3, 1), "own_home"),  # ended the day before
        Care(D(2025, 1, 1), D(2026, 4, 1), None, "own_home"),  # starts after the date
    ]
    now = figures(people, contracts, year=2026, locations=LOCATIONS, payments=Payments(32_000, 2))
    assert now.reference_date == D(2026, 3, 1) and now.period_start == D(2025, 3, 2)
    assert now.childminders == {"total": 3, "active": 2, "paused": 1, "new": 1, "left": 1}
    assert now.qualification == {
        "qhb": 1,
        "ue160": 1,
        "pedagogical": 0,
        "other": 0,
        "in_qualification": 0,
        "none": 1,
    }
    assert now.children_by_age == {"under_1": 1, "age_1": 0, "age_2": 1, "age_3_plus": 0}
    assert now.children == 2
    assert now.children_by_location == {"own_home": 1, "rented_rooms": 1, "parents_home": 0}
    assert (now.placements, now.endings) == (1, 1)
    assert now.payments == Decimal("320.00") and now.childminders_paid == 2
    assert now.coverage is None and len(now.payment_months) == 12
    before = figures(people, contracts, year=2025, locations=LOCATIONS)
    assert before.childminders["total"] == 3 and before.childminders["paused"] == 0
    assert (before.placements, before.endings) == (2, 1)
    assert before.payments_cents == 0


def test_rows_side_by_side_with_differences_and_no_coverage_as_none():
    now = figures([], [], year=2026, locations=LOCATIONS, payments=Payments(1_000, 1))
    coverage = CoverageReport(
        childminder_absence_days=5,
        child_days=15,
        own_arrangement_days=0,
        covered_days=2,
        uncovered_days=13,
        coverage_rate=2 / 15,
    )
    before = figures([], [], year=2025, locations=LOCATIONS, coverage=coverage)
    table = rows(now, before, locations=LOCATIONS)
    assert [r.section for r in table] == sorted(
        (r.section for r in table), key=SECTIONS.index
    )  # in section order
    by_key = {(r.section, r.key): r for r in table}
    assert len(by_key) == len(table) == 5 + 5 + 3 + 2 + 6 + 6 + 2
    rate = by_key[("substitutes", "coverage_rate")]
    assert rate.current is None and rate.previous == Decimal("13.3") and rate.difference is None
    assert rate.kind == "rate"
    amount = by_key[("payments", "amount")]
    assert amount.kind == "euro" and amount.difference == Decimal("10.00")
    assert by_key[("childminders", "total")].difference == 0
