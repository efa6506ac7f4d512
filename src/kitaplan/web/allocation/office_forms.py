"""Forms of the allocation office and the facilities: a round with its ordered criteria, released
places, a facility's own criteria."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.allocation import Criterion
from kitaplan.web.allocation.models import CRITERION_LABELS, AllocationRound, RoundProgramme
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.forms import TerritoryChoiceField
from kitaplan.web.territory.models import AreaLevel, Territory

if TYPE_CHECKING:
    from kitaplan.web.childminding.models import Childminder


# ``ModelForm`` and ``ModelChoiceField`` are generic only in django-stubs: without the
# ``django_stubs_ext`` monkeypatch they cannot be subscripted at run time, hence the bare base
# classes with ``type: ignore[type-arg]``.


class RoundForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
    """A round; each criterion gets a position number (empty = not used)."""

    class Meta:
        model = AllocationRound
        fields = [
            "territory",
            "name",
            "care_start",
            "applications_open",
            "applications_close",
            "offers_on",
            "response_days",
            "max_choices",
            "district_level",
            "mode",
        ]
        widgets = {
            "care_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "applications_open": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "applications_close": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "offers_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        # offers and accepts only the territories of the request's user
        field_classes = {"territory": TerritoryChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        territory = cast("forms.ModelChoiceField[Territory]", self.fields["territory"])
        territory.queryset = Territory.objects.order_by("name")
        levels = AreaLevel.objects.select_related("territory").filter(
            territory__in=territory.queryset
        )
        levels = levels.order_by("territory__name", "rank")
        self.fields["district_level"] = forms.ChoiceField(
            label=gettext_lazy("Area level of the district criterion"),
            required=False,
            choices=[("", "–")]
            + sorted({(lv.code, f"{lv.name} ({lv.code})") for lv in levels}, key=lambda c: c[1]),
            initial=self.instance.district_level if self.instance.pk else "",
        )
        current = {c: k for k, c in enumerate(self.instance.criteria)} if self.instance.pk else {}
        for criterion in Criterion:
            self.fields[f"criterion_{criterion.value}"] = forms.IntegerField(
                label=CRITERION_LABELS[criterion],
                required=False,
                min_value=1,
                max_value=len(Criterion),
                initial=current[criterion] + 1 if criterion in current else None,
                help_text=gettext_lazy("Position in the order (1 decides first); empty: not used."),
            )

    def criterion_fields(self) -> list[forms.BoundField]:
        return [self[f"criterion_{c.value}"] for c in Criterion]

    def base_fields_bound(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        opens, closes = data.get("applications_open"), data.get("applications_close")
        if opens and closes and closes < opens:
            self.add_error("applications_close", _("The window closes before it opens."))
        positions: dict[int, str] = {}
        for criterion in Criterion:
            name = f"criterion_{criterion.value}"
            position = data.get(name)
            if position is None:
                continue
            if position in positions:
                self.add_error(name, _("Position %(n)s is used twice.") % {"n": position})
            positions[position] = criterion.value
        data["criteria"] = [Criterion(positions[k]) for k in sorted(positions)]
        return data


class ProgrammeForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
    """Places of a facility or, for the office, of a childminder (free places in Kindertagespflege)."""

    class Meta:
        model = RoundProgramme
        fields = [
            "facility",
            "childminder",
            "age_group",
            "capacity",
            "integration_places",
            "release_unused",
        ]

    def __init__(
        self,
        *args: Any,
        facilities: QuerySet[Facility] | None = None,
        childminders: QuerySet[Childminder] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if facilities is not None:
            facility = cast("forms.ModelChoiceField[Facility]", self.fields["facility"])
            facility.queryset = facilities.order_by("name")
        if childminders is None:
            del self.fields["childminder"]
        else:
            childminder = cast("forms.ModelChoiceField[Childminder]", self.fields["childminder"])
            childminder.queryset = childminders.order_by("name")
            childminder.help_text = gettext_lazy(
                "Instead of a facility: a childminder's free places in Kindertagespflege."
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_facility = data.get("facility") is not None
        has_childminder = data.get("childminder") is not None
        if has_facility == has_childminder:
            self.add_error("facility", _("Choose either a facility or a childminder."))
        capacity, integration = data.get("capacity"), data.get("integration_places")
        if capacity is not None and integration is not None and integration > capacity:
            self.add_error(
                "integration_places", _("There cannot be more integration places than places.")
            )
        return data


class FacilityCriteriaForm(forms.Form):
    facility: forms.ModelChoiceField[Facility] = forms.ModelChoiceField(
        queryset=Facility.objects.none(), label=gettext_lazy("Facility")
    )
    criteria = forms.CharField(
        label=gettext_lazy("Own published criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One criterion per line, the most important first, e.g. 'Children of our employees'."
        ),
    )

    def __init__(self, *args: Any, facilities: QuerySet[Facility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        facility = cast("forms.ModelChoiceField[Facility]", self.fields["facility"])
        facility.queryset = facilities.order_by("name")


class ErasureForm(forms.Form):
    """Erase an application's personal data on request: the reason from a short list and a
    note that only confirms the request (it is not stored)."""

    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=())
    note = forms.CharField(
        label=gettext_lazy("Note on the request"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For your confirmation only: the note is not stored."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from kitaplan.web.allocation.erasure import REASONS

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["reason"]).choices = [("", "–"), *REASONS]
