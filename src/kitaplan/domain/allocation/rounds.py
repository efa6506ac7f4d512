"""Follow-up runs of a round and in-year allocation (de: Nachrückverfahren).

After the first run, some offers are declined or expire and places come free during the year.
A follow-up run reruns the same deferred acceptance on the remaining children with every held
place **guaranteed**: a child holding a place (offer accepted or still open) keeps it as the last
entry of its list, with the best priority there, and may only move up its list. Children who
left (declined, withdrew) are removed, so their places go to the next children in priority order.
This is the "current seat as last wish" rule of permuted-lottery deferred acceptance (Feigenbaum,
Kanoria, Lo, Sethuraman 2020; /work/shared/docs/notes/allocation.md §2.8): nobody loses a held
place, and the result is again stable for the children who take part.

The priority classes of the original instance are shifted by one so that class 0 is free for
the guarantee. Integration places that a child without integration need holds (released in an
earlier run) stay released: the programme's integration places are lowered so the regular
places cover every held regular place; otherwise a late child with integration need could take
the integration place back and push a holder out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from kitaplan.domain.allocation.model import AllocationInstance

GUARANTEED_CLASS = 0


def with_guarantees(
    instance: AllocationInstance,
    *,
    held: Mapping[str, str],
    leaving: Collection[str] = (),
) -> AllocationInstance:
    """The instance of a follow-up run.

    ``held`` maps a child to the facility whose place it holds; ``leaving`` are children who
    take no further part. A held child's list is cut after its held facility (the facility is
    appended when the list does not name it), and it gets :data:`GUARANTEED_CLASS` there.
    """
    gone = set(leaving)
    unknown_holds = gone & set(held)
    if unknown_holds:
        raise ValueError(f"a child both holds a place and leaves: {sorted(unknown_holds)[0]!r}")
    children = tuple(c for c in instance.children if c.child_id not in gone)
    default = instance.default_class
    preferences: dict[str, tuple[str, ...]] = {}
    priorities: dict[tuple[str, str], int] = {}
    for child in children:
        child_id = child.child_id
        wanted = tuple(instance.preferences.get(child_id, ()))
        place = held.get(child_id)
        if place is not None:
            wanted = wanted[: wanted.index(place) + 1] if place in wanted else (*wanted, place)
        preferences[child_id] = wanted
        for facility_id in wanted:
            if facility_id == place:
                priorities[(facility_id, child_id)] = GUARANTEED_CLASS
            else:
                cls = instance.priorities.get((facility_id, child_id), default)
                priorities[(facility_id, child_id)] = cls + 1
    held_regular: dict[tuple[str, str], int] = {}
    for child in children:
        place = held.get(child.child_id)
        if place is not None and not child.integration_need:
            key = (place, child.age_group)
            held_regular[key] = held_regular.get(key, 0) + 1
    programmes = tuple(
        replace(
            p,
            integration_places=max(
                0,
                min(
                    p.integration_places,
                    p.capacity - held_regular.get((p.facility_id, p.age_group), 0),
                ),
            ),
        )
        for p in instance.programmes
    )
    return AllocationInstance(
        programmes=programmes,
        children=children,
        preferences=preferences,
        priorities=priorities,
    )
