"""The facility social index page: each facility's need level from its children's home areas or
from its own area, with the basis used (sortable table, CSV/Excel).

Open to the staff roles that may view areas; the facilities listed are those the user may see
(``facilities.selectors.facilities_visible_to``), so a facility manager sees the own ones only.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.indicators.facility_index import (
    DEFAULT_MIN_CHILDREN,
    HIGH_NEED_CLASSES,
    BasisUsed,
    FacilityNeed,
    NeedBasis,
)
from kitaplan.web.core import access
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.facilities.models import Facility
from kitaplan.web.monitoring import facility_index
from kitaplan.web.territory.models import Area, Territory
from kitaplan.web.territory.requests import territory_from_request

BASIS_CHOICES = {
    NeedBasis.HOME_AREAS.value: _("the children's home areas (fallback: the facility's area)"),
    NeedBasis.OWN_AREA.value: _("the facility's area"),
}
BASIS_USED_LABELS = {
    BasisUsed.HOME_AREAS: _("children's home areas"),
    BasisUsed.OWN_AREA: _("facility's area"),
    BasisUsed.OWN_AREA_FALLBACK: _("facility's area (too few children known)"),
    BasisUsed.NONE: _("no index value"),
}
SHOW_CHOICES = {
    "all": _("all facilities"),
    "enrolled": _("only facilities with children with an accepted place"),
}
PAGE_SIZE = 100
SORT_KEYS = ("number", "name", "district", "own", "known", "home", "share", "index", "basis")
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class FacilityRow:
    facility: Facility
    district: Area | None
    need: FacilityNeed

    @property
    def basis_label(self) -> str:
        return str(BASIS_USED_LABELS[self.need.basis])

    @property
    def high_need_percent(self) -> float | None:
        share = self.need.high_need_share
        return None if share is None else share * 100


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def export_columns() -> list[Column]:
    return [
        Column("facility_number", _("Facility number"), lambda r: r.facility.official_number),
        Column("facility", _("Facility"), lambda r: r.facility.name),
        Column("district", _("District"), lambda r: r.district.name if r.district else ""),
        Column(
            "area_code",
            _("Area code"),
            lambda r: r.facility.area.official_code if r.facility.area else "",
        ),
        Column("area", _("Area"), lambda r: r.facility.area.name if r.facility.area else ""),
        Column("own_index", _("Index of the facility's area"), lambda r: _round(r.need.own_index)),
        Column("own_class", _("Class of the facility's area"), lambda r: r.need.own_class),
        Column("enrolled", _("Children with an accepted place"), lambda r: r.need.enrolled),
        Column("known", _("of them with a known home-area index"), lambda r: r.need.known),
        Column(
            "home_index", _("Mean index of the home areas"), lambda r: _round(r.need.home_index)
        ),
        Column("home_class", _("Class of that mean"), lambda r: r.need.home_class),
        Column(
            "high_need_percent",
            _("Children from areas of class 3 or 4 (%)"),
            lambda r: _round(r.high_need_percent, 1),
        ),
        Column("basis", _("Basis used"), lambda r: r.basis_label),
        Column("index", _("Index used"), lambda r: _round(r.need.index)),
        Column("need_class", _("Need class used"), lambda r: r.need.need_class),
    ]


@dataclass(frozen=True)
class Choices:
    """The page's choices from the query string (unknown values fall back to the defaults)."""

    basis: str
    min_children: int
    sort: str
    show: str


def _choices(request: HttpRequest) -> Choices:
    basis = request.GET.get("basis") or NeedBasis.HOME_AREAS.value
    if basis not in BASIS_CHOICES:
        basis = NeedBasis.HOME_AREAS.value
    try:
        min_children = max(1, int(request.GET.get("min_children") or DEFAULT_MIN_CHILDREN))
    except ValueError:
        min_children = DEFAULT_MIN_CHILDREN
    sort = request.GET.get("sort") or "-index"
    if sort.lstrip("-") not in SORT_KEYS:
        sort = "-index"
    show = request.GET.get("show") or "all"
    if show not in SHOW_CHOICES:
        show = "all"
    return Choices(basis, min_children, sort, show)


def _sorted(rows: list[FacilityRow], sort: str) -> list[FacilityRow]:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    missing = -math.inf if descending else math.inf

    def number(value: float | None) -> float:
        return missing if value is None else value

    def sort_key(row: FacilityRow) -> Any:
        need = row.need
        if key == "name":
            return row.facility.name.lower()
        if key == "district":
            return row.district.name.lower() if row.district else "~"
        if key == "own":
            return number(need.own_index)
        if key == "known":
            return need.known
        if key == "home":
            return number(need.home_index)
        if key == "share":
            return number(need.high_need_share)
        if key == "index":
            return number(need.index)
        if key == "basis":
            return row.basis_label
        return row.facility.official_number

    return sorted(rows, key=sort_key, reverse=descending)


def facility_index_page(request: HttpRequest) -> HttpResponse:
    """Every visible facility of a territory with its need level and the basis used."""
    if not access.can_view_areas(request.user):
        raise PermissionDenied
    territory = territory_from_request(request, having=("facilities",))
    choices = _choices(request)
    rows = [
        FacilityRow(n.facility, n.district, n.need)
        for n in (
            facility_index.visible_needs(
                request.user,
                territory,
                basis=NeedBasis(choices.basis),
                min_children=choices.min_children,
            )
            if territory is not None
            else []
        )
    ]
    counts = Counter(r.need.basis for r in rows)
    with_enrolment = sum(1 for r in rows if r.need.enrolled)
    if choices.show == "enrolled":
        rows = [r for r in rows if r.need.enrolled]
    rows = _sorted(rows, choices.sort)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS and territory is not None:
        return export_response(
            export_format=export_format,
            columns=export_columns(),
            objects=rows,
            base_name=f"sozialindex-kitas-{territory.code}-{choices.basis}",
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/facility_index.html",
        {
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
            "basis": choices.basis,
            "basis_choices": list(BASIS_CHOICES.items()),
            "min_children": choices.min_children,
            "rows": page.object_list,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "total": len(rows),
            "show": choices.show,
            "show_choices": list(SHOW_CHOICES.items()),
            "sort": choices.sort,
            "basis_counts": [(BASIS_USED_LABELS[b], counts[b]) for b in BasisUsed if counts.get(b)],
            "with_enrolment": with_enrolment,
            "high_need_classes": ", ".join(str(c) for c in sorted(HIGH_NEED_CLASSES)),
            "export_url": reverse("monitoring:facility-index"),
        },
    )
