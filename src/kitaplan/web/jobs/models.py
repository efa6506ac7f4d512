"""Background jobs (de: Hintergrundaufträge): our own record of long work run by the worker.

The queue (procrastinate, ADR 0012) carries only the :class:`Job`'s id; everything a page
shows — status, progress, result, error — is stored here, one transaction per change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("job status", "queued")
    RUNNING = "running", pgettext_lazy("job status", "running")
    SUCCEEDED = "succeeded", pgettext_lazy("job status", "done")
    FAILED = "failed", pgettext_lazy("job status", "failed")


#: Statuses in which a job is not finished (the page keeps polling).
OPEN_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})


class Job(models.Model):
    #: a registered job kind (``jobs.registry``)
    kind = models.CharField(_("kind"), max_length=60)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    #: a step code worded by ``jobs.messages.word_step``
    step = models.CharField(_("step"), max_length=60, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    actor_label = models.CharField(_("started by"), max_length=150)
    territory = models.ForeignKey(
        "territory.Territory",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territory"),
    )
    #: what the work needs, as ids and flags only (never personal data)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    #: the result: a model label and primary key, or a stored file below the data directory
    result_type = models.CharField(_("result type"), max_length=100, blank=True)
    result_id = models.CharField(_("result id"), max_length=40, blank=True)
    result_file = models.CharField(_("result file"), max_length=255, blank=True)
    #: a failure as a code with parameters (``jobs.messages.word_error`` words it in German)
    error_code = models.CharField(_("error"), max_length=60, blank=True)
    error_params = models.JSONField(_("error parameters"), default=dict, blank=True)
    #: how many times a worker started the work
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"], name="jobs_job_status")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
