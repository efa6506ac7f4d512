from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.payments.models import InsuranceProofRecord, PayeeAccount


@admin.register(InsuranceProofRecord)
class InsuranceProofAdmin(AuditedAdmin):
    list_display = ("childminder", "kind", "monthly_amount_cents", "valid_from", "valid_to")
    list_filter = ("kind",)


@admin.register(PayeeAccount)
class PayeeAccountAdmin(AuditedAdmin):
    list_display = ("childminder", "holder", "iban")
