from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kitaplan.web.childminding.forms import set_model_choices
from kitaplan.web.territory.forms import TerritoryChoiceField
from kitaplan.web.territory.models import AreaLevel, IndicatorDefinition, Territory

#: Figures the balance map can colour areas by (key → label).
MAP_FIGURES = {
    "u3:balance": _("Balance under 3 (places − demand)"),
    "ue3:balance": _("Balance 3 to under 6 (places − demand)"),
    "u3:demand_met": _("Share of demand under 3 met"),
    "ue3:demand_met": _("Share of demand 3 to under 6 met"),
    "u3:coverage": _("Coverage under 3 (places per child)"),
    "ue3:coverage": _("Coverage 3 to under 6 (places per child)"),
    "integration:balance": _("Integration balance"),
}


class BalanceFilterForm(forms.Form):
    territory = TerritoryChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    level = forms.ModelChoiceField(
        label=_("Level"),
        queryset=AreaLevel.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("top level"),
    )
    year = forms.TypedChoiceField(label=_("Population year"), coerce=int, required=False)
    show = forms.ChoiceField(
        label=_("Map shows"), required=False, choices=list(MAP_FIGURES.items())
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        territory: Territory | None = None,
        years: list[int] | None = None,
        forecast_years: list[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if territory is not None:
            set_model_choices(self, "level", territory.levels.order_by("rank"))
        choices = [(y, str(y)) for y in years or []]
        choices += [(y, _("%(year)s (forecast)") % {"year": y}) for y in forecast_years or []]
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.ChoiceField)
        year_field.choices = sorted(choices)


class CareRatesForm(forms.Form):
    valid_from_year = forms.IntegerField(label=_("Valid from year"), min_value=1990, max_value=2100)
    rate_0 = forms.DecimalField(label=_("Age 0 (%)"), min_value=0, max_value=100, decimal_places=1)
    rate_1 = forms.DecimalField(label=_("Age 1 (%)"), min_value=0, max_value=100, decimal_places=1)
    rate_2 = forms.DecimalField(label=_("Age 2 (%)"), min_value=0, max_value=100, decimal_places=1)
    rate_3 = forms.DecimalField(label=_("Age 3 (%)"), min_value=0, max_value=100, decimal_places=1)
    rate_4 = forms.DecimalField(label=_("Age 4 (%)"), min_value=0, max_value=100, decimal_places=1)
    rate_5 = forms.DecimalField(label=_("Age 5 (%)"), min_value=0, max_value=100, decimal_places=1)
    integration_rate = forms.DecimalField(
        label=_("Children with integration need (%)"), min_value=0, max_value=100, decimal_places=1
    )
    source = forms.CharField(label=_("Source"), max_length=255, required=False)
    class_indicator: forms.ModelChoiceField[IndicatorDefinition] = forms.ModelChoiceField(
        label=_("Only for areas of a class: indicator"),
        queryset=None,  # set in __init__
        required=False,
        empty_label=_("– all areas –"),
        help_text=_(
            "Optional: these rates apply only to areas whose value of this indicator (e.g. the "
            "MSS status class) equals the class value below."
        ),
    )
    class_value = forms.FloatField(label=_("Class value"), required=False)

    def __init__(self, *args: Any, territory: Territory | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indicators = IndicatorDefinition.objects.order_by("name")
        if territory is not None:
            indicators = indicators.filter(values__area__territory=territory).distinct()
        set_model_choices(self, "class_indicator", indicators)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("class_indicator") is None) != (data.get("class_value") is None):
            self.add_error(
                "class_value", _("Give both the indicator and the class value, or neither.")
            )
        return data
