"""What kitaplan keeps beside django-rest-knox's API tokens.

knox stores a token as a digest (``knox.AuthToken``: digest, the first characters of the key in
``token_key``, user, created, expiry) and never the key itself. A token has no name there, and
its primary key is the digest, which we do not want in page forms or the audit trail. Each token
therefore gets one :class:`ApiTokenLabel`: the name its owner chose ("Statistikamt, nightly
import") and a plain number that the revoke forms and audit events use.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

LABEL_MAX_LENGTH = 100


class ApiTokenLabel(models.Model):
    """The label and the public number of one knox token (deleted with the token)."""

    token = models.OneToOneField(
        AuthToken,
        on_delete=models.CASCADE,
        related_name="kitaplan_label",
        verbose_name=_("API token"),
    )
    label = models.CharField(_("Label"), max_length=LABEL_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("API token label")
        verbose_name_plural = _("API token labels")

    def __str__(self) -> str:
        return self.label or f"#{self.pk}"
