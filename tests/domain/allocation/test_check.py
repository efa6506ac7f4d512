"""The independent check states broken rules as codes with parameters, never sentences."""

from __future__ import annotations

from dataclasses import replace

from kitaplan.domain.allocation import (
    CheckCode,
    CheckProblem,
    SeatType,
    allocate,
    check_problems,
    feasibility_problems,
)

from .helpers import make

REG, INT = SeatType.REGULAR, SeatType.INTEGRATION


def _instance():
    return make(
        [("A", "u3", 2, 1, False), ("B", "u3", 1, 0, False)],
        [("x", "u3", False), ("y", "u3", False), ("z", "u3", True)],
        {"x": ["A", "B"], "y": ["A", "B"], "z": ["A"]},
    )


def test_a_stable_allocation_has_no_problems():
    instance = _instance()
    result = allocate(instance, lottery={"x": 1, "y": 2, "z": 3})
    assert check_problems(instance, result) == []


def test_feasibility_problems_are_codes_with_parameters():
    instance = make(
        [("A", "u3", 1, 1, False), ("B", "u3", 1, 0, False)],
        [("x", "u3", False), ("y", "u3", False), ("z", "u3", True), ("w", "u3", True)],
        {"x": ["B"], "y": ["B"], "z": ["A"], "w": ["A"]},
    )
    result = allocate(instance, lottery={"x": 1, "y": 2, "z": 3, "w": 4})
    broken = replace(
        result,
        assignment={"x": "A", "y": "B", "z": "A", "w": "C"},
        seat_types={"x": REG, "y": INT, "z": INT, "w": INT},
    )
    assert feasibility_problems(instance, broken) == [
        CheckProblem.of(CheckCode.NOT_RANKED, child="x", facility="A"),
        CheckProblem.of(CheckCode.WRONG_SEAT_TYPE, child="y"),
        CheckProblem.of(CheckCode.NOT_RANKED, child="w", facility="C"),
        CheckProblem.of(CheckCode.NO_PLACES_FOR_AGE_GROUP, child="w", facility="C", age_group="u3"),
        CheckProblem.of(
            CheckCode.OVER_REGULAR_PLACES, facility="A", age_group="u3", admitted=1, places=0
        ),
    ]


def test_too_many_integration_places_and_released_places_count_as_regular():
    instance = make(
        [("A", "u3", 2, 1, True)],
        [("x", "u3", False), ("y", "u3", True), ("z", "u3", True)],
        {"x": ["A"], "y": ["A"], "z": ["A"]},
    )
    result = allocate(instance, lottery={"x": 1, "y": 2, "z": 3})
    broken = replace(
        result, assignment={"x": "A", "y": "A", "z": "A"}, seat_types={"x": REG, "y": INT, "z": INT}
    )
    # over the integration place, and with none of it left to release, over the regular one
    assert feasibility_problems(instance, broken) == [
        CheckProblem.of(
            CheckCode.OVER_INTEGRATION_PLACES, facility="A", age_group="u3", admitted=2, places=1
        ),
        CheckProblem.of(
            CheckCode.OVER_REGULAR_PLACES, facility="A", age_group="u3", admitted=1, places=0
        ),
    ]
    # the integration place released unused: two regular children fit
    two_regular = make(
        [("A", "u3", 2, 1, True)],
        [("x", "u3", False), ("y", "u3", False)],
        {"x": ["A"], "y": ["A"]},
    )
    both = allocate(two_regular, lottery={"x": 1, "y": 2})
    assert both.assignment == {"x": "A", "y": "A"}
    assert feasibility_problems(two_regular, both) == []


def test_blocking_pairs_and_broken_guarantees():
    instance = _instance()
    result = allocate(instance, lottery={"x": 1, "y": 2, "z": 3})
    assert result.assignment == {"x": "A", "y": "B", "z": "A"}
    # y left without a place although B had room; z lost the place it held
    broken = replace(result, assignment={"x": "A", "y": None, "z": None})
    assert check_problems(instance, broken, held={"z": "A", "x": "A"}) == [
        CheckProblem.of(CheckCode.BLOCKING_PAIR, child="y", facility="B"),
        CheckProblem.of(CheckCode.BLOCKING_PAIR, child="z", facility="A"),
        CheckProblem.of(CheckCode.GUARANTEE_BROKEN, child="z", facility="A"),
    ]


def test_a_problem_round_trips_through_json():
    problem = CheckProblem.of(
        CheckCode.OVER_REGULAR_PLACES, facility="A", age_group="u3", admitted=3, places=2
    )
    data = problem.to_json()
    assert data == {
        "code": "over_regular_places",
        "params": {"admitted": 3, "age_group": "u3", "facility": "A", "places": 2},
    }
    assert CheckProblem.from_json(data) == problem
    assert problem.arguments["admitted"] == 3
