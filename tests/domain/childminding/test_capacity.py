"""Simultaneous children per time slot: examples and a brute-force minute grid."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.childminding.capacity import (
    CareSchedule,
    WeeklySlot,
    capacity_violations,
    care_days,
    format_slots,
    free_places,
    free_places_by_day,
    max_simultaneous,
    own_child_schedule,
    parse_slots,
)

MON = date(2025, 3, 3)  # a Monday


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def sched(
    contract: str,
    slots: list[tuple[int, str, str]],
    valid_from: date = date(2025, 1, 1),
    valid_to: date | None = None,
    child: str | None = None,
) -> CareSchedule:
    return CareSchedule(
        contract,
        child or f"child-{contract}",
        valid_from,
        valid_to,
        tuple(WeeklySlot(w, hm(a), hm(b)) for w, a, b in slots),
    )


# --- parsing -------------------------------------------------------------------------------------


def test_parse_slots_sorts_and_round_trips() -> None:
    slots = parse_slots([[2, "12:00", "15:00"], [0, "08:00", "12:00"], [2, "08:00", "12:00"]])
    assert slots == (
        WeeklySlot(0, 480, 720),
        WeeklySlot(2, 480, 720),
        WeeklySlot(2, 720, 900),
    )
    assert parse_slots(format_slots(slots)) == slots
    assert parse_slots([[4, "7:30", "24:00"]]) == (WeeklySlot(4, 450, 1440),)
    assert parse_slots([]) == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("0,08:00,12:00", "must be a list"),
        ([[0, "08:00"]], "slot 0: expected [weekday, start, end]"),
        ([[7, "08:00", "12:00"]], "slot 0: weekday must be an integer 0 (Monday) to 6"),
        ([[True, "08:00", "12:00"]], "weekday must be an integer"),
        ([["1", "08:00", "12:00"]], "weekday must be an integer"),
        ([[0, "08:00", "12:00"], [1, 800, "12:00"]], "slot 1: start and end must be strings"),
        ([[0, "8h", "12:00"]], "slot 0: time '8h' is not in the form HH:MM"),
        ([[0, "08:60", "12:00"]], "is not a time of day"),
        ([[0, "24:00", "24:00"]], "may only end a slot"),
        ([[0, "12:00", "12:00"]], "slot 0: end 12:00 is not after start 12:00"),
        ([[0, "12:00", "08:00"]], "is not after start"),
        ([[0, "08:00", "12:00"], [0, "11:00", "15:00"]], "slots overlap on weekday 0"),
    ],
)
def test_parse_slots_rejects_bad_input(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_slots(data)


def test_touching_slots_of_one_contract_are_fine() -> None:
    assert len(parse_slots([[0, "08:00", "12:00"], [0, "12:00", "15:00"]])) == 2


def test_slot_and_schedule_validation() -> None:
    with pytest.raises(ValueError, match="start < end"):
        WeeklySlot(0, 600, 600)
    with pytest.raises(ValueError, match="weekday"):
        WeeklySlot(-1, 0, 10)
    with pytest.raises(ValueError, match="before valid_from"):
        sched("a", [], date(2025, 2, 1), date(2025, 1, 31))


# --- violations ----------------------------------------------------------------------------------


def five_mornings(n: int, **kwargs: object) -> list[CareSchedule]:
    return [sched(f"c{i}", [(0, "08:00", "12:00")], **kwargs) for i in range(n)]  # type: ignore[arg-type]


def test_six_overlapping_children_violate_merged_interval() -> None:
    schedules = five_mornings(5) + [sched("c5", [(0, "10:00", "14:00")])]
    found = capacity_violations(schedules, limit=5, period_start=MON, period_end=MON)
    assert len(found) == 1
    v = found[0]
    assert (v.day, v.start, v.end, v.count, v.excess) == (MON, hm("10:00"), hm("12:00"), 6, 1)
    assert v.contract_ids == ("c0", "c1", "c2", "c3", "c4", "c5")
    assert v.extra_ids == ()


def test_touching_intervals_do_not_overlap() -> None:
    schedules = five_mornings(5) + [sched("late", [(0, "12:00", "15:00")])]
    assert capacity_violations(schedules, limit=5, period_start=MON, period_end=MON) == []
    assert max_simultaneous(schedules, MON) == 5


def test_adjacent_intervals_with_same_set_merge_and_different_sets_split() -> None:
    # c0..c4 08-12 and c5 08-10 + c5 10-12 (touching slots of one contract) → one interval
    schedules = five_mornings(5) + [sched("c5", [(0, "08:00", "10:00"), (0, "10:00", "12:00")])]
    found = capacity_violations(schedules, limit=5, period_start=MON, period_end=MON)
    assert [(v.start, v.end) for v in found] == [(hm("08:00"), hm("12:00"))]
    # c5 08-10, c6 10-12: two intervals with different sets
    schedules = five_mornings(5) + [
        sched("c5", [(0, "08:00", "10:00")]),
        sched("c6", [(0, "10:00", "12:00")]),
    ]
    found = capacity_violations(schedules, limit=5, period_start=MON, period_end=MON)
    assert [(v.start, v.end, v.contract_ids[-1]) for v in found] == [
        (hm("08:00"), hm("10:00"), "c5"),
        (hm("10:00"), hm("12:00"), "c6"),
    ]


def test_weekday_patterns_repeat_over_weeks() -> None:
    schedules = five_mornings(5) + [sched("tue", [(1, "09:00", "10:00"), (0, "13:00", "14:00")])]
    found = capacity_violations(
        schedules, limit=5, period_start=MON, period_end=MON + timedelta(days=27)
    )
    assert found == []
    schedules.append(sched("mon", [(0, "09:00", "09:30")]))
    found = capacity_violations(
        schedules, limit=5, period_start=MON, period_end=MON + timedelta(days=27)
    )
    assert [v.day for v in found] == [MON + timedelta(days=7 * k) for k in range(4)]


def test_validity_boundaries_are_inclusive() -> None:
    extra = sched("x", [(0, "08:00", "09:00")], MON + timedelta(days=7), MON + timedelta(days=14))
    found = capacity_violations(
        [*five_mornings(5), extra],
        limit=5,
        period_start=MON,
        period_end=MON + timedelta(days=28),
    )
    assert [v.day for v in found] == [MON + timedelta(days=7), MON + timedelta(days=14)]


def test_period_clips_and_empty_period() -> None:
    schedules = [*five_mornings(6)]
    assert len(capacity_violations(schedules, limit=5, period_start=MON, period_end=MON)) == 1
    tuesday = MON + timedelta(days=1)
    assert capacity_violations(schedules, limit=5, period_start=tuesday, period_end=tuesday) == []
    assert capacity_violations(schedules, limit=5, period_start=tuesday, period_end=MON) == []


def test_own_children_count_and_are_listed_apart() -> None:
    own = own_child_schedule("o1", date(2015, 6, 1), (WeeklySlot(0, hm("11:00"), hm("18:00")),))
    found = capacity_violations(
        five_mornings(5), limit=5, period_start=MON, period_end=MON, extra_present=[own]
    )
    assert [(v.start, v.end, v.extra_ids, v.count) for v in found] == [
        (hm("11:00"), hm("12:00"), ("own:o1",), 6)
    ]
    assert free_places(five_mornings(4), 5, MON, extra_present=[own]) == 0
    assert free_places(five_mornings(4), 5, MON) == 1


def test_own_child_stops_counting_at_age_limit() -> None:
    slots = (WeeklySlot(0, 0, 1440),)
    own = own_child_schedule("o", date(2011, 3, 3), slots)  # 14 on 2025-03-03
    assert own.valid_to == date(2025, 3, 2)
    assert max_simultaneous([], MON, extra_present=[own]) == 0
    assert max_simultaneous([], MON - timedelta(days=7), extra_present=[own]) == 1
    younger = own_child_schedule("o", date(2011, 3, 3), slots, age_limit=15)
    assert max_simultaneous([], MON, extra_present=[younger]) == 1
    leap = own_child_schedule("p", date(2012, 2, 29), slots, age_limit=1)
    assert leap.valid_to == date(2013, 2, 28)
    too_old = own_child_schedule("q", date(2000, 1, 1), slots, valid_from=MON)
    assert max_simultaneous([], MON, extra_present=[too_old]) == 0


def test_same_child_in_two_contracts_counts_once() -> None:
    schedules = [
        *five_mornings(4),
        sched("a", [(0, "08:00", "12:00")], child="k"),
        sched("b", [(0, "10:00", "11:00")], child="k"),
    ]
    assert max_simultaneous(schedules, MON) == 5
    assert capacity_violations(schedules, limit=5, period_start=MON, period_end=MON) == []


def test_free_places_and_care_days() -> None:
    schedules = [*five_mornings(3), sched("wed", [(2, "08:00", "16:00")])]
    assert free_places(schedules, 5, MON) == 2
    assert free_places(schedules, 3, MON + timedelta(days=2)) == 2
    assert free_places(five_mornings(7), 5, MON) == 0  # never negative
    by_day = free_places_by_day(schedules, 5, [MON + timedelta(days=k) for k in range(3)])
    assert list(by_day.values()) == [2, 5, 4]
    days = care_days(
        sched("x", [(0, "08:00", "09:00"), (2, "08:00", "09:00")], MON, MON + timedelta(days=9)),
        MON - timedelta(days=3),
        MON + timedelta(days=20),
    )
    assert sorted(days) == [MON + timedelta(days=k) for k in (0, 2, 7, 9)]


def test_a_year_of_contracts_is_instant() -> None:
    schedules = [
        sched(
            f"c{i}",
            [(w, "07:30", "16:00") for w in range(5)],
            date(2025, 1, 1) + timedelta(days=30 * i),
            date(2025, 12, 31) - timedelta(days=20 * i),
        )
        for i in range(6)
    ]
    began = time.perf_counter()
    found = capacity_violations(
        schedules, limit=5, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)
    )
    assert time.perf_counter() - began < 0.5
    assert found  # the six overlap from June to October
    assert all(v.count == 6 for v in found)


# --- brute force ---------------------------------------------------------------------------------


def brute_force(
    schedules: list[CareSchedule], extra: list[CareSchedule], limit: int, start: date, end: date
) -> list[tuple[date, int, int, tuple[str, ...], tuple[str, ...], int]]:
    """Minute by minute, then merged the same way (same sets, touching)."""
    out: list[tuple[date, int, int, tuple[str, ...], tuple[str, ...], int]] = []
    day = start
    while day <= end:
        previous = None
        for minute in range(0, 1440):
            present = [
                (s, is_extra)
                for is_extra, group in ((False, schedules), (True, extra))
                for s in group
                if s.valid_on(day)
                and any(
                    sl.weekday == day.weekday() and sl.start <= minute < sl.end for sl in s.slots
                )
            ]
            contracts = tuple(sorted({s.contract_id for s, e in present if not e}))
            extras = tuple(sorted({s.contract_id for s, e in present if e}))
            count = len({s.child_id for s, _ in present})
            key = (contracts, extras) if count > limit else None
            if key is not None and key == previous and out and out[-1][2] == minute:
                d, a, _, c, x, n = out[-1]
                out[-1] = (d, a, minute + 1, c, x, n)
            elif key is not None:
                out.append((day, minute, minute + 1, contracts, extras, count))
            previous = key
        day += timedelta(days=1)
    return out


slot_strategy = st.builds(
    lambda w, a, length: WeeklySlot(w, a * 30, min(1440, a * 30 + length * 30)),
    st.integers(0, 2),
    st.integers(14, 34),
    st.integers(1, 8),
)


@st.composite
def schedule_sets(draw: st.DrawFn) -> tuple[list[CareSchedule], list[CareSchedule], int]:
    def one(index: int, prefix: str) -> CareSchedule:
        raw = draw(st.lists(slot_strategy, max_size=3))
        slots: list[WeeklySlot] = []
        for slot in sorted(raw):  # drop overlaps inside one schedule
            if not any(s.weekday == slot.weekday and slot.start < s.end for s in slots):
                slots.append(slot)
        offset = draw(st.integers(0, 10))
        length = draw(st.one_of(st.none(), st.integers(0, 10)))
        valid_from = MON + timedelta(days=offset - 3)
        child = draw(st.sampled_from([f"k{index}", f"k{index}", "shared"]))
        return CareSchedule(
            f"{prefix}{index}",
            child,
            valid_from,
            None if length is None else valid_from + timedelta(days=length),
            tuple(slots),
        )

    n = draw(st.integers(0, 6))
    main = [one(i, "c") for i in range(n)]
    extra = [one(i + 10, "own") for i in range(draw(st.integers(0, 2)))]
    return main, extra, draw(st.integers(0, 3))


@settings(max_examples=60, deadline=None)
@given(schedule_sets())
def test_sweep_matches_minute_grid(
    case: tuple[list[CareSchedule], list[CareSchedule], int],
) -> None:
    main, extra, limit = case
    start, end = MON, MON + timedelta(days=9)
    found = capacity_violations(
        main, limit=limit, period_start=start, period_end=end, extra_present=extra
    )
    got = [(v.day, v.start, v.end, v.contract_ids, v.extra_ids, v.count) for v in found]
    assert got == brute_force(main, extra, limit, start, end)
    for k in range(10):
        day = start + timedelta(days=k)
        counts = [c for *_, c in brute_force(main, extra, -1, day, day)]
        assert max_simultaneous(main, day, extra_present=extra) == max(counts, default=0)
