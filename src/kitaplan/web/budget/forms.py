"""Forms of the budget pages: a budget, the rule builder, a use report (amounts in euros)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, TypedDict, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.budget.stored import COUNTS, TIERS, WEIGHTS
from kitaplan.domain.indicators.facility_index import DEFAULT_MIN_CHILDREN, NeedBasis
from kitaplan.web.budget.models import AreaBudget
from kitaplan.web.budget.rules import (
    ALLOCATION_CHOICES,
    DIRECTION_CHOICES,
    NEED_BASIS_CHOICES,
    NEED_CLASSES,
)
from kitaplan.web.territory.models import IndicatorDefinition

#: Tiers by rank and weighted counts the builder offers (more: a new run with another rule).
TIER_ROWS = (1, 2, 3)
COUNT_ROWS = (1, 2, 3)


def indicator_choices(indicators: list[IndicatorDefinition], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((i.code, f"{i.name} ({i.code})") for i in indicators)]


class _EuroArgs(TypedDict):
    max_digits: int
    decimal_places: int
    min_value: Decimal


EURO: _EuroArgs = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}


def cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


class BudgetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    total_euros = forms.DecimalField(label=_("Total amount (EUR)"), **EURO)
    source = forms.CharField(label=_("Source of the money"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    need_indicator = forms.ChoiceField(
        label=_("Need level: indicator or index"),
        required=False,
        help_text=_(
            "The indicator (or stored index) of the territory whose latest value in a "
            "facility's area is its need level. Empty: the MSS status class and index."
        ),
    )
    higher_is_more_need = forms.ChoiceField(
        label=_("Direction"),
        choices=DIRECTION_CHOICES,
        initial="1",
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Empty: a higher value means more need."),
    )

    def __init__(
        self, *args: Any, indicators: list[IndicatorDefinition] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ChoiceField", self.fields["need_indicator"]).choices = indicator_choices(
            indicators or [], str(_("MSS status class and index"))
        )


class RuleForm(forms.Form):
    budget = forms.ModelChoiceField(label=_("Budget"), queryset=AreaBudget.objects.none())
    allocation = forms.ChoiceField(
        label=_("Allocation"),
        choices=ALLOCATION_CHOICES,
        initial=WEIGHTS,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Tiers by rank rank the facilities by the budget's need indicator. Weighted counts "
            "split the budget across the areas that have a value of every count below."
        ),
    )
    need_basis = forms.ChoiceField(
        label=_("Need level from"),
        choices=NEED_BASIS_CHOICES,
        initial=NeedBasis.OWN_AREA.value,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "The children's home areas: the mean MSS status index of the home areas of the "
            "children holding an accepted place at the facility (weighted by children) and the "
            "class of that mean. Below the least number of such children the facility's own area "
            "is used."
        ),
    )
    min_children = forms.IntegerField(
        label=_("Least number of children with a known home area"),
        initial=DEFAULT_MIN_CHILDREN,
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Only used with the children's home areas. Empty: 10."),
    )
    need_classes = forms.MultipleChoiceField(
        label=_("Eligible need classes"),
        choices=[(c, c) for c in NEED_CLASSES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "MSS status class of the facility's area: 1 high … 4 very low status. None ticked: every facility."
        ),
    )
    min_index = forms.DecimalField(
        label=_("Minimum status index"),
        required=False,
        max_digits=8,
        decimal_places=3,
        help_text=_(
            "Only facilities whose area has an MSS status index at least this high (higher means "
            "more need). Empty: no threshold. Facilities without an index value are then not "
            "eligible."
        ),
    )
    base_euros = forms.DecimalField(label=_("Base amount per facility (EUR)"), initial=0, **EURO)
    weight_1 = forms.DecimalField(
        label=_("Weight per child, class 1"),
        required=False,
        max_digits=6,
        decimal_places=3,
        min_value=0,
    )
    weight_2 = forms.DecimalField(
        label=_("Weight per child, class 2"),
        required=False,
        max_digits=6,
        decimal_places=3,
        min_value=0,
    )
    weight_3 = forms.DecimalField(
        label=_("Weight per child, class 3"),
        required=False,
        max_digits=6,
        decimal_places=3,
        min_value=0,
    )
    weight_4 = forms.DecimalField(
        label=_("Weight per child, class 4"),
        required=False,
        max_digits=6,
        decimal_places=3,
        min_value=0,
    )
    floor_euros = forms.DecimalField(label=_("Floor per facility (EUR)"), required=False, **EURO)
    cap_euros = forms.DecimalField(label=_("Cap per facility (EUR)"), required=False, **EURO)
    rounding = forms.ChoiceField(
        label=_("Rounding"),
        choices=[
            ("money", _("to money (unit below)")),
            ("staff", _("to shares of a staff position")),
        ],
        initial="money",
    )
    unit_euros = forms.DecimalField(
        label=_("Rounding unit (EUR)"), initial=1, required=False, **EURO
    )
    annual_cost_euros = forms.DecimalField(
        label=_("Annual cost of one staff position (EUR)"), required=False, **EURO
    )
    step = forms.ChoiceField(
        label=_("Step of a staff position"),
        choices=[("1/4", "0,25"), ("1/2", "0,5"), ("1/10", "0,1"), ("1", "1")],
        initial="1/4",
    )

    def __init__(
        self,
        *args: Any,
        budgets: QuerySet[AreaBudget] | None = None,
        indicators: list[IndicatorDefinition] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if budgets is not None:
            cast("forms.ModelChoiceField[AreaBudget]", self.fields["budget"]).queryset = budgets
        for n in TIER_ROWS:
            self.fields[f"tier{n}_count"] = forms.IntegerField(
                label=_("Tier %(n)s: number of facilities") % {"n": n},
                required=False,
                min_value=1,
                max_value=10_000,
            )
            self.fields[f"tier{n}_euros"] = forms.DecimalField(
                label=_("Tier %(n)s: amount per facility (EUR)") % {"n": n},
                required=False,
                **EURO,
            )
        choices = indicator_choices(indicators or [], "–")
        for n in COUNT_ROWS:
            self.fields[f"count{n}_indicator"] = forms.ChoiceField(
                label=_("Count %(n)s: indicator") % {"n": n}, choices=choices, required=False
            )
            self.fields[f"count{n}_percent"] = forms.DecimalField(
                label=_("Count %(n)s: weight (%%)") % {"n": n},
                required=False,
                max_digits=7,
                decimal_places=4,
                min_value=0,
                max_value=100,
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        allocation = data.get("allocation") or WEIGHTS
        if allocation == TIERS and not self.tiers():
            self.add_error("tier1_count", _("Give at least the first tier: number and amount."))
        if allocation == COUNTS:
            counts = self.counts()
            if not counts:
                self.add_error("count1_indicator", _("Give at least one count and its weight."))
            elif sum(Fraction(c["weight"]) for c in counts) != 1:
                self.add_error("count1_percent", _("The weights must add up to 100 %."))
            elif len({c["indicator"] for c in counts}) != len(counts):
                self.add_error("count2_indicator", _("Name each indicator once."))
        if data.get("rounding") == "staff" and not data.get("annual_cost_euros"):
            self.add_error("annual_cost_euros", _("Give the annual cost of a staff position."))
        if data.get("rounding") == "money" and not data.get("unit_euros"):
            self.add_error("unit_euros", _("Give a rounding unit above 0."))
        return data

    def tiers(self) -> list[dict[str, int]]:
        """The filled tiers in order (number of facilities and amount in cents)."""
        d = self.cleaned_data
        return [
            {"count": d[f"tier{n}_count"], "amount_cents": cents(d[f"tier{n}_euros"]) or 0}
            for n in TIER_ROWS
            if d.get(f"tier{n}_count") and d.get(f"tier{n}_euros") is not None
        ]

    def counts(self) -> list[dict[str, str]]:
        """The filled weighted counts (indicator code and exact weight as a fraction)."""
        d = self.cleaned_data
        return [
            {
                "indicator": d[f"count{n}_indicator"],
                "weight": str(Fraction(str(d[f"count{n}_percent"])) / 100),
            }
            for n in COUNT_ROWS
            if d.get(f"count{n}_indicator") and d.get(f"count{n}_percent") is not None
        ]

    def rule(self) -> dict[str, Any]:
        """The rule as stored JSON (see :mod:`kitaplan.domain.budget.stored`)."""
        d = self.cleaned_data
        weights = {
            c: str(Fraction(str(d[f"weight_{c}"])))
            for c in NEED_CLASSES
            if d.get(f"weight_{c}") is not None
        }
        if d["rounding"] == "staff":
            rounding: dict[str, Any] = {
                "mode": "staff",
                "annual_cost_cents": cents(d["annual_cost_euros"]),
                "step": d["step"],
            }
        else:
            rounding = {"mode": "money", "unit_cents": cents(d["unit_euros"])}
        return {
            "allocation": d.get("allocation") or WEIGHTS,
            "tiers": self.tiers(),
            "counts": self.counts(),
            "need_basis": d.get("need_basis") or NeedBasis.OWN_AREA.value,
            "min_children": d.get("min_children") or DEFAULT_MIN_CHILDREN,
            "need_classes": sorted(d["need_classes"]) or None,
            "min_index": float(d["min_index"]) if d.get("min_index") is not None else None,
            "base_cents": cents(d["base_euros"]) or 0,
            "class_weights": weights,
            "default_weight": "1",
            "floor_cents": cents(d.get("floor_euros")),
            "cap_cents": cents(d.get("cap_euros")),
            "rounding": rounding,
        }

    @staticmethod
    def initial_from(rule: dict[str, Any]) -> dict[str, Any]:
        def eur(value: int | None) -> Decimal | None:
            return None if value is None else Decimal(value) / 100

        rounding = rule.get("rounding") or {}
        initial: dict[str, Any] = {
            "allocation": rule.get("allocation") or WEIGHTS,
            "need_basis": rule.get("need_basis") or NeedBasis.OWN_AREA.value,
            "min_children": rule.get("min_children") or DEFAULT_MIN_CHILDREN,
            "need_classes": rule.get("need_classes") or [],
            "min_index": (
                Decimal(str(rule["min_index"])) if rule.get("min_index") is not None else None
            ),
            "base_euros": eur(rule.get("base_cents") or 0),
            "floor_euros": eur(rule.get("floor_cents")),
            "cap_euros": eur(rule.get("cap_cents")),
            "rounding": rounding.get("mode", "money"),
            "unit_euros": eur(rounding.get("unit_cents", 100)),
            "annual_cost_euros": eur(rounding.get("annual_cost_cents")),
            "step": rounding.get("step", "1/4"),
        }
        for c, w in (rule.get("class_weights") or {}).items():
            initial[f"weight_{c}"] = Decimal(float(Fraction(w))).quantize(Decimal("0.001"))
        for n, tier in enumerate(rule.get("tiers") or [], start=1):
            initial[f"tier{n}_count"] = tier["count"]
            initial[f"tier{n}_euros"] = eur(tier["amount_cents"])
        for n, count in enumerate(rule.get("counts") or [], start=1):
            initial[f"count{n}_indicator"] = count["indicator"]
            initial[f"count{n}_percent"] = Decimal(float(Fraction(count["weight"]) * 100))
        return initial


class UseReportForm(forms.Form):
    amount_spent_euros = forms.DecimalField(label=_("Amount spent (EUR)"), **EURO)
    purpose = forms.CharField(label=_("What was it spent on?"), widget=forms.Textarea)
    staff = forms.CharField(
        label=_("Which staff (positions, hours)?"), required=False, widget=forms.Textarea
    )
