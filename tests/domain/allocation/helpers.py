"""Independent reference implementations for the allocation tests."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

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


AGES = ["u3", "ue3"]


@st.composite
def instances(draw, *, max_children=12, max_facilities=5, integration=True, max_capacity=3):
    n_fac = draw(st.integers(1, max_facilities))
    facilities = [f"F{k}" for k in range(n_fac)]
    programmes = []
    for f in facilities:
        for age in AGES:
            if draw(st.booleans()):
                cap = draw(st.integers(0, max_capacity))
                reserved = draw(st.integers(0, cap)) if integration else 0
                programmes.append((f, age, cap, reserved, draw(st.booleans())))
    n = draw(st.integers(0, max_children))
    children = [
        (f"c{i}", draw(st.sampled_from(AGES)), integration and draw(st.booleans()))
        for i in range(n)
    ]
    preferences = {
        c: draw(st.permutations(facilities))[: draw(st.integers(0, n_fac))] for c, _, _ in children
    }
    priorities = {
        (f, c): draw(st.integers(0, 2))
        for c, _, _ in children
        for f in facilities
        if draw(st.integers(0, 2)) == 0
    }
    return make(programmes, children, preferences, priorities)
