"""A territory's area levels (de: Gebietsebenen): parsing a level list and checking a change.

The levels of a territory are ordered coarse to fine (rank 1 = top). Stored areas point at
their level and their parent of the level above, so a level that areas use keeps its code and
its rank; its display name may change. A level no area uses may be added, renamed, moved or
removed. :func:`plan_levels` checks a proposed list against the stored one and answers the
problems (codes, worded by the web layer and the CLI) or the ranks to store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class LevelProblemCode(StrEnum):
    NO_LEVELS = "no_levels"
    BAD_CODE = "bad_code"  # not a slug: lower-case letters, digits, "-" and "_"
    MISSING_NAME = "missing_name"
    DUPLICATE_CODE = "duplicate_code"
    USED_LEVEL_REMOVED = "used_level_removed"
    USED_LEVEL_CODE_CHANGED = "used_level_code_changed"
    USED_LEVEL_MOVED = "used_level_moved"


@dataclass(frozen=True)
class LevelProblem:
    code: LevelProblemCode
    level: str = ""  # the level's code (the stored one for a used level)


@dataclass(frozen=True)
class StoredLevel:
    id: int
    code: str
    name: str
    rank: int
    in_use: bool  # areas of this level are stored


@dataclass(frozen=True)
class ProposedLevel:
    """One level of the proposed list; ``id`` names the stored level it keeps (None: new)."""

    code: str
    name: str
    id: int | None = None


@dataclass(frozen=True)
class PlannedLevel:
    code: str
    name: str
    rank: int
    id: int | None = None


@dataclass(frozen=True)
class LevelPlan:
    levels: tuple[PlannedLevel, ...]  # in rank order
    removed: tuple[int, ...]  # ids of stored levels to delete (none of them in use)


def level_name_from_code(code: str) -> str:
    """A display name for a code given alone: ``stadtbezirk`` → ``Stadtbezirk``."""
    return code.replace("_", " ").replace("-", " ").strip().capitalize()


def parse_level_list(text: str) -> list[ProposedLevel]:
    """``stadtbezirk,stadtteil`` or ``bezirk=Bezirk,plr=Planungsraum`` (coarse to fine)."""
    levels = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        code, _sep, name = item.partition("=")
        code = code.strip()
        levels.append(ProposedLevel(code=code, name=name.strip() or level_name_from_code(code)))
    return levels


def plan_levels(
    stored: list[StoredLevel], proposed: list[ProposedLevel]
) -> LevelPlan | list[LevelProblem]:
    """The levels to store (rank = position in ``proposed``, 1 = top), or every problem."""
    problems: list[LevelProblem] = []
    if not proposed:
        return [LevelProblem(LevelProblemCode.NO_LEVELS)]
    seen: set[str] = set()
    for level in proposed:
        if not _SLUG.match(level.code):
            problems.append(LevelProblem(LevelProblemCode.BAD_CODE, level.code))
        if not level.name.strip():
            problems.append(LevelProblem(LevelProblemCode.MISSING_NAME, level.code))
        if level.code in seen:
            problems.append(LevelProblem(LevelProblemCode.DUPLICATE_CODE, level.code))
        seen.add(level.code)
    by_id = {level.id: level for level in stored}
    kept = {level.id: rank for rank, level in enumerate(proposed, start=1) if level.id is not None}
    for old in stored:
        if not old.in_use:
            continue
        if old.id not in kept:
            problems.append(LevelProblem(LevelProblemCode.USED_LEVEL_REMOVED, old.code))
            continue
        new = proposed[kept[old.id] - 1]
        if new.code != old.code:
            problems.append(LevelProblem(LevelProblemCode.USED_LEVEL_CODE_CHANGED, old.code))
        if kept[old.id] != old.rank:
            problems.append(LevelProblem(LevelProblemCode.USED_LEVEL_MOVED, old.code))
    unknown = [level.id for level in proposed if level.id is not None and level.id not in by_id]
    if unknown:
        raise ValueError(f"proposed levels name unknown stored levels: {unknown}")
    if problems:
        return problems
    planned = tuple(
        PlannedLevel(code=level.code, name=level.name.strip(), rank=rank, id=level.id)
        for rank, level in enumerate(proposed, start=1)
    )
    removed = tuple(old.id for old in stored if old.id not in kept)
    return LevelPlan(levels=planned, removed=removed)
