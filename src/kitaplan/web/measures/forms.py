from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.childminding.forms import set_model_choices
from kitaplan.web.measures.models import Measure, Objective, Organisation
from kitaplan.web.territory.forms import TerritoryChoiceField
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.planning.models import TargetRule

# ``ModelChoiceField`` is generic only in django-stubs (it cannot be subscripted at run time),
# hence the bare base classes of the labelled choice fields with ``type: ignore[type-arg]``.


class _OrganisationChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.short_name})"


class _OrganisationChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.short_name})"


class _ObjectiveChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Objective) -> str:
        return f"{obj.code} {obj.text[:80]}"


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Measure.STATUS_CHOICES)
    date = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    comment = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class OrganisationForm(forms.Form):
    """One entry of the directory of organisations and units."""

    territory = TerritoryChoiceField(
        label=_("Territory"), queryset=Territory.objects.order_by("name"), empty_label=None
    )
    short_name = forms.CharField(
        label=_("Short name"),
        max_length=80,
        help_text=_("As the plan names it, e.g. Amt 58 or Stadtelternrat; unique per territory."),
    )
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.KIND_CHOICES)


class OrganisationsForm(forms.Form):
    """The lead unit and the participants of a measure, chosen from the directory."""

    lead = _OrganisationChoice(
        label=_("Lead"), queryset=None, required=False, empty_label=_("no lead")
    )
    participants = _OrganisationChoices(
        label=_("Participants"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The lead is added to the participants."),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead", "participants"):
            set_model_choices(self, name, organisations)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    file = forms.FileField(label=_("File"))


class TargetLinkForm(forms.Form):
    objective = _ObjectiveChoice(label=_("Objective"), queryset=None)
    target_rule: forms.ModelChoiceField[TargetRule] = forms.ModelChoiceField(
        label=_("Target"), queryset=None, required=False, empty_label=_("no target")
    )

    def __init__(
        self,
        *args: Any,
        objectives: QuerySet[Objective],
        rules: QuerySet[TargetRule],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "objective", objectives)
        set_model_choices(self, "target_rule", rules)


class ReportPeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    half = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("whole year")), ("1", _("first half")), ("2", _("second half"))],
    )


# --------------------------------------------------------------------------- plan set-up


class PlanForm(forms.Form):
    """A plan version: territory (when created), code, year of the version, title, period."""

    territory = TerritoryChoiceField(
        label=_("Territory"), queryset=Territory.objects.order_by("name"), empty_label=None
    )
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Names the plan across its yearly versions, e.g. inklusion; used by imports."),
    )
    version_year = forms.IntegerField(label=_("Version (year)"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=255)
    first_year = forms.IntegerField(label=_("From (year)"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=_("To (year)"), min_value=2000, max_value=2100)
    council_decision = forms.CharField(label=_("Council decision"), max_length=255, required=False)


class VersionForm(forms.Form):
    year = forms.IntegerField(label=_("Year of the new version"), min_value=2000, max_value=2100)


class FieldForm(forms.Form):
    """A field of action (de: Handlungsfeld)."""

    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("e.g. 1"))
    title = forms.CharField(label=_("Title"), widget=forms.Textarea(attrs={"rows": 3}))


class ObjectiveForm(forms.Form):
    """An objective (de: Teilziel)."""

    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("e.g. 1.1"))
    text = forms.CharField(label=_("Objective"), widget=forms.Textarea(attrs={"rows": 4}))


class MeasureForm(forms.Form):
    """A measure (de: Maßnahme) with its period and participants (de: Beteiligte)."""

    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("e.g. 1.1-1"))
    text = forms.CharField(label=_("Measure"), widget=forms.Textarea(attrs={"rows": 4}))
    period_text = forms.CharField(
        label=_("Period as written"),
        max_length=120,
        required=False,
        help_text=_("e.g. ab 2020, 2021 ff., 2020/2021; read as from–to when the dates are empty"),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    participants_text = forms.CharField(
        label=_("Participants as written"), max_length=500, required=False
    )
    lead = _OrganisationChoice(
        label=_("Lead"), queryset=None, required=False, empty_label=_("no lead")
    )
    participants = _OrganisationChoices(
        label=_("Participants"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The lead is added to the participants."),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead", "participants"):
            set_model_choices(self, name, organisations)
