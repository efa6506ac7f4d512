from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.facilities.models import Facility
from kitaplan.web.inclusion.models import ChecklistItem, PoolItem
from kitaplan.web.qualification.models import Course, Enrolment, Programme
from kitaplan.web.territory.models import Area, Territory

DATE = {"type": "date"}


# ``ModelForm`` and ``ModelChoiceField`` are generic only in django-stubs: without the
# ``django_stubs_ext`` monkeypatch they cannot be subscripted at run time, hence the bare base
# classes with ``type: ignore[type-arg]``.


class ItemChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    """A checklist item shown as its code and label."""

    def label_from_instance(self, obj: ChecklistItem) -> str:
        return f"{obj.code} {obj.label}"


class EnrolmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    """A participant shown with facility and course."""

    def label_from_instance(self, obj: Enrolment) -> str:
        facility = obj.facility.name if obj.facility is not None else ""
        return f"{obj.participant_name} ({facility}) – {obj.course.title}"


class ChecklistItemForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
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

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Programme]", self.fields["programme"]).queryset = programmes


class ConfirmationForm(forms.Form):
    item = ItemChoiceField(label=_("Criterion"), queryset=None)
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

    def __init__(self, *args: Any, items: QuerySet[ChecklistItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ItemChoiceField, self.fields["item"]).queryset = items


class StaffEnrolForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
    """Enrol a Kita staff member (facility and name, pseudonymous is fine) in a course."""

    class Meta:
        model = Enrolment
        fields = ["course", "facility", "participant_name"]
        help_texts = {
            "participant_name": _("A name or a pseudonym (e.g. initials and staff number)."),
        }

    def __init__(
        self,
        *args: Any,
        courses: QuerySet[Course],
        facilities: QuerySet[Facility],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Course]", self.fields["course"]).queryset = courses
        cast("forms.ModelChoiceField[Facility]", self.fields["facility"]).queryset = facilities
        self.fields["facility"].required = True
        self.fields["participant_name"].required = True


class CompletionForm(forms.Form):
    """Record that an enrolled staff member completed (passed) the course."""

    enrolment = EnrolmentChoiceField(label=_("Participant"), queryset=None)
    certificate_date = forms.DateField(
        label=_("Certificate date"), initial=timezone.localdate, widget=forms.DateInput(DATE)
    )

    def __init__(self, *args: Any, enrolments: QuerySet[Enrolment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(EnrolmentChoiceField, self.fields["enrolment"]).queryset = enrolments


class PoolItemForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
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

    def __init__(
        self,
        *args: Any,
        territories: QuerySet[Territory],
        facilities: QuerySet[Facility],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Territory]", self.fields["territory"]).queryset = territories
        cast(
            "forms.ModelChoiceField[Facility]", self.fields["owner_facility"]
        ).queryset = facilities


class BookingForm(forms.Form):
    facility: forms.ModelChoiceField[Facility] = forms.ModelChoiceField(
        label=_("Facility"), queryset=None
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(DATE))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(DATE))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, facilities: QuerySet[Facility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Facility]", self.fields["facility"]).queryset = facilities


class OverviewFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or number"), required=False)
    district: forms.ModelChoiceField[Area] = forms.ModelChoiceField(
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
    missing = ItemChoiceField(
        label=_("Criterion not met"), queryset=None, required=False, empty_label=_("any")
    )

    def __init__(
        self,
        *args: Any,
        districts: QuerySet[Area],
        items: QuerySet[ChecklistItem],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Area]", self.fields["district"]).queryset = districts
        cast(ItemChoiceField, self.fields["missing"]).queryset = items
