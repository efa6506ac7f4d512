from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from kitaplan.web.facilities.models import PROVIDER_TYPE_CHOICES, Facility, place_field_bounds
from kitaplan.web.territory.forms import TerritoryChoiceField
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

YES_NO = [("", _("all")), ("yes", _("yes")), ("no", _("no"))]


class FacilityFilterForm(forms.Form):
    territory = TerritoryChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("all"),
    )
    q = forms.CharField(
        label=_("Search name, number, street or provider"), required=False, max_length=100
    )
    area = forms.CharField(
        label=_("Area code"),
        required=False,
        max_length=32,
        help_text=_("e.g. 01 for a Bezirk or an 8-digit Planungsraum"),
    )
    provider_type = forms.ChoiceField(
        label=_("Provider type"), required=False, choices=[("", _("all")), *PROVIDER_TYPE_CHOICES]
    )
    inclusion_profile = forms.ChoiceField(
        label=_("Inclusion profile"), required=False, choices=YES_NO
    )
    barrier_free = forms.ChoiceField(label=_("Barrier-free"), required=False, choices=YES_NO)
    integration = forms.ChoiceField(label=_("Integration places"), required=False, choices=YES_NO)
    day = forms.DateField(
        label=_("Places on day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class FacilityForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    class Meta:
        model = Facility
        fields = [
            "name",
            "street",
            "house_number",
            "postcode",
            "city",
            "opening_time",
            "closing_time",
            "step_free_entrance",
            "accessible_toilet",
            "lift",
            "accessible_outdoor_area",
            "inclusion_profile",
        ]
        widgets = {
            "opening_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closing_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


def _places_field(name: str, label: str | _StrPromise) -> forms.IntegerField:
    low, high = place_field_bounds(name)
    return forms.IntegerField(label=label, min_value=low, max_value=high)


class PlacesForm(forms.Form):
    places_u3 = _places_field("places_u3", _("Places under 3"))
    places_ue3 = _places_field("places_ue3", _("Places 3 to school entry"))
    places_school = _places_field("places_school", _("School-age places"))
    integration_places = _places_field("integration_places", _("Integration places"))
    special_needs_group_places = _places_field(
        "special_needs_group_places", _("Special-needs group places")
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}), initial=dt.date.today
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        total = sum(int(data.get(f) or 0) for f in ("places_u3", "places_ue3", "places_school"))
        for name in ("integration_places", "special_needs_group_places"):
            if int(data.get(name) or 0) > total:
                self.add_error(
                    name, _("Cannot exceed the facility's places (%(total)s).") % {"total": total}
                )
        return data
