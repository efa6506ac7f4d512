"""Import history (de: Importprotokoll): every import, refused or done, with its summary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.common.complete_list import ClosingCheck, check_closing
from kitaplan.web.imports.registry import kind_label
from kitaplan.web.territory.models import Territory

#: The note (in ``ImportRun.notes``) with the number of problems found beyond those stored.
PROBLEMS_NOT_STORED = "problems_not_stored"


class ImportStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("imported")
    REFUSED = "refused", _("refused")
    #: checked and rolled back: what the import would do, nothing written (ADR 0003)
    DRY_RUN = "dry_run", _("dry run")


class ImportRun(models.Model):
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="import_runs", verbose_name=_("territory")
    )
    #: a registered import kind (``imports.registry``); its label comes from there
    kind = models.CharField(_("kind of data"), max_length=20)
    mapping = models.CharField(_("column mapping"), max_length=60)
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("checksum"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    actor_label = models.CharField(_("imported by"), max_length=150)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    #: the file was imported as the complete list of its scope (missing records close)
    complete_list = models.BooleanField(_("complete list"), default=False)
    effective_day = models.DateField(_("effective from"), null=True, blank=True)
    #: the first keys of the records closed (or, in a dry run, that would close)
    closing_keys = models.JSONField(_("closed records"), default=list, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.file_name} ({self.get_status_display()})"

    @property
    def kind_label(self) -> str:
        return str(kind_label(self.kind))

    @property
    def is_dry_run(self) -> bool:
        return self.status == ImportStatus.DRY_RUN

    @property
    def closing(self) -> ClosingCheck:
        """How many stored records of the scope this run closes (would close), out of how many."""
        return check_closing(closing=self.removed, kept=self.changed + self.unchanged)

    @property
    def cells_outside_territory(self) -> int:
        """Population grid cells of the file that lie outside every area (left out)."""
        for note in self.notes:
            if isinstance(note, dict) and "cells_outside_territory" in note:
                return int(note["cells_outside_territory"])
        return 0

    @property
    def problems_not_stored(self) -> int:
        """Problems found beyond the stored ones (``KITAPLAN_MAX_STORED_PROBLEMS``): only counted."""
        for note in self.notes:
            if isinstance(note, dict) and PROBLEMS_NOT_STORED in note:
                return int(note[PROBLEMS_NOT_STORED])
        return 0

    @property
    def problem_count(self) -> int:
        """Every problem found, stored or only counted."""
        return len(self.problems) + self.problems_not_stored
