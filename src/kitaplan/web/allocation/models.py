"""The Platzvergabe in the database: rounds, their published criteria and places, applications
with ranked choices, runs (inputs, seed, code version, result) and offers with their answers.

The computation lives in :mod:`kitaplan.domain.allocation`; :mod:`.services` builds its inputs
from these rows and stores what it returns. A run is immutable once stored: its inputs and result
are JSON snapshots, so a later rerun can reproduce it exactly.

A published run (its offers sent) is frozen, and so are its offers except the answer (status,
when and by whom): ``save()``, ``delete()``, queryset ``update()``/``delete()`` raise
:class:`FrozenRunError`, and a database trigger refuses the rest
(:mod:`kitaplan.web.core.immutability`, migration ``0005_frozen_records``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.allocation import Criterion
from kitaplan.web.core.immutability import FrozenModel, FrozenRecordError, FrozenRule
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import Area, Territory

CRITERION_LABELS = {
    Criterion.INTEGRATION_NEED: _("confirmed integration need"),
    Criterion.SIBLING_AT_FACILITY: _("sibling already attends the facility"),
    Criterion.RESIDENCE_IN_MUNICIPALITY: _("lives in the municipality"),
    Criterion.RESIDENCE_IN_DISTRICT: _("lives in the facility's district"),
    Criterion.SOCIAL_URGENCY: _("confirmed social urgency"),
    Criterion.FACILITY_CRITERIA: _("the facility's own published criteria"),
    Criterion.AGE_AT_START: _("age at start (older first)"),
    Criterion.WAITING_TIME: _("waiting time (earlier registration first)"),
}
CRITERION_CHOICES = [(c.value, CRITERION_LABELS[c]) for c in Criterion]
AGE_GROUP_CHOICES = [("u3", _("under 3")), ("ue3", _("3 to school entry"))]


class FrozenRunError(FrozenRecordError):
    """A published run (or one of its offers beyond the answer) was to be changed or deleted."""


class AllocationRound(models.Model):
    """One allocation round (de: Vergaberunde), e.g. places from 1 August 2027."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="allocation_rounds",
        verbose_name=_("territory"),
    )
    name = models.CharField(_("name"), max_length=160)
    care_start = models.DateField(_("care starts"))
    applications_open = models.DateField(_("applications from"))
    applications_close = models.DateField(_("applications until"))
    offers_on = models.DateField(_("offers sent on"))
    response_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"),
        default=14,
        help_text=_("An offer not answered within this time counts as declined."),
    )
    max_choices = models.PositiveSmallIntegerField(_("most facilities per application"), default=7)
    district_level = models.CharField(
        _("area level of the district criterion"),
        max_length=40,
        blank=True,
        help_text=_("Area level code used by the criterion 'lives in the facility's district'."),
    )
    BATCH = "batch"
    ITERATIVE = "iterative"
    MODE_CHOICES = [
        (BATCH, _("batch: the child-optimal allocation in one run (recommended)")),
        (
            ITERATIVE,
            _(
                "iterative: facilities make offers round by round; facilities that compose "
                "their groups rank their applicants themselves"
            ),
        ),
    ]
    mode = models.CharField(_("mode"), max_length=10, choices=MODE_CHOICES, default=BATCH)
    lottery_seed = models.BigIntegerField(_("lottery seed"), null=True, blank=True)
    seed_drawn_at = models.DateTimeField(_("seed drawn at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("allocation round")
        verbose_name_plural = _("allocation rounds")
        ordering = ["-care_start", "name"]

    def __str__(self) -> str:
        return self.name

    def is_open_for_applications(self, today: dt.date | None = None) -> bool:
        day = today or timezone.localdate()
        return self.applications_open <= day <= self.applications_close

    @property
    def criteria(self) -> list[Criterion]:
        return [Criterion(c.code) for c in self.criterion_rows.all()]


class RoundCriterion(models.Model):
    """One published criterion of a round at its position (0 = decides first)."""

    round = models.ForeignKey(
        AllocationRound,
        on_delete=models.CASCADE,
        related_name="criterion_rows",
        verbose_name=_("round"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("criterion"), max_length=40, choices=CRITERION_CHOICES)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="unique_round_criterion"),
            models.UniqueConstraint(fields=["round", "position"], name="unique_criterion_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.get_code_display()}"


class RoundProgramme(models.Model):
    """The places a facility releases for a round in one age group (de: freie Plätze)."""

    round = models.ForeignKey(
        AllocationRound,
        on_delete=models.CASCADE,
        related_name="programmes",
        verbose_name=_("round"),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="round_programmes",
        verbose_name=_("facility"),
    )
    childminder = models.ForeignKey(
        "childminding.Childminder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="round_programmes",
        verbose_name=_("childminder"),
    )
    age_group = models.CharField(_("age group"), max_length=8, choices=AGE_GROUP_CHOICES)
    capacity = models.PositiveIntegerField(_("places"))
    integration_places = models.PositiveIntegerField(_("of which integration places"), default=0)
    own_order = models.JSONField(
        _("the facility's own order of applicants"),
        default=list,
        blank=True,
        help_text=_(
            "Iterative mode only: application references in the order the facility makes its "
            "offers (it composes its group itself); applicants not listed follow by the criteria."
        ),
    )
    release_unused = models.BooleanField(
        _("release unused integration places"),
        default=False,
        help_text=_("Integration places left empty go to other children."),
    )

    class Meta:
        verbose_name = _("released places")
        verbose_name_plural = _("released places")
        ordering = ["round", "facility__name", "age_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "facility", "age_group"], name="unique_round_programme"
            ),
            models.UniqueConstraint(
                fields=["round", "childminder", "age_group"],
                name="unique_round_childminder_programme",
            ),
            models.CheckConstraint(
                name="integration_places_within_capacity",
                condition=models.Q(integration_places__lte=models.F("capacity")),
            ),
            models.CheckConstraint(
                name="programme_has_one_place",
                condition=models.Q(facility__isnull=False, childminder__isnull=True)
                | models.Q(facility__isnull=True, childminder__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.get_age_group_display()}: {self.capacity}"

    @property
    def place(self) -> Any:
        """The facility or the childminder whose places these are."""
        return self.facility or self.childminder


class FacilityCriterion(models.Model):
    """A facility's own published criterion in a round (e.g. "children of our employees")."""

    round = models.ForeignKey(
        AllocationRound,
        on_delete=models.CASCADE,
        related_name="facility_criteria",
        verbose_name=_("round"),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="own_criteria",
        verbose_name=_("facility"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("criterion"), max_length=200)

    class Meta:
        verbose_name = _("facility criterion")
        verbose_name_plural = _("facility criteria")
        ordering = ["round", "facility", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "facility", "position"], name="unique_facility_criterion"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    """One child's single application in a round (de: Anmeldung/Vormerkung).

    The child is identified by ``reference`` in runs, exports and explanations; the name is
    shown to staff and the parent only. Children in the demo are synthetic.
    """

    round = models.ForeignKey(
        AllocationRound,
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("round"),
    )
    reference = models.CharField(_("reference"), max_length=20)
    child_name = models.CharField(_("child's name"), max_length=160)
    birth_date = models.DateField(_("date of birth"))
    desired_start = models.DateField(_("desired start"))
    weekly_hours = models.PositiveSmallIntegerField(_("weekly hours"), default=35)
    home_address = models.CharField(_("home address"), max_length=200, blank=True)
    home_area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("home area"),
    )
    home_lat = models.FloatField(_("home latitude"), null=True, blank=True)
    home_lon = models.FloatField(_("home longitude"), null=True, blank=True)
    lives_in_municipality = models.BooleanField(_("lives in the municipality"), default=True)
    siblings_at = models.ManyToManyField(
        Facility,
        blank=True,
        related_name="sibling_applications",
        verbose_name=_("siblings attend"),
    )
    integration_need = models.BooleanField(_("confirmed integration need"), default=False)
    social_urgency = models.BooleanField(_("confirmed social urgency"), default=False)
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("parent account"),
    )
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    lottery_number = models.PositiveIntegerField(_("lottery number"), null=True, blank=True)
    #: Set when the personal data were erased (on request or by the retention rule); the row
    #: keeps its reference so published runs stay explainable (:mod:`.erasure`).
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["round", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["round", "reference"], name="unique_application_ref")
        ]

    def __str__(self) -> str:
        return self.reference


class ApplicationChoice(models.Model):
    """A facility on an application's ranked list (rank 1 = most wanted)."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="choices",
        verbose_name=_("application"),
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application_choices",
        verbose_name=_("facility"),
    )
    childminder = models.ForeignKey(
        "childminding.Childminder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application_choices",
        verbose_name=_("childminder"),
    )
    own_criteria_met = models.ManyToManyField(
        FacilityCriterion,
        blank=True,
        related_name="choices",
        verbose_name=_("facility criteria met"),
    )

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["application", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="unique_choice_rank"),
            models.UniqueConstraint(
                fields=["application", "facility"], name="unique_choice_facility"
            ),
            models.UniqueConstraint(
                fields=["application", "childminder"], name="unique_choice_childminder"
            ),
            models.CheckConstraint(
                name="choice_has_one_place",
                condition=models.Q(facility__isnull=False, childminder__isnull=True)
                | models.Q(facility__isnull=True, childminder__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.rank}. {self.place}"

    @property
    def place(self) -> Any:
        return self.facility or self.childminder


class AllocationRun(FrozenModel):
    """One computation of a round: inputs, lottery, code version and result, stored for audit.

    ``inputs`` holds the instance in the interchange format's terms (children by reference,
    facilities by official number) plus the lottery and the meaning of each priority class;
    ``result`` the assignment, seat types and cut-offs. Offers are made from a run when the
    office publishes it.
    """

    MAIN = "main"
    FOLLOW_UP = "follow_up"
    KIND_CHOICES = [(MAIN, _("main run")), (FOLLOW_UP, _("follow-up run"))]
    frozen_rule = FrozenRule(
        frozen=models.Q(published_at__isnull=False),
        error=FrozenRunError,
        label="published allocation run",
    )

    round = models.ForeignKey(
        AllocationRound, on_delete=models.PROTECT, related_name="runs", verbose_name=_("round")
    )
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=KIND_CHOICES)
    seed = models.BigIntegerField(_("lottery seed"))
    code_version = models.CharField(_("code version"), max_length=80)
    inputs = models.JSONField(_("inputs"))
    inputs_sha256 = models.CharField(_("inputs checksum (SHA-256)"), max_length=64)
    result = models.JSONField(_("result"))
    check_problems = models.JSONField(_("problems found by the checker"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("offers sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["round", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="unique_run_number")
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Offer(FrozenModel):
    """The one offer a child holds (de: Platzangebot) and the family's answer."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    REPLACED = "replaced"
    STATUS_CHOICES = [
        (OPEN, _("open")),
        (ACCEPTED, _("accepted")),
        (DECLINED, _("declined")),
        (EXPIRED, _("expired")),
        (REPLACED, _("replaced by a better offer")),
    ]
    HOLDING = (OPEN, ACCEPTED)
    #: The family's answer (and its expiry or replacement) keeps changing after publication.
    frozen_rule = FrozenRule(
        frozen=models.Q(run__published_at__isnull=False),
        error=FrozenRunError,
        label="offer of a published allocation run",
        mutable=frozenset({"status", "answered_at", "answered_by"}),
        parent="run",
        parent_frozen=models.Q(published_at__isnull=False),
    )

    run = models.ForeignKey(
        AllocationRun, on_delete=models.PROTECT, related_name="offers", verbose_name=_("run")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="offers",
        verbose_name=_("application"),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("facility"),
    )
    childminder = models.ForeignKey(
        "childminding.Childminder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("childminder"),
    )
    age_group = models.CharField(_("age group"), max_length=8, choices=AGE_GROUP_CHOICES)
    seat_type = models.CharField(_("kind of place"), max_length=12)
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=OPEN)
    respond_by = models.DateField(_("answer by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["application", "-run__number"]

    def __str__(self) -> str:
        return f"{self.application} → {self.place} ({self.status})"

    @property
    def place(self) -> Any:
        return self.facility or self.childminder


class RunChances(models.Model):
    """The admission chances (de: Platzchancen) of a stored run, computed once by the job
    ``allocation.chances`` (:mod:`kitaplan.web.allocation.chances`).

    ``hits`` maps each child's reference to ``{"f": [[facility, hits], …], "u": hits}``: how
    many of ``draws`` lotteries (seeded from the run's seed) placed the child at each facility
    on its list, in rank order, and how many left it unplaced. A run never changes, so neither
    does this row; it goes with its run.
    """

    run = models.OneToOneField(
        AllocationRun,
        on_delete=models.CASCADE,
        related_name="chances",
        verbose_name=_("allocation run"),
    )
    draws = models.PositiveIntegerField(_("lottery draws"))
    hits = models.JSONField(_("hits per child"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("chances of a run")
        verbose_name_plural = _("chances of runs")

    def __str__(self) -> str:
        return f"{self.run}: {self.draws} draws"
