"""Forms of the qualification pages (courses, modules, enrolments, further training)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kitaplan.web.childminding.models import Childminder
from kitaplan.web.qualification.models import (
    Course,
    EducationProvider,
    Enrolment,
    FurtherTraining,
    Module,
    Programme,
    ProgrammePart,
)

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CourseForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Course
        fields = ["programme", "provider", "code", "title", "start", "end", "units", "places"]
        widgets = {"start": ISO_DATE, "end": ISO_DATE}

    def __init__(
        self,
        *args: Any,
        programmes: QuerySet[Programme],
        providers: QuerySet[EducationProvider],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


class ModuleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Module
        fields = ["part", "title", "start", "end", "units"]
        widgets = {"start": ISO_DATE, "end": ISO_DATE}

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = course.programme.parts.all()  # type: ignore[attr-defined]


class EnrolForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Enrolment
        fields = ["childminder"]

    def __init__(self, *args: Any, childminders: QuerySet[Childminder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["childminder"]
        field.queryset = childminders  # type: ignore[attr-defined]
        field.required = True


class EnrolmentForm(forms.ModelForm):  # type: ignore[type-arg]
    """Status, result, internship hours and certificate of one participant."""

    enrolment = forms.ModelChoiceField(queryset=Enrolment.objects.none(), label=_("Participant"))

    class Meta:
        model = Enrolment
        fields = [
            "status",
            "internship_hours",
            "tests_passed",
            "result",
            "certificate_date",
            "certificate_number",
        ]
        widgets = {
            "certificate_date": ISO_DATE,
            "tests_passed": forms.CheckboxSelectMultiple,
        }

    def __init__(
        self, *args: Any, enrolments: QuerySet[Enrolment], course: Course, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tests_passed"].queryset = course.programme.parts.all()  # type: ignore[attr-defined]
        field = self.fields["enrolment"]
        field.queryset = enrolments  # type: ignore[attr-defined]
        field.label_from_instance = lambda e: e.participant_label  # type: ignore[attr-defined]
        self.order_fields(["enrolment", *self.Meta.fields])


class FurtherTrainingForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = FurtherTraining
        fields = ["date", "title", "hours"]
        widgets = {"date": ISO_DATE}


class MinimumForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("Leave empty for the default of every year."),
    )
    hours = forms.DecimalField(
        label=_("Minimum hours per year"), min_value=0, max_digits=5, decimal_places=1
    )


class ProgrammeForm(forms.ModelForm):  # type: ignore[type-arg]
    """A programme on the set-up page; the territory only when it is created."""

    class Meta:
        model = Programme
        fields = ["territory", "code", "name", "kind", "courses_per_year", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["territory"]


class ProgrammePartForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ProgrammePart
        fields = [
            "order",
            "name",
            "timing",
            "units",
            "internship_hours",
            "test_required",
            "deadline_months",
        ]
