"""Providers (de: Träger), facilities (de: Kindertageseinrichtungen) and their places over time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.common.vocabulary import ProviderType
from kitaplan.web.core.validity import ValidityQuerySet
from kitaplan.web.territory.models import Area, Territory

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

PROVIDER_TYPE_CHOICES = [
    (ProviderType.MUNICIPAL.value, _("municipal")),
    (ProviderType.NON_PROFIT.value, _("free / non-profit")),
    (ProviderType.CHURCH.value, _("church")),
    (ProviderType.PARENT_INITIATIVE.value, _("parent initiative")),
    (ProviderType.COMPANY.value, _("company")),
    (ProviderType.OTHER.value, _("other")),
]


#: The most places of one kind a facility may have (the largest Kitas have a few hundred). The
#: model's validators, its database constraint, the edit form, the API and the imports all use
#: this one bound (``place_field_bounds``), so sums of places never overflow.
MAX_PLACES = 2000


def _places_field(
    verbose_name: str | _StrPromise, *, default: int | type[NOT_PROVIDED] = NOT_PROVIDED
) -> models.PositiveIntegerField[int, int]:
    return models.PositiveIntegerField(
        verbose_name, validators=[MaxValueValidator(MAX_PLACES)], default=default
    )


class Provider(models.Model):
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="providers", verbose_name=_("territory")
    )
    official_number = models.CharField(_("provider number"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    provider_type = models.CharField(
        _("provider type"), max_length=20, choices=PROVIDER_TYPE_CHOICES
    )

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "official_number"], name="unique_provider_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    """A Kita with its location, features and (through :class:`FacilityPlaces`) its places."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="facilities", verbose_name=_("territory")
    )
    official_number = models.CharField(_("facility number"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        verbose_name=_("provider"),
    )
    street = models.CharField(_("street"), max_length=160, blank=True)
    house_number = models.CharField(_("house number"), max_length=40, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilities",
        verbose_name=_("area"),
        help_text=_("Derived from the location (point in polygon)."),
    )
    opening_time = models.TimeField(_("opens"), null=True, blank=True)
    closing_time = models.TimeField(_("closes"), null=True, blank=True)
    step_free_entrance = models.BooleanField(_("step-free entrance"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    lift = models.BooleanField(_("lift"), default=False)
    accessible_outdoor_area = models.BooleanField(_("accessible outdoor area"), default=False)
    inclusion_profile = models.BooleanField(
        _("inclusion profile"),
        default=False,
        help_text=_(
            "Can care for children with severe or multiple disabilities or high care needs."
        ),
    )
    valid_from = models.DateField(_("open since"), null=True, blank=True)
    valid_to = models.DateField(_("closed after"), null=True, blank=True)
    data_note = models.CharField(_("data note"), max_length=255, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name", "official_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "official_number"], name="unique_facility_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.official_number})"

    @property
    def is_barrier_free(self) -> bool:
        """Step-free entrance and an accessible toilet: the minimum we call barrier-free."""
        return self.step_free_entrance and self.accessible_toilet

    @property
    def address(self) -> str:
        return format_address(self.street, self.house_number, self.postcode, self.city)


def format_address(street: str, house_number: str, postcode: str, city: str) -> str:
    """ "Falkenseer Chaussee 8, 13583 Berlin" (empty parts left out)."""
    line = " ".join(p for p in (street, house_number) if p)
    town = " ".join(p for p in (postcode, city) if p)
    return ", ".join(p for p in (line, town) if p)


class FacilityPlaces(models.Model):
    """The licensed places of a facility from a day on (de: Platzkapazität laut Betriebserlaubnis).

    A change of places closes the current record (``valid_to``) and opens a new one, so the state
    at any past date stays answerable.
    """

    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        related_name="places_history",
        verbose_name=_("facility"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    places_u3 = _places_field(_("places under 3"))
    places_ue3 = _places_field(_("places 3 to school entry"))
    places_school = _places_field(_("school-age places"), default=0)
    integration_places = _places_field(_("integration places"), default=0)
    special_needs_group_places = _places_field(_("special-needs group places"), default=0)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("places")
        verbose_name_plural = _("places")
        ordering = ["facility", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "valid_from"], name="unique_places_start"),
            models.CheckConstraint(
                name="places_valid_to_after_valid_from",
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
            ),
            models.CheckConstraint(
                name="places_at_most_max_places",
                condition=models.Q(
                    places_u3__lte=MAX_PLACES,
                    places_ue3__lte=MAX_PLACES,
                    places_school__lte=MAX_PLACES,
                    integration_places__lte=MAX_PLACES,
                    special_needs_group_places__lte=MAX_PLACES,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id} from {self.valid_from}: {self.total_places}"

    @property
    def total_places(self) -> int:
        return self.places_u3 + self.places_ue3 + self.places_school

    PLACE_FIELDS = (
        "places_u3",
        "places_ue3",
        "places_school",
        "integration_places",
        "special_needs_group_places",
    )


def place_field_bounds(name: str) -> tuple[int, int]:
    """Smallest and largest value of the places field ``name``, read from its validators."""
    field = FacilityPlaces._meta.get_field(name)
    assert isinstance(field, models.PositiveIntegerField)
    maximum = min(v.limit_value for v in field.validators if isinstance(v, MaxValueValidator))
    return 0, int(maximum)
