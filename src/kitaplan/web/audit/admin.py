"""Administration pages (Django admin) that write every change to the audit trail.

The admin is for administrators only (user accounts and role assignments: ``accounts.admin``;
territories). Data of
areas, population, indicators and facilities changes through imports and the pages, which audit
themselves; the admin shows the audit trail read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import (
    AuditAction,
    record_audit_event,
    snapshot,
    territory_id_of,
)

SECRET_FIELDS = {"password"}


def _snapshot(obj: models.Model, redacted: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The object's fields for the audit; secrets hidden, personal data only as "(set)"."""
    data = snapshot(obj)
    return {
        k: "(hidden)" if k in SECRET_FIELDS else (("(set)" if v else "") if k in redacted else v)
        for k, v in data.items()
    }


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose saves and deletions are recorded with before/after values.

    ``audit_redacted_fields`` names fields with personal data (e-mail addresses …) that the
    audit records only as set or empty, never their values.
    """

    audit_redacted_fields: frozenset[str] = frozenset()

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        redacted = self.audit_redacted_fields
        before = (
            _snapshot(type(obj).objects.get(pk=obj.pk), redacted) if change and obj.pk else None
        )
        super().save_model(request, obj, form, change)
        record_audit_event(
            actor=request.user,
            action=AuditAction.ADMIN_CHANGED if change else AuditAction.ADMIN_CREATED,
            target=obj,
            before=before,
            after=_snapshot(obj, redacted),
        )

    def delete_model(self, request: Any, obj: Any) -> None:
        before = _snapshot(obj, self.audit_redacted_fields)
        pk = str(obj.pk)
        territory = territory_id_of(obj)
        super().delete_model(request, obj)
        record_audit_event(
            actor=request.user,
            action=AuditAction.ADMIN_DELETED,
            target_type=obj._meta.label_lower,
            target_id=pk,
            target_label=str(obj),
            before=before,
            territory=territory,
        )

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("occurred_at", "actor_label", "action", "target_type", "target_label")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_label", "target_id")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
