from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.budget.models import AreaBudget, BudgetRun, UseReport

# ModelAdmin is generic in the stubs only: it cannot be subscripted at run time.
if TYPE_CHECKING:
    _RunAdmin = admin.ModelAdmin[BudgetRun]
    _UseReportAdmin = admin.ModelAdmin[UseReport]
else:
    _RunAdmin = _UseReportAdmin = admin.ModelAdmin


@admin.register(AreaBudget)
class AreaBudgetAdmin(AuditedAdmin):
    list_display = ("territory", "year", "total_cents", "source")
    list_filter = ("territory", "year")


@admin.register(BudgetRun)
class BudgetRunAdmin(_RunAdmin):
    """Read-only: runs are made and published by the budget pages (audited services)."""

    list_display = ("budget", "version", "status", "created_at", "published_at")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest, obj: BudgetRun | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BudgetRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BudgetRun | None = None) -> bool:
        return False


@admin.register(UseReport)
class UseReportAdmin(_UseReportAdmin):
    list_display = ("share", "amount_spent_cents", "reported_by", "reported_at")

    def has_add_permission(self, request: HttpRequest, obj: UseReport | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: UseReport | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: UseReport | None = None) -> bool:
        return False
