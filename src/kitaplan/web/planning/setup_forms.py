"""Forms of the planning set-up pages: care-rate sets (percent per age) and target rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.planning.targets import valid_in
from kitaplan.web.childminding.forms import set_model_choices
from kitaplan.web.planning.forms import CareRatesForm
from kitaplan.web.planning.models import CareRateSet, TargetRule
from kitaplan.web.territory.models import AreaLevel, Territory

AGES = range(6)


def _percent(share: float) -> Decimal:
    return (Decimal(str(share)) * 100).quantize(Decimal("0.1"))


class CareRateSetForm(CareRatesForm):
    """A set's rates in percent; stored as shares (0–1) by :meth:`values`."""

    name = forms.CharField(
        label=_("Name of the set"),
        max_length=100,
        required=False,
        help_text=_("Tells several sets of one year apart, e.g. adopted or draft."),
    )
    active = forms.BooleanField(
        label=_("This set applies (active)"),
        required=False,
        initial=True,
        help_text=_("The other sets of its year and area class are deactivated."),
    )
    field_order = ["valid_from_year", "name"]

    def __init__(
        self,
        *args: Any,
        territory: Territory,
        rate_set: CareRateSet | None = None,
        **kwargs: Any,
    ) -> None:
        if rate_set is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(rate_set)
        super().__init__(*args, territory=territory, **kwargs)
        self.territory, self.rate_set = territory, rate_set

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or "valid_from_year" not in data:
            return data
        clash = CareRateSet.objects.filter(
            territory=self.territory,
            valid_from_year=data["valid_from_year"],
            name=data.get("name", ""),
            class_indicator=data.get("class_indicator"),
            class_value=data.get("class_value"),
        )
        if self.rate_set is not None:
            clash = clash.exclude(pk=self.rate_set.pk)
        if clash.exists():
            self.add_error("name", _("A set of this year, area class and name already exists."))
        return data

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "valid_from_year": d["valid_from_year"],
            "name": d.get("name", ""),
            "rates": {str(age): float(d[f"rate_{age}"] / 100) for age in AGES},
            "integration_rate": float(d["integration_rate"] / 100),
            "source": d.get("source", ""),
            "class_indicator": d.get("class_indicator"),
            "class_value": d.get("class_value"),
        }


def initial_of(rate_set: CareRateSet) -> dict[str, Any]:
    rates = rate_set.to_rates()
    initial: dict[str, Any] = {f"rate_{age}": _percent(rates.rate(age)) for age in AGES}
    initial.update(
        valid_from_year=rate_set.valid_from_year,
        name=rate_set.name,
        integration_rate=_percent(rate_set.integration_rate),
        source=rate_set.source,
        class_indicator=rate_set.class_indicator,
        class_value=rate_set.class_value,
        active=rate_set.active,
    )
    return initial


class CopyCareRateSetForm(forms.Form):
    valid_from_year = forms.IntegerField(label=_("Valid from year"), min_value=1990, max_value=2100)
    name = forms.CharField(label=_("Name of the set"), max_length=100, required=False)

    def __init__(self, *args: Any, rate_set: CareRateSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate_set = rate_set

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "valid_from_year" in data and (
            CareRateSet.objects.filter(
                territory_id=self.rate_set.territory_id,
                valid_from_year=data["valid_from_year"],
                name=data.get("name", ""),
                class_indicator_id=self.rate_set.class_indicator_id,
                class_value=self.rate_set.class_value,
            ).exists()
        ):
            self.add_error("name", _("A set of this year, area class and name already exists."))
        return data


class TargetRuleForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("e.g. 1.7"))
    name = forms.CharField(label=_("Target"), max_length=255)
    metric = forms.ChoiceField(label=_("Measure"), choices=TargetRule.METRIC_CHOICES)
    level: forms.ModelChoiceField[AreaLevel] = forms.ModelChoiceField(
        label=_("Level"), queryset=AreaLevel.objects.none(), empty_label=None
    )
    comparison = forms.ChoiceField(label=_("Comparison"), choices=TargetRule.COMPARISON_CHOICES)
    threshold = forms.FloatField(
        label=_("Threshold"),
        help_text=_("In the measure's unit: a count, or a share (0.3 = 30 %)."),
    )
    tolerance = forms.FloatField(
        label=_("Tolerance (amber)"),
        min_value=0,
        initial=0,
        help_text=_("A value missing the threshold by no more than this is amber, not red."),
    )
    valid_from_year = forms.IntegerField(
        label=_("Valid from year"), min_value=1900, max_value=2100, required=False
    )
    valid_to_year = forms.IntegerField(
        label=_("Valid until year"), min_value=1900, max_value=2100, required=False
    )
    source = forms.CharField(label=_("Source"), max_length=255, required=False)

    def __init__(
        self, *args: Any, territory: Territory, rule: TargetRule | None = None, **kwargs: Any
    ) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(rule, name) for name in self.base_fields if name != "level"
            } | {"level": rule.level}
        super().__init__(*args, **kwargs)
        self.territory, self.rule = territory, rule
        set_model_choices(self, "level", territory.levels.order_by("rank"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("valid_from_year"), data.get("valid_to_year")
        if first is not None and last is not None and not valid_in(last, first, None):
            self.add_error("valid_to_year", _("The last year must not be before the first."))
        if "code" in data:
            clash = TargetRule.objects.filter(territory=self.territory, code=data["code"])
            if self.rule is not None:
                clash = clash.exclude(pk=self.rule.pk)
            if clash.exists():
                self.add_error("code", _("A target with this code already exists."))
        return data

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {name: d.get(name) for name in self.base_fields} | {"source": d.get("source", "")}
