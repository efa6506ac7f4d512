"""Indicators over time: the indicators page, an area's time series, alerts, the district report.

Every page is open to the staff roles that may view areas (``access.can_view_areas``), like the
monitoring page. The computations are the domain's (``kitaplan.domain.indicators.trends``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.trends import (
    Alert,
    Assessment,
    ChangeBasis,
    assess,
    compare_with_groups,
    find_alerts,
    rank,
    series,
)
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, Column, export_response
from kitaplan.web.monitoring import timeseries, wording
from kitaplan.web.monitoring.timeseries import AreaRow, IndicatorTable, Source
from kitaplan.web.territory.models import Area, AreaLevel, IndicatorValue, Territory

INDEX_LABELS = {
    "index:status": _("Status index (computed per period)"),
    "index:dynamics": _("Dynamics index (computed per period)"),
}
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


def _territory(request: HttpRequest) -> Territory | None:
    territories = Territory.objects.order_by("name")
    code = request.GET.get("territory")
    if code:
        return get_object_or_404(territories, code=code)
    with_values = IndicatorValue.objects.values("area__territory")
    return territories.filter(pk__in=with_values).first() or territories.first()


@dataclass
class Selection:
    """The choices of a filter form, resolved against the stored data."""

    territory: Territory | None
    sources: list[tuple[str, str]]
    source: Source | None
    levels: list[AreaLevel]
    level: AreaLevel | None
    periods: list[int]
    period: int | None
    compare: int | None
    weighted: bool


def _select(request: HttpRequest) -> Selection:
    territory = _territory(request)
    empty = Selection(territory, [], None, [], None, [], None, None, True)
    if territory is None:
        return empty
    indicators = timeseries.indicators_of(territory)
    sources: list[tuple[str, str]] = [(i.code, i.name) for i in indicators]
    index_periods = {code: timeseries.index_periods(territory, code) for code in INDEX_LABELS}
    sources += [(code, str(INDEX_LABELS[code])) for code, years in index_periods.items() if years]
    code = request.GET.get("indicator") or ""
    by_code = {i.code: i for i in indicators}
    source: Source | None = None
    if code in by_code:
        source = timeseries.source_of(by_code[code])
    elif code in INDEX_LABELS and index_periods[code]:
        source = Source(
            code=code,
            name=str(INDEX_LABELS[code]),
            unit="",
            direction=IndicatorDirection.HIGHER_IS_WORSE,
        )
    elif indicators:
        source = timeseries.source_of(indicators[0])
    if source is None:
        return Selection(territory, sources, None, [], None, [], None, None, True)
    if source.indicator is not None:
        levels = timeseries.levels_with_values(territory, source.indicator)
        periods = timeseries.periods_of(territory, source.indicator)
    else:
        finest = timeseries.finest_level(territory)
        levels = [finest] if finest else []
        periods = index_periods[source.code]
    wanted = request.GET.get("level")
    level = next((lv for lv in levels if lv.code == wanted), levels[-1] if levels else None)
    period, compare = timeseries.resolve_periods(
        periods, _int(request.GET.get("period")), _int(request.GET.get("compare"))
    )
    weighted = request.GET.get("weighting") != "none"
    return Selection(territory, sources, source, levels, level, periods, period, compare, weighted)


def _table(selection: Selection) -> IndicatorTable | None:
    if selection.territory is None or selection.source is None or selection.level is None:
        return None
    return timeseries.indicator_table(
        territory=selection.territory,
        source=selection.source,
        level=selection.level,
        periods=selection.periods,
        period=selection.period,
        compare=selection.compare,
        weighted=selection.weighted,
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


def _legend(table: IndicatorTable) -> list[dict[str, Any]]:
    if table.classification is None or table.source is None:
        return []
    unit = table.source.unit
    values = [c.low for c in table.classification.classes] + [
        c.high for c in table.classification.classes
    ]
    digits = wording.digits_for(unit, *values)
    return [
        {
            "number": c.number,
            "low": wording.value_text(c.low, unit, digits),
            "high": wording.value_text(c.high, unit, digits),
            "count": c.count,
        }
        for c in table.classification.classes
    ]


def _display(row: AreaRow, unit: str, digits: int) -> dict[str, Any]:
    mean_digits = max(digits, 1)
    district = row.comparison.district
    city = row.comparison.territory
    return {
        "row": row,
        "value": wording.value_text(row.value, unit, digits),
        "before": wording.value_text(row.before, unit, digits),
        "change": wording.delta_text(row.change, unit, digits)
        if row.change.absolute is not None
        else "–",
        "district_mean": wording.value_text(district.mean if district else None, unit, mean_digits),
        "city_mean": wording.value_text(city.mean if city else None, unit, mean_digits),
    }


def indicators(request: HttpRequest) -> HttpResponse:
    """Values of one indicator per area: rank, change, district and city, map and exports."""
    _require_access(request)
    selection = _select(request)
    table = _table(selection)
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
    unit = table.source.unit if table else ""
    digits = wording.digits_for(unit, *[r.value for r in rows]) if table else 0
    return render(
        request,
        "monitoring/indicators.html",
        {
            **_form_context(selection),
            "table": table,
            "rows": rows,
            "table_rows": [_display(row, unit, digits) for row in rows],
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
            "legend": _legend(table) if table else [],
            "map_url": reverse("monitoring:indicators-geojson") + "?" + query.urlencode(),
            "export_url": reverse("monitoring:indicators"),
        },
    )


def indicators_geojson(request: HttpRequest) -> JsonResponse:
    """The areas of the indicators page with the chosen period's value as ``value``."""
    _require_access(request)
    table = _table(_select(request))
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
    territory = area.territory
    indicator_ids = set(
        IndicatorValue.objects.filter(area=area).values_list("indicator", flat=True)
    )
    indicators_here = [i for i in timeseries.indicators_of(territory) if i.pk in indicator_ids]
    code = request.GET.get("indicator") or ""
    indicator = next((i for i in indicators_here if i.code == code), None) or (
        indicators_here[0] if indicators_here else None
    )
    overview = []
    all_series = timeseries.area_series(area, indicators_here)
    for item in indicators_here:
        points = series(str(area.pk), all_series.get(item.code, {}))
        last = points[-1] if points else None
        digits = wording.digits_for(item.unit, *[p.value for p in points])
        overview.append(
            {
                "indicator": item,
                "period": last.period if last else None,
                "value": wording.value_text(last.value if last else None, item.unit, digits),
                "change": wording.delta_text(last.change, item.unit, digits)
                if last and last.change
                else "",
                "previous_period": last.previous_period if last else None,
            }
        )
    periods_rows: list[dict[str, Any]] = []
    sentence = ""
    if indicator is not None:
        level_areas = list(
            Area.objects.filter(territory=territory, level=area.level_id).defer("geometry", "bbox")
        )
        years = sorted(all_series.get(indicator.code, {}))
        source = timeseries.source_of(indicator)
        values = timeseries.load_values(source, territory, level_areas, years)
        district_of, districts = timeseries.districts_of(territory, level_areas)
        points = series(str(area.pk), all_series.get(indicator.code, {}))
        unit = indicator.unit
        digits = wording.digits_for(unit, *[p.value for p in points])
        for point in points:
            by_area = values.get(point.period, {})
            weights, _year = timeseries.population_weights(level_areas, point.period)
            comparison = compare_with_groups(by_area, district_of, weights or None).get(
                str(area.pk)
            )
            ranks = rank(by_area)
            periods_rows.append(
                {
                    "period": point.period,
                    "value": wording.value_text(point.value, unit, digits),
                    "change": wording.delta_text(point.change, unit, digits)
                    if point.change
                    else "",
                    "previous_period": point.previous_period,
                    "district": wording.value_text(
                        comparison.district.mean if comparison and comparison.district else None,
                        unit,
                        max(digits, 1),
                    ),
                    "city": wording.value_text(
                        comparison.territory.mean if comparison and comparison.territory else None,
                        unit,
                        max(digits, 1),
                    ),
                    "rank": ranks.get(str(area.pk)),
                    "of": len(ranks),
                }
            )
        last_change = next((p.change for p in reversed(points) if p.change), None)
        if last_change is not None:
            sentence = wording.change_sentence(
                place=area.name,
                indicator=indicator.name,
                unit=unit,
                item=last_change,
                assessment=assess(
                    last_change.absolute,
                    IndicatorDirection(indicator.direction or IndicatorDirection.NEUTRAL),
                ),
            )
        district_key = district_of.get(str(area.pk))
        district = districts.get(district_key) if district_key else None
    else:
        district = None
    return render(
        request,
        "monitoring/area_series.html",
        {
            "area": area,
            "district": district,
            "indicators": indicators_here,
            "indicator": indicator,
            "overview": overview,
            "period_rows": periods_rows,
            "sentence": sentence,
            "direction_label": wording.DIRECTION_LABELS.get(
                IndicatorDirection(indicator.direction or IndicatorDirection.NEUTRAL)
            )
            if indicator
            else "",
        },
    )


def default_threshold(source: Source | None, basis: ChangeBasis) -> float:
    if basis == ChangeBasis.RELATIVE:
        return 10.0
    if source is not None and source.is_index:
        return 0.5
    return 1.0


def alert_items(
    table: IndicatorTable,
    *,
    threshold: float,
    basis: ChangeBasis,
    only: Assessment | None,
    district: Area | None = None,
) -> list[tuple[AreaRow, Alert, str]]:
    """The alerts of ``table`` (optionally of one district) with their sentences."""
    rows = {str(r.area.pk): r for r in table.rows}
    if district is not None:
        rows = {k: r for k, r in rows.items() if r.district and r.district.pk == district.pk}
    alerts = find_alerts(
        [table.changes[k] for k in rows],
        threshold=threshold,
        direction=table.source.direction,
        basis=basis,
        only=only,
    )
    return [
        (
            rows[a.area],
            a,
            wording.alert_sentence(
                place=rows[a.area].area.name,
                indicator=table.source.name,
                unit=table.source.unit,
                alert=a,
            ),
        )
        for a in alerts
    ]


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
        threshold = default_threshold(selection.source, basis)
    only_code = request.GET.get("only") or ""
    only = Assessment(only_code) if only_code in ONLY_CHOICES and only_code else None
    table = _table(selection)
    items = []
    if table is not None and table.compare is not None:
        items = alert_items(table, threshold=threshold, basis=basis, only=only)
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
            "items": [
                {
                    "row": row,
                    "alert": alert,
                    "sentence": sentence,
                    "before": wording.value_text(alert.change.before, unit, digits),
                    "after": wording.value_text(alert.change.after, unit, digits),
                    "delta": wording.delta_text(alert.change, unit, digits),
                    "assessment": wording.ASSESSMENT_LABELS[alert.assessment],
                }
                for row, alert, sentence in items
            ],
            "districts": Area.objects.filter(territory=selection.territory, level__rank=1).order_by(
                "official_code"
            )
            if selection.territory
            else [],
        },
    )


def report_pdf(request: HttpRequest) -> HttpResponse:
    """The development report of one district as PDF (indicators, alerts, summary, sources)."""
    _require_access(request)
    from kitaplan.web.monitoring import report

    territory = _territory(request)
    if territory is None:
        raise Http404
    district_code = request.GET.get("district") or ""
    districts = Area.objects.filter(territory=territory, level__rank=1).order_by("official_code")
    district = districts.filter(official_code=district_code).first() if district_code else None
    if district is None:
        district = districts.filter(pk=_int(district_code) or 0).first() if district_code else None
    if district is None:
        district = districts.first()
    if district is None:
        raise Http404
    basis = ChangeBasis.RELATIVE if request.GET.get("basis") != "absolute" else ChangeBasis.ABSOLUTE
    threshold = _float(request.GET.get("threshold"))
    data = report.district_report(
        territory=territory,
        district=district,
        period=_int(request.GET.get("period")),
        compare=_int(request.GET.get("compare")),
        basis=basis,
        threshold=threshold if threshold is not None else default_threshold(None, basis),
        map_source=request.GET.get("map") or None,
    )
    content = report.render_pdf(data, compress=request.GET.get("compress") != "0")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="entwicklungsbericht-{territory.code}-'
        f'{district.official_code}-{data.period or "ohne"}.pdf"'
    )
    return response
