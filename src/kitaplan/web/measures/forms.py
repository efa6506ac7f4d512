from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.measures.models import Measure


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
