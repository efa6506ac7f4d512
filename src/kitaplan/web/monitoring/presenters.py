"""The rows the monitoring pages show: numbers turned into text in the unit's style.

Pure presentation over what the selectors read (no queries); the views only pick and render.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.index import ClassBand, DifferenceReason
from kitaplan.domain.indicators.trends import Alert, assess, series
from kitaplan.web.monitoring import wording
from kitaplan.web.monitoring.selectors import IndexPage, IndexRow
from kitaplan.web.monitoring.timeseries import AreaRow, IndicatorTable
from kitaplan.web.monitoring.trend_selectors import AreaDetail
from kitaplan.web.territory.models import Area, IndicatorDefinition


def legend(table: IndicatorTable) -> list[dict[str, Any]]:
    """The map's classes with their ranges in the unit's style."""
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


def table_row(row: AreaRow, unit: str, digits: int) -> dict[str, Any]:
    """One row of the indicators page."""
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


def alert_row(row: AreaRow, alert: Alert, sentence: str, unit: str, digits: int) -> dict[str, Any]:
    """One alert of the alerts page."""
    return {
        "row": row,
        "alert": alert,
        "sentence": sentence,
        "before": wording.value_text(alert.change.before, unit, digits),
        "after": wording.value_text(alert.change.after, unit, digits),
        "delta": wording.delta_text(alert.change, unit, digits),
        "assessment": wording.ASSESSMENT_LABELS[alert.assessment],
    }


def direction_of(indicator: IndicatorDefinition) -> IndicatorDirection:
    return IndicatorDirection(indicator.direction or IndicatorDirection.NEUTRAL)


def area_overview(
    area: Area,
    indicators: list[IndicatorDefinition],
    all_series: dict[str, dict[int, float | None]],
) -> list[dict[str, Any]]:
    """Each indicator of ``area`` with its latest value and the change since the period before."""
    overview = []
    for item in indicators:
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
    return overview


def area_period_rows(detail: AreaDetail) -> list[dict[str, Any]]:
    """The periods of one area beside its district and the city."""
    unit = detail.indicator.unit
    digits = wording.digits_for(unit, *[p.value for p in detail.points])
    rows = []
    for item in detail.periods:
        point, comparison = item.point, item.comparison
        rows.append(
            {
                "period": point.period,
                "value": wording.value_text(point.value, unit, digits),
                "change": wording.delta_text(point.change, unit, digits) if point.change else "",
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
                "rank": item.rank,
                "of": item.of,
            }
        )
    return rows


def area_sentence(area: Area, detail: AreaDetail) -> str:
    """The latest change of the area in words ("" without a change)."""
    last_change = next((p.change for p in reversed(detail.points) if p.change), None)
    if last_change is None:
        return ""
    return wording.change_sentence(
        place=area.name,
        indicator=detail.indicator.name,
        unit=detail.indicator.unit,
        item=last_change,
        assessment=assess(last_change.absolute, direction_of(detail.indicator)),
    )


# --------------------------------------------------------------------------- the social index

CLASS_LABELS = {
    "high": gettext_lazy("high"),
    "medium": gettext_lazy("medium"),
    "low": gettext_lazy("low"),
    "very_low": gettext_lazy("very low"),
    "positive": gettext_lazy("positive"),
    "stable": gettext_lazy("stable"),
    "negative": gettext_lazy("negative"),
}
REASON_LABELS = {
    DifferenceReason.MISSING_VALUES: gettext_lazy(
        "No index: an indicator value is missing, so the area was left out of the "
        "standardisation, but a class was published."
    ),
    DifferenceReason.NOT_PUBLISHED: gettext_lazy("No class was published for this area."),
    DifferenceReason.ROUNDING_AT_THRESHOLD: gettext_lazy(
        "The index lies within the rounding of the published values at a class bound."
    ),
    DifferenceReason.INDEX_DIFFERS: gettext_lazy(
        "The computed index differs from the published index: the input values differ."
    ),
    DifferenceReason.UNEXPLAINED: gettext_lazy(
        "The index agrees, yet the class differs: not explained."
    ),
}


def class_label(band: ClassBand | None) -> str:
    return str(CLASS_LABELS.get(band.key, band.key)) if band else ""


def index_table_rows(page: IndexPage, rows: list[IndexRow]) -> list[dict[str, Any]]:
    """The rows of the index table: each indicator's value and z score, the classes in words."""
    return [
        {
            "row": row,
            "cells": [
                (row.score.values[i.code], row.score.z[i.code]) if row.score else (None, None)
                for i in page.indicators
            ],
            "class_label": class_label(row.score.band) if row.score else "",
            "published_label": class_label(row.published),
        }
        for row in rows
    ]


def agreement_context(page: IndexPage) -> dict[str, Any]:
    """The check against the published classes: confusion table, differences, class counts."""
    agreement = page.agreement
    bands: dict[int, ClassBand] = {b.code: b for b in page.definition.bands}
    confusion_rows: list[tuple[str, list[int]]] = []
    differences: list[dict[str, Any]] = []
    if agreement is not None:
        codes = agreement.class_codes
        confusion_rows = [
            (
                class_label(bands.get(c)) or str(c),
                [agreement.confusion.get((c, p), 0) for p in codes],
            )
            for c in codes
        ]
        areas = {str(r.area.pk): r.area for r in page.rows}
        differences = [
            {
                "area": areas.get(d.area),
                "computed": class_label(bands.get(d.computed or -1)),
                "published": class_label(bands.get(d.published or -1)),
                "index": d.index,
                "published_index": d.published_index,
                "reason": REASON_LABELS[d.reason],
            }
            for d in agreement.differences
        ]
    result = page.result
    return {
        "agreement": agreement,
        "share_percent": agreement.share * 100
        if agreement and agreement.share is not None
        else None,
        "confusion_header": [
            class_label(b)
            for b in page.definition.bands
            if agreement and b.code in agreement.class_codes
        ],
        "confusion_rows": confusion_rows,
        "differences": differences,
        "class_counts": [
            (class_label(b), result.class_counts()[b.code]) for b in page.definition.bands
        ]
        if result
        else [],
    }
