"""The audit trail: who changed what, when, with the values before and after.

Values of personal fields are never stored, only their names (:mod:`kitaplan.web.audit.personal`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change (or one significant run). Never updated, never deleted by the application."""

    occurred_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(
        _("actor name"),
        max_length=150,
        help_text=_("Kept when the user account is later renamed; 'system' for scripted runs."),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, db_index=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, db_index=True)
    target_label = models.CharField(_("target"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    details = models.JSONField(_("details"), null=True, blank=True)
    # no constraint: an event is never changed nor deleted, and keeps the number of a territory
    # deleted later (as target_id keeps a deleted record's)
    territory = models.ForeignKey(
        "territory.Territory",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territory"),
    )  # of the record (its territory path); empty: none (a login, a city-wide record, or an
    # event recorded before the field existed): shown only to users of every territory
    personal_fields = models.JSONField(
        _("personal fields"),
        default=list,
        blank=True,
        help_text=_("Personal fields that were set or changed; their values are never recorded."),
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
