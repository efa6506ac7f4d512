"""The Sozialraumbudget: a budget, its versioned distribution runs, every share and its terms,
and the providers' reports of how a share was used (de: Verwendungsnachweis).

A published run is frozen: its row and its shares refuse every change (:class:`FrozenRunError`),
through ``save()``, ``delete()``, queryset ``update()``/``delete()`` and, as the last line, a
database trigger (:mod:`kitaplan.web.core.immutability`, migration ``0002_frozen_records``); a
new rule makes a new version. Use reports keep being added to the shares of a published run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.immutability import FrozenModel, FrozenRecordError, FrozenRule
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import Area, Territory


class FrozenRunError(FrozenRecordError):
    """A published run (or one of its shares) was to be changed or deleted."""


class AreaBudget(models.Model):
    """A Sozialraumbudget of a territory for one year (de: Sozialraumbudget)."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("territory")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    total_cents = models.BigIntegerField(_("total (cents)"))
    source = models.CharField(_("source"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    #: The indicator (or stored index) whose value is a facility's need level; empty: the MSS
    #: status class and index (the default since the first budgets).
    need_indicator = models.CharField(_("need indicator"), max_length=60, blank=True)
    higher_is_more_need = models.BooleanField(_("a higher value means more need"), default=True)

    class Meta:
        verbose_name = _("area budget")
        verbose_name_plural = _("area budgets")
        ordering = ["territory", "-year", "pk"]

    def __str__(self) -> str:
        return f"{self.territory} {self.year}: {self.total_cents / 100:,.2f} EUR"


class BudgetRun(FrozenModel):
    """One distribution of a budget by one rule (versioned; frozen once published)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    STATUS_CHOICES = [(DRAFT, _("draft")), (PUBLISHED, _("published"))]
    frozen_rule = FrozenRule(
        frozen=models.Q(status=PUBLISHED), error=FrozenRunError, label="published budget run"
    )

    budget = models.ForeignKey(
        AreaBudget, on_delete=models.PROTECT, related_name="runs", verbose_name=_("budget")
    )
    version = models.PositiveIntegerField(_("version"))
    rule = models.JSONField(_("rule"))
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES, default=DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    inputs = models.JSONField(_("facility records used"), default=list)
    unallocated_cents = models.BigIntegerField(_("unallocated (cents)"), default=0)
    factor = models.CharField(_("scale factor"), max_length=200, default="1")
    ineligible = models.JSONField(_("ineligible facilities"), default=list)

    class Meta:
        verbose_name = _("budget run")
        verbose_name_plural = _("budget runs")
        ordering = ["budget", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "version"], name="unique_budget_run_version")
        ]

    def __str__(self) -> str:
        return f"{self.budget.territory} {self.budget.year} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == self.PUBLISHED


class BudgetShareRecord(FrozenModel):
    """A facility's amount in a run with every term it is made of."""

    frozen_rule = FrozenRule(
        frozen=models.Q(run__status=BudgetRun.PUBLISHED),
        error=FrozenRunError,
        label="share of a published budget run",
        parent="run",
        parent_frozen=models.Q(status=BudgetRun.PUBLISHED),
    )

    run = models.ForeignKey(
        BudgetRun, on_delete=models.CASCADE, related_name="shares", verbose_name=_("run")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="budget_shares", verbose_name=_("facility")
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    #: [{"code", "cents", "exact" (fraction as text), "values": [[name, value], …]}, …]
    terms = models.JSONField(_("terms"), default=list)
    staff_positions = models.CharField(_("staff positions"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("budget share")
        verbose_name_plural = _("budget shares")
        ordering = ["run", "facility__official_number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "facility"], name="unique_share_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run}: {self.facility} {self.amount_cents / 100:,.2f} EUR"

    @property
    def reported_cents(self) -> int:
        return sum(r.amount_spent_cents for r in self.use_reports.all())


class AreaShareRecord(FrozenModel):
    """An area's amount in a run that splits a budget across areas (e.g. a Land's budget across
    its Jugendamtsbezirke by weighted counts), with every term it is made of."""

    frozen_rule = FrozenRule(
        frozen=models.Q(run__status=BudgetRun.PUBLISHED),
        error=FrozenRunError,
        label="area share of a published budget run",
        parent="run",
        parent_frozen=models.Q(status=BudgetRun.PUBLISHED),
    )

    run = models.ForeignKey(
        BudgetRun, on_delete=models.CASCADE, related_name="area_shares", verbose_name=_("run")
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="budget_shares", verbose_name=_("area")
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    exact_cents = models.CharField(_("amount before rounding (cents)"), max_length=200)
    #: [{"name", "count", "total", "weight", "exact"} (fractions as text), …]
    terms = models.JSONField(_("terms"), default=list)
    remainder_rank = models.PositiveIntegerField(_("rank of the rounding remainder"))

    class Meta:
        verbose_name = _("area share")
        verbose_name_plural = _("area shares")
        ordering = ["run", "area__official_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "area"], name="unique_area_share_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.run}: {self.area} {self.amount_cents / 100:,.2f} EUR"


class UseReport(models.Model):
    """How a share was used (de: Verwendungsnachweis): amount spent, what for, which staff."""

    share = models.ForeignKey(
        BudgetShareRecord,
        on_delete=models.PROTECT,
        related_name="use_reports",
        verbose_name=_("share"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    amount_spent_cents = models.BigIntegerField(_("amount spent (cents)"))
    purpose = models.TextField(_("what for"))
    staff = models.TextField(_("which staff"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("use report")
        verbose_name_plural = _("use reports")
        ordering = ["share", "reported_at"]

    def __str__(self) -> str:
        return f"{self.share}: {self.amount_spent_cents / 100:,.2f} EUR spent"
