"""Pages of the planning scenarios: the list, a new scenario, and a scenario with its changes
beside the baseline (balance and target lights), exportable as CSV and Excel.

City staff see shared scenarios and their own; planners and administrators create and change
them (:mod:`kitaplan.web.planning.scenario_services`). The scenario page takes the scenario from
the query string (``?scenario=<id>``), like the territory and year of the other planning pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.planning.area_metrics import sum_balances
from kitaplan.domain.planning.demand import AreaBalance, GroupFigures
from kitaplan.domain.planning.scenarios import ScenarioError
from kitaplan.domain.planning.targets import TargetResult, count_lights
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.planning import scenario_services as services
from kitaplan.web.planning import selectors
from kitaplan.web.planning.scenario_forms import CHANGE_FORMS, ScenarioForm
from kitaplan.web.planning.scenario_models import Scenario, ScenarioChange
from kitaplan.web.planning.views import LIGHT_LABELS, POPULATION
from kitaplan.web.territory.models import Area, AreaLevel, Territory
from kitaplan.web.territory.requests import territory_from_request

ERROR_MESSAGES = {
    ScenarioError.UNKNOWN_FACILITY: gettext_lazy(
        "The facility is not open in the baseline or was closed by an earlier change."
    ),
    ScenarioError.DUPLICATE_FACILITY: gettext_lazy("A facility with this name already exists."),
    ScenarioError.NEGATIVE_PLACES: gettext_lazy("The change would leave fewer than 0 places."),
    ScenarioError.INTEGRATION_EXCEEDS_PLACES: gettext_lazy(
        "A facility cannot have more integration places than places."
    ),
    ScenarioError.NOT_ENOUGH_SPECIAL_NEEDS_PLACES: gettext_lazy(
        "The facility does not have that many special-needs group places."
    ),
    ScenarioError.INVALID_CHANGE: gettext_lazy("The change cannot be applied."),
}

FIGURES = (("u3", gettext_lazy("Under 3")), ("ue3", gettext_lazy("From 3")))
EXPORTS = ("csv", "xlsx")


def _require_view(request: HttpRequest) -> None:
    if not services.can_view_scenarios(request.user):
        raise PermissionDenied


def _require_change(request: HttpRequest) -> None:
    if not services.can_change_scenarios(request.user):
        raise PermissionDenied


def _detail_url(scenario: Scenario, **extra: Any) -> str:
    return (
        reverse("planning:scenario-detail")
        + "?"
        + urlencode({"territory": scenario.territory.code, "scenario": scenario.pk, **extra})
    )


def scenario_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    territory = territory_from_request(request, having=POPULATION)
    scenarios = (
        services.scenarios_visible_to(request.user)
        .filter(territory=territory)
        .select_related("created_by")
        .order_by("-created_at")
    )
    return render(
        request,
        "planning/scenario_list.html",
        {
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
            "scenarios": scenarios,
            "can_change": services.can_change_scenarios(request.user),
        },
    )


def scenario_new(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    _require_change(request)
    territory = territory_from_request(request, having=POPULATION)
    if territory is None:
        raise PermissionDenied
    form = ScenarioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scenario = services.create_scenario(
            territory=territory, actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("The scenario was created. Add its changes below."))
        return redirect(_detail_url(scenario))
    return render(request, "planning/scenario_new.html", {"territory": territory, "form": form})


@dataclass
class CompareRow:
    """One area (or the total of a level) in the baseline and in the scenario."""

    area: Area | None
    baseline: AreaBalance[int]
    scenario: AreaBalance[int]

    def figures(self, group: str, side: str) -> GroupFigures:
        balance = self.baseline if side == "baseline" else self.scenario
        return balance.integration if group == "integration" else balance.groups[AgeGroup(group)]

    @property
    def changed(self) -> bool:
        return any(
            abs(self.figures(g, "baseline").places - self.figures(g, "scenario").places) > 1e-9
            for g in ("u3", "ue3", "integration")
        )

    @property
    def groups(self) -> list[dict[str, Any]]:
        return [
            {
                "key": g,
                "baseline": self.figures(g, "baseline"),
                "scenario": self.figures(g, "scenario"),
            }
            for g in ("u3", "ue3", "integration")
        ]


def _figure(group: str, side: str, what: str, digits: int = 0) -> Callable[[CompareRow], float]:
    def get(row: CompareRow) -> float:
        return round(float(getattr(row.figures(group, side), what)), digits)

    return get


GROUP_LABELS = {
    "u3": gettext_lazy("under 3"),
    "ue3": gettext_lazy("from 3"),
    "integration": gettext_lazy("integration"),
}


def _columns() -> list[Column]:
    columns = [
        Column(
            "official_code", gettext_lazy("Code"), lambda r: r.area.official_code if r.area else ""
        ),
        Column("name", gettext_lazy("Area"), lambda r: r.area.name if r.area else _("Total")),
    ]
    for group, label in GROUP_LABELS.items():
        digits = 1 if group == "integration" else 0
        columns += [
            Column(
                f"demand_{group}",
                f"{_('Demand')} {label}",
                _figure(group, "baseline", "demand", digits),
            ),
            Column(
                f"places_{group}_baseline",
                f"{_('Places')} {label} ({_('baseline')})",
                _figure(group, "baseline", "places"),
            ),
            Column(
                f"places_{group}_scenario",
                f"{_('Places')} {label} ({_('scenario')})",
                _figure(group, "scenario", "places"),
            ),
            Column(
                f"balance_{group}_baseline",
                f"{_('Balance')} {label} ({_('baseline')})",
                _figure(group, "baseline", "balance", digits),
            ),
            Column(
                f"balance_{group}_scenario",
                f"{_('Balance')} {label} ({_('scenario')})",
                _figure(group, "scenario", "balance", digits),
            ),
        ]
    return columns


def _chosen_scenario(request: HttpRequest, visible: QuerySet[Scenario]) -> Scenario | None:
    """The scenario of ``?scenario=<id>`` among those the user sees (404 otherwise)."""
    try:
        pk = int(request.GET.get("scenario") or "")
    except ValueError:
        return None
    return get_object_or_404(visible, pk=pk)


def _post_change(
    request: HttpRequest, scenario: Scenario, forms: dict[str, Any]
) -> HttpResponse | None:
    """Remove or add a change (the services check the actor): the redirect, or ``None`` when
    the posted form is invalid (then in ``forms`` with its errors)."""
    if request.POST.get("action") == "delete":
        change_id = request.POST.get("change", "")
        change = get_object_or_404(
            ScenarioChange, pk=int(change_id) if change_id.isdigit() else 0, scenario=scenario
        )
        try:
            services.delete_change(change=change, actor=request.user)
        except ScenarioError as error:
            messages.error(request, str(ERROR_MESSAGES[error.code]))
        else:
            messages.success(request, _("The change was removed."))
        return redirect(_detail_url(scenario))
    kind = request.POST.get("kind", "")
    if kind not in CHANGE_FORMS:
        raise PermissionDenied
    form = forms[kind] = CHANGE_FORMS[kind](request.POST, territory=scenario.territory)
    if not form.is_valid():
        return None
    try:
        services.add_change(scenario=scenario, actor=request.user, **form.change())
    except ScenarioError as error:
        form.add_error(None, ERROR_MESSAGES[error.code])
        return None
    messages.success(request, _("The change was added."))
    return redirect(_detail_url(scenario))


def _detail_context(
    request: HttpRequest, scenario: Scenario, forms: dict[str, Any]
) -> dict[str, Any]:
    """The scenario page: its changes, the forms, and the comparison for the chosen level and
    year (``?level=``, ``?year=``; the close-to-home shares only on the page, not in exports)."""
    levels = list(scenario.territory.levels.order_by("rank"))
    level = next((lv for lv in levels if str(lv.pk) == request.GET.get("level")), None)
    level = level or (levels[0] if levels else None)
    years, forecast_years = selectors.planning_years(scenario.territory)
    all_years = sorted(set(years) | set(forecast_years))
    try:
        year = int(request.GET.get("year") or (years[-1] if years else 0))
    except ValueError:
        year = years[-1] if years else 0
    context: dict[str, Any] = {
        "territory": scenario.territory,
        "scenario": scenario,
        "changes": list(scenario.changes.select_related("facility", "area")),
        "can_change": services.can_change_scenarios(request.user),
        "forms": [(kind, label, forms[kind]) for kind, label in ScenarioChange.KIND_CHOICES],
        "pick_map_url": (
            reverse("territory:area-geojson")
            + f"?territory={scenario.territory.code}&level={levels[0].code}"
            if levels
            else ""
        ),
        "levels": levels,
        "level": level,
        "year": year,
        "year_choices": [(y, y in forecast_years) for y in all_years],
        "rows": [],
        "totals": None,
        "rules": [],
        "light_labels": LIGHT_LABELS,
    }
    if level is not None and year in all_years:
        _compare(context, scenario, level, year)
        if request.GET.get("format") not in EXPORTS:
            _close_to_home(context, scenario, level, year)
    return context


def scenario_detail(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    visible = services.scenarios_visible_to(request.user).select_related("territory", "created_by")
    scenario = _chosen_scenario(request, visible)
    if scenario is None:
        territory = territory_from_request(request, having=POPULATION)
        choices = visible.filter(territory=territory).order_by("-created_at")
        return render(
            request,
            "planning/scenario_detail.html",
            {"territory": territory, "scenario": None, "choices": choices},
        )
    forms = {kind: form(territory=scenario.territory) for kind, form in CHANGE_FORMS.items()}
    if request.method == "POST":
        _require_change(request)
        done = _post_change(request, scenario, forms)
        if done is not None:
            return done
    context = _detail_context(request, scenario, forms)
    export_format = request.GET.get("format")
    if export_format in EXPORTS:
        level, totals = context["level"], context["totals"]
        return export_response(
            export_format=export_format,
            columns=_columns(),
            objects=[*context["rows"], *([totals] if totals else [])],
            base_name=f"szenario-{scenario.pk}-{level.code if level else ''}-{context['year']}",
        )
    query = request.GET.copy()
    query.pop("format", None)
    context["export_query"] = query.urlencode()
    return render(request, "planning/scenario_detail.html", context)


@dataclass
class ShareRow:
    """One area (None: the whole territory): the close-to-home share (%) per offer, baseline and
    scenario."""

    area: Area | None
    shares: list[tuple[float | None, float | None]]

    @property
    def changed(self) -> bool:
        return any(
            (a is None) != (b is None) or (a is not None and b is not None and abs(a - b) > 1e-9)
            for a, b in self.shares
        )


def _close_to_home(
    context: dict[str, Any], scenario: Scenario, level: AreaLevel, year: int
) -> None:
    result = services.close_to_home(scenario, year=year, level=level)
    offers = services.CLOSE_TO_HOME_OFFERS
    base = [result.baseline[o] for o in offers]
    after = [result.scenario[o] for o in offers]
    rows = [
        ShareRow(
            area_row.area,
            [
                (b.rows[i].share_percent, a.rows[i].share_percent)
                for b, a in zip(base, after, strict=True)
            ],
        )
        for i, area_row in enumerate(base[0].rows)
    ]
    context["access_rows"] = [r for r in rows if r.changed]
    context["access_total"] = ShareRow(
        None, [(b.share_percent, a.share_percent) for b, a in zip(base, after, strict=True)]
    )
    context["access_catchment_m"] = services.CLOSE_TO_HOME_CATCHMENT_M


def _compare(context: dict[str, Any], scenario: Scenario, level: AreaLevel, year: int) -> None:
    comparison = services.compare(scenario, year=year)
    at_level = sorted(
        (a for a in comparison.areas.values() if a.level_id == level.pk),
        key=lambda a: a.official_code,
    )
    rows = [
        CompareRow(a, comparison.baseline.balances[a.pk], comparison.scenario.balances[a.pk])
        for a in at_level
    ]
    context["rows"] = [r for r in rows if r.changed]
    context["totals"] = CompareRow(
        None,
        sum_balances([r.baseline for r in rows], area=0),
        sum_balances([r.scenario for r in rows], area=0),
    )
    context["error"] = (
        ERROR_MESSAGES[comparison.error.code] if comparison.error is not None else None
    )
    rules = []
    for rule, pairs in comparison.rules:
        changed: list[tuple[Area, TargetResult[int], TargetResult[int]]] = [
            (comparison.areas[before.area], before, after)
            for before, after in pairs
            if before.light != after.light or before.value != after.value
        ]
        rules.append(
            {
                "rule": rule,
                "baseline_counts": count_lights([p[0] for p in pairs]),
                "scenario_counts": count_lights([p[1] for p in pairs]),
                "changed": changed,
            }
        )
    context["rules"] = rules
