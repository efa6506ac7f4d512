"""The stored close-to-home figures on a population grid (issue 14): one row per territory,
data version and choice of the page, written by the job ``planning.accessibility_grid``
(:mod:`kitaplan.web.planning.accessibility_jobs`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.territory.models import Territory


class GridAccessibility(models.Model):
    """The close-to-home figures of one choice (year, ages, offer, catchment, level, day) on
    the territory's population grid, for the data version ``version`` of the territory
    (``core.derived``). ``result`` holds the rows (area, children, access, share) and the
    totals of the page. A row of an older version is never read again; a job of the current
    version deletes the territory's rows of other versions when it stores its row (a late job
    of an older version deletes nothing)."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="grid_accessibility",
        verbose_name=_("territory"),
    )
    version = models.CharField(_("data version"), max_length=32)
    key = models.CharField(_("choice"), max_length=64)
    result = models.JSONField(_("result"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("close-to-home figures on the population grid")
        verbose_name_plural = _("close-to-home figures on the population grid")
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "version", "key"], name="planning_grid_access_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.territory_id} {self.version} {self.key}"
