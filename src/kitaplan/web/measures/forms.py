from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.measures.models import Measure, Organisation
from kitaplan.web.territory.models import Territory


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

    territory = forms.ModelChoiceField(
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

    lead = forms.ModelChoiceField(
        label=_("Lead"), queryset=None, required=False, empty_label=_("no lead")
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The lead is added to the participants."),
    )

    def __init__(self, *args, organisations, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name in ("lead", "participants"):
            self.fields[name].queryset = organisations
            self.fields[name].label_from_instance = lambda o: f"{o.name} ({o.short_name})"


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    file = forms.FileField(label=_("File"))


class TargetLinkForm(forms.Form):
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=None)
    target_rule = forms.ModelChoiceField(
        label=_("Target"), queryset=None, required=False, empty_label=_("no target")
    )

    def __init__(self, *args, objectives, rules, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = objectives
        self.fields["objective"].label_from_instance = lambda o: f"{o.code} {o.text[:80]}"
        self.fields["target_rule"].queryset = rules


class ReportPeriodForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    half = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("whole year")), ("1", _("first half")), ("2", _("second half"))],
    )
