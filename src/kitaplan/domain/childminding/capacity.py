"""Simultaneous children per time slot (de: gleichzeitig anwesende Kinder, § 43 Abs. 3 SGB VIII).

A childminder's permit allows at most ``limit`` children present at the same time (5 by federal
law, fewer when the permit says so, more in a Großtagespflege where Land law allows). Her own
children below a configured age who are present count too; the caller passes them as
``extra_present`` schedules (see :func:`own_child_schedule`).

Times are minutes since midnight; a :class:`WeeklySlot` is the half-open interval
``[start, end)`` on one weekday (0 = Monday … 6 = Sunday), so 08:00–12:00 and 12:00–15:00 touch
but do not overlap. Slots crossing midnight are not supported (store two slots).

Children are counted once per ``child_id`` even when two schedules of the same child are valid
on the same day (e.g. two contracts); contract ids are listed as given.

The checks sweep over interval endpoints: the dates between ``period_start`` and ``period_end``
are cut where the set of valid schedules changes, and within such a stretch each weekday's
pattern is computed once and repeated for every date with that weekday.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MINUTES_PER_DAY = 24 * 60

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class WeeklySlot:
    """Care on one weekday (0 = Monday … 6 = Sunday) from ``start`` to ``end`` minutes, half-open."""

    weekday: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday!r}")
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(
                f"need 0 <= start < end <= {MINUTES_PER_DAY} minutes, got {self.start}..{self.end}"
            )


@dataclass(frozen=True, slots=True)
class CareSchedule:
    """The weekly care times of one contract, valid ``valid_from`` .. ``valid_to`` inclusive."""

    contract_id: str
    child_id: str
    valid_from: date
    valid_to: date | None
    slots: tuple[WeeklySlot, ...]

    def __post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(
                f"contract {self.contract_id}: valid_to {self.valid_to} is before "
                f"valid_from {self.valid_from}"
            )

    def valid_on(self, day: date) -> bool:
        """True when the schedule applies on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Violation:
    """More than ``limit`` children present on ``day`` during ``[start, end)`` minutes.

    ``contract_ids`` are the contracts present, ``extra_ids`` the contract ids of the
    ``extra_present`` schedules (own children) present; ``count`` is the number of distinct
    children among them.
    """

    day: date
    start: int
    end: int
    contract_ids: tuple[str, ...]
    extra_ids: tuple[str, ...]
    count: int
    limit: int

    @property
    def excess(self) -> int:
        """Children above the limit."""
        return self.count - self.limit


# --- parsing -------------------------------------------------------------------------------------


def parse_time(text: str, *, allow_end_of_day: bool = False) -> int:
    """``"HH:MM"`` → minutes since midnight; ``"24:00"`` only with ``allow_end_of_day``."""
    match = _TIME.match(text)
    if match is None:
        raise ValueError(f"time {text!r} is not in the form HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"time {text!r} is not a time of day")
    if hours == 24 and not allow_end_of_day:
        raise ValueError(f"time {text!r} may only end a slot")
    return hours * 60 + minutes


def format_time(minutes: int) -> str:
    """Minutes since midnight → ``"HH:MM"`` (1440 → ``"24:00"``)."""
    if not 0 <= minutes <= MINUTES_PER_DAY:
        raise ValueError(f"{minutes} minutes is not a time of day")
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_slots(data: object) -> tuple[WeeklySlot, ...]:
    """Read slots stored as JSON ``[[weekday, "08:00", "15:00"], ...]``; sorted, no overlaps.

    Raises ``ValueError`` naming the first bad slot (0-based position) and what is wrong.
    Touching slots on the same weekday are allowed, overlapping ones are not.
    """
    if not isinstance(data, list | tuple):
        raise ValueError(
            f"slots must be a list of [weekday, start, end], got {type(data).__name__}"
        )
    slots: list[WeeklySlot] = []
    for position, entry in enumerate(data):
        where = f"slot {position}"
        if not isinstance(entry, list | tuple) or len(entry) != 3:
            raise ValueError(f"{where}: expected [weekday, start, end], got {entry!r}")
        weekday, start_text, end_text = entry
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(
                f"{where}: weekday must be an integer 0 (Monday) to 6, got {weekday!r}"
            )
        if not isinstance(start_text, str) or not isinstance(end_text, str):
            raise ValueError(f"{where}: start and end must be strings HH:MM")
        try:
            start = parse_time(start_text)
            end = parse_time(end_text, allow_end_of_day=True)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
        if end <= start:
            raise ValueError(f"{where}: end {end_text} is not after start {start_text}")
        slots.append(WeeklySlot(weekday, start, end))
    slots.sort()
    for before, after in zip(slots, slots[1:], strict=False):
        if before.weekday == after.weekday and after.start < before.end:
            raise ValueError(
                f"slots overlap on weekday {before.weekday}: "
                f"{format_time(before.start)}-{format_time(before.end)} and "
                f"{format_time(after.start)}-{format_time(after.end)}"
            )
    return tuple(slots)


def format_slots(slots: Iterable[WeeklySlot]) -> list[list[int | str]]:
    """The JSON form read by :func:`parse_slots`."""
    return [[s.weekday, format_time(s.start), format_time(s.end)] for s in sorted(slots)]


def own_child_schedule(
    child_id: str,
    birth_date: date,
    slots: tuple[WeeklySlot, ...],
    *,
    age_limit: int = 14,
    valid_from: date | None = None,
) -> CareSchedule:
    """A schedule for the childminder's own child, counted until the day before ``age_limit``.

    The contract id is ``"own:<child_id>"``. A birthday on 29 February turns to 1 March in
    common years.
    """
    year = birth_date.year + age_limit
    try:
        birthday = birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        birthday = date(year, 3, 1)
    start = valid_from if valid_from is not None else birth_date
    end = birthday - timedelta(days=1)
    if end < start:  # already too old: counted on no day
        return CareSchedule(f"own:{child_id}", child_id, start, start, ())
    return CareSchedule(f"own:{child_id}", child_id, start, end, slots)


# --- sweep ---------------------------------------------------------------------------------------

# (start, end, contract_id, child_id, is_extra)
_Entry = tuple[int, int, str, str, bool]
# (start, end, contract ids, extra ids, children count)
_Segment = tuple[int, int, tuple[str, ...], tuple[str, ...], int]


def _sweep(entries: Sequence[_Entry]) -> list[_Segment]:
    """Elementary intervals of one day with who is present, merged where the set is the same."""
    events: dict[int, list[tuple[int, int]]] = {}
    for index, (start, end, _contract, _child, _extra) in enumerate(entries):
        events.setdefault(start, []).append((1, index))
        events.setdefault(end, []).append((-1, index))
    times = sorted(events)
    active: dict[int, int] = {}
    segments: list[_Segment] = []
    for position, time in enumerate(times[:-1]):
        for delta, index in events[time]:
            active[index] = active.get(index, 0) + delta
            if active[index] == 0:
                del active[index]
        if not active:
            continue
        present = [entries[i] for i in active]
        contracts = tuple(sorted({e[2] for e in present if not e[4]}))
        extras = tuple(sorted({e[2] for e in present if e[4]}))
        count = len({e[3] for e in present})
        following = times[position + 1]
        if (
            segments
            and segments[-1][1] == time
            and segments[-1][2] == contracts
            and segments[-1][3] == extras
        ):
            last = segments[-1]
            segments[-1] = (last[0], following, contracts, extras, count)
        else:
            segments.append((time, following, contracts, extras, count))
    return segments


def _entries(
    schedules: Iterable[CareSchedule], extra: Iterable[CareSchedule], day: date
) -> list[_Entry]:
    weekday = day.weekday()
    entries: list[_Entry] = []
    for is_extra, group in ((False, schedules), (True, extra)):
        for schedule in group:
            if schedule.valid_on(day):
                entries.extend(
                    (s.start, s.end, schedule.contract_id, schedule.child_id, is_extra)
                    for s in schedule.slots
                    if s.weekday == weekday
                )
    return entries


def max_simultaneous(
    schedules: Iterable[CareSchedule], day: date, *, extra_present: Iterable[CareSchedule] = ()
) -> int:
    """The largest number of distinct children present at the same time on ``day``."""
    segments = _sweep(_entries(schedules, extra_present, day))
    return max((segment[4] for segment in segments), default=0)


def free_places(
    schedules: Iterable[CareSchedule],
    limit: int,
    day: date,
    *,
    extra_present: Iterable[CareSchedule] = (),
) -> int:
    """Free places on a reference ``day``: ``limit`` − the day's peak of simultaneous children.

    Simplification: a place counts as free only when it is free the whole day, so a place that
    is taken in the morning and empty in the afternoon is not free. Pick a working day as the
    reference day (on a Sunday usually nobody is present and all places look free). Never
    negative.
    """
    return max(0, limit - max_simultaneous(schedules, day, extra_present=extra_present))


def free_places_by_day(
    schedules: Iterable[CareSchedule],
    limit: int,
    days: Iterable[date],
    *,
    extra_present: Iterable[CareSchedule] = (),
) -> dict[date, int]:
    """:func:`free_places` for each of ``days`` (the same whole-day simplification)."""
    schedules, extra = tuple(schedules), tuple(extra_present)
    return {day: free_places(schedules, limit, day, extra_present=extra) for day in days}


def care_days(schedule: CareSchedule, start: date, end: date) -> frozenset[date]:
    """The days in ``start`` .. ``end`` (inclusive) on which the schedule has care."""
    weekdays = {s.weekday for s in schedule.slots}
    first = max(start, schedule.valid_from)
    last = end if schedule.valid_to is None else min(end, schedule.valid_to)
    days: set[date] = set()
    for weekday in weekdays:
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        while day <= last:
            days.add(day)
            day += timedelta(days=7)
    return frozenset(days)


def capacity_violations(
    schedules: Iterable[CareSchedule],
    *,
    limit: int,
    period_start: date,
    period_end: date,
    extra_present: Iterable[CareSchedule] = (),
) -> list[Violation]:
    """Every day and interval in ``period_start`` .. ``period_end`` with more than ``limit`` children.

    Adjacent intervals with the same children present are merged; the list is sorted by day and
    start. The period is inclusive.
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    if period_end < period_start:
        return []
    main, extra = tuple(schedules), tuple(extra_present)
    after_end = period_end + timedelta(days=1)
    cuts = {period_start, after_end}
    for schedule in main + extra:
        for cut in (
            schedule.valid_from,
            None if schedule.valid_to is None else schedule.valid_to + timedelta(days=1),
        ):
            if cut is not None and period_start < cut < after_end:
                cuts.add(cut)
    boundaries = sorted(cuts)
    patterns: dict[tuple[frozenset[int], int], list[_Segment]] = {}
    found: list[Violation] = []
    for stretch_start, stretch_end in zip(boundaries, boundaries[1:], strict=False):
        valid_main = [s for s in main if s.valid_on(stretch_start)]
        valid_extra = [s for s in extra if s.valid_on(stretch_start)]
        valid_ids = frozenset(i for i, s in enumerate(main + extra) if s.valid_on(stretch_start))
        for offset in range(min(7, (stretch_end - stretch_start).days)):
            first = stretch_start + timedelta(days=offset)
            key = (valid_ids, first.weekday())
            if key not in patterns:
                patterns[key] = [
                    segment
                    for segment in _sweep(_entries(valid_main, valid_extra, first))
                    if segment[4] > limit
                ]
            pattern = patterns[key]
            if not pattern:
                continue
            day = first
            while day < stretch_end:
                found.extend(
                    Violation(day, start, end, contracts, extras, count, limit)
                    for start, end, contracts, extras, count in pattern
                )
                day += timedelta(days=7)
    found.sort(key=lambda v: (v.day, v.start))
    return found
