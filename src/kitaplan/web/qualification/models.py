"""Qualification of childminders (de: Qualifizierung in der Kindertagespflege).

A **programme** (QHB, the older 160-UE curriculum, trained staff …) has required **parts**: e.g.
QHB's "Grundqualifizierung" of 160 UE with 80 h internships and a test before starting, then the
part "tätigkeitsbegleitend" of 140 UE within a deadline counted from the start of the activity.
An **education provider** (Bildungsträger) runs **courses** of a programme with dated
**modules**; **enrolments** record participants, result and certificate, **attendance** the
units attended per module. **Further training** hours per year are checked against a
**minimum** per territory (default 20 h, a year may have its own).

A participant is a childminder now; an enrolment may later name a Kita staff member instead
(facility and name), so the Maßnahmenplan's staff qualification can reuse the tables.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.web.childminding.models import Childminder
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import Territory

PROGRAMME_KINDS = [
    ("qhb", _("QHB (competence-oriented qualification handbook)")),
    ("curriculum_160", _("160-UE curriculum (DJI)")),
    ("trained_staff", _("trained pedagogical staff")),
    ("other", _("other programme")),
]
TIMINGS = [
    ("before_start", _("before starting")),
    ("alongside_work", _("alongside the work")),
]
ENROLMENT_STATUSES = [
    ("enrolled", _("enrolled")),
    ("completed", _("completed")),
    ("dropped", _("dropped")),
]
RESULTS = [("", _("no result yet")), ("passed", _("passed")), ("failed", _("failed"))]
DEFAULT_MINIMUM_HOURS = Decimal(20)


class Programme(models.Model):
    """A qualification programme and how many courses a year it plans."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="qualification_programmes",
        verbose_name=_("territory"),
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=20, choices=PROGRAMME_KINDS, default="qhb")
    courses_per_year = models.PositiveSmallIntegerField(_("courses planned per year"), default=0)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("qualification programme")
        verbose_name_plural = _("qualification programmes")
        ordering = ["territory", "code"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="unique_programme_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_units(self) -> int:
        return sum(p.units for p in self.parts.all())


class ProgrammePart(models.Model):
    """A required part: its units (UE), internship hours, test, and when it is due."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="parts", verbose_name=_("programme")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=120)
    timing = models.CharField(_("timing"), max_length=20, choices=TIMINGS)
    units = models.PositiveSmallIntegerField(_("teaching units (UE)"))
    internship_hours = models.PositiveSmallIntegerField(_("internship hours"), default=0)
    test_required = models.BooleanField(_("test required"), default=False)
    deadline_months = models.PositiveSmallIntegerField(
        _("deadline in months after starting"),
        null=True,
        blank=True,
        help_text=_("Only for a part alongside the work."),
    )

    class Meta:
        verbose_name = _("programme part")
        verbose_name_plural = _("programme parts")
        ordering = ["programme", "order"]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.name}"


class EducationProvider(models.Model):
    """A Bildungsträger running courses."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="education_providers",
        verbose_name=_("territory"),
    )
    name = models.CharField(_("name"), max_length=160)

    class Meta:
        verbose_name = _("education provider")
        verbose_name_plural = _("education providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    """A course of a programme run by an education provider."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="courses", verbose_name=_("programme")
    )
    provider = models.ForeignKey(
        EducationProvider,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("education provider"),
    )
    #: the course's key in the territory (the ``courses`` and ``attendance`` imports); blank:
    #: a course set up before codes
    code = models.CharField(_("code"), max_length=40, blank=True, default="")
    title = models.CharField(_("title"), max_length=160)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    units = models.PositiveSmallIntegerField(_("teaching units (UE)"), null=True, blank=True)
    places = models.PositiveSmallIntegerField(_("places"), null=True, blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-start", "title"]
        constraints = [
            models.CheckConstraint(
                name="course_end_after_start", condition=models.Q(end__gte=models.F("start"))
            ),
            models.UniqueConstraint(
                fields=["programme", "code"],
                condition=~models.Q(code=""),
                name="unique_course_code",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    """A module of a course, with its dates and units, belonging to one programme part."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course")
    )
    part = models.ForeignKey(
        ProgrammePart,
        on_delete=models.PROTECT,
        related_name="modules",
        verbose_name=_("programme part"),
    )
    title = models.CharField(_("title"), max_length=160)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"), null=True, blank=True)
    units = models.PositiveSmallIntegerField(_("teaching units (UE)"))

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "start", "pk"]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    """A participant of a course: a childminder, or (later) a Kita staff member by facility and
    name. Exactly one kind is set (database constraint)."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("course")
    )
    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("childminder"),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="qualification_enrolments",
        verbose_name=_("facility"),
    )
    participant_name = models.CharField(_("participant"), max_length=160, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ENROLMENT_STATUSES, default="enrolled"
    )
    internship_hours = models.PositiveSmallIntegerField(_("internship hours"), default=0)
    result = models.CharField(_("result"), max_length=10, choices=RESULTS, blank=True)
    tests_passed = models.ManyToManyField(
        ProgrammePart,
        blank=True,
        related_name="+",
        verbose_name=_("tests passed"),
        help_text=_("Learning-outcome checks passed, per programme part."),
    )
    certificate_date = models.DateField(_("certificate date"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["course", "pk"]
        constraints = [
            models.CheckConstraint(
                name="enrolment_one_participant_kind",
                condition=(
                    models.Q(childminder__isnull=False, facility__isnull=True)
                    | (
                        models.Q(childminder__isnull=True, facility__isnull=False)
                        & ~models.Q(participant_name="")
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["course", "childminder"],
                condition=models.Q(childminder__isnull=False),
                name="unique_childminder_enrolment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course}: {self.participant_label}"

    @property
    def participant_label(self) -> str:
        if self.childminder_id is not None:
            return self.childminder.name  # type: ignore[union-attr]
        return f"{self.participant_name} ({self.facility})"


class Attendance(models.Model):
    """Units attended by one participant in one module."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("enrolment")
    )
    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("module")
    )
    units = models.PositiveSmallIntegerField(_("units attended"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["enrolment", "module"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="unique_attendance")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.module_id}: {self.units}"


class FurtherTraining(models.Model):
    """Further training (Fortbildung) a childminder attended, in hours."""

    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        related_name="further_trainings",
        verbose_name=_("childminder"),
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=160)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("further training")
        verbose_name_plural = _("further trainings")
        ordering = ["childminder", "-date"]
        constraints = [
            models.CheckConstraint(name="training_hours_positive", condition=models.Q(hours__gt=0))
        ]

    def __str__(self) -> str:
        return f"{self.childminder_id}: {self.title} ({self.date})"


class TrainingMinimum(models.Model):
    """The yearly minimum of further-training hours of a territory; a row without a year is the
    default, a row with a year overrides it for that year. Without rows: 20 h."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="training_minimums",
        verbose_name=_("territory"),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    hours = models.DecimalField(_("minimum hours per year"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("further-training minimum")
        verbose_name_plural = _("further-training minimums")
        ordering = ["territory", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "year"], name="unique_training_minimum_year"
            ),
            models.UniqueConstraint(
                fields=["territory"],
                condition=models.Q(year__isnull=True),
                name="unique_training_minimum_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory_id} {self.year or '*'}: {self.hours}"
