"""Planning parameters of a territory (de: Planungsparameter der Bedarfsplanung)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.domain.planning.demand import CareRates


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
    #: Empty: the rates of all areas. Set: only for areas whose value of this indicator (e.g. the
    #: MSS status class) equals ``class_value`` (de: Bedarfsquoten je Gebietsklasse).
    class_indicator = models.ForeignKey(
        "territory.IndicatorDefinition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area class indicator"),
    )
    class_value = models.FloatField(_("area class value"), null=True, blank=True)
    #: Several sets may exist for the same year and class (e.g. a draft beside the adopted
    #: rates), told apart by their name; only the active one applies (de: Variante).
    name = models.CharField(_("name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("care rates")
        verbose_name_plural = _("care rates")
        ordering = ["territory", "-valid_from_year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "valid_from_year", "name"],
                condition=models.Q(class_indicator__isnull=True),
                name="unique_care_rates_per_year",
            ),
            models.UniqueConstraint(
                fields=["territory", "valid_from_year", "class_indicator", "class_value", "name"],
                condition=models.Q(class_indicator__isnull=False),
                name="unique_class_care_rates_per_year",
            ),
            models.UniqueConstraint(
                fields=["territory", "valid_from_year"],
                condition=models.Q(class_indicator__isnull=True, active=True),
                name="one_active_care_rates_per_year",
            ),
            models.UniqueConstraint(
                fields=["territory", "valid_from_year", "class_indicator", "class_value"],
                condition=models.Q(class_indicator__isnull=False, active=True),
                name="one_active_class_care_rates_per_year",
            ),
            models.CheckConstraint(
                name="class_value_with_indicator",
                condition=models.Q(class_indicator__isnull=True, class_value__isnull=True)
                | models.Q(class_indicator__isnull=False, class_value__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        name = f" {self.name}" if self.name else ""
        if self.class_indicator_id:
            return (
                f"{self.territory} {self.valid_from_year}{name}"
                f" ({self.class_indicator_id}={self.class_value})"
            )
        return f"{self.territory} {self.valid_from_year}{name}"

    def to_rates(self) -> CareRates:
        from kitaplan.domain.planning.demand import CareRates

        return CareRates(
            by_age={int(k): float(v) for k, v in self.rates.items()},
            integration_rate=self.integration_rate,
            source=self.source,
        )


class TargetRule(models.Model):
    """A strategic target evaluated per area of one level (de: Zielvorgabe mit Ampel)."""

    METRIC_CHOICES = [
        ("facilities_with_inclusion_profile", _("facilities with inclusion profile (count)")),
        (
            "facilities_able_to_care_for_all",
            _("facilities able to care for all children (count)"),
        ),
        ("barrier_free_facilities", _("barrier-free facilities (count)")),
        ("barrier_free_places_per_demand", _("places in barrier-free facilities per place needed")),
        ("integration_places_per_demand", _("integration places per integration place needed")),
        ("demand_met_u3", _("share of demand under 3 met")),
        ("demand_met_ue3", _("share of demand 3 to under 6 met")),
        ("coverage_u3", _("coverage under 3 (places per child)")),
        ("coverage_ue3", _("coverage 3 to under 6 (places per child)")),
    ]
    COMPARISON_CHOICES = [("at_least", _("at least")), ("at_most", _("at most"))]

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="target_rules",
        verbose_name=_("territory"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("target"), max_length=255)
    metric = models.CharField(_("measure"), max_length=40, choices=METRIC_CHOICES)
    level = models.ForeignKey(
        "territory.AreaLevel", on_delete=models.CASCADE, related_name="+", verbose_name=_("level")
    )
    comparison = models.CharField(
        _("comparison"), max_length=10, choices=COMPARISON_CHOICES, default="at_least"
    )
    threshold = models.FloatField(_("threshold"))
    tolerance = models.FloatField(_("tolerance (amber)"), default=0.0)
    source = models.CharField(_("source"), max_length=255, blank=True)
    #: The planning years the rule applies to (empty: open on that side).
    valid_from_year = models.PositiveSmallIntegerField(_("valid from year"), null=True, blank=True)
    valid_to_year = models.PositiveSmallIntegerField(_("valid until year"), null=True, blank=True)
    #: A deactivated rule is kept (and shown as such on its set-up page) but not evaluated.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["territory", "code"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="unique_target_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def applies_in(self, year: int) -> bool:
        """Active and valid in the planning year (:func:`~kitaplan.domain.planning.targets.valid_in`)."""
        from kitaplan.domain.planning.targets import valid_in

        return self.active and valid_in(year, self.valid_from_year, self.valid_to_year)


from kitaplan.web.planning.accessibility_models import GridAccessibility  # noqa: E402, F401
from kitaplan.web.planning.forecast_models import BirthCount, CityForecastCount  # noqa: E402, F401
from kitaplan.web.planning.scenario_models import Scenario, ScenarioChange  # noqa: E402, F401
