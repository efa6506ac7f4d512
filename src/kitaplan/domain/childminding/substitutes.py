"""Substitute care when a childminder is absent (de: Vertretung, § 23 Abs. 4 S. 2 SGB VIII).

For every child affected by an absence, :func:`assign_substitutes` proposes one substitute who

* **knows the child**: at least ``min_contacts`` contact visits on distinct days within the
  ``contact_months`` calendar months before the absence starts (the start day itself excluded);
* holds a **valid permit** on every care day of the child within the absence;
* is **close by** (``max_distance_km``, when set);
* has a **free place on every care day** of the child within the absence, after all other
  children proposed to her that day (free places per day are an input; see
  :func:`kitaplan.domain.childminding.capacity.free_places_by_day`). A substitute who is absent
  herself has no free place on her absence days;
* and, for a colleague in a **group practice** (Großtagespflege), a free place of the whole
  practice on every such day: the children proposed to all members of the practice that day
  stay within the practice's free places (:class:`PracticeLimit`, the Land's limit for the
  practice less the children of its members present).

All absences passed together (a flu wave) are assigned at once by an exact integer program
(``scipy.optimize.milp`` with HiGHS): binary ``x[child, substitute]`` over the allowed pairs,
at most one substitute per child, per substitute and day the assigned children needing that
day ≤ free places, and per group practice and day the children assigned to its members ≤ the
practice's free places. The objective is lexicographic: first the number of covered children, then
the smallest total *preference cost* (distance + penalty for a secondary / other substitute +
penalty for a substitute of another model than the declared one, in km, resolved to 100 m),
then lower substitute ids. The weights make sure a cost saving can never cost a covered child.

The pair graph (children ↔ substitutes ↔ group practices) is split into connected components
(``scipy.sparse.csgraph.connected_components``); a component where no capacity can bind takes
each child's cheapest option; the other components are solved exactly, together in one HiGHS
call with one lexicographic term per component (or one call each). The number of covered
children equals that of one MILP over everything (:func:`max_covered_single_milp`, the reference).

A child stays with one substitute for all its days of the absence (no splitting of days).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from kitaplan.domain.common.calendar import months_before
from kitaplan.domain.common.periods import ValidityPeriod

Point = tuple[float, float]
"""Planar coordinates in km (e.g. EPSG:25833 metres / 1000)."""

ItemKey = tuple[str, str]
"""``(absence_id, child_id)``: one affected child of one absence."""


class SubstituteModel(StrEnum):
    """Substitute care models (de: Vertretungsmodelle)."""

    MOBILE = "mobile"  # de: mobile Springerin
    BASE = "base"  # de: Stützpunkt mit angestelltem Personal
    GROUP = "group"  # de: Vertretungsgruppe, 4+1-Team
    TANDEM = "tandem"  # de: Tandem / Trio
    KEPT_FREE_PLACE = "kept_free_place"  # de: Freihalteplatz
    GROUP_PRACTICE = "group_practice"  # de: Kollegin in der Großtagespflege
    FAMILY = "family"  # de: eigene Regelung der Familie


class SubstituteRole(StrEnum):
    """How the proposed substitute relates to the child's contract."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    OTHER = "other"  # knows the child, but is not named in the contract


class UncoveredReason(StrEnum):
    """Why no substitute was proposed; the first filter that left nobody."""

    NO_KNOWN_SUBSTITUTE = "no_known_substitute"
    NO_VALID_PERMIT = "no_valid_permit"
    TOO_FAR = "too_far"
    NO_CAPACITY = "no_capacity"


@dataclass(frozen=True, slots=True, eq=False)
class Substitute:
    """A person or base who can take children: childminder, mobile substitute, base staff.

    ``free_places`` maps a day to the places free that whole day (permit limit − own children
    present − children of her own contracts present); a day missing means 0. ``permits`` are the
    periods of valid permits (a renewal is a second period); a substitute who needs no permit
    (e.g. a base run under a Betriebserlaubnis) gets an open ``ValidityPeriod()``.
    """

    substitute_id: str
    model: SubstituteModel
    permits: tuple[ValidityPeriod, ...]
    free_places: Mapping[date, int]
    point: Point | None = None
    practice_id: str | None = None
    """The group practice (Großtagespflege) she works in; its :class:`PracticeLimit` must be
    passed too. ``None``: only her own ``free_places`` limit her."""

    def permit_valid_on(self, day: date) -> bool:
        return any(period.contains(day) for period in self.permits)


@dataclass(frozen=True, slots=True, eq=False)
class PracticeLimit:
    """The places of a group practice (Großtagespflege) free that whole day, for all members
    together: the Land's limit for the practice − the children of its members present (members
    absent that day do not bring their children) − children already confirmed to its members.
    A day missing means 0. Each member keeps her own ``free_places`` besides."""

    practice_id: str
    free_places: Mapping[date, int]


@dataclass(frozen=True, slots=True)
class ContactVisit:
    """The substitute met the child on ``day`` (de: Kennenlern-/Kontakttermin)."""

    substitute_id: str
    child_id: str
    day: date


@dataclass(frozen=True, slots=True)
class AffectedChild:
    """A child of the absent childminder and its care days within the absence.

    ``model`` is the substitute model declared for the contract; ``FAMILY`` means the family
    covers absences itself (nobody is proposed). ``point`` is where distance is measured from
    (family home or the absent childminder's place, the caller decides).
    """

    child_id: str
    contract_id: str
    days: frozenset[date]
    primary_substitute_id: str | None = None
    secondary_substitute_id: str | None = None
    model: SubstituteModel | None = None
    area_id: str | None = None
    point: Point | None = None


@dataclass(frozen=True, slots=True)
class Absence:
    """A childminder's absence ``start`` .. ``end`` (inclusive) and the children affected."""

    absence_id: str
    childminder_id: str
    start: date
    end: date
    children: tuple[AffectedChild, ...]

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"absence {self.absence_id}: end {self.end} before start {self.start}")
        seen: set[str] = set()
        for child in self.children:
            if child.child_id in seen:
                raise ValueError(f"absence {self.absence_id}: child {child.child_id} twice")
            seen.add(child.child_id)
            outside = [d for d in child.days if not self.start <= d <= self.end]
            if outside:
                raise ValueError(
                    f"absence {self.absence_id}: child {child.child_id} has care day "
                    f"{min(outside)} outside {self.start}..{self.end}"
                )

    @property
    def calendar_days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class SubstituteRules:
    """Configuration of the Jugendamt (penalties are km of extra distance accepted)."""

    min_contacts: int = 2
    contact_months: int = 6
    max_distance_km: float | None = None
    secondary_penalty_km: float = 2.0
    other_penalty_km: float = 5.0
    model_mismatch_penalty_km: float = 3.0
    unknown_distance_km: float = 10.0

    def __post_init__(self) -> None:
        if self.min_contacts < 0 or self.contact_months < 0:
            raise ValueError("min_contacts and contact_months must not be negative")
        penalties = (
            self.secondary_penalty_km,
            self.other_penalty_km,
            self.model_mismatch_penalty_km,
            self.unknown_distance_km,
        )
        if any(p < 0 or not math.isfinite(p) for p in penalties):
            raise ValueError("penalties and unknown_distance_km must be finite and >= 0")


@dataclass(frozen=True, slots=True)
class Option:
    """An allowed (child, substitute) pair: indices into :class:`Candidates`."""

    item: int
    substitute: int
    role: SubstituteRole
    distance_km: float | None
    preference: int  # distance + penalties in units of 100 m
    cost: int  # preference × spread + rank of the substitute id; smaller is better


@dataclass(frozen=True, slots=True)
class Item:
    """One affected child of one absence, with its care days (sorted)."""

    absence_id: str
    child_id: str
    contract_id: str
    days: tuple[date, ...]
    area_id: str | None

    @property
    def key(self) -> ItemKey:
        return (self.absence_id, self.child_id)


@dataclass(frozen=True, slots=True, eq=False)
class Candidates:
    """The allowed pairs of one wave, before capacity is shared out.

    ``items`` are sorted by (absence_id, child_id); ``options`` by (item, cost). ``capacity``
    holds the free places of (substitute index, day) for every day an option needs.
    ``excluded`` gives the reason for items without any option; ``own_arrangement`` the items
    whose family covers absences itself. ``practice_of`` gives, per substitute index, the index
    into ``practice_ids`` of her group practice (or None); ``practice_capacity`` the free places
    of (practice index, day) for every day an option of a member needs.
    """

    items: tuple[Item, ...]
    substitute_ids: tuple[str, ...]
    options: tuple[Option, ...]
    capacity: Mapping[tuple[int, date], int]
    excluded: Mapping[int, UncoveredReason]
    own_arrangement: tuple[Item, ...]
    practice_ids: tuple[str, ...] = ()
    practice_of: tuple[int | None, ...] = ()
    practice_capacity: Mapping[tuple[int, date], int] = field(default_factory=dict)

    def practice(self, substitute: int) -> int | None:
        """The practice index of a substitute index (None: not in a group practice)."""
        return self.practice_of[substitute] if self.practice_of else None


@dataclass(frozen=True, slots=True)
class Proposal:
    """Proposed substitute for one child of one absence (staff confirm it)."""

    absence_id: str
    child_id: str
    contract_id: str
    substitute_id: str
    role: SubstituteRole
    distance_km: float | None
    days: tuple[date, ...]
    area_id: str | None = None


@dataclass(frozen=True, slots=True)
class Uncovered:
    """A child for whom nobody could be proposed, and why."""

    absence_id: str
    child_id: str
    contract_id: str
    reason: UncoveredReason
    days: tuple[date, ...]
    area_id: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Assignment:
    """Result of one wave. ``alternatives`` lists, per (absence_id, child_id), every eligible
    substitute best first (each one alone would have a place; for staff who reject a proposal).
    ``components`` / ``milp_components``: pair-graph components, and those where capacity could
    bind (solved exactly by HiGHS). ``preference_km``: the minimised total of distances and
    penalties (resolved to 100 m).
    """

    proposals: tuple[Proposal, ...]
    uncovered: tuple[Uncovered, ...]
    own_arrangement: tuple[Item, ...]
    alternatives: Mapping[ItemKey, tuple[str, ...]]
    components: int = 0
    milp_components: int = 0
    preference_km: float = 0.0

    @property
    def covered(self) -> int:
        return len(self.proposals)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """Figures of one or more absences (days are child care days unless said otherwise).

    ``coverage_rate`` = covered / (child days − days the family covers itself); ``cost`` =
    covered days × one day rate (simple on purpose: no rates per model, standby or contact hours).
    """

    childminder_absence_days: int
    child_days: int
    own_arrangement_days: int
    covered_days: int
    uncovered_days: int
    coverage_rate: float | None
    uncovered_days_by_area: dict[str | None, int] = field(default_factory=dict)
    uncovered_days_by_reason: dict[UncoveredReason, int] = field(default_factory=dict)
    cost: Decimal = Decimal("0.00")


# --- candidates ----------------------------------------------------------------------------------


def knows_child(
    visit_days: Iterable[date], absence_start: date, *, min_contacts: int, months: int
) -> bool:
    """At least ``min_contacts`` distinct visit days in ``[start − months, start)``."""
    window_start = months_before(absence_start, months)
    inside = {d for d in visit_days if window_start <= d < absence_start}
    return len(inside) >= min_contacts


def _distance(a: Point | None, b: Point | None) -> float | None:
    if a is None or b is None:
        return None
    return math.hypot(a[0] - b[0], a[1] - b[1])


def build_candidates(
    absences: Iterable[Absence],
    substitutes: Iterable[Substitute],
    contacts: Iterable[ContactVisit],
    *,
    rules: SubstituteRules | None = None,
    practices: Iterable[PracticeLimit] = (),
) -> Candidates:
    """Filter the pairs (knows the child → permit → distance → a free place every day, her own
    and, in a group practice, the practice's)."""
    rules = rules or SubstituteRules()
    absence_list = sorted(absences, key=lambda a: a.absence_id)
    if len({a.absence_id for a in absence_list}) != len(absence_list):
        raise ValueError("an absence_id occurs more than once")
    pool = sorted(substitutes, key=lambda s: s.substitute_id)
    substitute_ids = tuple(s.substitute_id for s in pool)
    if len(set(substitute_ids)) != len(substitute_ids):
        raise ValueError("a substitute_id occurs more than once")
    index_of = {sid: i for i, sid in enumerate(substitute_ids)}
    practice_list = sorted(practices, key=lambda p: p.practice_id)
    practice_ids = tuple(p.practice_id for p in practice_list)
    if len(set(practice_ids)) != len(practice_ids):
        raise ValueError("a practice_id occurs more than once")
    practice_index = {pid: i for i, pid in enumerate(practice_ids)}
    unknown = sorted(
        {s.practice_id for s in pool if s.practice_id is not None} - set(practice_index)
    )
    if unknown:
        raise ValueError(f"practice {unknown[0]} of a substitute has no PracticeLimit")
    practice_of = tuple(
        None if s.practice_id is None else practice_index[s.practice_id] for s in pool
    )

    affected_ids = {c.child_id for a in absence_list for c in a.children}
    visits: dict[str, dict[str, set[date]]] = {}
    for visit in contacts:
        if visit.child_id in affected_ids:
            visits.setdefault(visit.child_id, {}).setdefault(visit.substitute_id, set()).add(
                visit.day
            )
    absent_days: dict[str, set[date]] = {}
    for absence in absence_list:
        days = absent_days.setdefault(absence.childminder_id, set())
        days.update(absence.start + timedelta(days=k) for k in range(absence.calendar_days))

    def free(substitute: int, day: date) -> int:
        if day in absent_days.get(substitute_ids[substitute], ()):
            return 0
        return max(0, pool[substitute].free_places.get(day, 0))

    def practice_free(practice: int, day: date) -> int:
        return max(0, practice_list[practice].free_places.get(day, 0))

    def has_place(substitute: int, day: date) -> bool:
        practice = practice_of[substitute]
        return free(substitute, day) >= 1 and (
            practice is None or practice_free(practice, day) >= 1
        )

    items: list[Item] = []
    own: list[Item] = []
    raw: list[list[tuple[float, int, SubstituteRole, float | None]]] = []
    excluded: dict[int, UncoveredReason] = {}
    capacity: dict[tuple[int, date], int] = {}
    practice_capacity: dict[tuple[int, date], int] = {}
    for absence in absence_list:
        for child in sorted(absence.children, key=lambda c: c.child_id):
            if not child.days:
                continue  # no care day within the absence: not affected
            item = Item(
                absence.absence_id,
                child.child_id,
                child.contract_id,
                tuple(sorted(child.days)),
                child.area_id,
            )
            if child.model is SubstituteModel.FAMILY:
                own.append(item)
                continue
            declared = {child.primary_substitute_id, child.secondary_substitute_id} - {None}
            known_visits = visits.get(child.child_id, {})
            named = set(known_visits) | (declared if rules.min_contacts == 0 else set())
            known = sorted(
                index_of[sid]
                for sid in named
                if sid in index_of
                and sid != absence.childminder_id
                and knows_child(
                    known_visits.get(sid, ()),
                    absence.start,
                    min_contacts=rules.min_contacts,
                    months=rules.contact_months,
                )
            )
            permitted = [s for s in known if all(pool[s].permit_valid_on(d) for d in item.days)]
            distances = {s: _distance(child.point, pool[s].point) for s in permitted}
            near = [
                s
                for s in permitted
                if rules.max_distance_km is None
                or (dist := distances[s]) is None
                or dist <= rules.max_distance_km
            ]
            placeable = [s for s in near if all(has_place(s, d) for d in item.days)]
            position = len(items)
            items.append(item)
            if not placeable:
                excluded[position] = (
                    UncoveredReason.NO_KNOWN_SUBSTITUTE
                    if not known
                    else UncoveredReason.NO_VALID_PERMIT
                    if not permitted
                    else UncoveredReason.TOO_FAR
                    if not near
                    else UncoveredReason.NO_CAPACITY
                )
            entries: list[tuple[float, int, SubstituteRole, float | None]] = []
            for s in placeable:
                sid = substitute_ids[s]
                role = (
                    SubstituteRole.PRIMARY
                    if sid == child.primary_substitute_id
                    else SubstituteRole.SECONDARY
                    if sid == child.secondary_substitute_id
                    else SubstituteRole.OTHER
                )
                dist = distances[s]
                km = rules.unknown_distance_km if dist is None else dist
                km += {
                    SubstituteRole.PRIMARY: 0.0,
                    SubstituteRole.SECONDARY: rules.secondary_penalty_km,
                    SubstituteRole.OTHER: rules.other_penalty_km,
                }[role]
                if child.model is not None and pool[s].model is not child.model:
                    km += rules.model_mismatch_penalty_km
                entries.append((km, s, role, dist))
                practice = practice_of[s]
                for d in item.days:
                    capacity[(s, d)] = free(s, d)
                    if practice is not None:
                        practice_capacity[(practice, d)] = practice_free(practice, d)
            raw.append(entries)

    # integer cost: 100 m resolution × spread + rank of the substitute id (ties → lower id)
    spread = max((len(entries) for entries in raw), default=0) + 1
    options: list[Option] = []
    for position, entries in enumerate(raw):
        ranked = sorted(entries, key=lambda e: e[1])  # substitute index order = id order
        made = [
            Option(position, s, role, dist, round(km * 10), round(km * 10) * spread + rank)
            for rank, (km, s, role, dist) in enumerate(ranked)
        ]
        options.extend(sorted(made, key=lambda o: o.cost))
    return Candidates(
        tuple(items),
        substitute_ids,
        tuple(options),
        capacity,
        excluded,
        tuple(own),
        practice_ids,
        practice_of,
        practice_capacity,
    )


# --- solving -------------------------------------------------------------------------------------


RowKey = tuple[int, int, date]
"""A capacity row: ``(0, substitute index, day)`` or ``(1, practice index, day)``."""


def _row_keys(option: Option, candidates: Candidates) -> list[RowKey]:
    """The capacity rows an option uses: its substitute's and her practice's, per care day."""
    practice = candidates.practice(option.substitute)
    keys: list[RowKey] = []
    for d in candidates.items[option.item].days:
        keys.append((0, option.substitute, d))
        if practice is not None:
            keys.append((1, practice, d))
    return keys


def _row_limit(key: RowKey, candidates: Candidates) -> int:
    kind, index, day = key
    if kind == 0:
        return candidates.capacity[(index, day)]
    return candidates.practice_capacity[(index, day)]


def _binding(options: Sequence[Option], candidates: Candidates) -> dict[RowKey, list[int]]:
    """Capacity rows (substitute or practice, day) that can run out, with the positions of the
    options using them."""
    load: dict[RowKey, list[int]] = {}
    for k, option in enumerate(options):
        for key in _row_keys(option, candidates):
            load.setdefault(key, []).append(k)
    return {key: ks for key, ks in load.items() if len(ks) > _row_limit(key, candidates)}


def _cheapest(options: Sequence[Option]) -> list[Option]:
    best: dict[int, Option] = {}
    for option in options:
        if option.item not in best or option.cost < best[option.item].cost:
            best[option.item] = option
    return list(best.values())


def _solve_milp(
    groups: Sequence[tuple[Sequence[Option], dict[RowKey, list[int]]]],
    candidates: Candidates,
) -> list[Option]:
    """One HiGHS call for independent components: the objective is a sum of one lexicographic
    term per component (weight = 1 + the component's sum of worst costs, so one more child in a
    component beats any cost saving there); components share no variable or row, so the sum is
    optimal exactly when every component is."""
    options: list[Option] = []
    weights: list[int] = []
    rows: list[int] = []
    cols: list[int] = []
    upper: list[float] = []
    costs: list[int] = []
    for group, binding in groups:
        base = len(options)
        local = {item: rank for rank, item in enumerate(sorted({o.item for o in group}))}
        item_rows: dict[int, int] = {}
        worst: dict[int, int] = {}
        for k, option in enumerate(group):
            if option.item not in item_rows:
                item_rows[option.item] = len(upper)
                upper.append(1.0)
            rows.append(item_rows[option.item])
            cols.append(base + k)
            # keeps the order of costs; among equal costs the child with the lower key wins
            cost = option.cost * len(local) + local[option.item]
            costs.append(cost)
            worst[option.item] = max(worst.get(option.item, 0), cost)
        for key in sorted(binding):
            row = len(upper)
            upper.append(float(_row_limit(key, candidates)))
            rows.extend([row] * len(binding[key]))
            cols.extend(base + k for k in binding[key])
        weight = sum(worst.values()) + 1
        options.extend(group)
        weights.extend([weight] * len(group))
    matrix = csr_matrix(
        coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(upper), len(options)))
    )
    objective = np.array(costs, dtype=float) - np.array(weights, dtype=float)
    result = milp(
        objective,
        constraints=LinearConstraint(matrix, -np.inf, np.array(upper)),
        integrality=np.ones(len(options)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if result.status != 0 or result.x is None:
        raise RuntimeError(f"substitute MILP not solved to optimality: {result.message}")
    return [option for option, value in zip(options, result.x, strict=True) if value > 0.5]


def solve_candidates(candidates: Candidates, *, batch: bool = True) -> Assignment:
    """The optimal assignment, solved per connected component of the pair graph.

    Components where no (substitute, day) can run out take each child's cheapest option; the
    others are solved exactly, all in one HiGHS call (``batch=True``, fewer calls) or one call per
    component (``batch=False``); both give the same optimum.
    """
    n_items, n_subs = len(candidates.items), len(candidates.substitute_ids)
    n_practices = len(candidates.practice_ids)
    options = candidates.options
    chosen: list[Option] = []
    hard: list[tuple[Sequence[Option], dict[RowKey, list[int]]]] = []
    n_components = 0
    if options:
        item_index = np.fromiter((o.item for o in options), dtype=np.int64, count=len(options))
        sub_index = np.fromiter((o.substitute for o in options), dtype=np.int64, count=len(options))
        # members of a group practice share its row: link each to the practice's node
        members = sorted(
            {o.substitute for o in options if candidates.practice(o.substitute) is not None}
        )
        member_index = np.array(members, dtype=np.int64)
        practice_index = np.array([candidates.practice(s) for s in members], dtype=np.int64)
        n_nodes = n_items + n_subs + n_practices
        graph = coo_matrix(
            (
                np.ones(len(options) + len(members)),
                (
                    np.concatenate([item_index, n_items + member_index]),
                    np.concatenate([n_items + sub_index, n_items + n_subs + practice_index]),
                ),
            ),
            shape=(n_nodes, n_nodes),
        )
        _, labels = connected_components(graph, directed=False)
        groups: dict[int, list[Option]] = {}
        for option in options:
            groups.setdefault(int(labels[option.item]), []).append(option)
        n_components = len(groups)
        for label in sorted(groups):
            group = groups[label]
            binding = _binding(group, candidates)
            if binding:
                hard.append((group, binding))
            else:
                chosen.extend(_cheapest(group))
    if hard and batch:
        chosen.extend(_solve_milp(hard, candidates))
    else:
        for group_and_rows in hard:
            chosen.extend(_solve_milp([group_and_rows], candidates))
    return _assemble(candidates, chosen, n_components, len(hard))


def _assemble(
    candidates: Candidates, chosen: Sequence[Option], n_components: int, n_milp: int
) -> Assignment:
    by_item = {option.item: option for option in chosen}
    proposals: list[Proposal] = []
    uncovered: list[Uncovered] = []
    alternatives: dict[ItemKey, list[str]] = {}
    for option in candidates.options:  # sorted by (item, cost)
        key = candidates.items[option.item].key
        alternatives.setdefault(key, []).append(candidates.substitute_ids[option.substitute])
    for position, item in enumerate(candidates.items):
        picked = by_item.get(position)
        if picked is not None:
            proposals.append(
                Proposal(
                    item.absence_id,
                    item.child_id,
                    item.contract_id,
                    candidates.substitute_ids[picked.substitute],
                    picked.role,
                    picked.distance_km,
                    item.days,
                    item.area_id,
                )
            )
        else:
            reason = candidates.excluded.get(position, UncoveredReason.NO_CAPACITY)
            uncovered.append(
                Uncovered(
                    item.absence_id,
                    item.child_id,
                    item.contract_id,
                    reason,
                    item.days,
                    item.area_id,
                )
            )
    return Assignment(
        tuple(proposals),
        tuple(uncovered),
        candidates.own_arrangement,
        {key: tuple(ids) for key, ids in alternatives.items()},
        n_components,
        n_milp,
        sum(option.preference for option in chosen) / 10,
    )


def assign_substitutes(
    absences: Iterable[Absence],
    substitutes: Iterable[Substitute],
    contacts: Iterable[ContactVisit],
    *,
    rules: SubstituteRules | None = None,
    practices: Iterable[PracticeLimit] = (),
) -> Assignment:
    """Propose substitutes for all children of all ``absences`` at once (optimal, deterministic).

    Already confirmed substitutions of earlier absences must be taken out of the substitutes'
    ``free_places`` (and of their practices' ``free_places``) by the caller.
    """
    return solve_candidates(
        build_candidates(absences, substitutes, contacts, rules=rules, practices=practices)
    )


def max_covered_single_milp(candidates: Candidates) -> int:
    """Reference: the most children coverable, from ONE integer program over the whole wave.

    Maximises only the number of covered children (no cost, no decomposition, every capacity row
    kept, the group practices' too); used by tests and the benchmark to check
    :func:`solve_candidates`.
    """
    options = candidates.options
    if not options:
        return 0
    n_items = len(candidates.items)
    rows: list[int] = []
    cols: list[int] = []
    upper: list[float] = [1.0] * n_items
    capacity_rows: dict[RowKey, int] = {}
    for k, option in enumerate(options):
        rows.append(option.item)
        cols.append(k)
        for key in _row_keys(option, candidates):
            if key not in capacity_rows:
                capacity_rows[key] = len(upper)
                upper.append(float(_row_limit(key, candidates)))
            rows.append(capacity_rows[key])
            cols.append(k)
    matrix = csr_matrix(
        coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(upper), len(options)))
    )
    result = milp(
        -np.ones(len(options)),
        constraints=LinearConstraint(matrix, -np.inf, np.array(upper)),
        integrality=np.ones(len(options)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if result.status != 0 or result.x is None:
        raise RuntimeError(f"reference MILP not solved to optimality: {result.message}")
    return int(round(float(np.sum(result.x > 0.5))))


# --- reporting -----------------------------------------------------------------------------------


def coverage_report(
    absences: Iterable[Absence],
    assignment: Assignment,
    *,
    day_rate: Decimal = Decimal("0"),
) -> CoverageReport:
    """Absence days, covered days, coverage rate, uncovered days by area and reason, cost.

    Pass an :class:`Assignment` built from confirmed substitutions to report what happened
    rather than what was proposed.
    """
    absence_list = list(absences)
    child_days = sum(len(c.days) for a in absence_list for c in a.children)
    own_days = sum(len(item.days) for item in assignment.own_arrangement)
    covered_days = sum(len(p.days) for p in assignment.proposals)
    by_area: dict[str | None, int] = {}
    by_reason: dict[UncoveredReason, int] = {}
    for miss in assignment.uncovered:
        by_area[miss.area_id] = by_area.get(miss.area_id, 0) + len(miss.days)
        by_reason[miss.reason] = by_reason.get(miss.reason, 0) + len(miss.days)
    owed = child_days - own_days
    return CoverageReport(
        childminder_absence_days=sum(a.calendar_days for a in absence_list),
        child_days=child_days,
        own_arrangement_days=own_days,
        covered_days=covered_days,
        uncovered_days=owed - covered_days,
        coverage_rate=covered_days / owed if owed else None,
        uncovered_days_by_area=dict(
            sorted(by_area.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        ),
        uncovered_days_by_reason=dict(sorted(by_reason.items())),
        cost=(day_rate * covered_days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    )
