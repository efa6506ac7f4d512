"""The parents' Kita-Finder and its page in Leichte Sprache: public, no login, no JavaScript."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kitaplan.web.allocation.models import AllocationRound
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.facilities.models import Facility
from kitaplan.web.finder import selectors
from kitaplan.web.finder.forms import FinderForm
from kitaplan.web.territory.addresses import AddressUnknown, describe_unknown, register_sources

PAGE_SIZE = 10


@dataclass
class Entry:
    """One result as the page shows it."""

    result: selectors.Result
    kind_label: str
    places_text: str
    features: list[str]
    distance_text: str


def _time(value: dt.time) -> str:
    return formats.time_format(value, "H:i")


def places_text(result: selectors.Result, age_group: str) -> str:
    if not result.is_kita:
        return ngettext(
            "%(count)s place is free.", "%(count)s places are free.", result.free or 0
        ) % {"count": result.free}
    places = result.places
    assert places is not None
    parts = []
    if age_group in ("", selectors.AGE_U3):
        parts.append(
            ngettext(
                "%(count)s place for children under 3.",
                "%(count)s places for children under 3.",
                places.places_u3,
            )
            % {"count": places.places_u3}
        )
    if age_group in ("", selectors.AGE_UE3):
        parts.append(
            ngettext(
                "%(count)s place for children from 3 until school entry.",
                "%(count)s places for children from 3 until school entry.",
                places.places_ue3,
            )
            % {"count": places.places_ue3}
        )
    parts.append(_("These are all places of the Kita, not only free places."))
    return " ".join(parts)


def features_in_plain_words(result: selectors.Result) -> list[str]:
    """What the features mean for a family, one sentence each."""
    lines: list[str] = []
    if result.is_kita:
        facility = result.obj
        assert isinstance(facility, Facility)
        places = result.places
        if facility.step_free_entrance and facility.accessible_toilet:
            lines.append(_("The entrance is step-free and there is an accessible toilet."))
        elif facility.step_free_entrance:
            lines.append(_("The entrance is step-free."))
        elif facility.accessible_toilet:
            lines.append(_("There is an accessible toilet."))
        if facility.lift:
            lines.append(_("There is a lift."))
        if facility.accessible_outdoor_area:
            lines.append(_("Children in a wheelchair can use the outdoor area."))
        if not (
            facility.step_free_entrance
            or facility.accessible_toilet
            or facility.lift
            or facility.accessible_outdoor_area
        ):
            lines.append(_("We have no information that the building is barrier-free."))
        if places is not None and places.integration_places:
            lines.append(
                ngettext(
                    "The Kita has %(count)s integration place: a place for a child who needs "
                    "extra support, with more staff.",
                    "The Kita has %(count)s integration places: places for children who need "
                    "extra support, with more staff.",
                    places.integration_places,
                )
                % {"count": places.integration_places}
            )
        if facility.inclusion_profile:
            lines.append(_("The Kita can care for children with severe or multiple disabilities."))
        if facility.opening_time and facility.closing_time:
            lines.append(
                _("The Kita is open from %(opens)s to %(closes)s.")
                % {"opens": _time(facility.opening_time), "closes": _time(facility.closing_time)}
            )
    else:
        cm = result.obj
        assert isinstance(cm, Childminder)
        lines.append(
            _(
                "A childminder cares for a small group of at most 5 children, often in her or "
                "his own home."
            )
        )
        if result.languages:
            lines.append(
                _("Languages spoken: %(languages)s.") % {"languages": ", ".join(result.languages)}
            )
        if cm.inclusion_skills:
            lines.append(_("The childminder is trained to care for children with disabilities."))
        lines.append(_("You get the exact address from the Jugendamt."))
    return lines


def distance_text(result: selectors.Result, area_name: str, address: str = "") -> str:
    """ "About 1,2 km straight-line distance from Falkenseer Chaussee 8, 13583 Berlin." (from
    the home address; without one, from the middle of the chosen area)."""
    if result.distance_km is None:
        return ""
    km = formats.number_format(round(result.distance_km, 1), 1, use_l10n=True)
    if address:
        return _("About %(km)s km straight-line distance from %(address)s.") % {
            "km": km,
            "address": address,
        }
    return _("About %(km)s km straight-line distance from the middle of %(area)s.") % {
        "km": km,
        "area": area_name,
    }


def unknown_address_text(form: FinderForm) -> str:
    """The German message for an address the register does not know ("" when it knows it)."""
    return describe_unknown(form.place) if isinstance(form.place, AddressUnknown) else ""


def apply_url(request: HttpRequest, round_: AllocationRound | None) -> str:
    """The application page of the open round; visitors go through the login first."""
    if round_ is None:
        return ""
    target = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    if request.user.is_authenticated:
        return target
    return f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': target})}"


@login_not_required
def search(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = FinderForm(request.GET, today=today)
    criteria = form.criteria()
    round_ = selectors.open_round(form.city, today) if form.city else None
    results = selectors.find(criteria, round_) if criteria is not None else []
    page_obj = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    area_name = criteria.area.name if criteria is not None and criteria.area else ""
    origin = criteria.origin.label if criteria is not None and criteria.origin else ""
    age_group = criteria.age_group if criteria is not None else ""
    entries = [
        Entry(
            result=result,
            kind_label=_("Kita") if result.is_kita else _("Childminder (Kindertagespflege)"),
            places_text=places_text(result, age_group),
            features=features_in_plain_words(result),
            distance_text=distance_text(result, area_name, origin),
        )
        for result in page_obj
    ]
    return render(
        request,
        "finder/search.html",
        {
            "form": form,
            "criteria": criteria,
            "territory": form.city,
            "page_obj": page_obj,
            "page_range": page_obj.paginator.get_elided_page_range(
                page_obj.number, on_each_side=1, on_ends=1
            ),
            "entries": entries,
            "total": page_obj.paginator.count,
            "round": round_,
            "apply_url": apply_url(request, round_),
            "origin": origin,
            "unknown_address": unknown_address_text(form),
            "register_sources": register_sources(form.city)
            if form.city and form.has_register
            else [],
        },
    )


@login_not_required
def easy_language(request: HttpRequest) -> HttpResponse:
    """How to find and apply for a place, in Leichte Sprache (German only by nature)."""
    return render(request, "finder/easy_language.html")
