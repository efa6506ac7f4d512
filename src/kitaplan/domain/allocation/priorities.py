"""Priority classes from a round's published criteria (de: Vergabekriterien und Rangklassen).

The allocation office publishes an ordered list of criteria; a facility may add its own criteria
(e.g. children of its employees), which take effect where the list names
:attr:`Criterion.FACILITY_CRITERIA`. For every child and every facility on its list the criteria
give a tuple of small integers (smaller is better), compared lexicographically: the first
criterion decides, the next one only breaks its ties, and so on. The distinct tuples of a round,
sorted, are numbered 0, 1, 2, … : that number is the *priority class* the engine uses, so a class
always stands for one readable combination ("sibling in the Kita: yes, lives in the district:
no, …"). Ties inside a class are broken by the lottery.

Age at start counts in whole months (older first), waiting time in days since registration
(earlier first), so these two criteria split classes finely; put them last.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kitaplan.domain.common.vocabulary import AgeGroup


class Criterion(StrEnum):
    """The criteria a round may publish, in an order the office chooses."""

    INTEGRATION_NEED = "integration_need"
    SIBLING_AT_FACILITY = "sibling_at_facility"
    RESIDENCE_IN_MUNICIPALITY = "residence_in_municipality"
    RESIDENCE_IN_DISTRICT = "residence_in_district"
    SOCIAL_URGENCY = "social_urgency"
    FACILITY_CRITERIA = "facility_criteria"
    AGE_AT_START = "age_at_start"
    WAITING_TIME = "waiting_time"


@dataclass(frozen=True, slots=True)
class Applicant:
    """What the criteria read about one registered child.

    ``own_criteria`` maps a facility id to the positions (0 = first) of that facility's own
    criteria the child meets, as confirmed by the facility.
    """

    child_id: str
    birth_date: dt.date
    registered_on: dt.date
    integration_need: bool = False
    social_urgency: bool = False
    lives_in_municipality: bool = True
    home_district: str | None = None
    sibling_facilities: frozenset[str] = frozenset()
    own_criteria: Mapping[str, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FacilityFacts:
    """What the criteria read about one facility: its district and how many own criteria it has."""

    facility_id: str
    district: str | None = None
    own_criteria_count: int = 0


def months_between(start: dt.date, end: dt.date) -> int:
    """Completed months from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def age_group_at(birth_date: dt.date, start: dt.date) -> AgeGroup | None:
    """The age group of a child starting care on ``start``: under 3, 3 to 6, else ``None``.

    School entry is taken as the sixth birthday; a Land's cut-off date rule is not modelled.
    """
    months = months_between(birth_date, start)
    if months < 0:
        return None
    if months < 36:
        return AgeGroup.U3
    if months < 72:
        return AgeGroup.UE3
    return None


def criterion_value(
    criterion: Criterion,
    applicant: Applicant,
    facility: FacilityFacts,
    *,
    start: dt.date,
    reference: dt.date,
) -> int:
    """The applicant's value at ``facility`` for one criterion (smaller is better)."""
    if criterion is Criterion.INTEGRATION_NEED:
        return 0 if applicant.integration_need else 1
    if criterion is Criterion.SIBLING_AT_FACILITY:
        return 0 if facility.facility_id in applicant.sibling_facilities else 1
    if criterion is Criterion.RESIDENCE_IN_MUNICIPALITY:
        return 0 if applicant.lives_in_municipality else 1
    if criterion is Criterion.RESIDENCE_IN_DISTRICT:
        same = facility.district is not None and applicant.home_district == facility.district
        return 0 if same else 1
    if criterion is Criterion.SOCIAL_URGENCY:
        return 0 if applicant.social_urgency else 1
    if criterion is Criterion.FACILITY_CRITERIA:
        met = applicant.own_criteria.get(facility.facility_id, frozenset())
        return min(met, default=facility.own_criteria_count)
    if criterion is Criterion.AGE_AT_START:
        return -months_between(applicant.birth_date, start)
    if criterion is Criterion.WAITING_TIME:
        return (applicant.registered_on - reference).days
    raise ValueError(f"unknown criterion {criterion!r}")


@dataclass(frozen=True, slots=True)
class PriorityTable:
    """Priority classes per ``(facility_id, child_id)`` and what each class stands for.

    ``class_values[k]`` is the tuple of criterion values of class ``k`` in the order of
    ``criteria``.
    """

    criteria: tuple[Criterion, ...]
    classes: Mapping[tuple[str, str], int]
    class_values: tuple[tuple[int, ...], ...]

    def values_of(self, priority_class: int) -> dict[Criterion, int]:
        if not 0 <= priority_class < len(self.class_values):
            return {}
        return dict(zip(self.criteria, self.class_values[priority_class], strict=True))


def priority_classes(
    criteria: Sequence[Criterion],
    applicants: Sequence[Applicant],
    facilities: Mapping[str, FacilityFacts],
    preferences: Mapping[str, Sequence[str]],
    *,
    start: dt.date,
    reference: dt.date,
) -> PriorityTable:
    """Number the distinct criterion tuples of every listed ``(facility, child)`` pair.

    ``reference`` is the date waiting time counts from (e.g. the opening of the round); only its
    differences matter. A facility missing from ``facilities`` counts as having no district and no
    own criteria.
    """
    if len(set(criteria)) != len(criteria):
        raise ValueError("a criterion occurs twice")
    ordered = tuple(Criterion(c) for c in criteria)
    raw: dict[tuple[str, str], tuple[int, ...]] = {}
    for applicant in applicants:
        for facility_id in preferences.get(applicant.child_id, ()):
            facts = facilities.get(facility_id) or FacilityFacts(facility_id)
            raw[(facility_id, applicant.child_id)] = tuple(
                criterion_value(c, applicant, facts, start=start, reference=reference)
                for c in ordered
            )
    distinct = sorted(set(raw.values()))
    number = {values: k for k, values in enumerate(distinct)}
    return PriorityTable(
        criteria=ordered,
        classes={pair: number[values] for pair, values in raw.items()},
        class_values=tuple(distinct),
    )
