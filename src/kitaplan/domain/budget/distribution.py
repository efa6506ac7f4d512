"""Distribute a budget across facilities by transparent criteria (de: Sozialraumbudget).

A Jugendamt splits its Sozialraumbudget (RLP KiTaG § 25 Abs. 5; comparable: NRW plusKITA,
Hamburg Kita-Plus) across the Kitas in areas with special needs "nach transparenten Kriterien
(Indikatoren) und gerecht" (seed 004, IBEB Arbeitstagung 2021). The planner composes a
:class:`DistributionRule` from parts; :func:`distribute_budget` returns every facility's amount
together with the terms it is made of, so "why does this Kita get exactly this much" is
answerable term by term. Research and sources: ``docs/domain/budget.md``.

Money is integer cents; all intermediate arithmetic is exact (:class:`fractions.Fraction`), and
only step 5 rounds.

1. **Eligibility.** A facility is eligible when every condition of the rule holds (need class in
   the rule's set; index value at or above the threshold). Ineligible facilities are reported
   with a reason code and get nothing.
2. **Base amounts.** Every eligible facility gets the base amount (per need class, or the
   default), e.g. a flat 31,500 EUR per plusKITA.
3. **The remaining pot** (budget minus all base amounts) is split in proportion to weight:
   weighted children (children x the weight of the facility's need class) and/or points
   (sum over criteria of points per criterion x how often the facility meets it). With both,
   the points get the rule's ``share`` of the pot and the children the rest. This gives each
   facility its *unconstrained* variable amount ``v``.
4. **Floors and caps.** All facilities' variable amounts are scaled by one common factor
   ``mu`` (1 when no limit binds), then every amount is clamped into ``[floor, cap]``; ``mu`` is
   chosen so that the amounts add up to the budget exactly. This is the fixed point of the
   iterative rule "capped facilities' excess goes to the uncapped in proportion to their
   weights, and floors are topped up from the unbounded in proportion to their weights, until
   stable", computed exactly (piecewise-linear search over the points where a facility hits
   its floor or cap) instead of by repeated passes, which can oscillate when floors and caps
   both bind. Floors that the budget cannot fund, base amounts above the budget, and caps that
   leave money over are errors with a code (:class:`BudgetErrorCode`).
5. **Rounding** to a grid by the largest-remainder method (ties: the smaller facility key):
   *money mode* (whole euros, or steps such as 5,000 EUR) -- the shares add up *exactly* to
   the budget, which must lie on the grid; *staff-position mode* (e.g. 0.25 FTE of
   Kita-Sozialarbeit at 70,000 EUR a year) -- every facility gets whole steps, the number of
   steps is ``floor(budget / step cost)``, each facility gets the floor of its exact steps and
   the steps left over go to the largest remainders; the rest of the budget (less than one
   step) is reported as ``unallocated_cents``. Floors and caps must lie on the grid, so
   rounding never breaks them.
6. **Terms.** Each amount is the sum of its stored :class:`Term` records (base, children,
   points, redistribution, cap, floor, rounding); every term but the rounding term is rounded
   half up to the cent and the rounding term takes the difference, so the sum is exact.

Rounding caveat: the largest-remainder method is not population-monotone (Alabama-type
paradoxes), so raising one facility's weight never lowers its *exact* amount but may, rarely,
lower its rounded amount by one grid step.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from kitaplan.domain.common.rounding import split_by_largest_remainder

Number = int | Fraction


# --------------------------------------------------------------------------- codes


class IneligibilityCode(StrEnum):
    """Why a facility gets nothing (stable codes; the web layer words them)."""

    NEED_CLASS_NOT_ELIGIBLE = "need_class_not_eligible"
    NEED_CLASS_MISSING = "need_class_missing"
    INDEX_BELOW_THRESHOLD = "index_below_threshold"
    INDEX_MISSING = "index_missing"
    RANK_BELOW_TIERS = "rank_below_tiers"


class BudgetErrorCode(StrEnum):
    """Why a rule cannot distribute a budget (stable codes)."""

    NEGATIVE_VALUE = "negative_value"
    DUPLICATE_FACILITY = "duplicate_facility"
    INVALID_SHARE = "invalid_share"
    UNKNOWN_NEED_CLASS = "unknown_need_class"
    NO_ELIGIBLE_FACILITY = "no_eligible_facility"
    BASE_EXCEEDS_BUDGET = "base_exceeds_budget"
    FLOORS_EXCEED_BUDGET = "floors_exceed_budget"
    FLOOR_ABOVE_CAP = "floor_above_cap"
    CAPS_BELOW_BUDGET = "caps_below_budget"
    NO_WEIGHT_FOR_POT = "no_weight_for_pot"
    BUDGET_NOT_ON_GRID = "budget_not_on_grid"
    LIMIT_NOT_ON_GRID = "limit_not_on_grid"
    STEP_NOT_WHOLE_CENTS = "step_not_whole_cents"
    NO_TIERS = "no_tiers"


class BudgetRuleError(ValueError):
    """A rule that cannot distribute this budget; ``code`` says why, the rest says how much."""

    def __init__(
        self,
        code: BudgetErrorCode,
        *,
        facility_key: str = "",
        needed_cents: int | None = None,
        available_cents: int | None = None,
        detail: str = "",
    ) -> None:
        self.code = code
        self.facility_key = facility_key
        self.needed_cents = needed_cents
        self.available_cents = available_cents
        self.detail = detail
        parts = [code.value]
        if facility_key:
            parts.append(f"facility={facility_key}")
        if needed_cents is not None:
            parts.append(f"needed_cents={needed_cents}")
        if available_cents is not None:
            parts.append(f"available_cents={available_cents}")
        if detail:
            parts.append(detail)
        super().__init__(" ".join(parts))


class TermCode(StrEnum):
    """The parts a facility's amount is made of (stable codes)."""

    BASE = "base"
    CHILDREN = "children"
    POINTS = "points"
    REDISTRIBUTION = "redistribution"
    CAP = "cap"
    FLOOR = "floor"
    ROUNDING = "rounding"
    TIER = "tier"


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class EligibleFacility:
    """One facility as the rule sees it (a candidate; eligibility is decided by the rule).

    ``need_class`` is the facility's need level (e.g. the class of its social index, "1".."4");
    ``index_value`` its index score; ``criteria`` how often it meets each points criterion
    (1 for a yes/no criterion such as "familienzentrum", a count such as groups otherwise).
    """

    facility_key: str
    area_key: str
    children: int
    need_class: str | None = None
    index_value: float | None = None
    criteria: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Conditions that must all hold; ``None`` means "no condition".

    ``min_index`` is the threshold of the need value: at least this high when a higher value
    means more need (``higher_is_more_need``), at most this high otherwise."""

    need_classes: frozenset[str] | None = None
    min_index: float | None = None
    higher_is_more_need: bool = True


@dataclass(frozen=True, slots=True)
class BaseAmount:
    """A flat amount per eligible facility; ``by_class`` overrides ``default_cents``."""

    default_cents: int = 0
    by_class: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChildWeighting:
    """Amount per child weighted by need class; ``default_weight`` for classes not listed
    (``None``: an unlisted class is an error)."""

    class_weights: Mapping[str, Number] = field(default_factory=dict)
    default_weight: Number | None = 1


@dataclass(frozen=True, slots=True)
class PointsRule:
    """Points per criterion; the facilities' points split ``share`` of the remaining pot
    (the whole pot when the rule has no child weighting)."""

    points_per_criterion: Mapping[str, int]
    share: Number = 1


@dataclass(frozen=True, slots=True)
class MoneyRounding:
    """Round to multiples of ``unit_cents`` (100: whole euros; 1: cents; 500_000: 5,000 EUR)."""

    unit_cents: int = 100


@dataclass(frozen=True, slots=True)
class StaffPositionRounding:
    """Round to steps of a staff position (de: Stellenanteile), e.g. 0.25 FTE at 70,000 EUR."""

    annual_cost_cents: int
    step: Number = Fraction(1, 4)

    @property
    def unit_cents(self) -> int:
        unit = self.annual_cost_cents * Fraction(self.step)
        if unit.denominator != 1 or unit <= 0:
            raise BudgetRuleError(BudgetErrorCode.STEP_NOT_WHOLE_CENTS, detail=f"step={unit}")
        return int(unit)


@dataclass(frozen=True, slots=True)
class DistributionRule:
    """The planner's rule, composed from parts (see the module docstring for the steps)."""

    eligibility: Eligibility = field(default_factory=Eligibility)
    base: BaseAmount = field(default_factory=BaseAmount)
    children: ChildWeighting | None = field(default_factory=ChildWeighting)
    points: PointsRule | None = None
    floor_cents: int | None = None
    cap_cents: int | None = None
    rounding: MoneyRounding | StaffPositionRounding = field(default_factory=MoneyRounding)


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True, slots=True)
class Term:
    """One part of a facility's amount: code, the values it was computed from, cents.

    ``values`` are (name, value) pairs as exact strings (fractions as "7/3"); ``exact_cents``
    is the unrounded contribution (the rounding term's is the difference to the final amount).
    """

    code: TermCode
    cents: int
    exact_cents: Fraction
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class BudgetShare:
    facility_key: str
    area_key: str
    amount_cents: int
    terms: tuple[Term, ...]
    staff_positions: Fraction | None = None  # FTE, in staff-position mode only

    def term(self, code: TermCode) -> Term | None:
        return next((t for t in self.terms if t.code == code), None)


@dataclass(frozen=True, slots=True)
class IneligibleFacility:
    facility_key: str
    area_key: str
    reason: IneligibilityCode


@dataclass(frozen=True, slots=True)
class BudgetDistribution:
    """The result of one run: shares (by facility key), what was left, who was not eligible."""

    shares: tuple[BudgetShare, ...]
    total_cents: int
    unallocated_cents: int
    ineligible: tuple[IneligibleFacility, ...]
    factor: Fraction  # the common scale factor mu of step 4 (1 when no limit binds)

    def share_of(self, facility_key: str) -> BudgetShare | None:
        return next((s for s in self.shares if s.facility_key == facility_key), None)

    def amount_of(self, facility_key: str) -> int:
        share = self.share_of(facility_key)
        return share.amount_cents if share else 0


# --------------------------------------------------------------------------- engine


def _fmt(value: Fraction | int) -> str:
    return str(Fraction(value))


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _check_non_negative(name: str, value: Number | None, facility_key: str = "") -> None:
    if value is not None and value < 0:
        raise BudgetRuleError(
            BudgetErrorCode.NEGATIVE_VALUE, facility_key=facility_key, detail=f"{name}={value}"
        )


def ineligibility(f: EligibleFacility, rule: Eligibility) -> IneligibilityCode | None:
    """Why ``f`` fails ``rule`` (``None``: it is eligible)."""
    if rule.need_classes is not None:
        if f.need_class is None:
            return IneligibilityCode.NEED_CLASS_MISSING
        if f.need_class not in rule.need_classes:
            return IneligibilityCode.NEED_CLASS_NOT_ELIGIBLE
    if rule.min_index is not None:
        if f.index_value is None:
            return IneligibilityCode.INDEX_MISSING
        beyond = (
            f.index_value < rule.min_index
            if rule.higher_is_more_need
            else f.index_value > rule.min_index
        )
        if beyond:
            return IneligibilityCode.INDEX_BELOW_THRESHOLD
    return None


def _class_weight(f: EligibleFacility, weighting: ChildWeighting) -> Fraction:
    if f.need_class is not None and f.need_class in weighting.class_weights:
        weight = Fraction(weighting.class_weights[f.need_class])
    elif weighting.default_weight is not None:
        weight = Fraction(weighting.default_weight)
    else:
        raise BudgetRuleError(
            BudgetErrorCode.UNKNOWN_NEED_CLASS,
            facility_key=f.facility_key,
            detail=f"need_class={f.need_class}",
        )
    _check_non_negative("weight", weight, f.facility_key)
    return weight


def _points(f: EligibleFacility, rule: PointsRule) -> int:
    return sum(
        rule.points_per_criterion.get(criterion, 0) * count
        for criterion, count in sorted(f.criteria.items())
    )


def _base_cents(f: EligibleFacility, base: BaseAmount) -> int:
    if f.need_class is not None and f.need_class in base.by_class:
        return base.by_class[f.need_class]
    return base.default_cents


def _clamp(value: Fraction, low: int, high: int | None) -> Fraction:
    if high is not None and value > high:
        return Fraction(high)
    if value < low:
        return Fraction(low)
    return value


@dataclass(frozen=True, slots=True)
class _Item:
    base: int
    variable: Fraction  # v, the unconstrained variable amount
    floor: int
    cap: int | None

    def at(self, mu: Fraction) -> Fraction:
        return _clamp(self.base + mu * self.variable, self.floor, self.cap)


def _solve_factor(items: Sequence[_Item], budget: int) -> Fraction:
    """The factor mu >= 0 with sum(clamp(base + mu * v, floor, cap)) == budget (step 4)."""

    def total(mu: Fraction) -> Fraction:
        return sum((item.at(mu) for item in items), Fraction(0))

    one = Fraction(1)
    if total(one) == budget:
        return one
    zero = Fraction(0)
    at_zero = total(zero)
    if at_zero > budget:
        floors = sum(item.floor for item in items)
        if floors > budget:
            raise BudgetRuleError(
                BudgetErrorCode.FLOORS_EXCEED_BUDGET, needed_cents=floors, available_cents=budget
            )
        raise BudgetRuleError(
            BudgetErrorCode.BASE_EXCEEDS_BUDGET,
            needed_cents=math.ceil(at_zero),
            available_cents=budget,
        )
    # Points where some facility reaches its floor or its cap; between them total() is linear.
    breaks = {zero}
    for item in items:
        if item.variable > 0:
            for limit in (item.floor, item.cap):
                if limit is not None and limit > item.base:
                    breaks.add((limit - item.base) / item.variable)
    points = sorted(breaks)
    totals = [total(p) for p in points]  # non-decreasing
    k = bisect.bisect_left(totals, budget)
    if k < len(points) and totals[k] == budget:
        return points[k]
    if k == len(points):
        slope = sum(
            (it.variable for it in items if it.variable > 0 and it.cap is None), Fraction(0)
        )
        if slope == 0:
            has_weight = any(it.variable > 0 for it in items)
            raise BudgetRuleError(
                BudgetErrorCode.CAPS_BELOW_BUDGET
                if has_weight
                else BudgetErrorCode.NO_WEIGHT_FOR_POT,
                needed_cents=budget,
                available_cents=math.floor(totals[-1]),
            )
        return points[-1] + (budget - totals[-1]) / slope
    # totals[k-1] < budget < totals[k]: interpolate on the linear piece.
    p0, p1, t0, t1 = points[k - 1], points[k], totals[k - 1], totals[k]
    return p0 + (budget - t0) * (p1 - p0) / (t1 - t0)


def _to_integers(values: Sequence[Fraction]) -> list[int]:
    """Scale exact non-negative fractions to integers with the same proportions."""
    lcm = math.lcm(*(v.denominator for v in values)) if values else 1
    return [int(v * lcm) for v in values]


def _round_to_grid(
    exact: Sequence[Fraction], budget: int, unit: int, money_mode: bool
) -> tuple[list[int], int]:
    """Step 5: whole grid units per facility (input sorted by key) and the unallocated cents."""
    units_exact = [a / unit for a in exact]
    if money_mode:
        # The exact units add up to budget / unit, a whole number: the shared method is exact.
        units = split_by_largest_remainder(budget // unit, _to_integers(units_exact))
        return units, 0
    steps = budget // unit
    units = [math.floor(u) for u in units_exact]
    missing = steps - sum(units)
    order = sorted(range(len(units)), key=lambda i: (-(units_exact[i] - units[i]), i))
    for i in order[:missing]:
        units[i] += 1
    return units, budget - steps * unit


def _validate(
    total_cents: int, facilities: Sequence[EligibleFacility], rule: DistributionRule
) -> int:
    _check_non_negative("total_cents", total_cents)
    _check_non_negative("base.default_cents", rule.base.default_cents)
    for need_class, cents in rule.base.by_class.items():
        _check_non_negative(f"base.by_class[{need_class}]", cents)
    _check_non_negative("floor_cents", rule.floor_cents)
    _check_non_negative("cap_cents", rule.cap_cents)
    if rule.points is not None:
        share = Fraction(rule.points.share)
        if not 0 <= share <= 1:
            raise BudgetRuleError(BudgetErrorCode.INVALID_SHARE, detail=f"share={share}")
        for criterion, pts in rule.points.points_per_criterion.items():
            _check_non_negative(f"points[{criterion}]", pts)
    if rule.children is not None:
        _check_non_negative("default_weight", rule.children.default_weight)
        for need_class, weight in rule.children.class_weights.items():
            _check_non_negative(f"weight[{need_class}]", weight)
    seen: set[str] = set()
    for f in facilities:
        if f.facility_key in seen:
            raise BudgetRuleError(BudgetErrorCode.DUPLICATE_FACILITY, facility_key=f.facility_key)
        seen.add(f.facility_key)
        _check_non_negative("children", f.children, f.facility_key)
        for criterion, count in f.criteria.items():
            _check_non_negative(f"criteria[{criterion}]", count, f.facility_key)
    unit = rule.rounding.unit_cents
    if unit <= 0:
        raise BudgetRuleError(BudgetErrorCode.STEP_NOT_WHOLE_CENTS, detail=f"unit_cents={unit}")
    if isinstance(rule.rounding, MoneyRounding) and total_cents % unit:
        raise BudgetRuleError(
            BudgetErrorCode.BUDGET_NOT_ON_GRID, available_cents=total_cents, detail=f"unit={unit}"
        )
    for name, limit in (("floor_cents", rule.floor_cents), ("cap_cents", rule.cap_cents)):
        if limit is not None and limit % unit:
            raise BudgetRuleError(BudgetErrorCode.LIMIT_NOT_ON_GRID, detail=f"{name}={limit}")
    if (
        rule.floor_cents is not None
        and rule.cap_cents is not None
        and rule.floor_cents > rule.cap_cents
    ):
        raise BudgetRuleError(
            BudgetErrorCode.FLOOR_ABOVE_CAP,
            needed_cents=rule.floor_cents,
            available_cents=rule.cap_cents,
        )
    return unit


def distribute_budget(
    total_cents: int, facilities: Sequence[EligibleFacility], rule: DistributionRule
) -> BudgetDistribution:
    """Split ``total_cents`` across ``facilities`` by ``rule`` (de: Sozialraumbudget verteilen).

    In money mode the shares add up to ``total_cents`` exactly; every share is the sum of its
    terms. Raises :class:`BudgetRuleError` (with a code) when the rule cannot do that.
    """
    unit = _validate(total_cents, facilities, rule)
    ordered = sorted(facilities, key=lambda f: f.facility_key)

    # 1. Eligibility.
    eligible: list[EligibleFacility] = []
    ineligible: list[IneligibleFacility] = []
    for f in ordered:
        reason = ineligibility(f, rule.eligibility)
        if reason is None:
            eligible.append(f)
        else:
            ineligible.append(IneligibleFacility(f.facility_key, f.area_key, reason))
    if not eligible:
        if total_cents:
            raise BudgetRuleError(BudgetErrorCode.NO_ELIGIBLE_FACILITY, needed_cents=total_cents)
        return BudgetDistribution((), 0, 0, tuple(ineligible), Fraction(1))

    # 2. Base amounts.
    bases = [_base_cents(f, rule.base) for f in eligible]
    pot = Fraction(total_cents - sum(bases))

    # 3. The remaining pot, split by weighted children and/or points.
    points_pot = Fraction(0)
    if rule.points is not None:
        points_pot = pot * Fraction(rule.points.share) if rule.children is not None else pot
    children_pot = pot - points_pot if rule.children is not None else Fraction(0)
    if rule.children is None and rule.points is None and pot > 0:
        raise BudgetRuleError(BudgetErrorCode.NO_WEIGHT_FOR_POT, needed_cents=math.ceil(pot))

    weights = (
        [_class_weight(f, rule.children) for f in eligible] if rule.children is not None else []
    )
    weighted = [f.children * w for f, w in zip(eligible, weights, strict=False)]
    points = [_points(f, rule.points) for f in eligible] if rule.points is not None else []
    weighted_sum = sum(weighted, Fraction(0))
    points_sum = sum(points)
    per_weighted_child = Fraction(0)
    per_point = Fraction(0)
    if children_pot > 0:
        if weighted_sum == 0:
            raise BudgetRuleError(
                BudgetErrorCode.NO_WEIGHT_FOR_POT,
                needed_cents=math.ceil(children_pot),
                detail="pot=children",
            )
        per_weighted_child = children_pot / weighted_sum
    if points_pot > 0:
        if points_sum == 0:
            raise BudgetRuleError(
                BudgetErrorCode.NO_WEIGHT_FOR_POT,
                needed_cents=math.ceil(points_pot),
                detail="pot=points",
            )
        per_point = points_pot / points_sum

    children_exact = [w * per_weighted_child for w in weighted] or [Fraction(0)] * len(eligible)
    points_exact = [p * per_point for p in points] or [Fraction(0)] * len(eligible)

    # 4. Floors and caps: one common factor mu, then clamp (exact fixed point).
    items = [
        _Item(
            base=b,
            variable=c + p,
            floor=rule.floor_cents or 0,
            cap=rule.cap_cents,
        )
        for b, c, p in zip(bases, children_exact, points_exact, strict=True)
    ]
    mu = _solve_factor(items, total_cents)
    exact = [item.at(mu) for item in items]
    assert sum(exact) == total_cents

    # 5. Rounding to the grid.
    money_mode = isinstance(rule.rounding, MoneyRounding)
    units, unallocated = _round_to_grid(exact, total_cents, unit, money_mode)

    # 6. Terms.
    shares: list[BudgetShare] = []
    for i, f in enumerate(eligible):
        item = items[i]
        amount = units[i] * unit
        terms: list[Term] = [
            Term(
                TermCode.BASE,
                bases[i],
                Fraction(bases[i]),
                (("need_class", f.need_class or ""), ("base_cents", str(bases[i]))),
            )
        ]
        if rule.children is not None:
            terms.append(
                Term(
                    TermCode.CHILDREN,
                    _round_half_up(children_exact[i]),
                    children_exact[i],
                    (
                        ("children", str(f.children)),
                        ("need_class", f.need_class or ""),
                        ("weight", _fmt(weights[i])),
                        ("weighted_children", _fmt(weighted[i])),
                        ("cents_per_weighted_child", _fmt(per_weighted_child)),
                    ),
                )
            )
        if rule.points is not None:
            terms.append(
                Term(
                    TermCode.POINTS,
                    _round_half_up(points_exact[i]),
                    points_exact[i],
                    (
                        *((f"criterion:{c}", str(n)) for c, n in sorted(f.criteria.items())),
                        ("points", str(points[i])),
                        ("cents_per_point", _fmt(per_point)),
                    ),
                )
            )
        redistribution = (mu - 1) * item.variable
        if redistribution:
            terms.append(
                Term(
                    TermCode.REDISTRIBUTION,
                    _round_half_up(redistribution),
                    redistribution,
                    (("factor", _fmt(mu)), ("variable_cents", _fmt(item.variable))),
                )
            )
        scaled = item.base + mu * item.variable
        if exact[i] != scaled:
            limit_code = TermCode.CAP if exact[i] < scaled else TermCode.FLOOR
            limit_name = "cap_cents" if limit_code is TermCode.CAP else "floor_cents"
            terms.append(
                Term(
                    limit_code,
                    _round_half_up(exact[i] - scaled),
                    exact[i] - scaled,
                    ((limit_name, _fmt(exact[i])), ("before_limit_cents", _fmt(scaled))),
                )
            )
        rounding_values: list[tuple[str, str]] = [
            ("exact_cents", _fmt(exact[i])),
            ("unit_cents", str(unit)),
            ("units", str(units[i])),
        ]
        positions: Fraction | None = None
        if isinstance(rule.rounding, StaffPositionRounding):
            positions = units[i] * Fraction(rule.rounding.step)
            rounding_values.append(("staff_positions", _fmt(positions)))
        terms.append(
            Term(
                TermCode.ROUNDING,
                amount - sum(t.cents for t in terms),
                amount - exact[i],
                tuple(rounding_values),
            )
        )
        shares.append(BudgetShare(f.facility_key, f.area_key, amount, tuple(terms), positions))

    return BudgetDistribution(
        shares=tuple(shares),
        total_cents=total_cents,
        unallocated_cents=unallocated,
        ineligible=tuple(ineligible),
        factor=mu,
    )


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class FacilityChange:
    facility_key: str
    area_key: str
    before_cents: int
    after_cents: int

    @property
    def difference_cents(self) -> int:
        return self.after_cents - self.before_cents


@dataclass(frozen=True, slots=True)
class AreaChange:
    area_key: str
    before_cents: int
    after_cents: int
    facilities_gaining: int
    facilities_losing: int

    @property
    def difference_cents(self) -> int:
        return self.after_cents - self.before_cents


@dataclass(frozen=True, slots=True)
class DistributionComparison:
    """Two runs side by side: per facility and per area (district), sorted by key."""

    facilities: tuple[FacilityChange, ...]
    areas: tuple[AreaChange, ...]

    @property
    def gaining(self) -> tuple[FacilityChange, ...]:
        return tuple(c for c in self.facilities if c.difference_cents > 0)

    @property
    def losing(self) -> tuple[FacilityChange, ...]:
        return tuple(c for c in self.facilities if c.difference_cents < 0)


def _amounts(run: BudgetDistribution) -> dict[str, tuple[str, int]]:
    amounts = {i.facility_key: (i.area_key, 0) for i in run.ineligible}
    amounts.update({s.facility_key: (s.area_key, s.amount_cents) for s in run.shares})
    return amounts


def compare(a: BudgetDistribution, b: BudgetDistribution) -> DistributionComparison:
    """Who gains and who loses from run ``a`` to run ``b`` (difference = b - a).

    A facility missing from one run counts as 0 there; its area is taken from ``b`` if it
    appears there, else from ``a``.
    """
    before, after = _amounts(a), _amounts(b)
    changes = []
    for key in sorted(before.keys() | after.keys()):
        area = after[key][0] if key in after else before[key][0]
        changes.append(
            FacilityChange(key, area, before.get(key, ("", 0))[1], after.get(key, ("", 0))[1])
        )
    areas = []
    for area in sorted({c.area_key for c in changes}):
        in_area = [c for c in changes if c.area_key == area]
        areas.append(
            AreaChange(
                area,
                sum(c.before_cents for c in in_area),
                sum(c.after_cents for c in in_area),
                sum(1 for c in in_area if c.difference_cents > 0),
                sum(1 for c in in_area if c.difference_cents < 0),
            )
        )
    return DistributionComparison(tuple(changes), tuple(areas))
