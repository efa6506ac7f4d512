"""The inclusion checklist of a territory (de: Kriterienkatalog inklusive Betreuung) and whether a
facility meets it.

Each active item of the facility's territory is evaluated on what is known of the facility
(:class:`FacilityFacts`):

* **feature**: every facility field the feature names is true (barrier-free: step-free entrance
  and accessible toilet);
* **staff qualification**: distinct staff members of the facility with a *completed* enrolment in
  a course of the item's programme ≥ the completions needed;
* **confirmation**: the latest confirmation of the item (by date, then entry) exists and confirms.

A facility meets the checklist when its territory has at least one active item and every active
item is met: an empty checklist is not "met by default".

Each result carries a reason code (:class:`Reason`) and its parameters; the caller words them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    FEATURE = "feature"
    STAFF_QUALIFICATION = "staff_qualification"
    CONFIRMATION = "confirmation"


class Reason(StrEnum):
    FEATURE_PRESENT = "feature_present"
    FEATURE_MISSING = "feature_missing"
    COMPLETIONS_ENOUGH = "completions_enough"
    COMPLETIONS_SHORT = "completions_short"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"
    NOT_CONFIRMED = "not_confirmed"


@dataclass(frozen=True, slots=True)
class Item:
    """An active checklist item. ``feature`` and ``fields`` for a feature (the facility fields
    that must all be true), ``programme_id``, ``programme`` (its name) and ``min_completions``
    for a staff qualification."""

    item_id: int
    kind: Kind
    feature: str = ""
    fields: tuple[str, ...] = ()
    programme_id: int | None = None
    programme: str = ""
    min_completions: int = 1


@dataclass(frozen=True, slots=True)
class Confirmation:
    """One confirmation (or withdrawal) of an item for a facility; ``entry`` orders rows of one
    day (the later entry wins)."""

    item_id: int
    confirmed: bool
    date: dt.date
    entry: int
    who: str


@dataclass(frozen=True, slots=True)
class FacilityFacts:
    """What the evaluation reads of one facility: its feature fields, the completions per
    programme id, and its confirmations (any order)."""

    facility_id: int
    features: Mapping[str, bool] = field(default_factory=dict)
    completions: Mapping[int, int] = field(default_factory=dict)
    confirmations: tuple[Confirmation, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemResult:
    item_id: int
    met: bool
    reason: Reason
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Evaluation:
    facility_id: int
    results: tuple[ItemResult, ...]

    @property
    def meets_all(self) -> bool:
        return bool(self.results) and all(r.met for r in self.results)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.results if r.met)


def latest_confirmations(rows: Iterable[Confirmation]) -> dict[int, Confirmation]:
    """The confirmation that counts per item id: the latest by date, then by entry."""
    latest: dict[int, Confirmation] = {}
    for row in rows:
        known = latest.get(row.item_id)
        if known is None or (row.date, row.entry) > (known.date, known.entry):
            latest[row.item_id] = row
    return latest


def evaluate_item(item: Item, facts: FacilityFacts) -> ItemResult:
    """One item's result for one facility (module docstring)."""
    return _evaluate(item, facts, latest_confirmations(facts.confirmations))


def _evaluate(item: Item, facts: FacilityFacts, latest: Mapping[int, Confirmation]) -> ItemResult:
    if item.kind is Kind.FEATURE:
        met = all(facts.features.get(name, False) for name in item.fields)
        reason = Reason.FEATURE_PRESENT if met else Reason.FEATURE_MISSING
        return ItemResult(item.item_id, met, reason, {"feature": item.feature})
    if item.kind is Kind.STAFF_QUALIFICATION:
        if item.programme_id is None:
            raise ValueError(f"staff qualification item {item.item_id} names no programme")
        count = facts.completions.get(item.programme_id, 0)
        met = count >= item.min_completions
        return ItemResult(
            item.item_id,
            met,
            Reason.COMPLETIONS_ENOUGH if met else Reason.COMPLETIONS_SHORT,
            {"count": count, "needed": item.min_completions, "programme": item.programme},
        )
    row = latest.get(item.item_id)
    if row is None:
        return ItemResult(item.item_id, False, Reason.NOT_CONFIRMED)
    return ItemResult(
        item.item_id,
        row.confirmed,
        Reason.CONFIRMED if row.confirmed else Reason.WITHDRAWN,
        {"date": row.date, "who": row.who},
    )


def evaluate(items: Iterable[Item], facts: FacilityFacts) -> Evaluation:
    """The facility's result for each of its territory's active items, in their order."""
    latest = latest_confirmations(facts.confirmations)
    return Evaluation(facts.facility_id, tuple(_evaluate(item, facts, latest) for item in items))
