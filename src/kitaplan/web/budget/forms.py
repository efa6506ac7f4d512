"""Forms of the budget pages: a budget, the rule builder, a use report (amounts in euros)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, TypedDict, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.indicators.facility_index import DEFAULT_MIN_CHILDREN, NeedBasis
from kitaplan.web.budget.models import AreaBudget
from kitaplan.web.budget.rules import NEED_BASIS_CHOICES, NEED_CLASSES


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


class RuleForm(forms.Form):
    budget = forms.ModelChoiceField(label=_("Budget"), queryset=AreaBudget.objects.none())
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
        self, *args: Any, budgets: QuerySet[AreaBudget] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if budgets is not None:
            cast("forms.ModelChoiceField[AreaBudget]", self.fields["budget"]).queryset = budgets

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("rounding") == "staff" and not data.get("annual_cost_euros"):
            self.add_error("annual_cost_euros", _("Give the annual cost of a staff position."))
        if data.get("rounding") == "money" and not data.get("unit_euros"):
            self.add_error("unit_euros", _("Give a rounding unit above 0."))
        return data

    def rule(self) -> dict[str, Any]:
        """The rule as stored JSON (see :mod:`kitaplan.web.budget.rules`)."""
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
        return initial


class UseReportForm(forms.Form):
    amount_spent_euros = forms.DecimalField(label=_("Amount spent (EUR)"), **EURO)
    purpose = forms.CharField(label=_("What was it spent on?"), widget=forms.Textarea)
    staff = forms.CharField(
        label=_("Which staff (positions, hours)?"), required=False, widget=forms.Textarea
    )
