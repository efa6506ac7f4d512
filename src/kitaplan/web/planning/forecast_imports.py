"""Imports of the forecast inputs: births per area and year, the citywide forecast by age.

Both kinds are registered in :class:`~kitaplan.web.planning.apps.PlanningConfig` and run inside
the import's durable transaction (``imports.services.import_file``); any problem refuses the
whole file. Records are compared with what is stored under the same key (area and year; year
and age): new ones are added, differing ones changed, equal ones unchanged, so importing a file
again changes nothing. Nothing the file does not list is deleted. Births are counted at the
territory's finest level, like the population (an area of another level is an unknown area).

Who may import: the data stewards (``access.can_import_data``), as for the population. The
counts are aggregate statistics, no personal data: the summary (and the audit event) carries
old and new values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kitaplan.domain.common.problems import ExpectationCode, ImportProblem, ProblemCode, expectation
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.planning.forecast_models import BirthCount, CityForecastCount
from kitaplan.web.territory.models import Area

Record = Mapping[str, Any]

#: Where each target is stored (column limits, ``imports.limits``).
BIRTH_COLUMNS = {
    "area_code": "territory.Area.official_code",
    "year": "planning.BirthCount.year",
    "count": "planning.BirthCount.count",
    "source": "planning.BirthCount.source",
}
CITY_FORECAST_COLUMNS = {
    "year": "planning.CityForecastCount.year",
    "age": "planning.CityForecastCount.age",
    "count": "planning.CityForecastCount.count",
    "source": "planning.CityForecastCount.source",
}


def _values(record: Record) -> dict[str, Any]:
    return {"count": record["count"], "source": record.get("source") or ""}


def _changes(stored: Any, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [getattr(stored, name), new]
        for name, new in values.items()
        if getattr(stored, name) != new
    }


def persist_births(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Add or update the births of the file's areas and years (see the module docstring)."""
    territory = context.territory
    finest = territory.levels.order_by("-rank").first()
    areas = {
        a.official_code: a
        for a in Area.objects.filter(level=finest, valid_to__isnull=True).only(
            "pk", "official_code"
        )
    }
    problems = [
        ImportProblem(
            code=ProblemCode.UNKNOWN_AREA,
            file=context.file_name,
            row=int(record.get("row_number", 0)),
            column="area_code",
            value=str(record["area_code"]),
            expected=expectation(ExpectationCode.FINEST_AREA),
        )
        for record in records
        if record["area_code"] not in areas
    ]
    if problems:
        raise ImportRefused(problems)
    years = {int(r["year"]) for r in records}
    stored = {
        (b.area_id, b.year): b
        for b in BirthCount.objects.filter(area__territory=territory, year__in=years)
    }
    summary = ImportSummary()
    to_create: list[BirthCount] = []
    to_update: list[BirthCount] = []
    for record in records:
        area = areas[record["area_code"]]
        values = _values(record)
        found = stored.get((area.pk, record["year"]))
        if found is None:
            to_create.append(BirthCount(area=area, year=record["year"], **values))
            continue
        changes = _changes(found, values)
        if not changes:
            summary.unchanged += 1
            continue
        for name in changes:
            setattr(found, name, values[name])
        to_update.append(found)
        summary.changes.append({"key": f"{area.official_code}:{found.year}", "fields": changes})
    BirthCount.objects.bulk_create(to_create, batch_size=2000)
    BirthCount.objects.bulk_update(to_update, ["count", "source"], batch_size=2000)
    summary.added, summary.changed = len(to_create), len(to_update)
    return summary


def persist_city_forecast(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Add or update the citywide forecast of the file's years and ages."""
    territory = context.territory
    stored = {
        (c.year, c.age): c
        for c in CityForecastCount.objects.filter(
            territory=territory, year__in={int(r["year"]) for r in records}
        )
    }
    summary = ImportSummary()
    to_create: list[CityForecastCount] = []
    to_update: list[CityForecastCount] = []
    for record in records:
        values = _values(record)
        found = stored.get((record["year"], record["age"]))
        if found is None:
            to_create.append(
                CityForecastCount(
                    territory=territory, year=record["year"], age=record["age"], **values
                )
            )
            continue
        changes = _changes(found, values)
        if not changes:
            summary.unchanged += 1
            continue
        for name in changes:
            setattr(found, name, values[name])
        to_update.append(found)
        summary.changes.append({"key": f"{found.year}:{found.age}", "fields": changes})
    CityForecastCount.objects.bulk_create(to_create, batch_size=2000)
    CityForecastCount.objects.bulk_update(to_update, ["count", "source"], batch_size=2000)
    summary.added, summary.changed = len(to_create), len(to_update)
    return summary
