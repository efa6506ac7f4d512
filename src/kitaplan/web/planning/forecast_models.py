"""The inputs of the forecast of a city that publishes no children by age per area.

Dresden (and many cities) publish live births per Stadtteil and a citywide population forecast
by single year of age, but no children by age per Stadtteil. Both are imported (kinds
``births`` and ``city_forecast``, :mod:`kitaplan.web.planning.forecast_imports`) and shared out
by ``domain.planning.forecast_births`` when a territory has no population history of its own
(:mod:`kitaplan.web.planning.forecasting`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.web.territory.models import Area, Territory


class BirthCount(models.Model):
    """Live births of one calendar year in an area of the finest level (de: Geborene)."""

    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="births", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    count = models.PositiveIntegerField(_("births"))
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("birth count")
        verbose_name_plural = _("birth counts")
        ordering = ["area", "year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="unique_birth_count"),
        ]

    def __str__(self) -> str:
        return f"{self.area.official_code} {self.year}: {self.count}"


class CityForecastCount(models.Model):
    """The city's own forecast of its residents of one age in one year (whole territory)."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="city_forecast",
        verbose_name=_("territory"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    age = models.PositiveSmallIntegerField(_("age"))
    count = models.PositiveIntegerField(_("residents"))
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("citywide forecast count")
        verbose_name_plural = _("citywide forecast counts")
        ordering = ["territory", "year", "age"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "year", "age"], name="unique_city_forecast_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory.code} {self.year} age {self.age}: {self.count}"
