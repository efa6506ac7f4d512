"""Area hierarchies (de: Gebietsgliederung): paths and roll-ups from the finest level upwards."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def ancestors_of(key: Key, parent_of: Mapping[Key, Key | None]) -> list[Key]:
    """The chain of ancestors of ``key``, nearest first. Raises on a cycle."""
    chain: list[Key] = []
    current = parent_of.get(key)
    while current is not None:
        if current in chain or current == key:
            raise ValueError(f"cycle in area hierarchy at {current!r}")
        chain.append(current)
        current = parent_of.get(current)
    return chain


def roll_up(values: Mapping[Key, float], parent_of: Mapping[Key, Key | None]) -> dict[Key, float]:
    """Sum every value into its area and all ancestors (areas without values get their children's sum).

    Values must be given at one level only (usually the finest); giving a value at a parent and
    at its children counts the children twice, as the caller asked.
    """
    totals: dict[Key, float] = dict.fromkeys(parent_of, 0.0)
    for key, value in values.items():
        totals[key] = totals.get(key, 0.0) + value
        for ancestor in ancestors_of(key, parent_of):
            totals[ancestor] = totals.get(ancestor, 0.0) + value
    return totals


def _within(path: str, member: str) -> bool:
    return bool(member) and (path == member or path.startswith(member + "/"))


def covered_by(paths: Mapping[Key, str], members: Iterable[str]) -> set[Key]:
    """The keys of ``paths`` (hierarchy paths ``top/…/self``) that are one of the ``members``'
    paths or lie below one (de: Gebiete eines Sozialraums auf einer Ebene)."""
    chosen = [m for m in members if m]
    return {key for key, path in paths.items() if any(_within(path, m) for m in chosen)}


def nested_pairs(paths: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs ``(outer, inner)`` of the paths where ``inner`` is ``outer`` or lies below it: a
    group holding both would count the inner area twice."""
    unique = sorted(set(p for p in paths if p))
    listed = [p for p in paths if p]
    pairs = [(a, b) for a in unique for b in unique if a != b and _within(b, a)]
    pairs += [(p, p) for p in unique if listed.count(p) > 1]
    return pairs
