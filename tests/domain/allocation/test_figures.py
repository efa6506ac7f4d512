"""Figures of a round (by home area and age group) and of a run, without a database."""

from __future__ import annotations

import pytest

from kitaplan.domain.allocation.figures import (
    ApplicationOutcome,
    round_figures,
    summarise_run,
)
from kitaplan.domain.territory.geometry import haversine_km


def outcome(area: str = "01", age: str = "u3", **kwargs) -> ApplicationOutcome:
    return ApplicationOutcome(area_code=area, area_name=f"Area {area}", age_group=age, **kwargs)


def test_each_application_counts_once_as_holding_left_or_unplaced():
    figures = round_figures(
        [
            outcome(offered=True, held_place="f:1", accepted=True, first_choice="f:1"),
            outcome(offered=True, held_place="f:2", first_choice="f:1"),
            outcome(offered=True),  # declined, holds nothing: left the round
            outcome(integration_need=True),  # never offered
            outcome(age="ue3", integration_need=True, offered=True, held_place="f:1"),
        ],
        has_offers=True,
    )
    u3, ue3 = figures.rows
    assert (u3.applications, u3.holding, u3.accepted, u3.left, u3.unplaced) == (4, 2, 1, 1, 1)
    assert (u3.first_choice, u3.first_choice_share) == (1, 0.5)
    assert (u3.integration_need, u3.integration_unplaced) == (1, 1)
    assert (ue3.applications, ue3.holding, ue3.first_choice, ue3.integration_unplaced) == (
        1,
        1,
        0,
        0,
    )
    total = figures.total
    assert (total.key, total.applications, total.holding, total.integration_need) == ("", 5, 3, 2)
    assert figures.has_offers


def test_rows_are_ordered_by_area_name_then_age_group():
    figures = round_figures(
        [outcome("02", "u3"), outcome("01", "ue3"), outcome("01", "u3")], has_offers=False
    )
    assert [(r.key, r.age_group) for r in figures.rows] == [
        ("01", "u3"),
        ("01", "ue3"),
        ("02", "u3"),
    ]
    assert figures.rows[0].first_choice_share is None
    assert figures.rows[0].median_distance is None


def test_the_distance_runs_from_home_or_else_from_the_area_centroid():
    place = {"place_lat": 51.05, "place_lon": 13.74}
    from_home = outcome(
        held_place="f:1", home_lat=51.0, home_lon=13.7, area_lat=50.0, area_lon=12.0, **place
    )
    from_area = outcome(held_place="f:1", area_lat=51.1, area_lon=13.8, **place)
    no_point = outcome(held_place="f:1", **place)
    not_held = outcome(offered=True, home_lat=51.0, home_lon=13.7, **place)
    assert from_home.distance_km() == pytest.approx(haversine_km(51.0, 13.7, 51.05, 13.74))
    assert from_area.distance_km() == pytest.approx(haversine_km(51.1, 13.8, 51.05, 13.74))
    assert no_point.distance_km() is None
    assert not_held.distance_km() is None
    row = round_figures([from_home, from_area, no_point], has_offers=True).rows[0]
    assert len(row.distances) == 2
    assert row.median_distance == pytest.approx(
        (from_home.distance_km() + from_area.distance_km()) / 2
    )


def test_a_run_summary_counts_first_choices_and_unplaced_children_with_integration_need():
    summary = summarise_run(
        {"c1": "A", "c2": "B", "c3": None, "c4": None},
        {"c1": ["A", "B"], "c2": ["A", "B"], "c3": ["A"], "c4": []},
        {"c2", "c3"},
    )
    assert (summary.children, summary.placed, summary.unplaced) == (4, 2, 2)
    assert (summary.first_choice, summary.need_unplaced) == (1, 1)
