"""Forms of the payments pages: upload a table, compute a month, the parent-fee calculator."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from kitaplan.web.payments.models import FeeTableRecord
from kitaplan.web.territory.models import Territory

#: Largest TOML file accepted (a rate table is a few kilobytes).
MAX_TABLE_BYTES = 256 * 1024


class TableUploadForm(forms.Form):
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.order_by("name"), label=_("Territory"), to_field_name="code"
    )
    file = forms.FileField(
        label=_("Table (TOML file)"),
        help_text=_("One table version per file, UTF-8, as described in the documentation."),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_TABLE_BYTES:
            raise forms.ValidationError(_("The file is larger than 256 KB."))
        return upload


class ComputeForm(forms.Form):
    month = forms.CharField(
        label=_("Month (YYYY-MM)"),
        max_length=7,
        validators=[RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("Enter a month as YYYY-MM."))],
    )


class FeeForm(forms.Form):
    table = forms.ModelChoiceField(
        queryset=FeeTableRecord.objects.none(), label=_("Parent-fee table")
    )
    weekly_hours = forms.DecimalField(
        label=_("Booked hours per week"),
        min_value=Decimal("0.01"),
        max_value=Decimal(168),
        decimal_places=2,
    )
    yearly_income = forms.DecimalField(
        label=_("Yearly income (euros)"),
        required=False,
        min_value=Decimal(0),
        decimal_places=2,
        help_text=_("Only for tables by income."),
    )
    age_group = forms.CharField(
        label=_("Age group"),
        required=False,
        max_length=20,
        help_text=_("Only for tables with age groups, e.g. u3."),
    )

    def __init__(self, *args, tables=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if tables is not None:
            self.fields["table"].queryset = tables
