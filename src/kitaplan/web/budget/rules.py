"""The planner's rule in words, and the labels of its choices.

The stored form and its reading into the domain's rule: :mod:`kitaplan.domain.budget.stored`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.budget.stored import COUNTS, TIERS, WEIGHTS, allocation_of
from kitaplan.domain.common.money import format_euros
from kitaplan.domain.indicators.facility_index import DEFAULT_MIN_CHILDREN, BasisUsed, NeedBasis

#: The MSS status classes (1 high status … 4 very low status = highest need).
NEED_CLASSES = ("1", "2", "3", "4")
#: Where the rule takes a facility's need level from (``rule["need_basis"]``).
NEED_BASIS_CHOICES = [
    (NeedBasis.OWN_AREA.value, gettext_lazy("the facility's area")),
    (
        NeedBasis.HOME_AREAS.value,
        gettext_lazy("the children's home areas (fallback: the facility's area)"),
    ),
]
#: What a facility's need level was taken from (``record["need_basis"]`` of a run's input).
BASIS_USED_LABELS = {
    BasisUsed.OWN_AREA.value: gettext_lazy("the facility's area"),
    BasisUsed.HOME_AREAS.value: gettext_lazy("the children's home areas"),
    BasisUsed.OWN_AREA_FALLBACK.value: gettext_lazy(
        "the facility's area (too few children with a known home area)"
    ),
    BasisUsed.NONE.value: gettext_lazy("none (no index value)"),
}


def basis_used_label(record: dict[str, Any]) -> str:
    """The basis of a run's facility record in words (records before the choice: own area)."""
    code = record.get("need_basis") or BasisUsed.OWN_AREA.value
    return str(BASIS_USED_LABELS.get(code, code))


def fraction_text(value: str | Fraction) -> str:
    """Exact fraction text as a short decimal ("3/2" -> "1,5")."""
    number = Fraction(value)
    if number.denominator == 1:
        return str(number.numerator)
    return f"{float(number):.4f}".rstrip("0").replace(".", ",")


#: How a rule allocates (``rule["allocation"]``).
ALLOCATION_CHOICES = [
    (WEIGHTS, gettext_lazy("to facilities: base amount and children weighted by need")),
    (TIERS, gettext_lazy("to facilities: tiers by rank (top N get A each, next M get B each)")),
    (COUNTS, gettext_lazy("to areas: weighted shares of given counts (e.g. Land to Jugendämter)")),
]
#: The need direction (``AreaBudget.higher_is_more_need`` as form values).
DIRECTION_CHOICES = [
    ("1", gettext_lazy("a higher value means more need")),
    ("0", gettext_lazy("a lower value means more need")),
]


def need_indicator_line(data: dict[str, Any], names: dict[str, str] | None = None) -> str:
    """Which indicator gives the need level and which way it points."""
    code = data.get("need_indicator") or ""
    if not code:
        return _("Need indicator: the MSS status class and index (higher index, more need).")
    direction = (
        _("a higher value means more need")
        if data.get("higher_is_more_need", True)
        else _("a lower value means more need")
    )
    return _("Need indicator: %(n)s (%(c)s), latest value in the facility's area; %(d)s.") % {
        "n": (names or {}).get(code, code),
        "c": code,
        "d": direction,
    }


def describe_tiers(data: dict[str, Any]) -> list[str]:
    lines = [_("Facilities ranked by need, the highest need first (equal values: by facility id).")]
    first = 1
    for n, tier in enumerate(data.get("tiers") or [], start=1):
        last = first + int(tier["count"]) - 1
        lines.append(
            _("Tier %(t)s: ranks %(a)s to %(b)s get %(e)s each.")
            % {"t": n, "a": first, "b": last, "e": format_euros(int(tier["amount_cents"]))}
        )
        first = last + 1
    lines.append(
        _("Facilities ranked after the last tier get nothing; what is left stays unallocated.")
    )
    return lines


def describe_counts(data: dict[str, Any], names: dict[str, str] | None = None) -> list[str]:
    parts = [
        _("%(p)s %% by the share of %(n)s")
        % {
            "p": fraction_text(Fraction(c["weight"]) * 100),
            "n": (names or {}).get(c["indicator"], c["indicator"]),
        }
        for c in data.get("counts") or []
    ]
    return [
        _("Split across the areas with a value of every count (each count's latest year): %(p)s.")
        % {"p": "; ".join(parts) or "–"},
        _(
            "Exact to the cent: every area gets its exact amount rounded down, and the cents "
            "left go one each to the largest remainders (largest-remainder method)."
        ),
    ]


def describe(data: dict[str, Any], names: dict[str, str] | None = None) -> list[str]:
    """The rule in words, one sentence per part (``names``: indicator code → name)."""
    allocation = allocation_of(data)
    if allocation == COUNTS:
        return describe_counts(data, names)
    lines: list[str] = [need_indicator_line(data, names)]
    lines += _chosen_need_lines(data) if data.get("need_indicator") else _need_lines(data)
    return lines + (describe_tiers(data) if allocation == TIERS else _amount_lines(data))


def _chosen_need_lines(data: dict[str, Any]) -> list[str]:
    """Eligibility with a chosen need indicator (the need class stays the MSS class)."""
    need = data.get("need_classes")
    lines = [
        _("Eligible: every facility.")
        if need is None
        else _("Eligible: facilities whose need class (MSS status class of their area) is %(c)s.")
        % {"c": ", ".join(sorted(need)) or "–"}
    ]
    if data.get("min_index") is not None:
        lines.append(
            (
                _("Eligible only with a need value of at least %(v)s.")
                if data.get("higher_is_more_need", True)
                else _("Eligible only with a need value of at most %(v)s.")
            )
            % {"v": data["min_index"]}
        )
    return lines


def _need_lines(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    home = data.get("need_basis") == NeedBasis.HOME_AREAS.value
    if home:
        lines.append(
            _(
                "Need level from the children's home areas: the mean MSS status index of the home "
                "areas of the children holding an accepted place at the facility, weighted by "
                "children, and the class of that mean, where at least %(n)s such children live in "
                "areas with an index value; otherwise the facility's area."
            )
            % {"n": data.get("min_children") or DEFAULT_MIN_CHILDREN}
        )
    else:
        lines.append(
            _(
                "Need level from the facility's area: the MSS status class and index of the "
                "planning area it lies in."
            )
        )
    need = data.get("need_classes")
    if need is None:
        lines.append(_("Eligible: every facility."))
    elif home:
        lines.append(
            _("Eligible: facilities whose need class is %(c)s.")
            % {"c": ", ".join(sorted(need)) or "–"}
        )
    else:
        lines.append(
            _("Eligible: facilities whose need class (MSS status class of their area) is %(c)s.")
            % {"c": ", ".join(sorted(need)) or "–"}
        )
    if data.get("min_index") is not None:
        lines.append(
            _("Eligible only with a status index of at least %(v)s.") % {"v": data["min_index"]}
        )
    return lines


def _amount_lines(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    lines.append(
        _("Base amount per eligible facility: %(a)s.")
        % {"a": format_euros(data.get("base_cents") or 0)}
    )
    weights = data.get("class_weights") or {}
    parts = [
        _("class %(c)s × %(w)s") % {"c": c, "w": fraction_text(w)}
        for c, w in sorted(weights.items())
    ]
    if data.get("default_weight") is not None:
        parts.append(_("other classes × %(w)s") % {"w": fraction_text(data["default_weight"])})
    lines.append(
        _(
            "The rest of the budget is split by children (places under 3 and from 3), weighted by need class: %(w)s."
        )
        % {"w": "; ".join(parts) or "–"}
    )
    if data.get("floor_cents") is not None:
        lines.append(
            _("At least %(a)s per eligible facility.") % {"a": format_euros(data["floor_cents"])}
        )
    if data.get("cap_cents") is not None:
        lines.append(
            _(
                "At most %(a)s per facility; what a capped facility cannot take goes to the others in proportion to their weight."
            )
            % {"a": format_euros(data["cap_cents"])}
        )
    rounding = data.get("rounding") or {"mode": "money", "unit_cents": 100}
    if rounding.get("mode") == "staff":
        lines.append(
            _(
                "Rounded to steps of %(s)s staff positions at %(c)s a year; what is left below one step stays unallocated."
            )
            % {
                "s": fraction_text(rounding.get("step", "1/4")),
                "c": format_euros(rounding["annual_cost_cents"]),
            }
        )
    else:
        lines.append(
            _(
                "Rounded to multiples of %(u)s by the largest remainders, so the shares add up to the budget exactly."
            )
            % {"u": format_euros(rounding.get("unit_cents", 100))}
        )
    return lines
