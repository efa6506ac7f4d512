"""Indicators over time: the indicators page, an area's time series, alerts, the district report.

Every page is open to the staff roles that may view areas (``access.can_view_areas``), like the
monitoring page. The computations are the domain's (``kitaplan.domain.indicators.trends``).
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kitaplan.domain.indicators.periods import parse_report_period, report_periods
from kitaplan.domain.indicators.trends import Assessment, ChangeBasis
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, Column, export_response
from kitaplan.web.jobs.reports import queue_report, report_response
from kitaplan.web.monitoring import (
    jobs,
    presenters,
    report,
    timeseries,
    trend_selectors,
    wording,
)
from kitaplan.web.monitoring.timeseries import AreaRow, IndicatorTable
from kitaplan.web.monitoring.trend_selectors import Selection
from kitaplan.web.monitoring.views import ROWS_PER_PAGE
from kitaplan.web.territory.groups import group_from_request, open_groups
from kitaplan.web.territory.models import Area, Territory
from kitaplan.web.territory.requests import territory_from_request

#: Without a choice the pages show the first territory with indicator values.
WITH_VALUES = ("areas__indicator_values",)
SORTS = ("value", "-value", "change", "-change", "name", "code")
ONLY_CHOICES = {
    "": _("all changes"),
    Assessment.WORSENED.value: _("only less favourable changes"),
    Assessment.IMPROVED.value: _("only more favourable changes"),
}


def _require_access(request: HttpRequest) -> None:
    if not access.can_view_areas(request.user):
        raise PermissionDenied


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        number = float((value or "").replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _select(request: HttpRequest) -> Selection:
    """The filter form's choices from the query string."""
    return trend_selectors.select(
        territory_from_request(request, having=WITH_VALUES),
        code=request.GET.get("indicator") or "",
        level_code=request.GET.get("level"),
        period=_int(request.GET.get("period")),
        compare=_int(request.GET.get("compare")),
        weighted=request.GET.get("weighting") != "none",
    )


def _sorted_rows(rows: list[AreaRow], sort: str) -> list[AreaRow]:
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    missing = -math.inf if descending else math.inf

    def sort_key(row: AreaRow) -> Any:
        if key == "name":
            return row.area.name.lower()
        if key == "code":
            return row.area.official_code
        if key == "change":
            return row.change.absolute if row.change.absolute is not None else missing
        return row.value if row.value is not None else missing

    return sorted(rows, key=sort_key, reverse=descending)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def export_columns(table: IndicatorTable) -> list[Column]:
    period, compare = table.period, table.compare
    return [
        Column("official_code", _("Code"), lambda r: r.area.official_code),
        Column("name", _("Area"), lambda r: r.area.name),
        Column("district", _("District"), lambda r: r.district.name if r.district else ""),
        Column("value", _("Value %(period)s") % {"period": period}, lambda r: r.value),
        Column(
            "previous_value",
            _("Value %(period)s") % {"period": compare or "–"},
            lambda r: r.before,
        ),
        Column("change", _("Change"), lambda r: _round(r.change.absolute)),
        Column("change_percent", _("Change in %"), lambda r: _round(r.change.relative_percent, 2)),
        Column("rank", _("Rank"), lambda r: r.rank),
        Column(
            "district_mean",
            _("District mean"),
            lambda r: _round(r.comparison.district.mean) if r.comparison.district else None,
        ),
        Column(
            "city_mean",
            _("City mean"),
            lambda r: _round(r.comparison.territory.mean) if r.comparison.territory else None,
        ),
        Column("quantile_class", _("Map class"), lambda r: r.quantile),
    ]


def _form_context(selection: Selection) -> dict[str, Any]:
    return {
        "territory": selection.territory,
        "territories": Territory.objects.order_by("name"),
        "sources": selection.sources,
        "source": selection.source,
        "levels": selection.levels,
        "level": selection.level,
        "periods": selection.periods,
        "period": selection.period,
        "compare": selection.compare,
        "weighted": selection.weighted,
    }


def indicators(request: HttpRequest) -> HttpResponse:
    """Values of one indicator per area: rank, change, district and city, map and exports."""
    _require_access(request)
    selection = _select(request)
    table = trend_selectors.table_of(selection)
    sort = request.GET.get("sort") or "-value"
    if sort not in SORTS:
        sort = "-value"
    rows = _sorted_rows(table.rows, sort) if table else []
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS and table is not None and selection.territory:
        geometries = dict(
            Area.objects.filter(pk__in=[r.area.pk for r in rows]).values_list("pk", "geometry")
        )
        return export_response(
            export_format=export_format,
            columns=export_columns(table),
            objects=rows,
            base_name=f"indikator-{selection.territory.code}-{table.source.code.replace(':', '-')}"
            f"-{table.period}",
            geometry=lambda r: geometries.get(r.area.pk),
        )
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("page", None)
    unit = table.source.unit if table else ""
    digits = wording.digits_for(unit, *[r.value for r in rows]) if table else 0
    # one page of the table is rendered (the map and the exports show every area)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/indicators.html",
        {
            **_form_context(selection),
            "table": table,
            "rows": rows,
            "table_rows": [presenters.table_row(row, unit, digits) for row in page.object_list],
            "rows_page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "sort": sort,
            "is_share": wording.is_share(unit),
            "direction_label": wording.DIRECTION_LABELS.get(selection.source.direction)
            if selection.source
            else "",
            "mean_text": wording.mean_method_text(
                table.mean_method, table.weights_year, weighting_requested=selection.weighted
            )
            if table
            else "",
            "legend": presenters.legend(table) if table else [],
            "map_url": reverse("monitoring:indicators-geojson") + "?" + query.urlencode(),
            "export_url": reverse("monitoring:indicators"),
        },
    )


def indicators_geojson(request: HttpRequest) -> JsonResponse:
    """The areas of the indicators page with the chosen period's value as ``value``."""
    _require_access(request)
    table = trend_selectors.table_of(_select(request))
    rows = table.rows if table else []
    geometries = dict(
        Area.objects.filter(pk__in=[r.area.pk for r in rows]).values_list("pk", "geometry")
    )
    features = [
        {
            "type": "Feature",
            "geometry": geometries[row.area.pk],
            "properties": {
                "name": row.area.name,
                "official_code": row.area.official_code,
                "value": _round(row.value),
                "class": row.quantile,
                "url": reverse("monitoring:area-series", args=[row.area.pk]),
            },
        }
        for row in rows
        if geometries.get(row.area.pk)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def area_series(request: HttpRequest, pk: int) -> HttpResponse:
    """One area: every period of an indicator beside its district and the city, with changes."""
    _require_access(request)
    area = get_object_or_404(Area.objects.select_related("territory", "level"), pk=pk)
    indicators_here = trend_selectors.indicators_of_area(area)
    code = request.GET.get("indicator") or ""
    indicator = next((i for i in indicators_here if i.code == code), None) or (
        indicators_here[0] if indicators_here else None
    )
    all_series = timeseries.area_series(area, indicators_here)
    detail = trend_selectors.area_detail(area, indicator, all_series) if indicator else None
    return render(
        request,
        "monitoring/area_series.html",
        {
            "area": area,
            "district": detail.district if detail else None,
            "indicators": indicators_here,
            "indicator": indicator,
            "overview": presenters.area_overview(area, indicators_here, all_series),
            "period_rows": presenters.area_period_rows(detail) if detail else [],
            "sentence": presenters.area_sentence(area, detail) if detail else "",
            "direction_label": wording.DIRECTION_LABELS.get(presenters.direction_of(indicator))
            if indicator
            else "",
        },
    )


def _basis(request: HttpRequest) -> ChangeBasis:
    try:
        return ChangeBasis(request.GET.get("basis") or ChangeBasis.ABSOLUTE.value)
    except ValueError:
        return ChangeBasis.ABSOLUTE


def alerts(request: HttpRequest) -> HttpResponse:
    """Areas whose indicator (or computed index) moved by at least a threshold."""
    _require_access(request)
    selection = _select(request)
    basis = _basis(request)
    raw_threshold = request.GET.get("threshold")
    threshold = _float(raw_threshold)
    threshold_error = bool(raw_threshold) and threshold is None
    if threshold is None:
        threshold = trend_selectors.default_threshold(selection.source, basis)
    only_code = request.GET.get("only") or ""
    only = Assessment(only_code) if only_code in ONLY_CHOICES and only_code else None
    table = trend_selectors.table_of(selection)
    items = []
    if table is not None and table.compare is not None:
        items = trend_selectors.alert_items(table, threshold=threshold, basis=basis, only=only)
    unit = table.source.unit if table else ""
    digits = wording.digits_for(unit, *[r.value for r in table.rows]) if table else 0
    return render(
        request,
        "monitoring/alerts.html",
        {
            **_form_context(selection),
            "table": table,
            "threshold": threshold,
            "threshold_error": threshold_error,
            "basis": basis.value,
            "basis_choices": [(b.value, label) for b, label in wording.BASIS_LABELS.items()],
            "only": only_code,
            "only_choices": list(ONLY_CHOICES.items()),
            "items": [presenters.alert_row(*item, unit, digits) for item in items],
            "districts": Area.objects.filter(territory=selection.territory, level__rank=1).order_by(
                "official_code"
            )
            if selection.territory
            else [],
            "groups": open_groups(selection.territory),
            "report_periods": [
                (p.code, report.period_label(p)) for p in report_periods(selection.periods)
            ],
        },
    )


def _report_district(request: HttpRequest, territory: Territory) -> Area:
    """The district named by ``?district=`` (official code or id), else the first one."""
    district_code = request.GET.get("district") or ""
    districts = Area.objects.filter(territory=territory, level__rank=1).order_by("official_code")
    district = districts.filter(official_code=district_code).first() if district_code else None
    if district is None:
        district = districts.filter(pk=_int(district_code) or 0).first() if district_code else None
    if district is None:
        district = districts.first()
    if district is None:
        raise Http404
    return district


def district_pdf(request: HttpRequest) -> tuple[bytes, str]:
    """The development report of one district, or of a Sozialraum (``?group=<id>``), as PDF
    (indicators, alerts, summary, sources) for a year or half year (``?period=2024-H1``): the
    file's bytes and name (the direct URL and the job ``monitoring.district_pdf`` answer it)."""
    _require_access(request)
    territory = territory_from_request(request, having=WITH_VALUES)
    if territory is None:
        raise Http404
    group = group_from_request(request, territory)
    district = None if group is not None else _report_district(request, territory)
    basis = ChangeBasis.RELATIVE if request.GET.get("basis") != "absolute" else ChangeBasis.ABSOLUTE
    threshold = _float(request.GET.get("threshold"))
    data = report.district_report(
        territory=territory,
        district=district,
        group=group,
        period=None,
        compare=None,
        report_period=parse_report_period(request.GET.get("period")),
        compare_period=parse_report_period(request.GET.get("compare")),
        basis=basis,
        threshold=threshold
        if threshold is not None
        else trend_selectors.default_threshold(None, basis),
        map_source=request.GET.get("map") or None,
    )
    content = report.render_pdf(data, compress=request.GET.get("compress") != "0")
    place = f"sozialraum-{group.pk}" if group else (district.official_code if district else "")
    covered = data.report_period.code if data.report_period else "ohne"
    return content, f"entwicklungsbericht-{territory.code}-{place}-{covered}.pdf"


def report_pdf(request: HttpRequest) -> HttpResponse:
    """The development report rendered in the request (scripts, links); the alerts page
    hands it to a job instead (:func:`report_pdf_job`)."""
    content, name = district_pdf(request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def report_pdf_job(request: HttpRequest) -> HttpResponse:
    """The button "PDF erstellen": queue the development report of the query as a job."""
    _require_access(request)
    territory = territory_from_request(request, having=WITH_VALUES)
    job = queue_report(request, kind=jobs.DISTRICT_PDF, territory=territory)
    return redirect("jobs:job-detail", pk=job.pk)


def report_pdf_file(request: HttpRequest, pk: int) -> FileResponse:
    """The development report a job stored (the job's actor only, with access to areas)."""
    _require_access(request)
    return report_response(request, pk, kind=jobs.DISTRICT_PDF)
