"""Forms of the Platzvergabe for families: one application per child and round.

The same form serves parents and the allocation office (registering on behalf of a family); only
the office sees the two criteria it confirms after seeing documents (integration need, social
urgency).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kitaplan.web.allocation.models import AllocationRound, Application
from kitaplan.web.core.validity import valid_from_on
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.addresses import (
    AddressUnknown,
    describe_unknown,
    has_register,
    resolve_address,
)
from kitaplan.web.territory.models import Area

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def choice_label(rank: int) -> str:
    """ "1st choice", "2nd choice", … (German: "1. Wunsch")."""
    if rank == 1:
        return gettext("1st choice")
    if rank == 2:
        return gettext("2nd choice")
    if rank == 3:
        return gettext("3rd choice")
    return gettext("%(n)sth choice") % {"n": rank}


def round_facilities(round_: AllocationRound) -> QuerySet[Facility]:
    """The facilities that released places in the round, by name."""
    return (
        Facility.objects.filter(round_programmes__round=round_)
        .distinct()
        .order_by("name", "official_number")
    )


def home_areas(round_: AllocationRound, current: Area | None = None) -> QuerySet[Area]:
    """Current areas of the round's territory at its finest level (areas without children)."""
    scope = Q(children__isnull=True) & valid_from_on(timezone.localdate())
    if current is not None:
        scope |= Q(pk=current.pk)
    return Area.objects.filter(Q(territory=round_.territory) & scope).distinct().order_by("name")


def round_places(round_: AllocationRound) -> list[tuple[str, Any]]:
    """Facilities and childminders that released places in the round: ("f12" / "c7", object)."""
    from kitaplan.web.childminding.models import Childminder

    childminders = (
        Childminder.objects.filter(round_programmes__round=round_)
        .select_related("area")
        .distinct()
        .order_by("name", "number")
    )
    return [(f"f{f.pk}", f) for f in round_facilities(round_)] + [
        (f"c{c.pk}", c) for c in childminders
    ]


STREET = re.compile(r"^\s*(.*?[^\d\s])\s*\d+\s*[a-zA-Z]?\s*$")


def area_from_address(round_: AllocationRound, address: str) -> Area | None:
    """The finest area of the street in ``address`` when every Kita on that street lies in one
    area; ``None`` otherwise. Kita addresses are the only street index kitaplan has offline
    (no geocoder), so this is a convenience, not a guarantee: the form shows the area found."""
    match = STREET.match(address or "")
    street = (match.group(1) if match else address or "").strip(" ,")
    if not street:
        return None
    variants = {
        street.lower(),
        street.lower().replace("straße", "str."),
        street.lower().replace("str.", "straße"),
    }
    areas = {
        area_id
        for area_id, name in Facility.objects.filter(
            territory=round_.territory, area__isnull=False
        ).values_list("area_id", "street")
        if name and name.lower() in variants
    }
    if len(areas) != 1:
        return None
    return Area.objects.filter(pk=areas.pop()).first()


def place_label(place: Any) -> str:
    if isinstance(place, Facility):
        address = place.address
        return f"{place.name} – {address}" if address else place.name
    area = f" ({place.area.name})" if place.area_id else ""
    return gettext("Childminder %(name)s") % {"name": place.name} + area


def place_code(place: Any) -> str:
    return f"f{place.pk}" if isinstance(place, Facility) else f"c{place.pk}"


class PlaceChoiceField(forms.ChoiceField):
    """A Kita or a childminder of the round; cleans to the object (or ``None`` when empty)."""

    def __init__(
        self, *, places: list[tuple[str, Any]], empty_label: str | _StrPromise, **kwargs: Any
    ) -> None:
        self.places = dict(places)
        choices = [("", empty_label)] + [(code, place_label(obj)) for code, obj in places]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value: Any) -> Any:
        code = super().clean(value)
        return self.places.get(code) if code else None


# ``ModelForm`` and ``ModelChoiceField`` are generic only in django-stubs: without the
# ``django_stubs_ext`` monkeypatch they cannot be subscripted at run time, hence the bare base
# classes with ``type: ignore[type-arg]``.


class FacilityChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Facility) -> str:
        address = obj.address
        return f"{obj.name} – {address}" if address else obj.name


class FacilityMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Facility) -> str:
        address = obj.address
        return f"{obj.name} – {address}" if address else obj.name


class AreaChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class ApplicationForm(forms.Form):
    """A child's application in a round: the child, the family's situation, ranked facilities.

    ``office``: the allocation office fills it in (it may set the confirmed criteria).
    ``application``: the application being changed (prefills the form), else a new one.
    ``duplicates``: applications the new one must not repeat (same child's name and birth date).
    """

    child_name = forms.CharField(label=_("Child's first and last name"), max_length=160)
    birth_date = forms.DateField(label=_("Date of birth"), widget=ISO_DATE)
    desired_start = forms.DateField(label=_("Desired start of care"), widget=ISO_DATE)
    weekly_hours = forms.IntegerField(
        label=_("Weekly hours of care"),
        min_value=1,
        max_value=60,
        initial=35,
        help_text=_("Hours per week you need care for, e.g. 35."),
    )
    home_address = forms.CharField(
        label=_("Home address (street and house number)"),
        max_length=200,
        required=False,
        help_text=_(
            "If you leave the area below empty, it is taken from the street where a Kita lies "
            "in the same street; otherwise please choose the area."
        ),
    )
    home_area = AreaChoiceField(
        label=_("Home area"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Please choose"),
        help_text=_("The area of the municipality the child lives in."),
    )
    lives_in_municipality = forms.BooleanField(
        label=_("The child lives in the municipality (main residence)"),
        required=False,
        initial=True,
    )
    siblings_at = FacilityMultipleChoiceField(
        label=_("Siblings already attend"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("Tick the facilities that a brother or sister of the child attends."),
        # tick boxes however many facilities: a multi-select needs the Ctrl key, which a phone
        # does not have (issue 17)
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        round_: AllocationRound,
        office: bool = False,
        application: Application | None = None,
        duplicates: QuerySet[Application] | None = None,
        **kwargs: Any,
    ) -> None:
        if application is not None and application.pk is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(application)
        super().__init__(*args, **kwargs)
        self.round = round_
        self.office = office
        self.application = application
        self.duplicates = duplicates
        if not self.is_bound and application is None:
            self.initial.setdefault("desired_start", round_.care_start)
        current_area = application.home_area if application and application.pk else None
        home_area = cast(AreaChoiceField, self.fields["home_area"])
        home_area.queryset = home_areas(round_, current_area)
        #: the territory places home addresses through its address register: parents give the
        #: address (no list of areas); the office may still choose the area for an address the
        #: register lacks. Without a register the area list stays (the fallback).
        self.register = has_register(round_.territory)
        if self.register:
            address = self.fields["home_address"]
            address.help_text = _(
                "Street and house number, postcode if you like, e.g. “Hauptstraße 8, 10827”. "
                "We look it up in the address register to find your area."
            )
            if office:
                home_area.help_text = _(
                    "Only for an address the register does not know; otherwise it is taken "
                    "from the address."
                )
            else:
                address.required = True
                del self.fields["home_area"]
        facilities = round_facilities(round_)
        siblings = cast(FacilityMultipleChoiceField, self.fields["siblings_at"])
        siblings.queryset = facilities  # also hands the widget its choices
        places = round_places(round_)
        for rank in range(1, round_.max_choices + 1):
            self.fields[f"choice_{rank}"] = PlaceChoiceField(
                label=choice_label(rank),
                places=places,
                required=rank == 1,
                empty_label=_("Please choose") if rank == 1 else _("– none –"),
            )
        if office:
            self.fields["integration_need"] = forms.BooleanField(
                label=_("Integration need confirmed"),
                required=False,
                help_text=_("Tick only after the documents have been checked."),
            )
            self.fields["social_urgency"] = forms.BooleanField(
                label=_("Social urgency confirmed"),
                required=False,
                help_text=_("Tick only after the documents have been checked."),
            )

    @staticmethod
    def initial_from(application: Application) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "child_name": application.child_name,
            "birth_date": application.birth_date,
            "desired_start": application.desired_start,
            "weekly_hours": application.weekly_hours,
            "home_address": application.home_address,
            "home_area": application.home_area_id,
            "lives_in_municipality": application.lives_in_municipality,
            "siblings_at": [f.pk for f in application.siblings_at.all()],
            "integration_need": application.integration_need,
            "social_urgency": application.social_urgency,
        }
        for choice in application.choices.all():
            initial[f"choice_{choice.rank}"] = place_code(choice.place)
        return initial

    @property
    def choice_fields(self) -> list[forms.BoundField]:
        return [self[f"choice_{rank}"] for rank in range(1, self.round.max_choices + 1)]

    @property
    def detail_fields(self) -> list[forms.BoundField]:
        """The fields about the child and the family (not the ranked list, not the office's)."""
        names = ["child_name", "birth_date", "desired_start", "weekly_hours", "home_address"]
        names += ["home_area"] if "home_area" in self.fields else []
        names += ["lives_in_municipality", "siblings_at"]
        return [self[n] for n in names]

    @property
    def office_fields(self) -> list[forms.BoundField]:
        if not self.office:
            return []
        return [self["integration_need"], self["social_urgency"]]

    def clean_home_address(self) -> str:
        return " ".join(self.cleaned_data.get("home_address", "").split())

    def clean_child_name(self) -> str:
        return " ".join(self.cleaned_data["child_name"].split())

    def clean_desired_start(self) -> dt.date:
        day: dt.date = self.cleaned_data["desired_start"]
        if day < self.round.care_start:
            raise forms.ValidationError(
                gettext("The places of this round start on %(day)s: choose that day or later.")
                % {"day": formats.date_format(self.round.care_start, "SHORT_DATE_FORMAT")}
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[str, int] = {}
        for rank in range(1, self.round.max_choices + 1):
            facility = data.get(f"choice_{rank}")
            if facility is None:
                continue
            if place_code(facility) in seen:
                self.add_error(
                    f"choice_{rank}",
                    gettext(
                        "%(facility)s is already your %(choice)s. Choose each facility only once."
                    )
                    % {
                        "facility": facility.name,
                        "choice": choice_label(seen[place_code(facility)]),
                    },
                )
            else:
                seen[place_code(facility)] = rank
        if self.register:
            self._place_home_address(data)
        elif data.get("home_area") is None and not self.has_error("home_area"):
            area = area_from_address(self.round, data.get("home_address", ""))
            if area is None:
                self.add_error(
                    "home_area",
                    gettext(
                        "Please choose the area: it could not be read from the address (only "
                        "streets on which a Kita lies are known)."
                    ),
                )
            else:
                data["home_area"] = area
        name, birth = data.get("child_name"), data.get("birth_date")
        if self.duplicates is not None and name and birth:
            twins = self.duplicates.filter(
                round=self.round, child_name__iexact=name, birth_date=birth, withdrawn=False
            )
            if self.application is not None and self.application.pk is not None:
                twins = twins.exclude(pk=self.application.pk)
            if twins.exists():
                self.add_error(
                    "child_name",
                    gettext(
                        "This child is already registered in this round. A child is registered "
                        "only once; change the existing application instead."
                    ),
                )
        return data

    def _place_home_address(self, data: dict[str, Any]) -> None:
        """The home area (and the address as the register writes it) from the register."""
        text = data.get("home_address", "")
        if not text or (self.office and data.get("home_area") is not None):
            if not text and data.get("home_area") is None and not self.has_error("home_address"):
                self.add_error("home_address", gettext("Please enter the home address."))
            return
        found = resolve_address(self.round.territory, text)
        if isinstance(found, AddressUnknown):
            self.add_error("home_address", describe_unknown(found))
        elif found.area is None:
            self.add_error(
                "home_address", gettext("The address lies outside the areas of the municipality.")
            )
        else:
            data["home_area"], data["home_address"] = found.area, found.label

    def facilities(self) -> list[Facility]:
        """The ranked facilities, first = most wanted (empty choices left out)."""
        ranked = [
            self.cleaned_data.get(f"choice_{r}") for r in range(1, self.round.max_choices + 1)
        ]
        return [f for f in ranked if f is not None]

    def fill(self, application: Application) -> Application:
        """Copy the cleaned data onto the application (not saved)."""
        d = self.cleaned_data
        application.child_name = d["child_name"]
        application.birth_date = d["birth_date"]
        application.desired_start = d["desired_start"]
        application.weekly_hours = d["weekly_hours"]
        application.home_address = d.get("home_address", "")
        application.home_area = d["home_area"]
        application.lives_in_municipality = d["lives_in_municipality"]
        if self.office:
            application.integration_need = d["integration_need"]
            application.social_urgency = d["social_urgency"]
        return application
