"""Planning parameters of a territory (de: Planungsparameter der Bedarfsplanung)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.web.territory.models import Territory


class CareRateSet(models.Model):
    """Care rates by single year of age (de: Bedarfsquoten), valid from a planning year on.

    The set with the latest ``valid_from_year`` not after a planning year applies to that year.
    """

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="care_rate_sets",
        verbose_name=_("territory"),
    )
    valid_from_year = models.PositiveSmallIntegerField(_("valid from year"))
    rates = models.JSONField(
        _("care rates by age"), help_text=_("Share 0–1 per single year of age.")
    )
    integration_rate = models.FloatField(_("integration rate"), default=0.0)
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("care rates")
        verbose_name_plural = _("care rates")
        ordering = ["territory", "-valid_from_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "valid_from_year"], name="unique_care_rates_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory} {self.valid_from_year}"
