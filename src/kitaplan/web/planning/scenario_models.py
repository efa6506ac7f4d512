"""Planning scenarios (de: Planungsszenarien): named lists of changes to today's supply.

A scenario stores only its changes; the baseline is always read fresh from the real places
(:mod:`kitaplan.web.planning.scenario_services`). Scenarios never change real data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import Area, Territory


class Scenario(models.Model):
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="scenarios", verbose_name=_("territory")
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    shared = models.BooleanField(
        _("shared"),
        default=False,
        help_text=_("Other staff of the city may see a shared scenario."),
    )

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["territory", "-created_at"]

    def __str__(self) -> str:
        return self.name


class ScenarioChange(models.Model):
    """One change of a scenario; ``parameters`` holds the numbers of its kind."""

    CHANGE_PLACES = "change_places"
    CLOSE = "close"
    OPEN = "open"
    CONVERT = "convert"
    KIND_CHOICES = [
        (CHANGE_PLACES, _("change places")),
        (CLOSE, _("close a facility")),
        (OPEN, _("open a new facility")),
        (CONVERT, _("convert a special-needs group into integration places")),
    ]

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="changes", verbose_name=_("scenario")
    )
    kind = models.CharField(_("kind of change"), max_length=20, choices=KIND_CHOICES)
    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facility"),
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        verbose_name = _("scenario change")
        verbose_name_plural = _("scenario changes")
        ordering = ["scenario", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "order"], name="unique_change_order"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario_id} #{self.order} {self.kind}"
