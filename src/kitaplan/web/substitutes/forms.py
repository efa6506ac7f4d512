"""Forms of the substitute pages: report an absence, record a contact visit, choose a period,
the territory's substitute settings and a substitute's e-mail address for notices."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.web.childminding.forms import set_model_choices
from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.substitutes.models import ABSENCE_KINDS, SubstituteProfile, SubstituteSettings

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AbsenceForm(forms.Form):
    childminder = forms.ModelChoiceField(
        label=gettext_lazy("Childminder"), queryset=Childminder.objects.none()
    )
    start = forms.DateField(label=gettext_lazy("From"), widget=ISO_DATE)
    end = forms.DateField(label=gettext_lazy("Until (inclusive)"), widget=ISO_DATE)
    kind = forms.ChoiceField(
        label=gettext_lazy("Reason"), choices=ABSENCE_KINDS, widget=forms.RadioSelect
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, childminders: QuerySet[Childminder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "childminder", childminders.order_by("name", "number"))
        if childminders.count() == 1:
            self.fields["childminder"].initial = childminders.first()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end lies before the start."))
        return data


class ChildChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic in stubs only
    """A care contract offered by its child's reference."""

    def label_from_instance(self, obj: CareContract) -> str:
        return obj.child_reference


class ContactForm(forms.Form):
    contract = ChildChoiceField(
        label=gettext_lazy("Child (contract)"), queryset=CareContract.objects.none()
    )
    substitute = forms.ModelChoiceField(
        label=gettext_lazy("Substitute"), queryset=Childminder.objects.none()
    )
    day = forms.DateField(label=gettext_lazy("Day of the visit"), widget=ISO_DATE)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    def __init__(
        self,
        *args: Any,
        contracts: QuerySet[CareContract],
        substitutes: QuerySet[Childminder],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "contract", contracts)
        set_model_choices(self, "substitute", substitutes.order_by("name", "number"))

    def clean_day(self) -> dt.date:
        day: dt.date = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A contact visit cannot lie in the future."))
        return day


class ParentContactForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Parents' e-mail address"),
        required=False,
        help_text=gettext_lazy("Leave empty to delete the address."),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("The parents agreed to e-mails about substitute care"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("consent") and not data.get("email"):
            self.add_error("email", _("Consent needs an e-mail address."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=ISO_DATE)
    end = forms.DateField(label=gettext_lazy("Until (inclusive)"), widget=ISO_DATE)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end lies before the start."))
        if start and end and (end - start).days > 731:
            self.add_error("end", _("Choose at most two years."))
        return data


PHONE = re.compile(r"[0-9+()/ .-]+")


def _without_range(validators: list[Any]) -> list[Any]:
    """The field's validators without the bounds the model brings (the form sets its own)."""
    return [v for v in validators if not isinstance(v, MinValueValidator | MaxValueValidator)]


class SubstituteSettingsForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in stubs only
    """The rules, the day rate and the phone of a territory (labels from the model)."""

    #: (field, smallest, largest) accepted on the page
    BOUNDS = (
        ("min_contacts", 0, 20),
        ("contact_months", 1, 36),
        ("day_rate_cents", 0, 100_000),
    )

    class Meta:
        model = SubstituteSettings
        fields = [
            "min_contacts",
            "contact_months",
            "max_distance_km",
            "day_rate_cents",
            "contact_phone",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, low, high in self.BOUNDS:
            field = self.fields[name]
            field.validators = [*_without_range(field.validators), MinValueValidator(low)]
            field.validators.append(MaxValueValidator(high))
            field.widget.attrs.update({"min": low, "max": high})
        distance = self.fields["max_distance_km"]
        distance.validators = [*_without_range(distance.validators), MinValueValidator(0.1)]
        distance.validators.append(MaxValueValidator(100))
        distance.widget.attrs.update({"min": "0.1", "max": "100", "step": "0.1"})
        distance.help_text = gettext_lazy("Leave empty for no limit.")
        self.fields["contact_phone"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "off"}
        )

    def clean_contact_phone(self) -> str:
        phone = " ".join(self.cleaned_data["contact_phone"].split())
        if phone and (not PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 3):
            raise forms.ValidationError(
                _("Enter a phone number: digits, spaces and + ( ) / . - only.")
            )
        return phone


class SubstituteEmailForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in stubs only
    """The address for the e-mails about her substitutions (empty: her login's address)."""

    class Meta:
        model = SubstituteProfile
        fields = ["email"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off"})}
