"""Independent reference implementations for the allocation tests."""

from __future__ import annotations

import itertools

from kitaplan.domain.allocation import AllocationInstance, Child, Programme


def make(
    programmes: list[tuple[str, str, int, int, bool]],
    children: list[tuple[str, str, bool]],
    preferences: dict[str, list[str]],
    priorities: dict[tuple[str, str], int] | None = None,
) -> AllocationInstance:
    return AllocationInstance(
        programmes=tuple(Programme(*p) for p in programmes),
        children=tuple(Child(*c) for c in children),
        preferences={c: tuple(f) for c, f in preferences.items()},
        priorities=priorities or {},
    )


def brute_force_step(
    children: list[str],
    lists: dict[str, list[str]],
    capacity: dict[str, int],
    key: dict[tuple[str, str], tuple[int, int]],
) -> dict[str, str | None]:
    """Child-optimal stable matching by enumerating every matching (tiny markets only).

    Each child's best outcome over all stable matchings; asserts that one stable matching
    gives every child that best outcome (the lattice theorem).
    """
    options = [[*lists[c], None] for c in children]
    stable: list[dict[str, str | None]] = []
    for combo in itertools.product(*options):
        match = dict(zip(children, combo, strict=True))
        load: dict[str, list[str]] = {}
        for c, f in match.items():
            if f is not None:
                load.setdefault(f, []).append(c)
        if any(len(v) > capacity[f] for f, v in load.items()):
            continue
        blocked = False
        for c in children:
            for f in lists[c]:
                if f == match[c]:
                    break
                held = load.get(f, [])
                if len(held) < capacity[f] or any(key[(f, o)] > key[(f, c)] for o in held):
                    blocked = True
                    break
            if blocked:
                break
        if not blocked:
            stable.append(match)
    assert stable, "a stable matching always exists"

    def rank(c: str, f: str | None) -> int:
        return lists[c].index(f) if f is not None else len(lists[c])

    best = {c: min(stable, key=lambda m: rank(c, m[c]))[c] for c in children}
    assert best in stable
    return best
