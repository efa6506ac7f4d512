from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.budget.models import AreaBudget, BudgetRun, UseReport


@admin.register(AreaBudget)
class AreaBudgetAdmin(AuditedAdmin):
    list_display = ("territory", "year", "total_cents", "source")
    list_filter = ("territory", "year")


@admin.register(BudgetRun)
class BudgetRunAdmin(admin.ModelAdmin):
    """Read-only: runs are made and published by the budget pages (audited services)."""

    list_display = ("budget", "version", "status", "created_at", "published_at")
    list_filter = ("status",)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(UseReport)
class UseReportAdmin(admin.ModelAdmin):
    list_display = ("share", "amount_spent_cents", "reported_by", "reported_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
