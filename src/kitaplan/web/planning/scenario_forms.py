"""Forms of the scenario pages: a new scenario and one form per kind of change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.validity import valid_from_on
from kitaplan.web.facilities.models import Facility
from kitaplan.web.planning.scenario_models import Scenario, ScenarioChange
from kitaplan.web.planning.scenario_services import locate_area
from kitaplan.web.territory.models import Area, Territory


class ScenarioForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    class Meta:
        model = Scenario
        fields = ["name", "description", "shared"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class _ChangeForm(forms.Form):
    kind: str = ""

    def __init__(self, *args: Any, territory: Territory, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.territory = territory

    def clean_facility(self) -> Facility:
        number = self.cleaned_data["facility"].strip()
        day = timezone.localdate()
        facility: Facility | None = (
            Facility.objects.filter(
                territory=self.territory, official_number=number, area__isnull=False
            )
            .filter(valid_from_on(day))
            .first()
        )
        if facility is None:
            raise forms.ValidationError(_("There is no open facility with this number."))
        return facility

    def change(self) -> dict[str, Any]:
        """The keyword arguments of :func:`scenario_services.add_change`."""
        data = dict(self.cleaned_data)
        facility = data.pop("facility", None)
        area = data.pop("area_code", None)
        return {"kind": self.kind, "facility": facility, "area": area, "parameters": data}


def _facility_field() -> forms.CharField:
    return forms.CharField(label=_("Facility number"), max_length=32)


class ChangePlacesForm(_ChangeForm):
    kind = ScenarioChange.CHANGE_PLACES
    facility = _facility_field()
    u3_delta = forms.IntegerField(
        label=_("Change of places under 3"), initial=0, help_text=_("Negative to reduce.")
    )
    ue3_delta = forms.IntegerField(label=_("Change of places from 3"), initial=0)
    integration_delta = forms.IntegerField(
        label=_("Change of integration places"),
        initial=0,
        help_text=_("Integration places are part of the places under 3 and from 3."),
    )


class CloseFacilityForm(_ChangeForm):
    kind = ScenarioChange.CLOSE
    facility = _facility_field()


class ConvertGroupForm(_ChangeForm):
    kind = ScenarioChange.CONVERT
    facility = _facility_field()
    places = forms.IntegerField(label=_("Special-needs group places"), min_value=1)
    to_integration_places = forms.IntegerField(
        label=_("Integration places instead"),
        min_value=0,
        help_text=_("They become places from 3 with integration status."),
    )


class OpenFacilityForm(_ChangeForm):
    """A new facility in an area given by its code or by a location (WGS84) inside it."""

    kind = ScenarioChange.OPEN
    key = forms.CharField(label=_("Working title of the new facility"), max_length=60)
    area_code = forms.CharField(
        label=_("Area code"),
        max_length=40,
        required=False,
        help_text=_("Code of an area of the finest level."),
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        required=False,
        help_text=_(
            "Instead of the area code: the location in decimal degrees (WGS84), e.g. 52.5163."
        ),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        required=False,
        help_text=_("Decimal degrees (WGS84), e.g. 13.3777."),
    )
    places_u3 = forms.IntegerField(label=_("Places under 3"), min_value=0, initial=0)
    places_ue3 = forms.IntegerField(label=_("Places from 3"), min_value=0, initial=0)
    integration_places = forms.IntegerField(label=_("Integration places"), min_value=0, initial=0)
    inclusion_profile = forms.BooleanField(label=_("inclusion profile"), required=False)
    barrier_free = forms.BooleanField(label=_("barrier-free"), required=False)

    def clean_area_code(self) -> Area | None:
        code = self.cleaned_data["area_code"].strip()
        if not code:
            return None
        finest = self.territory.levels.order_by("-rank").first()
        area = Area.objects.filter(
            territory=self.territory, level=finest, official_code=code, valid_to__isnull=True
        ).first()
        if area is None:
            raise forms.ValidationError(
                _("There is no current area of the finest level with this code.")
            )
        return area

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.has_error("area_code") or self.has_error("lat") or self.has_error("lon"):
            return data
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lat" if lat is None else "lon", _("Give both latitude and longitude."))
            return data
        if lat is None:
            if data.get("area_code") is None:
                self.add_error(
                    "area_code", _("Give the area code or the location (latitude and longitude).")
                )
            return data
        assert lon is not None
        located = locate_area(self.territory, lat=lat, lon=lon)
        if located is None:
            self.add_error(
                "lat",
                _(
                    "This location lies outside every area of the city. "
                    "Check the latitude and longitude (latitude first, e.g. 52.5)."
                ),
            )
        elif data.get("area_code") is not None and data["area_code"] != located:
            self.add_error(
                "area_code",
                _("The location lies in area %(code)s, not in the area with this code.")
                % {"code": located.official_code},
            )
        else:
            data["area_code"] = located
        return data

    def change(self) -> dict[str, Any]:
        change = super().change()
        parameters = change["parameters"]
        for name in ("lat", "lon"):
            if parameters.get(name) is None:
                parameters.pop(name, None)
            else:
                parameters[name] = round(parameters[name], 6)
        return change


CHANGE_FORMS: dict[str, type[_ChangeForm]] = {
    form.kind: form
    for form in (ChangePlacesForm, CloseFacilityForm, ConvertGroupForm, OpenFacilityForm)
}
