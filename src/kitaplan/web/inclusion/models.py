"""Inclusion (Maßnahmenplan, Handlungsfelder 2 and 3).

**Checklist** (de: Kriterien „Kita für alle“): whether a facility can care for all children is a
configurable list of items per territory. An item is met by a **facility feature** (barrier-free,
inclusion profile, lift …), by **staff qualification** (at least N completed enrolments of a
programme at the facility: the qualification app's enrolments name Kita staff by facility and
name) or by a **manual confirmation** (rooms, cooperation with therapists): the latest
:class:`FacilityConfirmation` of the facility and item decides. A facility meets the checklist
when its territory has active items and it meets every one of them.

**Resource pool** (de: Ressourcenpool): aids and expert cooperations of the city, each with an
owner, a location and an availability flag; facilities **book** them for a period, the pool lends
them and takes them back. Bookings that are requested or lent may not overlap.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.inclusion import pool
from kitaplan.web.facilities.models import Facility
from kitaplan.web.qualification.models import Programme
from kitaplan.web.territory.models import Territory

ITEM_KINDS = [
    ("feature", _("facility feature")),
    ("staff_qualification", _("staff qualification")),
    ("confirmation", _("manual confirmation")),
]
#: Facility features an item may require; "barrier_free" is step-free entrance and toilet.
FEATURES = [
    ("barrier_free", _("barrier-free (step-free entrance and accessible toilet)")),
    ("inclusion_profile", _("inclusion profile")),
    ("step_free_entrance", _("step-free entrance")),
    ("accessible_toilet", _("accessible toilet")),
    ("lift", _("lift")),
    ("accessible_outdoor_area", _("accessible outdoor area")),
]
FEATURE_FIELDS = {
    "barrier_free": ("step_free_entrance", "accessible_toilet"),
    "inclusion_profile": ("inclusion_profile",),
    "step_free_entrance": ("step_free_entrance",),
    "accessible_toilet": ("accessible_toilet",),
    "lift": ("lift",),
    "accessible_outdoor_area": ("accessible_outdoor_area",),
}
POOL_KINDS = [("aid", _("aid")), ("expert", _("expert cooperation"))]
BOOKING_STATUSES = [
    ("requested", _("requested")),
    ("lent", _("lent")),
    ("returned", _("returned")),
    ("cancelled", _("cancelled")),
]
#: Bookings in these statuses hold the item for their period.
HOLDING_STATUSES = ("requested", "lent")


class ChecklistItem(models.Model):
    """One criterion of "able to care for all children"."""

    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="checklist_items",
        verbose_name=_("territory"),
    )
    code = models.CharField(_("code"), max_length=20)
    label = models.CharField(_("criterion"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ITEM_KINDS)
    feature = models.CharField(_("feature"), max_length=30, choices=FEATURES, blank=True)
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("qualification programme"),
    )
    min_completions = models.PositiveSmallIntegerField(
        _("completions needed"),
        default=1,
        help_text=_("Staff members of the facility who completed the programme."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["territory", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="unique_checklist_code"),
            models.CheckConstraint(
                name="checklist_item_kind_fields",
                condition=(models.Q(kind="feature", programme__isnull=True) & ~models.Q(feature=""))
                | models.Q(kind="staff_qualification", programme__isnull=False, feature="")
                | models.Q(kind="confirmation", programme__isnull=True, feature=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class FacilityConfirmation(models.Model):
    """A manual confirmation (or its withdrawal) of an item for a facility; the latest counts."""

    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="checklist_confirmations",
        verbose_name=_("facility"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.CASCADE,
        related_name="confirmations",
        verbose_name=_("criterion"),
    )
    confirmed = models.BooleanField(_("confirmed"), default=True)
    date = models.DateField(_("date"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        ordering = ["facility", "item", "-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.facility_id}/{self.item_id} {self.date}: {self.confirmed}"


class PoolItem(models.Model):
    """An aid or expert cooperation in the city-wide pool."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="pool_items", verbose_name=_("territory")
    )
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=10, choices=POOL_KINDS)
    owner_name = models.CharField(
        _("owner (organisation)"),
        max_length=160,
        blank=True,
        help_text=_("Leave empty when a facility owns it."),
    )
    owner_facility = models.ForeignKey(
        Facility,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_pool_items",
        verbose_name=_("owner (facility)"),
    )
    location = models.CharField(_("location"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    available = models.BooleanField(
        _("available"), default=True, help_text=_("Untick while it cannot be lent at all.")
    )

    class Meta:
        verbose_name = _("pool item")
        verbose_name_plural = _("pool items")
        ordering = ["territory", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="pool_item_has_owner",
                condition=~models.Q(owner_name="") | models.Q(owner_facility__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_label(self) -> str:
        if self.owner_facility_id is not None:
            return str(self.owner_facility)
        return self.owner_name


class Booking(models.Model):
    """A facility's booking of a pool item for a period (both days included)."""

    item = models.ForeignKey(
        PoolItem, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("pool item")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="pool_bookings", verbose_name=_("facility")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    status = models.CharField(
        _("status"), max_length=10, choices=BOOKING_STATUSES, default="requested"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    booked_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    lent_on = models.DateField(_("lent on"), null=True, blank=True)
    returned_at = models.DateField(_("returned on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["item", "-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="booking_end_after_start", condition=models.Q(end__gte=models.F("start"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.facility_id} {self.start}–{self.end}"

    @property
    def facts(self) -> pool.BookingFacts:
        """The booking as the domain's value."""
        return pool.BookingFacts(
            self.item_id,
            self.facility_id,
            self.status,
            self.start,
            self.end,
            self.lent_on,
            self.returned_at,
        )

    @property
    def days_lent(self) -> int:
        """Days the item was (or is) out (:func:`kitaplan.domain.inclusion.pool.days_lent`)."""
        return pool.days_lent(self.facts)
