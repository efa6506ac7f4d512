"""Kindertagespflege: childminders, their advisory service, permits (§ 43 SGB VIII), proofs with
expiry dates, care contracts with their weekly schedule, and the status history.

Children in contracts are synthetic and named only by a reference. The capacity rule (never more
children present at once than the permit allows) is checked by
:mod:`kitaplan.domain.childminding.capacity` before a contract is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.web.territory.models import Area, Territory

CARE_LOCATIONS = [
    ("own_home", _("own home")),
    ("parents_home", _("parents' home")),
    ("rented_rooms", _("rented rooms")),
    ("group_practice", _("group practice (Großtagespflege)")),
]
STATUSES = [("active", _("active")), ("paused", _("paused")), ("left", _("left"))]
PROOF_KINDS = [
    ("first_aid", _("first-aid course for children")),
    ("police_certificate", _("extended police certificate")),
    ("police_certificate_household", _("extended police certificate of household adults")),
    ("measles", _("measles protection")),
    ("other", _("other proof")),
]
#: Proofs every active childminder needs (measles protection has no expiry).
REQUIRED_PROOFS = ("first_aid", "police_certificate", "measles")
#: Marks of a contract that a rate-table component may require (``requires = "inclusion"``).
SUPPLEMENTS = [
    ("inclusion", _("Supplement for the care of a child with special support needs")),
]


class AdvisoryService(models.Model):
    """A Fachberatung (of the Jugendamt or a provider) and the advisers who work in it."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="advisory_services",
        verbose_name=_("territory"),
    )
    name = models.CharField(_("name"), max_length=160)
    advisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="advisory_services",
        verbose_name=_("advisers"),
    )

    class Meta:
        verbose_name = _("advisory service")
        verbose_name_plural = _("advisory services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupPractice(models.Model):
    """A Großtagespflege: childminders caring together in rented rooms under a Land's limit."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="group_practices",
        verbose_name=_("territory"),
    )
    name = models.CharField(_("name"), max_length=160)
    address = models.CharField(_("address"), max_length=255, blank=True)
    max_children = models.PositiveSmallIntegerField(
        _("most children at the same time"),
        default=10,
        help_text=_("The Land's limit for the whole group practice."),
    )

    class Meta:
        verbose_name = _("group practice")
        verbose_name_plural = _("group practices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Childminder(models.Model):
    """A Kindertagespflegeperson (synthetic in the demo)."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="childminders",
        verbose_name=_("territory"),
    )
    number = models.CharField(_("number"), max_length=32)
    name = models.CharField(_("name"), max_length=160)
    street = models.CharField(_("street and number"), max_length=160, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="childminders",
        verbose_name=_("area"),
    )
    care_location = models.CharField(_("care location"), max_length=20, choices=CARE_LOCATIONS)
    group_practice = models.ForeignKey(
        GroupPractice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("group practice"),
    )
    service = models.ForeignKey(
        AdvisoryService,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="childminders",
        verbose_name=_("advisory service"),
    )
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    inclusion_skills = models.BooleanField(_("inclusion skills"), default=False)
    qualification = models.CharField(
        _("qualification"),
        max_length=40,
        blank=True,
        help_text=_("e.g. QHB 300 UE, 160 UE curriculum, trained pedagogical staff"),
    )
    experience_group = models.CharField(
        _("pay stage"),
        max_length=20,
        blank=True,
        help_text=_("Experience or qualification group of the rate table, e.g. BG2."),
    )
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default="active")
    own_children_slots = models.JSONField(
        _("own children present"),
        default=list,
        blank=True,
        help_text=_("Weekly times when the childminder's own young children are present."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="childminder",
        verbose_name=_("login"),
    )
    #: Set when the personal data of a childminder who left were erased; the number stays so
    #: payment lines remain attributable (:mod:`.erasure`).
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("childminder")
        verbose_name_plural = _("childminders")
        ordering = ["name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "number"], name="unique_childminder")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    #: Prefix of a childminder's code in allocation instances, beside facility numbers.
    PLACE_PREFIX = "KTP:"

    @property
    def official_number(self) -> str:
        """The code of her places in an allocation round (facilities use their own number)."""
        return f"{self.PLACE_PREFIX}{self.number}"

    @property
    def address(self) -> str:
        town = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (self.street, town) if p)

    @property
    def provider(self) -> None:
        """A childminder has no provider (the templates show places of both kinds alike)."""
        return None


class StatusChange(models.Model):
    """The history of a childminder's status (de: Tätigkeitsstatus)."""

    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        related_name="status_history",
        verbose_name=_("childminder"),
    )
    status = models.CharField(_("status"), max_length=10, choices=STATUSES)
    valid_from = models.DateField(_("from"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["childminder", "-valid_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.childminder_id}: {self.status} from {self.valid_from}"


class Permit(models.Model):
    """A care permit (de: Pflegeerlaubnis, § 43 SGB VIII), usually for five years."""

    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        related_name="permits",
        verbose_name=_("childminder"),
    )
    reference = models.CharField(_("file number"), max_length=40, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    max_children = models.PositiveSmallIntegerField(
        _("most children at the same time"),
        default=5,
        help_text=_("At most 5 (§ 43 para. 3 SGB VIII)."),
    )
    conditions = models.TextField(_("conditions"), blank=True)

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        ordering = ["childminder", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                name="permit_at_most_five", condition=models.Q(max_children__lte=5)
            ),
            models.CheckConstraint(
                name="permit_to_after_from",
                condition=models.Q(valid_to__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.childminder.name}: {self.valid_from}–{self.valid_to}"


class Proof(models.Model):
    """A proof with its expiry date (first aid, police certificate, measles protection …)."""

    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        related_name="proofs",
        verbose_name=_("childminder"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=PROOF_KINDS)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("proof")
        verbose_name_plural = _("proofs")
        ordering = ["childminder", "kind", "-issued_on"]

    def __str__(self) -> str:
        return f"{self.childminder_id}: {self.kind} {self.issued_on}"


class CareContract(models.Model):
    """A care relationship funded by the Jugendamt (synthetic child, by reference only)."""

    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("childminder"),
    )
    child_reference = models.CharField(_("child (reference)"), max_length=20)
    child_birth_date = models.DateField(_("child's date of birth"))
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    weekly_hours = models.DecimalField(_("granted weekly hours"), max_digits=5, decimal_places=2)
    slots = models.JSONField(
        _("weekly schedule"),
        default=list,
        help_text=_("Care times per weekday, e.g. Mon 08:00–15:00."),
    )
    settling_in_from = models.DateField(_("settling-in from"), null=True, blank=True)
    settling_in_to = models.DateField(_("settling-in until"), null=True, blank=True)
    funded = models.BooleanField(_("funded by this Jugendamt"), default=True)
    rate_scheme = models.CharField(
        _("rate scheme"),
        max_length=80,
        blank=True,
        help_text=_(
            "The rate-table series that pays this contract. Leave empty when the territory has "
            "only one scheme."
        ),
    )
    #: codes of :data:`SUPPLEMENTS`, sorted (e.g. ``["inclusion"]``)
    supplements = models.JSONField(_("supplements"), default=list, blank=True)
    primary_substitute = models.ForeignKey(
        Childminder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("primary substitute"),
    )
    secondary_substitute = models.ForeignKey(
        Childminder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("secondary substitute"),
    )

    class Meta:
        verbose_name = _("care contract")
        verbose_name_plural = _("care contracts")
        ordering = ["childminder", "valid_from", "child_reference"]

    def __str__(self) -> str:
        return f"{self.child_reference} @ {self.childminder.name}"

    @property
    def supplement_labels(self) -> list[str]:
        """The marked supplements in words (unknown codes as they are stored)."""
        labels = dict(SUPPLEMENTS)
        return [str(labels.get(code, code)) for code in self.supplements or []]
