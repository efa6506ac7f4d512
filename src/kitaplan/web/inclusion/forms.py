from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.inclusion.models import ChecklistItem, PoolItem
from kitaplan.web.qualification.models import Enrolment

DATE = {"type": "date"}


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = [
            "code",
            "label",
            "kind",
            "feature",
            "programme",
            "min_completions",
            "position",
            "active",
        ]
        help_texts = {
            "feature": _("Only for a facility feature."),
            "programme": _("Only for staff qualification."),
        }

    def __init__(self, *args, programmes, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class ConfirmationForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Criterion"), queryset=None)
    confirmed = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("confirmed")), ("no", _("withdrawn (no longer given)"))],
        coerce=lambda v: v == "yes",
        initial="yes",
    )
    date = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(DATE)
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, items, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda i: f"{i.code} {i.label}"


class StaffEnrolForm(forms.ModelForm):
    """Enrol a Kita staff member (facility and name, pseudonymous is fine) in a course."""

    class Meta:
        model = Enrolment
        fields = ["course", "facility", "participant_name"]
        help_texts = {
            "participant_name": _("A name or a pseudonym (e.g. initials and staff number)."),
        }

    def __init__(self, *args, courses, facilities, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["facility"].queryset = facilities
        self.fields["facility"].required = True
        self.fields["participant_name"].required = True


class CompletionForm(forms.Form):
    """Record that an enrolled staff member completed (passed) the course."""

    enrolment = forms.ModelChoiceField(label=_("Participant"), queryset=None)
    certificate_date = forms.DateField(
        label=_("Certificate date"), initial=timezone.localdate, widget=forms.DateInput(DATE)
    )

    def __init__(self, *args, enrolments, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: (
            f"{e.participant_name} ({e.facility.name}) – {e.course.title}"
        )


class PoolItemForm(forms.ModelForm):
    class Meta:
        model = PoolItem
        fields = [
            "territory",
            "name",
            "kind",
            "owner_name",
            "owner_facility",
            "location",
            "description",
            "available",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, territories, facilities, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories
        self.fields["owner_facility"].queryset = facilities


class BookingForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=None)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(DATE))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(DATE))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, facilities, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities


class OverviewFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or number"), required=False)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=None, required=False, empty_label=_("all")
    )
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[
            ("", _("all")),
            ("met", _("meets all criteria")),
            ("not_met", _("does not meet all criteria")),
        ],
    )
    missing = forms.ModelChoiceField(
        label=_("Criterion not met"), queryset=None, required=False, empty_label=_("any")
    )

    def __init__(self, *args, districts, items, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["missing"].queryset = items
        self.fields["missing"].label_from_instance = lambda i: f"{i.code} {i.label}"
