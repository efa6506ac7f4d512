"""The finder's search form: a plain GET form (works without JavaScript)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kitaplan.web.finder import selectors
from kitaplan.web.territory.addresses import (
    AddressMatch,
    AddressUnknown,
    has_register,
    resolve_address,
)
from kitaplan.web.territory.models import Area, Territory

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

MONTHS_AHEAD = 18


def month_choices(today: dt.date) -> list[tuple[str, str | _StrPromise]]:
    choices: list[tuple[str, str | _StrPromise]] = [("", _("now"))]
    year, month = today.year, today.month
    for _k in range(MONTHS_AHEAD):
        first = dt.date(year, month, 1)
        choices.append((first.strftime("%Y-%m"), formats.date_format(first, "YEAR_MONTH_FORMAT")))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return choices


class FinderForm(forms.Form):
    territory = forms.ChoiceField(label=_("City"), required=False)
    area = forms.ChoiceField(
        label=_("Area where you live"),
        required=False,
        help_text=_(
            "Places nearest to the middle of this area come first (straight-line distance). "
            "After choosing another city, press “Search” to get its areas."
        ),
    )
    address = forms.CharField(
        label=_("Street, postcode or name of the area"),
        required=False,
        max_length=120,
        help_text=_(
            "There is no map search here: we compare your words with the names of the areas "
            "and with the streets and postcodes of the Kitas."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    #: label and help of the address field where the city has an address register
    REGISTER_LABEL = _("Your address (street and house number, postcode if you like)")
    REGISTER_HELP = _(
        "We look the address up in the city's address register and sort the places by "
        "straight-line distance from it, e.g. “Falkenseer Chaussee 8” or “Hauptstr. 12, 10827”."
    )
    age_group = forms.ChoiceField(
        label=_("Age of the child"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("", _("any age")),
            (selectors.AGE_U3, _("under 3 years")),
            (selectors.AGE_UE3, _("3 years until school entry")),
        ],
    )
    start = forms.ChoiceField(
        label=_("Care should start in"),
        required=False,
        help_text=_("Shows Kitas that are open then. It is not a promise of a free place."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of care"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("", _("Kitas and childminders")),
            (selectors.KIND_KITA, _("only Kitas")),
            (selectors.KIND_CHILDMINDER, _("only childminders (Kindertagespflege)")),
        ],
    )
    integration = forms.BooleanField(
        label=_("Kita with integration places (for children who need extra support)"),
        required=False,
    )
    barrier_free = forms.BooleanField(
        label=_("Barrier-free Kita (step-free entrance and accessible toilet)"),
        required=False,
    )
    inclusion_profile = forms.BooleanField(
        label=_("Care for children with severe or multiple disabilities"),
        required=False,
        help_text=_("Kitas with an inclusion profile and childminders with inclusion skills."),
    )
    language = forms.ChoiceField(
        label=_("Language spoken by the childminder"),
        required=False,
        help_text=_("We only know the languages of childminders, not of Kitas."),
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.territories = list(Territory.objects.order_by("name"))
        self._choice("territory").choices = [(t.code, t.name) for t in self.territories]
        self._choice("start").choices = month_choices(today)
        code = self.data.get("territory") if self.is_bound else None
        #: The city searched in (the first by name when none or an unknown one was sent).
        self.city: Territory | None = next(
            (t for t in self.territories if t.code == code),
            self.territories[0] if self.territories else None,
        )
        self.areas: dict[str, Area] = {}
        languages: list[str] = []
        #: the city places addresses through its register (then no area is chosen from a list)
        self.has_register = self.city is not None and has_register(self.city)
        #: the address looked up in the register (criteria() sets it)
        self.place: AddressMatch | AddressUnknown | None = None
        if self.city is not None:
            if not self.has_register:
                self.areas = {str(a.pk): a for a in selectors.finest_areas(self.city)}
            languages = selectors.spoken_languages(self.city)
        if self.has_register:
            del self.fields["area"]
            self.fields["address"].label = self.REGISTER_LABEL
            self.fields["address"].help_text = self.REGISTER_HELP
        if "area" in self.fields:
            self._choice("area").choices = [("", _("– no area –"))] + [
                (pk, area.name) for pk, area in self.areas.items()
            ]
        self._choice("language").choices = [("", _("any language"))] + [
            (lang, lang) for lang in languages
        ]
        #: An area of another city was sent (the city changed): it is ignored, not an error.
        self.area_ignored = False
        if self.is_bound:
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            if data.get("area") and data["area"] not in self.areas:
                data["area"] = ""
                self.area_ignored = True
            if data.get("language") and data["language"] not in languages:
                data["language"] = ""
            self.data = data

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def criteria(self) -> selectors.Criteria | None:
        if self.city is None or not self.is_valid():
            return None
        data = self.cleaned_data
        day = self.today
        if data.get("start"):
            year, month = (int(part) for part in data["start"].split("-"))
            day = max(self.today, dt.date(year, month, 1))
        address = data.get("address", "").strip()
        origin: AddressMatch | None = None
        if self.has_register and address:
            self.place = resolve_address(self.city, address)
            if isinstance(self.place, AddressUnknown):
                return None
            origin, address = self.place, ""
        return selectors.Criteria(
            territory=self.city,
            day=day,
            area=self.areas.get(data.get("area") or ""),
            origin=origin,
            address=address,
            age_group=data.get("age_group", ""),
            integration=bool(data.get("integration")),
            barrier_free=bool(data.get("barrier_free")),
            inclusion_profile=bool(data.get("inclusion_profile")),
            kind=data.get("kind", ""),
            language=data.get("language", ""),
        )
