"""Forms of the payments pages: upload a table, compute a month, the parent-fee calculator,
report actual hours, a contract's rate scheme and supplements, a childminder's insurance proofs
and payee account, a territory's paying account. (IBAN, BIC and creditor identifier are checked
by the services, which name the reason.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.common.money import format_euros
from kitaplan.web.childminding.forms import ISO_DATE, SupplementsField, set_model_choices
from kitaplan.web.childminding.models import CareContract
from kitaplan.web.payments.models import (
    INSURANCE_KINDS,
    MAX_MONTH_HOURS,
    MONTH_PATTERN,
    FeeTableRecord,
    InsuranceProofRecord,
)
from kitaplan.web.territory.forms import TerritoryChoiceField
from kitaplan.web.territory.models import Territory

#: Largest TOML file accepted (a rate table is a few kilobytes).
MAX_TABLE_BYTES = 256 * 1024


class TableUploadForm(forms.Form):
    territory = TerritoryChoiceField(
        queryset=Territory.objects.order_by("name"), label=_("Territory"), to_field_name="code"
    )
    file = forms.FileField(
        label=_("Table (TOML file)"),
        help_text=_("One table version per file, UTF-8, as described in the documentation."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_TABLE_BYTES:
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

    def __init__(
        self, *args: Any, tables: QuerySet[FeeTableRecord] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if tables is not None:
            set_model_choices(self, "table", tables)


class ContractChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic in the stubs only
    def label_from_instance(self, obj: CareContract) -> str:
        return f"{obj.child_reference} – {obj.childminder.name} ({obj.childminder.number})"


class HoursForm(forms.Form):
    """The hours actually cared in one month under one contract."""

    contract = ContractChoiceField(
        queryset=CareContract.objects.none(), label=_("Care contract (child)")
    )
    month = forms.CharField(
        label=_("Month (YYYY-MM)"),
        max_length=7,
        validators=[RegexValidator(MONTH_PATTERN, _("Enter a month as YYYY-MM."))],
        help_text=_("A month that has ended."),
    )
    hours = forms.DecimalField(
        label=_("Hours cared in the month"),
        min_value=Decimal(0),
        max_value=Decimal(MAX_MONTH_HOURS),
        max_digits=6,
        decimal_places=2,
        localize=True,
        help_text=_("All hours the child was actually cared for in that month, e.g. 120,5."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, contracts: QuerySet[CareContract], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "contract", contracts)


class ContractTermsForm(forms.Form):
    """A contract's rate scheme (from the territory's rate tables) and supplements."""

    rate_scheme = forms.ChoiceField(
        label=_("Rate scheme"),
        required=False,
        help_text=_("Leave it at “the territory's only scheme” unless several schemes are loaded."),
    )
    supplements = SupplementsField()

    def __init__(self, *args: Any, schemes: list[str], current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("the territory's only scheme"))] + [(s, s) for s in schemes]
        if current and current not in schemes:
            choices.append((current, _("%(scheme)s (no rate table)") % {"scheme": current}))
        field = self.fields["rate_scheme"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class EuroAmountField(forms.DecimalField):
    """An amount in euros typed either way: ``343,22`` (German) or ``343.22``; with a decimal
    comma, dots are thousands separators (``1.234,56``). A trailing ``€`` is ignored."""

    # The stubs derive DecimalField from IntegerField and ignore the override themselves.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            text = value.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
            if "," in text:
                text = text.replace(".", "").replace(",", ".")
            value = text
        return super().to_python(value)


class ProofForm(forms.Form):
    """A new insurance proof: kind, proven monthly amount, validity."""

    kind = forms.ChoiceField(label=_("Insurance"), choices=INSURANCE_KINDS)
    monthly_amount = EuroAmountField(
        label=_("Proven monthly amount (euros)"),
        min_value=Decimal(0),
        max_value=Decimal("99999.99"),
        max_digits=7,
        decimal_places=2,
        help_text=_("The contribution per month as proven, e.g. 343,22."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=ISO_DATE)
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=ISO_DATE,
        help_text=_("Leave it empty while the proof is still valid."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("valid_from"), data.get("valid_to")
        if start is not None and end is not None and end < start:
            self.add_error("valid_to", _("The last day must not be before the first day."))
        return data


class ProofChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic in the stubs only
    def label_from_instance(self, obj: InsuranceProofRecord) -> str:
        start = date_format(obj.valid_from, "SHORT_DATE_FORMAT")
        until = date_format(obj.valid_to, "SHORT_DATE_FORMAT") if obj.valid_to else "…"
        amount = format_euros(obj.monthly_amount_cents)
        return f"{obj.get_kind_display()}, {amount}: {start} – {until}"


class EndProofForm(forms.Form):
    """The last day of a proof (ends it, or moves its end)."""

    proof = ProofChoiceField(queryset=InsuranceProofRecord.objects.none(), label=_("Proof"))
    valid_to = forms.DateField(
        label=_("Last day of validity"),
        widget=ISO_DATE,
    )

    def __init__(self, *args: Any, proofs: QuerySet[InsuranceProofRecord], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "proof", proofs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        proof, end = data.get("proof"), data.get("valid_to")
        if proof is not None and end is not None and end < proof.valid_from:
            self.add_error("valid_to", _("The last day must not be before the first day."))
        return data


class AccountForm(forms.Form):
    """The account the payment is transferred to (SEPA credit transfer)."""

    holder = forms.CharField(label=_("Account holder"), max_length=70)
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        help_text=_("Spaces are allowed, e.g. DE89 3704 0044 0532 0130 00."),
    )
    bic = forms.CharField(
        label=_("BIC"),
        required=False,
        max_length=14,
        help_text=_("Only needed for accounts outside Germany."),
    )


class DebtorForm(AccountForm):
    """The account a territory pays from (the debtor of its SEPA credit transfers): the fields of
    :class:`AccountForm`, a creditor identifier and a first day."""

    holder = forms.CharField(
        label=_("Account holder"),
        max_length=70,
        help_text=_("As the bank knows the account, e.g. Bezirksamt Mitte – Jugendamt."),
    )
    creditor_id = forms.CharField(
        label=_("Creditor identifier (Gläubiger-ID)"),
        required=False,
        max_length=40,
        help_text=_("Optional; only direct debits need it, e.g. DE98ZZZ09999999999."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=ISO_DATE)
