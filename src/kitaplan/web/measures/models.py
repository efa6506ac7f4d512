"""The strategic action plan (de: Maßnahmenplan): plans, fields of action, strategic goals,
objectives and measures, with a directory of the organisations taking part, each measure's
status history, comments and documents, and the snapshots stored when a progress report is
issued (so that "what changed since the last report" is answerable).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.planning import progress
from kitaplan.web.territory.models import Territory


class Organisation(models.Model):
    """An entry of the directory of organisations and units (Amt 58, Träger, Stadtelternrat …)."""

    CITY_UNIT = "city_unit"
    PROVIDER = "provider"
    PARENTS_BODY = "parents_body"
    OTHER = "other"
    KIND_CHOICES = [
        (CITY_UNIT, _("unit of the city")),
        (PROVIDER, _("provider")),
        (PARENTS_BODY, _("parents' body")),
        (OTHER, _("other")),
    ]

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    short_name = models.CharField(_("short name"), max_length=80)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=KIND_CHOICES, default=OTHER)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["territory", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "short_name"], name="unique_organisation_short_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """A strategic plan of a territory for a period (e.g. Dresden 2020–2027), in one version
    per year: ``code`` names the plan across its versions, ``version_year`` the version. A new
    version copies the structure and closes the one it follows; a closed plan is read-only."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    code = models.CharField(
        _("code"),
        max_length=40,
        help_text=_("Names the plan across its yearly versions, e.g. inklusion; unique per year."),
    )
    version_year = models.PositiveSmallIntegerField(_("version (year)"))
    title = models.CharField(_("title"), max_length=255)
    first_year = models.PositiveSmallIntegerField(_("from (year)"))
    last_year = models.PositiveSmallIntegerField(_("to (year)"))
    council_decision = models.CharField(_("council decision"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    previous_version = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("previous version"),
    )

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["territory", "code", "-version_year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "code", "version_year"], name="unique_plan_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.first_year}–{self.last_year} ({self.version_year})"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class ActionField(models.Model):
    """A field of action of a plan (de: Handlungsfeld)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="action_fields", verbose_name=_("action plan")
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.TextField(_("title"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("field of action")
        verbose_name_plural = _("fields of action")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="unique_action_field_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class StrategicGoal(models.Model):
    """A strategic goal of a field of action (de: strategisches Ziel)."""

    field = models.ForeignKey(
        ActionField,
        on_delete=models.CASCADE,
        related_name="goals",
        verbose_name=_("field of action"),
    )
    code = models.CharField(_("code"), max_length=20)
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("strategic goal")
        verbose_name_plural = _("strategic goals")
        ordering = ["field", "position"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class Objective(models.Model):
    """An objective (de: Teilziel), optionally linked to a target rule with a traffic light."""

    field = models.ForeignKey(
        ActionField,
        on_delete=models.CASCADE,
        related_name="objectives",
        verbose_name=_("field of action"),
    )
    code = models.CharField(_("code"), max_length=20)
    text = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)
    target_rule = models.ForeignKey(
        "planning.TargetRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="objectives",
        verbose_name=_("target rule"),
    )

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["field", "position"]
        constraints = [
            models.UniqueConstraint(fields=["field", "code"], name="unique_objective_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class Measure(models.Model):
    """A measure (de: Maßnahme) with its period as written and, where readable, start and end."""

    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    DELAYED = "delayed"
    DROPPED = "dropped"
    STATUS_CHOICES = [
        (PLANNED, _("planned")),
        (RUNNING, _("running")),
        (DONE, _("done")),
        (DELAYED, _("delayed")),
        (DROPPED, _("discontinued")),
    ]
    CLOSED = (DONE, DROPPED)

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="measures", verbose_name=_("objective")
    )
    also_objectives = models.ManyToManyField(
        Objective, blank=True, related_name="shared_measures", verbose_name=_("also serves")
    )
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.TextField(_("action-plan measure"))
    period_text = models.CharField(_("period as written"), max_length=120, blank=True)
    start = models.DateField(_("start date"), null=True, blank=True)
    end = models.DateField(_("end date"), null=True, blank=True)
    participants_text = models.CharField(_("participants as written"), max_length=500, blank=True)
    lead = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_measures",
        verbose_name=_("lead"),
    )
    participants = models.ManyToManyField(
        Organisation, blank=True, related_name="measures", verbose_name=_("participants")
    )
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES, default=PLANNED)

    class Meta:
        verbose_name = _("action-plan measure")
        verbose_name_plural = _("measures")
        ordering = ["objective", "position"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "code"], name="unique_measure_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"

    def is_overdue(self, on: dt.date) -> bool:
        """The end has passed and the measure is neither done nor dropped."""
        return progress.is_overdue(end=self.end, status=self.status, on=on)


class StatusChange(models.Model):
    """One entry of a measure's status history."""

    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("action-plan measure"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Measure.STATUS_CHOICES)
    previous_status = models.CharField(
        _("previous status"), max_length=12, choices=Measure.STATUS_CHOICES, blank=True
    )
    date = models.DateField(_("date"))
    comment = models.TextField(_("comment"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["measure", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.measure.code}: {self.previous_status or '–'} → {self.status} ({self.date})"


class Comment(models.Model):
    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("action-plan measure"),
    )
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["measure", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Document(models.Model):
    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("action-plan measure"),
    )
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(_("file"), upload_to="measures/%Y/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["measure", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ReportSnapshot(models.Model):
    """What an issued progress report stated: every measure's status and every linked light."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("action plan")
    )
    period_label = models.CharField(_("period"), max_length=40)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    #: {measure id (text): status}
    statuses = models.JSONField(_("statuses"), default=dict)
    #: {objective id (text): light}
    lights = models.JSONField(_("target lights"), default=dict)

    class Meta:
        verbose_name = _("issued report")
        verbose_name_plural = _("issued reports")
        ordering = ["plan", "-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan}: {self.period_label}"
