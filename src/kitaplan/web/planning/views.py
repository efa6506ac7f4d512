"""Pages of the Bedarfsplanung: the balance of places and demand, and the care rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kitaplan.domain.planning.area_metrics import sum_balances
from kitaplan.domain.planning.demand import CareRates
from kitaplan.domain.planning.targets import count_lights
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, export_response
from kitaplan.web.jobs.reports import queue_report, report_response
from kitaplan.web.planning import forecasting, jobs, reports, selectors, services
from kitaplan.web.planning.forms import MAP_FIGURES, BalanceFilterForm, CareRatesForm
from kitaplan.web.planning.tables import BALANCE_COLUMNS
from kitaplan.web.territory.groups import group_from_request, open_groups
from kitaplan.web.territory.models import Area, Territory
from kitaplan.web.territory.requests import territory_from_request

#: The largest id a 64-bit key column holds.
MAX_ID = 2**63 - 1
#: Without ``?territory=``, the first territory with population counts.
POPULATION = ("areas__population",)


def _require_planning_access(request: HttpRequest) -> None:
    if not access.can_view_areas(request.user):
        raise PermissionDenied


def _query_id(value: str) -> int | None:
    """A database id from the query string; ``None`` when it is no id (text, out of range)."""
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _parent(request: HttpRequest, territory: Territory | None) -> Area | None:
    """The area whose children the table shows (``?parent=<id>``), else ``None``."""
    if not request.GET.get("parent"):
        return None
    parent_id = _query_id(request.GET["parent"])
    if parent_id is None:
        raise Http404(_("There is no such area."))
    return get_object_or_404(Area, pk=parent_id, territory=territory)


def _rows(request: HttpRequest) -> dict[str, Any]:
    """Everything the balance page, its export and its map need, from the query string."""
    territory = territory_from_request(request, having=POPULATION)
    years, forecast_years = selectors.planning_years(territory) if territory else ([], [])
    default_year = years[-1] if years else None
    query = request.GET.copy()
    if territory is not None and not query.get("territory"):
        query["territory"] = territory.code
    if default_year is not None and query.get("year") not in {
        str(y) for y in years + forecast_years
    }:  # the select must show the year the page shows, or "Show" loads another one
        query["year"] = str(default_year)
    form = BalanceFilterForm(
        query if request.GET else None,
        initial={"territory": territory, "year": default_year},
        territory=territory,
        years=years,
        forecast_years=forecast_years,
    )
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    year = data.get("year") or default_year
    group = group_from_request(request, territory)
    parent = None if group is not None else _parent(request, territory)
    table = selectors.BalanceTable(level=data.get("level"))
    if territory is not None and year is not None:
        table = selectors.balance_table(
            territory=territory, year=year, parent=parent, level=data.get("level"), group=group
        )
    sort = request.GET.get("sort") or "code"
    return {
        "territory": territory,
        "form": form,
        "rows": selectors.sort_rows(table.rows, sort),
        "observed_round": table.observed_round,
        "year": year,
        "years": years,
        "balances": table.balances,
        "is_forecast": year in forecast_years,
        "finest_rank": selectors.finest_rank(territory),
        "parent": parent,
        "group": group,
        "groups": open_groups(territory),
        "level": table.level,
        "rates": table.rates,
        "sort": sort,
        "show": data.get("show") or "u3:balance",
    }


def balance(request: HttpRequest) -> HttpResponse:
    _require_planning_access(request)
    context = _rows(request)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        geometries = {}
        if export_format == "geojson":
            geometries = dict(
                Area.objects.filter(pk__in=[r.area.pk for r in context["rows"]]).values_list(
                    "pk", "geometry"
                )
            )
        territory = context["territory"]
        return export_response(
            export_format=export_format,
            columns=BALANCE_COLUMNS,
            objects=context["rows"],
            base_name=f"bedarfsplanung-{territory.code if territory else ''}"
            + (f"-sozialraum-{context['group'].pk}" if context["group"] else "")
            + f"-{context['year']}",
            geometry=lambda r: geometries.get(r.area.pk),
        )
    query = request.GET.copy()
    query.pop("format", None)
    totals = None
    if context["parent"] is not None and context["rows"]:
        totals = context["balances"][context["parent"].pk]
    elif context["group"] is not None and context["rows"]:  # the members do not overlap
        totals = sum_balances([r.balance for r in context["rows"]], area=0)
    return render(
        request,
        "planning/balance.html",
        {
            **context,
            "totals": totals,
            "ancestors": _ancestors(context["parent"]),
            "map_url": reverse("planning:balance-geojson") + "?" + query.urlencode(),
            "map_label": MAP_FIGURES.get(context["show"], ""),
            "export_url": reverse("planning:balance"),
            "care_rates_url": reverse("planning:care-rates")
            + "?"
            + urlencode({"territory": context["territory"].code if context["territory"] else ""}),
            "rate_rows": sorted(context["rates"].by_age.items()) if context["rates"] else [],
        },
    )


def _ancestors(area: Area | None) -> list[Area]:
    chain: list[Area] = []
    while area is not None:
        chain.append(area)
        area = area.parent
    return list(reversed(chain))


def balance_geojson(request: HttpRequest) -> JsonResponse:
    """The areas of the balance table with the figure chosen for the map as ``value``."""
    _require_planning_access(request)
    context = _rows(request)
    geometries = dict(
        Area.objects.filter(pk__in=[r.area.pk for r in context["rows"]]).values_list(
            "pk", "geometry"
        )
    )
    query = request.GET.copy()
    features = []
    for row in context["rows"]:
        if not geometries.get(row.area.pk):
            continue
        has_children = row.area.level.rank < context["finest_rank"]
        query["parent"] = str(row.area.pk)
        features.append(
            {
                "type": "Feature",
                "geometry": geometries[row.area.pk],
                "properties": {
                    "name": row.area.name,
                    "official_code": row.area.official_code,
                    "value": selectors.balance_value(row.balance, context["show"]),
                    "url": (reverse("planning:balance") + "?" + query.urlencode())
                    if has_children
                    else reverse("territory:area-detail", args=[row.area.pk]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


def care_rates(request: HttpRequest) -> HttpResponse:
    _require_planning_access(request)
    territory = territory_from_request(request, having=POPULATION)
    if territory is None:
        raise PermissionDenied
    can_edit = access.can_import_data(request.user)
    years = selectors.population_years(territory)
    current, stored = selectors.care_rates_for(territory, years[-1] if years else 2100)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = CareRatesForm(request.POST, territory=territory)
        if form.is_valid():
            d = form.cleaned_data
            rates = CareRates(
                by_age={age: float(d[f"rate_{age}"]) / 100 for age in range(6)},
                integration_rate=float(d["integration_rate"]) / 100,
                source=d["source"],
            )
            services.save_care_rates(
                territory=territory,
                actor=request.user,
                valid_from_year=d["valid_from_year"],
                rates=rates,
                class_indicator=d.get("class_indicator"),
                class_value=d.get("class_value"),
            )
            messages.success(request, _("The care rates were saved."))
            return redirect(
                reverse("planning:care-rates") + "?" + urlencode({"territory": territory.code})
            )
    else:
        initial: dict[str, Any] = {f"rate_{age}": _percent(current.rate(age)) for age in range(6)}
        initial.update(
            integration_rate=_percent(current.integration_rate),
            source=current.source,
            valid_from_year=stored.valid_from_year if stored else (years[-1] if years else None),
        )
        form = CareRatesForm(initial=initial, territory=territory)
    return render(
        request,
        "planning/care_rates.html",
        {
            "territory": territory,
            "form": form,
            "can_edit": can_edit,
            "stored": stored,
            "sets": territory.care_rate_sets.order_by("-valid_from_year"),
            "current_rows": [(age, current.rate(age)) for age in range(6)],
            "current": current,
        },
    )


def _percent(share: float) -> Decimal:
    return (Decimal(str(share)) * 100).quantize(Decimal("0.1"))


def forecast(request: HttpRequest) -> HttpResponse:
    """The children forecast per district and the honest back-test of the method."""
    _require_planning_access(request)
    territory = territory_from_request(request, having=POPULATION)
    page = selectors.forecast_page(territory)
    backtest, backtest_source = forecasting.berlin_backtest()
    return render(
        request,
        "planning/forecast.html",
        {
            "territory": territory,
            "result": page.result,
            "rows": page.rows,
            "totals": page.totals,
            "checks": page.checks,
            "years": list(page.result.projection.years) if page.result else [],
            "backtest": sorted(backtest, key=_backtest_order),
            "backtest_methods": forecasting.BACKTEST_METHODS,
            "backtest_source": backtest_source,
            "territories": Territory.objects.order_by("name"),
        },
    )


BACKTEST_LEVELS = ["Planungsraum", "Bezirk", "Berlin"]


def _backtest_order(line: forecasting.BacktestLine) -> tuple[int, str, int]:
    level = BACKTEST_LEVELS.index(line.level) if line.level in BACKTEST_LEVELS else 9
    return (level, line.age_group, line.horizon)


LIGHT_LABELS = {
    "green": gettext_lazy("met"),
    "amber": gettext_lazy("nearly met"),
    "red": gettext_lazy("not met"),
    "grey": gettext_lazy("no value"),
}


def targets(request: HttpRequest) -> HttpResponse:
    """Strategic targets with traffic lights per area, for a year, and their history over years."""
    _require_planning_access(request)
    territory = territory_from_request(request, having=POPULATION)
    years, forecast_years = selectors.planning_years(territory) if territory else ([], [])
    all_years = sorted(set(years) | set(forecast_years))
    try:
        year = int(request.GET.get("year") or (years[-1] if years else 0))
    except ValueError:
        year = years[-1] if years else 0
    evaluated: list[Any] = []
    history: list[dict[str, Any]] = []
    if territory is not None and year in all_years:
        rules, areas = selectors.evaluate_rules(territory=territory, year=year)
        for rule, results in rules:
            counts = count_lights(results)
            evaluated.append(
                {"rule": rule, "results": [(areas[r.area], r) for r in results], "counts": counts}
            )
        shown_years = [y for y in all_years if y >= (years[-1] if years else 0) - 4][:12]
        per_year = {y: selectors.rule_results(territory=territory, year=y) for y in shown_years}
        for item in evaluated:
            history.append(
                {
                    "rule": item["rule"],
                    "years": [
                        (y, count_lights(per_year[y].get(item["rule"].pk, [])), y in forecast_years)
                        for y in shown_years
                    ],
                }
            )
    return render(
        request,
        "planning/targets.html",
        {
            "territory": territory,
            "year": year,
            "year_choices": [(y, y in forecast_years) for y in all_years],
            "evaluated": evaluated,
            "history": history,
            "light_labels": LIGHT_LABELS,
            "territories": Territory.objects.order_by("name"),
            "is_forecast": year in forecast_years,
        },
    )


def committee_pdf(request: HttpRequest) -> tuple[bytes, str]:
    """The balance of the chosen level and year as a PDF report for the committee: the file's
    bytes and name (the direct URL and the job ``planning.committee_pdf`` answer with it)."""
    _require_planning_access(request)
    context = _rows(request)
    territory = context["territory"]
    if territory is None or context["year"] is None:
        raise PermissionDenied
    parent = context["parent"]
    total = context["balances"].get(parent.pk) if parent is not None else None
    if total is None and context["rows"]:
        total = sum_balances([r.balance for r in context["rows"]], area=0)
    rules, _areas = selectors.evaluate_rules(territory=territory, year=context["year"])
    targets = [
        (f"{rule.code} {rule.name}", {k.value: v for k, v in count_lights(results).items()})
        for rule, results in rules
    ]
    level_name = context["rows"][0].area.level.name if context["rows"] else ""
    if context["group"] is not None:
        level_name = _("the areas of Sozialraum %(name)s") % {"name": context["group"].name}
    content = reports.balance_report(
        territory=territory,
        year=context["year"],
        is_forecast=context["is_forecast"],
        rows=[(r.area, r.balance) for r in context["rows"]],
        total=total,
        level_name=level_name,
        rates_source=context["rates"].source if context["rates"] else "",
        targets=targets,
        compress=request.GET.get("compress") != "0",
    )
    place = f"-sozialraum-{context['group'].pk}" if context["group"] else ""
    return content, f"bedarfsplanung-{territory.code}{place}-{context['year']}.pdf"


def balance_pdf(request: HttpRequest) -> HttpResponse:
    """The committee report rendered in the request (scripts, links); the balance page hands
    it to a job instead (:func:`balance_pdf_job`)."""
    content, name = committee_pdf(request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def balance_pdf_job(request: HttpRequest) -> HttpResponse:
    """The button "PDF erstellen": queue the committee report of the page's query as a job."""
    _require_planning_access(request)
    territory = territory_from_request(request, having=POPULATION)
    job = queue_report(request, kind=jobs.COMMITTEE_PDF, territory=territory)
    return redirect("jobs:job-detail", pk=job.pk)


def balance_pdf_file(request: HttpRequest, pk: int) -> FileResponse:
    """The committee report a job stored (the job's actor only, with planning access)."""
    _require_planning_access(request)
    return report_response(request, pk, kind=jobs.COMMITTEE_PDF)
