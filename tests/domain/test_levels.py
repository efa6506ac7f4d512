"""Area levels of a territory: the level list of the CLI and which changes stored areas allow."""

from __future__ import annotations

import pytest

from kitaplan.domain.territory.levels import (
    LevelPlan,
    LevelProblem,
    LevelProblemCode,
    ProposedLevel,
    StoredLevel,
    parse_level_list,
    plan_levels,
)

STORED = [
    StoredLevel(id=1, code="bezirk", name="Bezirk", rank=1, in_use=True),
    StoredLevel(id=2, code="plr", name="Planungsraum", rank=2, in_use=True),
    StoredLevel(id=3, code="block", name="Block", rank=3, in_use=False),
]


def test_the_level_list_runs_coarse_to_fine_with_names_from_codes_or_given():
    assert parse_level_list("stadtbezirk, stadtteil,") == [
        ProposedLevel("stadtbezirk", "Stadtbezirk"),
        ProposedLevel("stadtteil", "Stadtteil"),
    ]
    assert parse_level_list("bezirk=Bezirk,plr=Planungsraum")[1] == ProposedLevel(
        "plr", "Planungsraum"
    )


def test_a_new_territory_gets_ranks_by_position():
    plan = plan_levels([], parse_level_list("stadtbezirk,stadtteil"))
    assert isinstance(plan, LevelPlan)
    assert [(lv.code, lv.rank) for lv in plan.levels] == [("stadtbezirk", 1), ("stadtteil", 2)]
    assert plan.removed == ()


@pytest.mark.parametrize(
    ("levels", "problem"),
    [
        ([], LevelProblem(LevelProblemCode.NO_LEVELS)),
        ([ProposedLevel("Stadt Teil", "x")], LevelProblem(LevelProblemCode.BAD_CODE, "Stadt Teil")),
        ([ProposedLevel("a", " ")], LevelProblem(LevelProblemCode.MISSING_NAME, "a")),
        (
            [ProposedLevel("a", "A"), ProposedLevel("a", "B")],
            LevelProblem(LevelProblemCode.DUPLICATE_CODE, "a"),
        ),
    ],
)
def test_bad_level_lists_are_refused(levels, problem):
    assert plan_levels([], levels) == [problem]


def test_used_levels_may_be_renamed_and_free_ones_moved_removed_or_added():
    proposed = [
        ProposedLevel("bezirk", "Stadtbezirk", id=1),  # renamed: allowed
        ProposedLevel("plr", "Planungsraum", id=2),
        ProposedLevel("haus", "Haus"),  # new, finest
    ]
    plan = plan_levels(STORED, proposed)
    assert isinstance(plan, LevelPlan)
    assert [(lv.id, lv.code, lv.name, lv.rank) for lv in plan.levels] == [
        (1, "bezirk", "Stadtbezirk", 1),
        (2, "plr", "Planungsraum", 2),
        (None, "haus", "Haus", 3),
    ]
    assert plan.removed == (3,)  # the unused "block"


def test_changes_that_would_break_stored_areas_are_refused():
    proposed = [
        ProposedLevel("plr", "Planungsraum", id=2),  # moved up
        ProposedLevel("bz", "Bezirk", id=1),  # code changed and moved
        ProposedLevel("block", "Block", id=3),
    ]
    assert plan_levels(STORED, proposed) == [
        LevelProblem(LevelProblemCode.USED_LEVEL_CODE_CHANGED, "bezirk"),
        LevelProblem(LevelProblemCode.USED_LEVEL_MOVED, "bezirk"),
        LevelProblem(LevelProblemCode.USED_LEVEL_MOVED, "plr"),
    ]
    assert plan_levels(STORED, [ProposedLevel("bezirk", "Bezirk", id=1)]) == [
        LevelProblem(LevelProblemCode.USED_LEVEL_REMOVED, "plr")
    ]
