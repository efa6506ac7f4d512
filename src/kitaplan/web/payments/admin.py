"""Insurance proofs and payee accounts in the Django admin (the pages
``payments:childminder`` are the everyday way to change them). The audit of an account change
keeps the IBAN masked, as the pages' audit does."""

from typing import Any

from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.payments.models import InsuranceProofRecord, PayeeAccount, mask_iban


@admin.register(InsuranceProofRecord)
class InsuranceProofAdmin(AuditedAdmin):
    list_display = ("childminder", "kind", "monthly_amount_cents", "valid_from", "valid_to")
    list_filter = ("kind",)


def _account_snapshot(obj: PayeeAccount) -> dict[str, Any]:
    data = snapshot(obj)
    data["iban"] = mask_iban(obj.iban)
    return data


@admin.register(PayeeAccount)
class PayeeAccountAdmin(AuditedAdmin):
    list_display = ("childminder", "holder", "iban")

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
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

    def delete_model(self, request: Any, obj: Any) -> None:
        before = _account_snapshot(obj)
        admin.ModelAdmin.delete_model(self, request, obj)
        record_audit_event(
            actor=request.user,
            action=AuditAction.ADMIN_DELETED,
            target_type=obj._meta.label_lower,
            target_label=str(obj),
            before=before,
        )
