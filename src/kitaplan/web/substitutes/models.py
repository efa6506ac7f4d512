"""Absences of childminders and substitute care (de: Vertretung, § 23 Abs. 4 S. 2 SGB VIII).

The registry (:mod:`kitaplan.web.childminding`) holds childminders, permits and contracts with a
weekly schedule; this app stores the settings of the Jugendamt, who may act as a substitute in
which model, contact visits (the substitute gets to know the child), reported absences, the
proposals/confirmations per affected child, the parents' e-mail address with their consent per
contract, and the log of the e-mails sent about confirmed substitutes. The assignment itself is computed by
:func:`kitaplan.domain.childminding.substitutes.assign_substitutes`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.childminding.substitutes import SubstituteModel
from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.territory.models import Territory

MODEL_CHOICES = [
    (SubstituteModel.MOBILE.value, _("mobile substitute")),
    (SubstituteModel.BASE.value, _("base with staff")),
    (SubstituteModel.GROUP.value, _("substitute group (4+1 team)")),
    (SubstituteModel.TANDEM.value, _("tandem")),
    (SubstituteModel.KEPT_FREE_PLACE.value, _("kept-free place")),
    (SubstituteModel.GROUP_PRACTICE.value, _("colleague in a group practice")),
    (SubstituteModel.FAMILY.value, _("the family's own arrangement")),
]
ABSENCE_KINDS = [
    ("illness", _("illness")),
    ("holiday", _("holiday")),
    ("training", _("training")),
    ("other", _("other")),
]
ABSENCE_STATUSES = [
    ("reported", _("reported")),
    ("planned", _("planned")),
    ("closed", _("closed")),
]
OPEN_STATUSES = ("reported", "planned")
ROLES = [
    ("primary", _("primary substitute")),
    ("secondary", _("secondary substitute")),
    ("other", _("other known substitute")),
]
ASSIGNMENT_STATUSES = [
    ("proposed", _("proposed")),
    ("confirmed", _("confirmed")),
    ("rejected", _("rejected")),
    ("uncovered", _("uncovered")),
    ("own_arrangement", _("family's own arrangement")),
]
AUDIENCES = [("substitute", _("substitute")), ("parents", _("parents"))]
NOTIFICATION_STATUSES = [
    ("sent", _("e-mail sent")),
    ("failed", _("sending failed")),
    ("no_address", _("no e-mail address with consent")),
    ("not_configured", _("e-mail is not configured")),
]


class SubstituteSettings(models.Model):
    """The rules of one Jugendamt (defaults apply while no row exists)."""

    territory = models.OneToOneField(
        Territory,
        on_delete=models.CASCADE,
        related_name="substitute_settings",
        verbose_name=_("territory"),
    )
    min_contacts = models.PositiveSmallIntegerField(
        _("contact visits needed"),
        default=2,
        help_text=_("A substitute counts as known to the child after this many contact visits."),
    )
    contact_months = models.PositiveSmallIntegerField(
        _("within months"),
        default=6,
        help_text=_("Only contact visits within this many months before the absence count."),
    )
    max_distance_km = models.FloatField(
        _("largest distance (km)"), null=True, blank=True, default=10.0
    )
    day_rate_cents = models.PositiveIntegerField(
        _("day rate for the cost report (cents)"), default=4500
    )
    contact_phone = models.CharField(
        _("phone of the advisory service"),
        max_length=40,
        blank=True,
        help_text=_("Named in the e-mails about a confirmed substitute."),
    )

    class Meta:
        verbose_name = _("substitute settings")
        verbose_name_plural = _("substitute settings")

    def __str__(self) -> str:
        return f"{self.territory}: {self.min_contacts}/{self.contact_months}"

    @classmethod
    def for_territory(cls, territory: Territory) -> SubstituteSettings:
        found = cls.objects.filter(territory=territory).first()
        return found if found is not None else cls(territory=territory)


class SubstituteProfile(models.Model):
    """Which substitute model a childminder works in and whether she takes other children."""

    childminder = models.OneToOneField(
        Childminder,
        on_delete=models.CASCADE,
        related_name="substitute_profile",
        verbose_name=_("childminder"),
    )
    model = models.CharField(
        _("substitute model"),
        max_length=20,
        choices=MODEL_CHOICES,
        default=SubstituteModel.TANDEM.value,
    )
    available = models.BooleanField(_("available as substitute"), default=True)
    email = models.EmailField(
        _("e-mail address for substitute notices"),
        blank=True,
        help_text=_("Without one, the address of her login is used."),
    )

    class Meta:
        verbose_name = _("substitute profile")
        verbose_name_plural = _("substitute profiles")

    def __str__(self) -> str:
        return f"{self.childminder_id}: {self.model}"


class ContactVisit(models.Model):
    """A substitute met the child of a contract (de: Kennenlern-/Kontakttermin)."""

    substitute = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        related_name="contact_visits",
        verbose_name=_("substitute"),
    )
    contract = models.ForeignKey(
        CareContract,
        on_delete=models.CASCADE,
        related_name="contact_visits",
        verbose_name=_("care contract"),
    )
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact visit")
        verbose_name_plural = _("contact visits")
        ordering = ["contract", "-day", "pk"]
        indexes = [models.Index(fields=["contract", "day"])]

    def __str__(self) -> str:
        return f"{self.substitute_id} → {self.contract_id} on {self.day}"


class Absence(models.Model):
    """A childminder is ill, on holiday or in training from ``start`` to ``end`` (inclusive)."""

    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("childminder"),
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    kind = models.CharField(_("reason"), max_length=10, choices=ABSENCE_KINDS)
    status = models.CharField(
        _("status"), max_length=10, choices=ABSENCE_STATUSES, default="reported"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                name="absence_end_after_start", condition=models.Q(end__gte=models.F("start"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.childminder.name}: {self.start}–{self.end}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def calendar_days(self) -> int:
        return (self.end - self.start).days + 1


class SubstituteAssignment(models.Model):
    """The substitute proposed (or confirmed) for one child of an absence, or why none."""

    absence = models.ForeignKey(
        Absence,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("absence"),
    )
    contract = models.ForeignKey(
        CareContract,
        on_delete=models.CASCADE,
        related_name="substitute_assignments",
        verbose_name=_("care contract"),
    )
    substitute = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="substitutions",
        verbose_name=_("substitute"),
    )
    role = models.CharField(_("role"), max_length=10, choices=ROLES, blank=True)
    days = models.JSONField(_("care days"), default=list)  # ISO dates, sorted
    status = models.CharField(_("status"), max_length=16, choices=ASSIGNMENT_STATUSES)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    alternatives = models.JSONField(_("alternatives"), default=list)  # childminder pks, best first
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("substitute assignment")
        verbose_name_plural = _("substitute assignments")
        ordering = ["absence", "contract", "pk"]
        indexes = [models.Index(fields=["substitute", "status"])]

    def __str__(self) -> str:
        return f"{self.absence_id}/{self.contract_id}: {self.status}"

    @property
    def day_count(self) -> int:
        return len(self.days)

    # historic names used in the brief
    @property
    def confirmed_by(self):  # type: ignore[no-untyped-def]
        return self.decided_by if self.status == "confirmed" else None

    @property
    def confirmed_at(self):  # type: ignore[no-untyped-def]
        return self.decided_at if self.status == "confirmed" else None


class ParentContact(models.Model):
    """The parents' e-mail address for one care contract and their consent to be told by e-mail
    (the registry holds no family data; synthetic ``example.org`` addresses in the demo)."""

    contract = models.OneToOneField(
        CareContract,
        on_delete=models.CASCADE,
        related_name="parent_contact",
        verbose_name=_("care contract"),
    )
    email = models.EmailField(_("parents' e-mail address"))
    consent = models.BooleanField(
        _("consent to e-mails about substitute care"),
        default=False,
        help_text=_("Without consent no e-mail is sent to the parents."),
    )
    consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("parents' contact")
        verbose_name_plural = _("parents' contacts")
        ordering = ["contract"]

    def __str__(self) -> str:
        return f"{self.contract_id}: parents"


class Notification(models.Model):
    """One e-mail (or the attempt) about a confirmed substitute: to the substitute or to the
    parents of the child. The row is the log: who, when, which absence (via the assignment),
    and whether it was sent; addresses are not copied here."""

    audience = models.CharField(_("to"), max_length=12, choices=AUDIENCES)
    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="substitute_notifications",
        verbose_name=_("childminder"),
    )
    assignment = models.ForeignKey(
        SubstituteAssignment,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("substitute assignment"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NOTIFICATION_STATUSES, default="not_configured"
    )
    error = models.CharField(_("error"), max_length=255, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.audience}: {self.assignment_id}"
