"""Networks of the city (de: Netzwerke, e.g. Netzwerk Qualitätsentwicklung, Netzwerk
Frühprävention): members, working groups, meetings with attendance and action items.

A member's name and e-mail address are personal data: they are stored only with the member's
consent (``consent_given_at`` and the version of the consent text) and erased on request
(:func:`kitaplan.web.networks.services.erase_member`), which keeps the member's attendance and
action items, anonymised.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.facilities.models import Facility
from kitaplan.web.measures.models import Measure, Organisation
from kitaplan.web.territory.models import Area, Territory


class Network(models.Model):
    """A network of a territory. Its ``code`` is the key the ``network_members`` import names;
    its scope is the areas it works in (none: the whole territory). A closed network (``closed_on``)
    keeps its members, meetings and history but takes no new members from an import."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )
    code = models.CharField(
        _("code"),
        max_length=40,
        default="",
        help_text=_("A short key, unique in the territory, e.g. fruehpraevention."),
    )
    name = models.CharField(_("name"), max_length=255)
    areas = models.ManyToManyField(
        Area,
        blank=True,
        related_name="+",
        verbose_name=_("scope"),
        help_text=_("The areas the network works in; none: the whole territory."),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    organiser_name = models.CharField(_("organiser"), max_length=255, blank=True)
    organiser_email = models.EmailField(_("organiser's e-mail address"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["territory", "name"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="unique_network_name"),
            models.UniqueConstraint(fields=["territory", "code"], name="unique_network_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


class Member(models.Model):
    LEADER = "leader"
    QUALITY = "quality_officer"
    INCLUSION = "inclusion_officer"
    ADVISER = "specialist_adviser"
    PROGRAMME_REP = "programme_representative"
    CITY = "city_representative"
    OTHER = "other"
    ROLE_CHOICES = [
        (LEADER, _("management staff")),
        (QUALITY, _("quality officer")),
        (INCLUSION, _("inclusion officer")),
        (ADVISER, _("specialist adviser")),
        (PROGRAMME_REP, _("representative of a programme")),
        (CITY, _("representative of the city")),
        (OTHER, _("other")),
    ]
    NO_PROGRAMME = ""
    SOCIAL_RESPONSIBILITY = "growing_up"
    LEARNING_TOGETHER = "learning_together"
    WELCOME = "welcome_kitas"
    STRONG_CHILDREN = "strong_children"
    LANGUAGE = "language_kitas"
    PROGRAMME_CHOICES = [
        (NO_PROGRAMME, _("no programme")),
        (SOCIAL_RESPONSIBILITY, _("Growing up with social responsibility (municipal)")),
        (LEARNING_TOGETHER, _("Learning together (municipal)")),
        (WELCOME, _("Welcome Kitas (Land)")),
        (STRONG_CHILDREN, _("Strengthening children (ESF)")),
        (LANGUAGE, _("Language Kitas (federal)")),
    ]

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="members", verbose_name=_("network")
    )
    #: the key of an imported member in its network (e.g. the source system's id); blank: none
    member_key = models.CharField(_("member key"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    #: the member's function as a contact (e.g. "Kita-Leitung"), not a person's contact data
    contact_function = models.CharField(_("contact function"), max_length=120, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="network_members",
        verbose_name=_("organisation"),
    )
    facility = models.ForeignKey(
        Facility,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="network_members",
        verbose_name=_("facility"),
    )
    role = models.CharField(_("role"), max_length=30, choices=ROLE_CHOICES, default=OTHER)
    programme = models.CharField(
        _("programme"), max_length=30, choices=PROGRAMME_CHOICES, blank=True, default=""
    )
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_text_version = models.CharField(_("version of the consent text"), max_length=40)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("network member")
        verbose_name_plural = _("network members")
        ordering = ["network", "name", "pk"]
        constraints = [
            # personal data (name, e-mail address) only with consent; a member named only by
            # organisation, facility and function needs none
            models.CheckConstraint(
                condition=models.Q(consent_given_at__isnull=False)
                | models.Q(erased_at__isnull=False)
                | models.Q(name="", email=""),
                name="network_member_consent_or_erased",
            ),
            models.UniqueConstraint(
                fields=["network", "member_key"],
                condition=~models.Q(member_key=""),
                name="unique_network_member_key",
            ),
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=True) | models.Q(name="", email=""),
                name="network_member_erased_has_no_personal_data",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def display_name(self) -> str:
        """The name; for a member without one (imported by function) the function and the
        organisation or facility."""
        if self.is_erased:
            return str(_("deleted member"))
        if self.name:
            return self.name
        place = self.organisation or self.facility
        parts = [self.contact_function, place.name if place is not None else ""]
        return ", ".join(p for p in parts if p) or str(_("member without a name"))


class WorkingGroup(models.Model):
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="working_groups", verbose_name=_("network")
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        Member, blank=True, related_name="working_groups", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        ordering = ["network", "name"]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("network")
    )
    working_group = models.ForeignKey(
        WorkingGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("working group"),
    )
    title = models.CharField(_("title"), max_length=255)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes of the meeting"), blank=True)
    #: The calendar event's UID; ``sequence`` counts changes of time or venue (RFC 5545).
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    invited_at = models.DateTimeField(_("invitations sent at"), null=True, blank=True)
    attendees: models.ManyToManyField[Member, Attendance] = models.ManyToManyField(
        Member,
        through="Attendance",
        blank=True,
        related_name="meetings",
        verbose_name=_("attendance"),
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["network", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    INVITED = "invited"
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"
    STATUS_CHOICES = [
        (INVITED, _("invited")),
        (PRESENT, _("present")),
        (EXCUSED, _("excused")),
        (ABSENT, _("absent")),
    ]

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=INVITED)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], name="unique_network_meeting_attendance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.member} ({self.status})"


class ActionItem(models.Model):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"
    STATUS_CHOICES = [(OPEN, _("open")), (DONE, _("done")), (DROPPED, _("discontinued"))]

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("meeting")
    )
    text = models.TextField(_("action item"))
    owner = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("responsible"),
    )
    due = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=OPEN)
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="network_action_items",
        verbose_name=_("action-plan measure"),
    )

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["meeting", "due", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
