"""Forms of the childminder registry. The weekly schedule is typed as text, one weekday per
part: "Mo 08:00-15:00, Di 08:00-15:00" (German or English weekday abbreviations)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.web.childminding.models import (
    SUPPLEMENTS,
    CareContract,
    Childminder,
    Permit,
    Proof,
)

if TYPE_CHECKING:
    from kitaplan.web.territory.models import Territory

_M = TypeVar("_M", bound=Model)

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WEEKDAYS = {
    "mo": 0,
    "mon": 0,
    "di": 1,
    "tue": 1,
    "tu": 1,
    "mi": 2,
    "wed": 2,
    "we": 2,
    "do": 3,
    "thu": 3,
    "th": 3,
    "fr": 4,
    "fri": 4,
    "sa": 5,
    "sat": 5,
    "so": 6,
    "sun": 6,
    "su": 6,
}
WEEKDAY_SHORT = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]
PART = re.compile(r"^\s*([A-Za-z]{2,3})\.?\s+(\d{1,2}[:.]\d{2})\s*[-–]\s*(\d{1,2}[:.]\d{2})\s*$")


def parse_schedule_text(text: str) -> list[list[Any]]:
    """ "Mo 08:00-15:00, Di 08:00-12:30" → [[0, "08:00", "15:00"], [1, "08:00", "12:30"]]."""
    slots: list[list[Any]] = []
    for part in re.split(r"[,;\n]+", text):
        if not part.strip():
            continue
        match = PART.match(part)
        if match is None or match.group(1).lower() not in WEEKDAYS:
            raise forms.ValidationError(
                _("“%(part)s” is not a weekday with times such as “Mo 08:00-15:00”."),
                params={"part": part.strip()},
            )
        start, end = (t.replace(".", ":").zfill(5) for t in match.group(2, 3))
        if not (start < end <= "24:00"):
            raise forms.ValidationError(
                _("In “%(part)s” the end must lie after the start."), params={"part": part.strip()}
            )
        slots.append([WEEKDAYS[match.group(1).lower()], start, end])
    if not slots:
        raise forms.ValidationError(_("Enter at least one weekday with times."))
    return slots


def schedule_text(slots: list[list[Any]]) -> str:
    return ", ".join(f"{WEEKDAY_SHORT[d]} {a}-{b}" for d, a, b in slots)


def set_model_choices(form: forms.BaseForm, name: str, queryset: QuerySet[_M]) -> None:
    """Offer ``queryset`` in the form's model choice field ``name``."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


# ``ModelForm`` (and ``ModelChoiceField``) are generic only in django-stubs: without the
# ``django_stubs_ext`` monkeypatch they cannot be subscripted at run time, hence the bare base
# classes with ``type: ignore[type-arg]``.


class ChildminderForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
    class Meta:
        model = Childminder
        fields = [
            "number",
            "name",
            "street",
            "postcode",
            "city",
            "area",
            "care_location",
            "group_practice",
            "service",
            "languages",
            "inclusion_skills",
            "qualification",
            "experience_group",
            "status",
        ]

    def __init__(self, *args: Any, territory: Territory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = territory.areas.filter(children__isnull=True).order_by("name")
        set_model_choices(self, "area", areas)
        set_model_choices(self, "group_practice", territory.group_practices.all())
        set_model_choices(self, "service", territory.advisory_services.all())


class PermitForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
    class Meta:
        model = Permit
        fields = ["reference", "valid_from", "valid_to", "max_children", "conditions"]
        widgets = {
            "valid_from": ISO_DATE,
            "valid_to": ISO_DATE,
            "conditions": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end lies before the start."))
        if (data.get("max_children") or 0) > 5:
            self.add_error(
                "max_children", _("A permit allows at most 5 children at the same time.")
            )
        return data


class ProofForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
    class Meta:
        model = Proof
        fields = ["kind", "issued_on", "valid_until", "note"]
        widgets = {"issued_on": ISO_DATE, "valid_until": ISO_DATE}


class SupplementsField(forms.MultipleChoiceField):
    """The supplements of a contract as check boxes; stored as a sorted list of codes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Supplements"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy("Paid only where the rate table has a component for the supplement."),
        )
        super().__init__(
            choices=SUPPLEMENTS, required=False, widget=forms.CheckboxSelectMultiple, **kwargs
        )

    def clean(self, value: Any) -> list[str]:
        return sorted(set(super().clean(value)))


def clean_rate_scheme(value: str) -> str:
    """A scheme code as rate tables write it: no spaces inside."""
    text = (value or "").strip()
    if any(ch.isspace() for ch in text):
        raise forms.ValidationError(
            _("A scheme is a code without spaces, e.g. “berlin-demo”."), code="invalid"
        )
    return text


class ContractForm(forms.ModelForm):  # type: ignore[type-arg]  # see above
    schedule = forms.CharField(
        label=gettext_lazy("Weekly schedule"),
        help_text=gettext_lazy("Weekdays with times, e.g. “Mo 08:00-15:00, Di 08:00-15:00”."),
    )
    supplements = SupplementsField()

    class Meta:
        model = CareContract
        fields = [
            "child_reference",
            "child_birth_date",
            "valid_from",
            "valid_to",
            "weekly_hours",
            "settling_in_from",
            "settling_in_to",
            "funded",
            "rate_scheme",
            "supplements",
            "primary_substitute",
            "secondary_substitute",
        ]
        widgets = {
            "child_birth_date": ISO_DATE,
            "valid_from": ISO_DATE,
            "valid_to": ISO_DATE,
            "settling_in_from": ISO_DATE,
            "settling_in_to": ISO_DATE,
        }

    def __init__(self, *args: Any, substitutes: QuerySet[Childminder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "primary_substitute", substitutes)
        set_model_choices(self, "secondary_substitute", substitutes)
        if self.instance.pk and self.instance.slots:
            self.initial.setdefault("schedule", schedule_text(self.instance.slots))

    def clean_schedule(self) -> list[list[Any]]:
        return parse_schedule_text(self.cleaned_data["schedule"])

    def clean_rate_scheme(self) -> str:
        return clean_rate_scheme(self.cleaned_data.get("rate_scheme", ""))
