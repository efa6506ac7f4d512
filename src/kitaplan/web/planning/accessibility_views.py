"""The close-to-home page (de: wohnortnahe Versorgung): places within reach of the children.

For city staff only (``access.is_city_staff``): the analysis needs every facility of the
territory, and a facility manager sees only their own, so their figures would show gaps that are
not there. The computation is in :mod:`kitaplan.web.planning.accessibility_selectors`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kitaplan.web.childminding.forms import set_model_choices
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, export_response
from kitaplan.web.planning import accessibility_selectors as selectors
from kitaplan.web.planning.accessibility_jobs import (
    grid_choice,
    grid_for_page,
    grid_state,
    request_grid,
)
from kitaplan.web.planning.accessibility_selectors import (
    AGE_LABELS,
    AGE_PHRASES,
    CATCHMENTS,
    DEFAULT_CATCHMENT_M,
    OFFER_LABELS,
    OFFER_PHRASES,
    POINTS_LABELS,
    Ages,
    Offer,
    PopulationPoints,
)
from kitaplan.web.planning.selectors import population_years
from kitaplan.web.territory.forms import TerritoryChoiceField
from kitaplan.web.territory.models import Area, AreaLevel, Territory
from kitaplan.web.territory.requests import territory_from_request

SORT_KEYS = ("code", "name", "children", "access", "share")


class AccessibilityForm(forms.Form):
    territory = TerritoryChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    catchment = forms.TypedChoiceField(
        label=_("Catchment"),
        choices=list(CATCHMENTS.items()),
        coerce=int,
        required=False,
        help_text=_("Straight-line distance from where the children live."),
    )
    offer = forms.TypedChoiceField(
        label=_("Suitable places"),
        choices=[(o.value, label) for o, label in OFFER_LABELS.items()],
        coerce=Offer,
        required=False,
    )
    ages = forms.TypedChoiceField(
        label=_("Age group"),
        choices=[(a.value, label) for a, label in AGE_LABELS.items()],
        coerce=Ages,
        required=False,
    )
    level = forms.ModelChoiceField(
        label=_("Level of the table and map"),
        queryset=AreaLevel.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("finest level"),
    )
    year = forms.TypedChoiceField(label=_("Population year"), coerce=int, required=False)
    points = forms.TypedChoiceField(
        label=_("Where the children live"),
        choices=[(p.value, label) for p, label in POINTS_LABELS.items()],
        coerce=PopulationPoints,
        required=False,
        help_text=_(
            "With a population grid, each area's children are spread over its populated "
            "cells in proportion to their residents instead of sitting on the area's centre."
        ),
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        territory: Territory | None = None,
        years: list[int],
        has_grid: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if territory is not None:
            set_model_choices(self, "level", territory.levels.order_by("rank"))
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.ChoiceField)
        year_field.choices = [(y, str(y)) for y in years]
        if not has_grid:
            del self.fields["points"]


def _require_city_staff(request: HttpRequest) -> None:
    if not access.is_city_staff(request.user):
        raise PermissionDenied


def _choice(request: HttpRequest) -> dict[str, Any]:
    """The territory, the form and the cleaned choice of the query string."""
    territory = territory_from_request(request, having=("areas__population",))
    years = population_years(territory) if territory is not None else []
    has_grid = territory is not None and selectors.has_population_grid(territory)
    data = request.GET.copy()
    data.pop("format", None)
    defaults = {
        "territory": territory.code if territory else "",
        "catchment": str(DEFAULT_CATCHMENT_M),
        "offer": Offer.ALL.value,
        "ages": Ages.U3.value,
        "year": str(years[-1]) if years else "",
        "sort": "code",
    }
    for name, value in defaults.items():
        if not data.get(name):
            data[name] = value
    form = AccessibilityForm(data, territory=territory, years=years, has_grid=has_grid)
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {}) or {}
    sort = cleaned.get("sort") or "code"
    return {
        "territory": territory,
        "form": form,
        "catchment_m": cleaned.get("catchment") or DEFAULT_CATCHMENT_M,
        "offer": cleaned.get("offer") or Offer.ALL,
        "ages": cleaned.get("ages") or Ages.U3,
        "year": cleaned.get("year") or (years[-1] if years else None),
        "level": cleaned.get("level"),
        "points": cleaned.get("points") or PopulationPoints.CENTROIDS,
        "sort": sort if sort.lstrip("-") in SORT_KEYS else "code",
    }


def _grid_choice(choice: dict[str, Any]) -> dict[str, Any]:
    keys = ("territory", "year", "ages", "offer", "catchment_m", "level")
    return grid_choice(**{key: choice[key] for key in keys})


def _analysis(request: HttpRequest) -> dict[str, Any]:
    """Everything the page, its export and its map need, from the query string."""
    choice = _choice(request)
    territory, offer, ages = choice["territory"], choice["offer"], choice["ages"]
    result = grid_job = None
    if territory is not None and choice["points"] is PopulationPoints.GRID:
        # long: computed by a job, queued once per choice and data version, then stored
        result, grid_job = grid_for_page(
            _grid_choice(choice), actor=request.user, query=_page_query(request)
        )
    elif territory is not None:
        result = selectors.accessibility_for(
            user=request.user,
            territory=territory,
            year=choice["year"],
            ages=ages,
            offer=offer,
            catchment_m=choice["catchment_m"],
            level=choice["level"],
            points=choice["points"],
        )
    return {
        "territory": territory,
        "form": choice["form"],
        "result": result,
        "grid_job": grid_job,
        "rows": selectors.sort_rows(result.rows, choice["sort"]) if result is not None else [],
        "sort": choice["sort"],
        "offer_phrase": OFFER_PHRASES[offer],
        "age_phrase": AGE_PHRASES[ages],
        "offer_label": OFFER_LABELS[offer],
        "age_label": AGE_LABELS[ages],
        "finest_rank": max((lv.rank for lv in territory.levels.all()), default=0)
        if territory
        else 0,
    }


def _page_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    return query.urlencode()


def _geometries(rows: list[selectors.AccessibilityRow]) -> dict[int, Any]:
    return dict(Area.objects.filter(pk__in=[r.area.pk for r in rows]).values_list("pk", "geometry"))


def accessibility(request: HttpRequest) -> HttpResponse:
    _require_city_staff(request)
    context = _analysis(request)
    result = context["result"]
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS and result is not None:
        geometries = _geometries(context["rows"]) if export_format == "geojson" else {}
        return export_response(
            export_format=export_format,
            columns=selectors.export_columns(result),
            objects=context["rows"],
            base_name=(
                f"wohnortnahe-versorgung-{context['territory'].code}-{result.year}"
                f"-{result.ages}-{result.offer}-{result.catchment_m}m"
                + ("-raster" if result.points is PopulationPoints.GRID else "")
            ),
            geometry=lambda r: geometries.get(r.area.pk),
        )
    return render(
        request,
        "planning/accessibility.html",
        {
            **context,
            "map_url": reverse("planning:accessibility-geojson") + "?" + _page_query(request),
            "export_url": reverse("planning:accessibility"),
        },
    )


def accessibility_geojson(request: HttpRequest) -> JsonResponse:
    """The areas of the table with the share within the catchment (%) as ``value``."""
    _require_city_staff(request)
    context = _analysis(request)
    rows = context["rows"]
    geometries = _geometries(rows)
    features = []
    for row in rows:
        if not geometries.get(row.area.pk):
            continue
        share = row.share_percent
        per_100 = row.access_per_100
        features.append(
            {
                "type": "Feature",
                "geometry": geometries[row.area.pk],
                "properties": {
                    "name": row.area.name,
                    "official_code": row.area.official_code,
                    "value": None if share is None else round(share, 1),
                    "children": round(row.children),
                    "places_per_100_children": None if per_100 is None else round(per_100, 2),
                    "url": reverse("territory:area-detail", args=[row.area.pk]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _grid_choice_of(request: HttpRequest) -> tuple[dict[str, Any] | None, str]:
    """The grid choice of the page's query string (``?points=grid`` and the rest); ``None``
    without a territory or a grid (the page then shows the centroids)."""
    choice = _choice(request)
    if choice["territory"] is None or choice["points"] is not PopulationPoints.GRID:
        return None, _page_query(request)
    return _grid_choice(choice), _page_query(request)


def accessibility_status(request: HttpRequest) -> HttpResponse:
    """The polled state of the grid figures of the page's query: the page reloads once they
    are stored or the job failed (``HX-Refresh``)."""
    _require_city_staff(request)
    choice, query = _grid_choice_of(request)
    state = grid_state(choice, query) if choice is not None else {"state": "missing"}
    response = render(request, "planning/_accessibility_computing.html", {"grid_job": state})
    if state["state"] != "computing":
        response["HX-Refresh"] = "true"
    return response


@require_POST
def accessibility_retry(request: HttpRequest) -> HttpResponse:
    """Queue the grid figures of the page's query again after their job failed ("Try
    again") and show the page."""
    _require_city_staff(request)
    choice, query = _grid_choice_of(request)
    if choice is not None:
        request_grid(choice, actor=request.user, again=True)
    return redirect(reverse("planning:accessibility") + "?" + query)
