"""Write validated records of one kind into the database, comparing by official key.

Every persister here has the signature ``(*, territory, records, file_name, day,
[remove_missing]) -> ImportSummary`` and runs inside the import's transaction; it raises
``ImportRefused`` for problems that only the stored data can reveal (unknown parent area,
unknown provider, …). It adds and updates; it closes (areas, facilities) or deletes
(population, indicator values, grid cells) the stored records of the file's scope that the
file does not list only with ``remove_missing=True``, which the import service sets for a
complete-list import (``PersistContext.complete_list``, ADR 0003). At most
:data:`KEPT_REMOVED_KEYS` keys of removed values or cells are kept for the audit.
:func:`register_territorial_kinds` registers them as import kinds (``imports.registry``); the
operational kinds are persisted and registered by the apps that own their records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from shapely.geometry import mapping as geometry_mapping

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.domain.common.projection import to_wgs84
from kitaplan.domain.territory.geometry import locate_points, summarise_geometry
from kitaplan.domain.territory.hierarchy import ancestors_of
from kitaplan.exchange.mappings import ImportKind, mappings_for_kind
from kitaplan.web.facilities.models import Facility, FacilityPlaces, Provider
from kitaplan.web.imports.limits import COLUMNS
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import ImportKindEntry, PersistContext, Persister, register_kind
from kitaplan.web.territory.models import (
    Area,
    IndicatorDefinition,
    IndicatorValue,
    PopulationCount,
    PopulationGridCell,
    Territory,
)

Record = dict[str, Any]
_E = ExpectationCode

#: When a file gives only a facility's total places, the share of places under 3 assumed for a
#: new facility if the territory has no facility with an age split yet. Berlin 2017: 0.31.
DEFAULT_U3_SHARE = 0.31
#: Removed population counts, indicator values and grid cells keep this many keys in the
#: summary (and the audit): a sample, not 90,000 cells. Areas and facilities keep every key.
KEPT_REMOVED_KEYS = 100


def _summary() -> ImportSummary:
    return ImportSummary()


def _refuse(problems: Sequence[ImportProblem]) -> None:
    raise ImportRefused(problems)


def _plain(value: Any) -> Any:
    """A value as stored and compared (Decimal → float, geometry → GeoJSON dict with lists)."""
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "geom_type"):
        return json.loads(json.dumps(geometry_mapping(value)))
    return value


def _diff(instance: Any, values: Record) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if isinstance(old, dt.date | dt.time) or isinstance(new, dt.date | dt.time):
            differs = old != new
        elif isinstance(old, float) or isinstance(new, float):
            differs = old is None or new is None or abs(float(old) - float(new)) > 1e-9
        else:
            differs = old != new
        if differs:
            changes[name] = [old, new]
    return changes


def _problem(
    code: ProblemCode,
    file_name: str,
    record: Record,
    column: str,
    value: Any,
    expected: Expectation,
) -> ImportProblem:
    return ImportProblem(
        code=code,
        file=file_name,
        row=int(record.get("row_number", 0)),
        column=column,
        value="" if value is None else str(value),
        expected=expected,
    )


# --------------------------------------------------------------------------------------- areas


def persist_areas(
    *,
    territory: Territory,
    records: list[Record],
    file_name: str,
    day: dt.date,
    remove_missing: bool = False,
) -> ImportSummary:
    summary = _summary()
    levels = {level.code: level for level in territory.levels.all()}
    problems: list[ImportProblem] = []
    for record in records:
        if record["level"] not in levels:
            problems.append(
                _problem(
                    ProblemCode.UNKNOWN_LEVEL,
                    file_name,
                    record,
                    "level",
                    record["level"],
                    expectation(_E.ONE_OF, choices=", ".join(sorted(levels))),
                )
            )
    if problems:
        _refuse(problems)
    records = sorted(records, key=lambda r: (levels[r["level"]].rank, r["official_code"]))
    existing = {
        (area.level.code, area.official_code): area
        for area in Area.objects.filter(territory=territory, valid_to__isnull=True).select_related(
            "level"
        )
    }
    file_keys = {(r["level"], r["official_code"]) for r in records}
    by_level_rank = {level.rank: level for level in levels.values()}
    for record in records:
        level = levels[record["level"]]
        parent = None
        parent_code = record.get("parent_code")
        if parent_code:
            parent_level = by_level_rank.get(level.rank - 1)
            parent = existing.get((parent_level.code, parent_code)) if parent_level else None
            if parent is None:
                problems.append(
                    _problem(
                        ProblemCode.UNKNOWN_PARENT,
                        file_name,
                        record,
                        "parent_code",
                        parent_code,
                        expectation(_E.PARENT_AREA),
                    )
                )
                continue
        values: Record = {
            "name": record["name"],
            "parent_id": parent.pk if parent else None,
            "valid_from": record.get("valid_from"),
            "valid_to": record.get("valid_to"),
        }
        geometry = record.get("geometry")
        if geometry is not None:
            values["geometry"] = _plain(geometry)
            facts = summarise_geometry(values["geometry"])
            values.update(
                centroid_lat=facts.centroid_lat,
                centroid_lon=facts.centroid_lon,
                bbox=list(facts.bbox),
                area_km2=facts.area_km2,
            )
        key = (level.code, record["official_code"])
        area = existing.get(key)
        if area is None:
            area = Area.objects.create(
                territory=territory, level=level, official_code=record["official_code"], **values
            )
            existing[key] = area
            summary.added += 1
            continue
        changes = _diff(area, values)
        if changes:
            for name in changes:
                setattr(area, name, values[name])
            area.save()
            summary.changed += 1
            summary.changes.append({"key": f"{key[0]}:{key[1]}", "fields": _compact(changes)})
        else:
            summary.unchanged += 1
    if problems:
        _refuse(problems)
    _refresh_paths(territory)
    levels_in_file = {r["level"] for r in records} if remove_missing else set()
    for key, area in sorted(existing.items()):
        if key[0] in levels_in_file and key not in file_keys:
            area.valid_to = max(day - dt.timedelta(days=1), area.valid_from or dt.date.min)
            area.save(update_fields=["valid_to"])
            summary.removed += 1
            summary.removed_keys.append(f"{key[0]}:{key[1]}")
    return summary


def _refresh_paths(territory: Territory) -> None:
    """Recompute every area's materialised path (``01/0110/011001``) from the parent links."""
    areas = list(
        Area.objects.filter(territory=territory).only("pk", "parent_id", "official_code", "path")
    )
    by_id = {a.pk: a for a in areas}
    parent_of = {a.pk: a.parent_id for a in areas}
    changed = []
    for area in areas:
        chain = [area.pk, *ancestors_of(area.pk, parent_of)]
        path = "/".join(by_id[pk].official_code for pk in reversed(chain))
        if area.path != path:
            area.path = path
            changed.append(area)
    Area.objects.bulk_update(changed, ["path"], batch_size=1000)


def _compact(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Before/after for the audit trail; boundaries are summarised, not copied."""
    out: dict[str, list[Any]] = {}
    for name, (old, new) in changes.items():
        if name == "geometry":
            out[name] = ["(boundary)", "(new boundary)"]
        elif name == "bbox":
            continue
        else:
            out[name] = [old, new]
    return out


def _areas_by_code(territory: Territory) -> dict[str, Area]:
    """Current areas of the territory by official code; where levels share a code, the finer wins."""
    areas = Area.objects.filter(territory=territory, valid_to__isnull=True).order_by("level__rank")
    return {a.official_code: a for a in areas}


# ---------------------------------------------------------------------------------- population


def persist_population(
    *,
    territory: Territory,
    records: list[Record],
    file_name: str,
    day: dt.date,
    remove_missing: bool = False,
) -> ImportSummary:
    summary = _summary()
    # Population is kept at the finest level only (upper levels are sums; docs/data-formats.md).
    finest = territory.levels.order_by("-rank").first()
    areas = {a.official_code: a for a in Area.objects.filter(level=finest, valid_to__isnull=True)}
    problems = [
        _problem(
            ProblemCode.UNKNOWN_AREA,
            file_name,
            r,
            "area_code",
            r["area_code"],
            expectation(_E.FINEST_AREA),
        )
        for r in records
        if r["area_code"] not in areas
    ]
    if problems:
        _refuse(problems)
    years = sorted({r["year"] for r in records})
    existing = {
        (c.area_id, c.year, c.age): c
        for c in PopulationCount.objects.filter(area__territory=territory, year__in=years)
    }
    seen: set[tuple[int, int, int]] = set()
    to_create, to_update = [], []
    for record in records:
        area = areas[record["area_code"]]
        key = (area.pk, record["year"], record["age"])
        seen.add(key)
        values = {
            "count": record["count"],
            "method": record.get("method") or "counted",
            "source": record.get("source") or "",
        }
        cell = existing.get(key)
        if cell is None:
            to_create.append(
                PopulationCount(area=area, year=record["year"], age=record["age"], **values)
            )
            continue
        changes = _diff(cell, values)
        if changes:
            for name in changes:
                setattr(cell, name, values[name])
            to_update.append(cell)
            summary.changes.append(
                {"key": f"{area.official_code}:{key[1]}:{key[2]}", "fields": changes}
            )
        else:
            summary.unchanged += 1
    PopulationCount.objects.bulk_create(to_create, batch_size=2000)
    PopulationCount.objects.bulk_update(to_update, ["count", "method", "source"], batch_size=2000)
    stale_keys = [key for key in existing if key not in seen] if remove_missing else []
    stale = [existing[key].pk for key in stale_keys]
    if stale_keys:
        codes = {a.pk: a.official_code for a in areas.values()}
        summary.removed_keys.extend(
            f"{codes.get(k[0], k[0])}:{k[1]}:{k[2]}" for k in sorted(stale_keys)[:KEPT_REMOVED_KEYS]
        )
    PopulationCount.objects.filter(pk__in=stale).delete()
    summary.added, summary.changed, summary.removed = len(to_create), len(to_update), len(stale)
    return summary


# ---------------------------------------------------------------------------------- indicators


def persist_indicators(
    *, territory: Territory, records: list[Record], file_name: str, day: dt.date
) -> ImportSummary:
    summary = _summary()
    existing = {d.code: d for d in IndicatorDefinition.objects.all()}
    for record in records:
        values = {
            name: record.get(name) or "" for name in ("name", "unit", "source", "description")
        }
        values["direction"] = record["direction"]
        definition = existing.get(record["code"])
        if definition is None:
            IndicatorDefinition.objects.create(code=record["code"], **values)
            summary.added += 1
            continue
        changes = _diff(definition, values)
        if changes:
            for name in changes:
                setattr(definition, name, values[name])
            definition.save()
            summary.changed += 1
            summary.changes.append({"key": record["code"], "fields": changes})
        else:
            summary.unchanged += 1
    summary.notes.append("definitions_are_never_removed_by_an_import")
    return summary


def persist_indicator_values(
    *,
    territory: Territory,
    records: list[Record],
    file_name: str,
    day: dt.date,
    remove_missing: bool = False,
) -> ImportSummary:
    summary = _summary()
    areas = _areas_by_code(territory)
    indicators = {d.code: d for d in IndicatorDefinition.objects.all()}
    problems: list[ImportProblem] = []
    for r in records:
        if r["indicator_code"] not in indicators:
            problems.append(
                _problem(
                    ProblemCode.UNKNOWN_INDICATOR,
                    file_name,
                    r,
                    "indicator_code",
                    r["indicator_code"],
                    expectation(_E.DEFINED_INDICATOR),
                )
            )
        if r["area_code"] not in areas:
            problems.append(
                _problem(
                    ProblemCode.UNKNOWN_AREA,
                    file_name,
                    r,
                    "area_code",
                    r["area_code"],
                    expectation(_E.AREA_OF_TERRITORY),
                )
            )
    if problems:
        _refuse(problems)
    scopes = {(indicators[r["indicator_code"]].pk, r["year"]) for r in records}
    existing = {
        (v.indicator_id, v.area_id, v.year): v
        for v in IndicatorValue.objects.filter(
            area__territory=territory,
            indicator_id__in={s[0] for s in scopes},
            year__in={s[1] for s in scopes},
        )
    }
    seen: set[tuple[int, int, int]] = set()
    to_create, to_update = [], []
    for r in records:
        key = (indicators[r["indicator_code"]].pk, areas[r["area_code"]].pk, r["year"])
        seen.add(key)
        value = float(r["value"])
        stored = existing.get(key)
        if stored is None:
            to_create.append(
                IndicatorValue(indicator_id=key[0], area_id=key[1], year=key[2], value=value)
            )
        elif abs(stored.value - value) > 1e-9:
            summary.changes.append(
                {
                    "key": f"{r['indicator_code']}:{r['area_code']}:{r['year']}",
                    "fields": {"value": [stored.value, value]},
                }
            )
            stored.value = value
            to_update.append(stored)
        else:
            summary.unchanged += 1
    IndicatorValue.objects.bulk_create(to_create, batch_size=2000)
    IndicatorValue.objects.bulk_update(to_update, ["value"], batch_size=2000)
    stale_keys = sorted(
        key for key in existing if remove_missing and key not in seen and (key[0], key[2]) in scopes
    )
    stale = [existing[key].pk for key in stale_keys]
    if stale_keys:
        indicator_codes = {d.pk: code for code, d in indicators.items()}
        area_codes = {a.pk: code for code, a in areas.items()}
        summary.removed_keys.extend(
            f"{indicator_codes.get(k[0], k[0])}:{area_codes.get(k[1], k[1])}:{k[2]}"
            for k in stale_keys[:KEPT_REMOVED_KEYS]
        )
    IndicatorValue.objects.filter(pk__in=stale).delete()
    summary.added, summary.changed, summary.removed = len(to_create), len(to_update), len(stale)
    return summary


# ----------------------------------------------------------------------------------- providers


def persist_providers(
    *, territory: Territory, records: list[Record], file_name: str, day: dt.date
) -> ImportSummary:
    summary = _summary()
    existing = {p.official_number: p for p in Provider.objects.filter(territory=territory)}
    to_create, to_update = [], []
    for r in records:
        values = {"name": r["name"], "provider_type": r["provider_type"]}
        provider = existing.get(r["official_number"])
        if provider is None:
            to_create.append(
                Provider(territory=territory, official_number=r["official_number"], **values)
            )
            continue
        changes = _diff(provider, values)
        if changes:
            for name in changes:
                setattr(provider, name, values[name])
            to_update.append(provider)
            summary.changes.append({"key": r["official_number"], "fields": changes})
        else:
            summary.unchanged += 1
    Provider.objects.bulk_create(to_create, batch_size=2000)
    Provider.objects.bulk_update(to_update, ["name", "provider_type"], batch_size=2000)
    summary.added, summary.changed = len(to_create), len(to_update)
    summary.notes.append("providers_are_never_removed_by_an_import")
    return summary


# ---------------------------------------------------------------------------------- facilities

FACILITY_FIELDS = (
    "name",
    "street",
    "house_number",
    "postcode",
    "city",
    "opening_time",
    "closing_time",
    "step_free_entrance",
    "accessible_toilet",
    "lift",
    "accessible_outdoor_area",
    "inclusion_profile",
    "data_note",
)
TEXT_FIELDS = {"name", "street", "house_number", "postcode", "city", "data_note"}
BOOLEAN_FIELDS = {
    "step_free_entrance",
    "accessible_toilet",
    "lift",
    "accessible_outdoor_area",
    "inclusion_profile",
}


def _location(record: Record) -> tuple[float, float] | None:
    geometry = record.get("geometry")
    if geometry is not None and getattr(geometry, "geom_type", "") == "Point":
        return round(float(geometry.y), 6), round(float(geometry.x), 6)
    if record.get("lat") is not None and record.get("lon") is not None:
        return round(float(record["lat"]), 6), round(float(record["lon"]), 6)
    return None


def finest_areas(territory: Territory) -> list[Area]:
    """Current areas of the territory's finest level that have a boundary."""
    level = territory.levels.order_by("-rank").first()
    if level is None:
        return []
    return list(Area.objects.filter(level=level, valid_to__isnull=True, geometry__isnull=False))


def persist_facilities(
    *,
    territory: Territory,
    records: list[Record],
    file_name: str,
    day: dt.date,
    remove_missing: bool = False,
) -> ImportSummary:
    summary = _summary()
    problems: list[ImportProblem] = []
    providers = {p.official_number: p for p in Provider.objects.filter(territory=territory)}
    locations: list[tuple[float, float]] = []
    for r in records:
        number = r.get("provider_number")
        if number and number not in providers:
            if r.get("provider_name"):
                providers[number] = Provider.objects.create(
                    territory=territory,
                    official_number=number,
                    name=r["provider_name"],
                    provider_type=r.get("provider_type") or "other",
                )
            else:
                problems.append(
                    _problem(
                        ProblemCode.UNKNOWN_PROVIDER,
                        file_name,
                        r,
                        "provider_number",
                        number,
                        expectation(_E.KNOWN_PROVIDER),
                    )
                )
        location = _location(r)
        if location is None:
            problems.append(
                _problem(
                    ProblemCode.MISSING_GEOMETRY,
                    file_name,
                    r,
                    "lat/lon",
                    "",
                    expectation(_E.LOCATION),
                )
            )
            location = (0.0, 0.0)
        locations.append(location)
    if problems:
        _refuse(problems)
    areas = finest_areas(territory)
    area_ids = locate_points(
        [(lon, lat) for lat, lon in locations],
        [(a.pk, a.geometry) for a in areas if a.geometry is not None],
    )
    existing = {f.official_number: f for f in Facility.objects.filter(territory=territory)}
    current_places = {
        p.facility_id: p
        for p in FacilityPlaces.objects.filter(facility__territory=territory, valid_to__isnull=True)
    }
    u3_share = _territory_u3_share(current_places.values())
    seen: set[str] = set()
    # New facilities and their first places are inserted in two bulk statements after the loop.
    new_facilities: list[Facility] = []
    new_places: list[tuple[dt.date, dict[str, int]]] = []
    for r, (lat, lon), area_id in zip(records, locations, area_ids, strict=True):
        number = r["official_number"]
        seen.add(number)
        values: Record = {name: r.get(name) for name in FACILITY_FIELDS}
        for name in TEXT_FIELDS:
            values[name] = values[name] or ""
        for name in BOOLEAN_FIELDS:
            values[name] = bool(values[name])
        values.update(
            lat=lat,
            lon=lon,
            area_id=area_id,
            provider_id=providers[r["provider_number"]].pk if r.get("provider_number") else None,
            valid_to=None,
        )
        facility = existing.get(number)
        current = current_places.get(facility.pk) if facility is not None else None
        places = _places_values(r, current, u3_share)
        places_from = r.get("places_valid_from") or day
        if facility is None:
            new_facilities.append(
                Facility(
                    territory=territory, official_number=number, valid_from=places_from, **values
                )
            )
            new_places.append((places_from, places))
            summary.added += 1
            continue
        changes = _diff(facility, values)
        if changes:
            for name in changes:
                setattr(facility, name, values[name])
            facility.save()
        changes.update(_apply_places(facility, places, current, places_from))
        if changes:
            summary.changed += 1
            summary.changes.append({"key": number, "fields": changes})
        else:
            summary.unchanged += 1
    Facility.objects.bulk_create(new_facilities, batch_size=1000)
    FacilityPlaces.objects.bulk_create(
        [
            FacilityPlaces(facility=facility, valid_from=valid_from, **places)
            for facility, (valid_from, places) in zip(new_facilities, new_places, strict=True)
        ],
        batch_size=1000,
    )
    for number, facility in sorted(existing.items()):
        if remove_missing and number not in seen and facility.valid_to is None:
            facility.valid_to = max(day - dt.timedelta(days=1), facility.valid_from or dt.date.min)
            facility.save(update_fields=["valid_to"])
            # places dated after the closing day never hold; the others end with the facility
            held = FacilityPlaces.objects.filter(facility=facility)
            held.filter(valid_from__gt=facility.valid_to).delete()
            held.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=facility.valid_to)).update(
                valid_to=facility.valid_to
            )
            summary.removed += 1
            summary.removed_keys.append(number)
    return summary


def _territory_u3_share(places: Any) -> float:
    u3 = ue3 = 0
    for p in places:
        u3 += p.places_u3
        ue3 += p.places_ue3
    return u3 / (u3 + ue3) if u3 + ue3 else DEFAULT_U3_SHARE


def _places_values(
    record: Record, current: FacilityPlaces | None, u3_share: float
) -> dict[str, int]:
    """Places of the record; a bare total is split by the facility's own or the city's u3 share."""
    values = {name: int(record.get(name) or 0) for name in FacilityPlaces.PLACE_FIELDS}
    if (
        record.get("places_u3") is None
        and record.get("places_ue3") is None
        and record.get("places_total") is not None
    ):
        total = int(record["places_total"]) - values["places_school"]
        if current is not None and current.places_u3 + current.places_ue3 == total:
            values["places_u3"], values["places_ue3"] = current.places_u3, current.places_ue3
        else:
            share = (
                current.places_u3 / (current.places_u3 + current.places_ue3)
                if current is not None and current.places_u3 + current.places_ue3
                else u3_share
            )
            values["places_u3"] = int(total * share + 0.5)
            values["places_ue3"] = total - values["places_u3"]
    return values


def _apply_places(
    facility: Facility, places: dict[str, int], current: FacilityPlaces | None, valid_from: dt.date
) -> dict[str, list[Any]]:
    """Store changed places as a new dated record (or correct the current one in place)."""
    if current is None:
        FacilityPlaces.objects.create(facility=facility, valid_from=valid_from, **places)
        return {"places": [None, places]}
    changes = _diff(current, places)
    if not changes:
        return {}
    if valid_from <= current.valid_from:
        for name, value in places.items():
            setattr(current, name, value)
        current.save()
    else:
        current.valid_to = valid_from - dt.timedelta(days=1)
        current.save(update_fields=["valid_to"])
        FacilityPlaces.objects.create(facility=facility, valid_from=valid_from, **places)
    return changes


# ----------------------------------------------------------------------------- population grid

GRID_FIELDS = ("area_id", "lat", "lon", "population", "year", "source")
_GRID_CRS_EXPECTED = expectation(_E.TRANSFORMABLE_CRS)
_GRID_INSIDE_EXPECTED = expectation(_E.CELLS_INSIDE)


def _grid_locations(
    records: list[Record], file_name: str
) -> tuple[list[tuple[float, float]], list[ImportProblem]]:
    """(lon, lat) of every cell: given in WGS84, or transformed from x/y in the named CRS."""
    from pyproj.exceptions import CRSError

    transformers: dict[str, Callable[[float, float], tuple[float, float]] | None] = {}
    problems: list[ImportProblem] = []
    locations: list[tuple[float, float]] = []
    for record in records:
        if record.get("lat") is not None and record.get("lon") is not None:
            locations.append((float(record["lon"]), float(record["lat"])))
            continue
        crs = str(record.get("crs") or "")
        if crs not in transformers:
            try:
                transformers[crs] = to_wgs84(crs)
            except CRSError:
                transformers[crs] = None
        transformer = transformers[crs]
        if transformer is None or record.get("x") is None or record.get("y") is None:
            problems.append(
                _problem(
                    ProblemCode.UNKNOWN_CHOICE, file_name, record, "crs", crs, _GRID_CRS_EXPECTED
                )
            )
            locations.append((0.0, 0.0))
            continue
        locations.append(transformer(float(record["x"]), float(record["y"])))
    return locations, problems


def _first_cell_text(record: Record) -> str:
    if record.get("lat") is not None:
        return f"{record['lat']}, {record['lon']}"
    return f"{record.get('x')}, {record.get('y')}"


def persist_population_grid(
    *,
    territory: Territory,
    records: list[Record],
    file_name: str,
    day: dt.date,
    remove_missing: bool = False,
) -> ImportSummary:
    """Add and update the file's cells; a complete list replaces the territory's grid.

    Each cell goes to the current finest area covering its centre; cells outside every area
    (a national grid not clipped to the city) are left out and counted in the summary. A file
    none of whose cells lies inside the territory is refused: almost always a wrong CRS.
    """
    summary = _summary()
    locations, problems = _grid_locations(records, file_name)
    if problems:
        _refuse(problems)
    areas = finest_areas(territory)
    area_ids = locate_points(
        locations, [(a.pk, a.geometry) for a in areas if a.geometry is not None]
    )
    inside = [i for i, area_id in enumerate(area_ids) if area_id is not None]
    if records and not inside:
        _refuse(
            [
                _problem(
                    ProblemCode.OUT_OF_RANGE,
                    file_name,
                    records[0],
                    "lat/lon" if records[0].get("lat") is not None else "x/y",
                    _first_cell_text(records[0]),
                    _GRID_INSIDE_EXPECTED,
                )
            ]
        )
    existing = {c.cell_id: c for c in PopulationGridCell.objects.filter(territory=territory)}
    to_create, to_update, seen = [], [], set()
    for i in inside:
        record = records[i]
        lon, lat = locations[i]
        values: Record = {
            "area_id": area_ids[i],
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "population": float(record["population"]),
            "year": record.get("year"),
            "source": record.get("source") or "",
        }
        cell_id = record["cell_id"]
        seen.add(cell_id)
        cell = existing.get(cell_id)
        if cell is None:
            to_create.append(PopulationGridCell(territory=territory, cell_id=cell_id, **values))
            continue
        changes = _diff(cell, values)
        if changes:
            for name in changes:
                setattr(cell, name, values[name])
            to_update.append(cell)
            if len(summary.changes) < 100:  # the audit keeps a sample, not 90,000 cells
                summary.changes.append({"key": cell_id, "fields": changes})
        else:
            summary.unchanged += 1
    PopulationGridCell.objects.bulk_create(to_create, batch_size=2000)
    PopulationGridCell.objects.bulk_update(to_update, list(GRID_FIELDS), batch_size=2000)
    stale_ids = sorted(c for c in existing if c not in seen) if remove_missing else []
    stale = [existing[cell_id].pk for cell_id in stale_ids]
    summary.removed_keys.extend(stale_ids[:KEPT_REMOVED_KEYS])
    PopulationGridCell.objects.filter(pk__in=stale).delete()
    summary.added, summary.changed, summary.removed = len(to_create), len(to_update), len(stale)
    outside = len(records) - len(inside)
    if outside:
        summary.notes.append({"cells_outside_territory": outside})
    return summary


#: (kind, persister, label, closes_missing): the kinds whose complete list closes (areas,
#: facilities: end-dated) or deletes (population and indicator values of the file's years,
#: grid cells) what it does not list; providers and indicator definitions are never removed.
_TERRITORIAL: tuple[tuple[ImportKind, Callable[..., ImportSummary], str | Promise, bool], ...] = (
    (ImportKind.AREAS, persist_areas, _("Areas"), True),
    (ImportKind.POPULATION, persist_population, _("Population"), True),
    (ImportKind.INDICATORS, persist_indicators, _("Indicator definitions"), False),
    (ImportKind.INDICATOR_VALUES, persist_indicator_values, _("Indicator values"), True),
    (ImportKind.PROVIDERS, persist_providers, _("Providers"), False),
    (ImportKind.FACILITIES, persist_facilities, _("Facilities"), True),
    (ImportKind.POPULATION_GRID, persist_population_grid, _("Population grid"), True),
)


def _with_context(persist: Callable[..., ImportSummary], closes_missing: bool) -> Persister:
    def persist_in_context(
        records: Sequence[Mapping[str, Any]], context: PersistContext
    ) -> ImportSummary:
        extra = {"remove_missing": context.complete_list} if closes_missing else {}
        return persist(
            territory=context.territory,
            records=records,
            file_name=context.file_name,
            day=context.day,
            **extra,
        )

    return persist_in_context


def register_territorial_kinds() -> None:
    """Register the kinds of the territory's own data (called by ``ImportsConfig.ready``)."""
    for order, (kind, persist, label, closes_missing) in enumerate(_TERRITORIAL):
        register_kind(
            ImportKindEntry(
                kind=kind,
                label=label,
                mappings=mappings_for_kind(kind),
                persist=_with_context(persist, closes_missing),
                columns=COLUMNS.get(kind, {}),
                closes_missing=closes_missing,
                order=order,
            )
        )
