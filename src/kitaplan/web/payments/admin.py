"""Insurance proofs and payee accounts in the Django admin (the pages
``payments:childminder`` are the everyday way to change them). The admin applies the pages'
checks (no overlapping proofs of one kind, an end not before the start, IBAN and BIC checked by
``schwifty``), and
the audit of an account change keeps the IBAN masked, as the pages' audit does."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.audit.services import (
    AuditAction,
    record_audit_event,
    snapshot,
    territory_id_of,
)
from kitaplan.web.payments import services
from kitaplan.web.payments.models import InsuranceProofRecord, PayeeAccount, mask_iban
from kitaplan.web.payments.texts import error_text, master_data_error_text


class InsuranceProofAdminForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in stubs only
    class Meta:
        model = InsuranceProofRecord
        fields = ["childminder", "kind", "monthly_amount_cents", "valid_from", "valid_to"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        childminder, kind = data.get("childminder"), data.get("kind")
        valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
        if childminder is None or not kind or valid_from is None:
            return data
        try:
            services.check_proof_period(valid_from, valid_to)
            services.refuse_overlap(
                childminder, kind, valid_from, valid_to, exclude=self.instance.pk
            )
        except services.PaymentError as error:
            raise forms.ValidationError(master_data_error_text(error)) from error
        return data


@admin.register(InsuranceProofRecord)
class InsuranceProofAdmin(AuditedAdmin):
    form = InsuranceProofAdminForm
    list_display = ("childminder", "kind", "monthly_amount_cents", "valid_from", "valid_to")
    list_filter = ("kind",)


def _account_snapshot(obj: PayeeAccount) -> dict[str, Any]:
    data = snapshot(obj)
    data["iban"] = mask_iban(obj.iban)
    return data


class PayeeAccountAdminForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in stubs only
    class Meta:
        model = PayeeAccount
        fields = ["childminder", "holder", "iban", "bic"]

    def clean_iban(self) -> str:
        return _checked(services.checked_iban, self.cleaned_data.get("iban"))

    def clean_bic(self) -> str:
        return _checked(services.checked_bic, self.cleaned_data.get("bic"))


def _checked(check: Callable[[str], str], value: object) -> str:
    try:
        return str(check(str(value or "")))
    except services.PaymentError as error:
        raise forms.ValidationError(error_text(error)) from error


@admin.register(PayeeAccount)
class PayeeAccountAdmin(AuditedAdmin):
    form = PayeeAccountAdminForm
    list_display = ("childminder", "holder", "iban")

    def save_model(
        self, request: HttpRequest, obj: PayeeAccount, form: forms.BaseForm, change: bool
    ) -> None:
        stored = PayeeAccount.objects.filter(pk=obj.pk).first() if change and obj.pk else None
        before = _account_snapshot(stored) if stored is not None else None
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        record_audit_event(
            actor=request.user,
            action=AuditAction.ADMIN_CHANGED if change else AuditAction.ADMIN_CREATED,
            target=obj,
            before=before,
            after=_account_snapshot(obj),
        )

    def delete_model(self, request: HttpRequest, obj: PayeeAccount) -> None:
        before = _account_snapshot(obj)
        territory = territory_id_of(obj)
        admin.ModelAdmin.delete_model(self, request, obj)
        record_audit_event(
            actor=request.user,
            action=AuditAction.ADMIN_DELETED,
            target_type=obj._meta.label_lower,
            target_label=str(obj),
            before=before,
            territory=territory,
        )
