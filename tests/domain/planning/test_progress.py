import datetime as dt

from kitaplan.domain.planning.progress import (
    DELAYED,
    DONE,
    DROPPED,
    PLANNED,
    RUNNING,
    FieldFigures,
    MeasureState,
    StatusMove,
    changes,
    field_figures,
    is_overdue,
    status_counts,
)

ON = dt.date(2025, 7, 1)
MEASURES = [
    MeasureState(1, "A", RUNNING, dt.date(2025, 6, 30)),  # overdue
    MeasureState(2, "A", DONE, dt.date(2024, 12, 31)),  # closed: not overdue
    MeasureState(3, "A", DROPPED, dt.date(2024, 12, 31)),  # closed: not overdue
    MeasureState(4, "B", DELAYED, dt.date(2025, 7, 1)),  # ends today: not yet overdue
    MeasureState(5, "B", PLANNED, None),  # no end
]


def test_a_running_measure_past_its_end_is_overdue_a_done_or_dropped_one_is_not():
    assert is_overdue(end=dt.date(2025, 6, 30), status=RUNNING, on=ON)
    assert not is_overdue(end=dt.date(2025, 6, 30), status=DONE, on=ON)
    assert not is_overdue(end=dt.date(2025, 6, 30), status=DROPPED, on=ON)
    assert not is_overdue(end=ON, status=DELAYED, on=ON)
    assert not is_overdue(end=None, status=PLANNED, on=ON)


def test_every_status_is_counted_in_report_order():
    assert status_counts(MEASURES) == {
        "planned": 1,
        "running": 1,
        "done": 1,
        "delayed": 1,
        "dropped": 1,
    }
    assert status_counts([]) == dict.fromkeys(
        ("planned", "running", "done", "delayed", "dropped"), 0
    )


def test_a_field_counts_its_own_measures_and_the_overdue_ones():
    assert field_figures(MEASURES, field="A", on=ON) == FieldFigures(
        counts=(("planned", 0), ("running", 1), ("done", 1), ("delayed", 0), ("dropped", 1)),
        total=3,
        overdue=1,
    )
    assert field_figures(MEASURES, field="C", on=ON).total == 0


def test_since_the_last_report_a_new_status_or_a_recorded_change_counts():
    stated = {1: PLANNED, 2: DONE, 3: DROPPED, 4: DELAYED}  # 5 was not in the last report
    moves = changes(MEASURES, stated=stated, recorded={4})
    assert moves == [
        StatusMove(1, PLANNED, RUNNING),
        StatusMove(4, DELAYED, DELAYED),  # changed and changed back: recorded
        StatusMove(5, None, PLANNED),
    ]


def test_without_an_issued_report_the_changes_recorded_in_the_period_are_listed():
    assert changes(MEASURES, stated=None, recorded={2}) == [StatusMove(2, None, DONE)]
