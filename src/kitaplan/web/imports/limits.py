"""The limits of the database columns, applied to the declared column mappings.

The exchange layer knows no models (ADR 0001), so its mappings declare types and the bounds of
the domain (ages 0–17, years 1900–2100). Where a record is stored, the column adds its own
limits: a text's ``max_length`` and an integer column's range (the model's validators, else the
range of the column type that every supported database keeps, e.g. 32 bits for an
``IntegerField``). :func:`limited_mapping` tightens a mapping with these limits, so a too long
name or a count of 10^20 becomes a problem with file, row, column and expectation instead of
a database error. File imports (``imports.services``) and the API's bulk writes
(``api.services``) both validate with the tightened mapping.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind
from kitaplan.web.imports.registry import kind_entry

#: Where each target of each import kind is stored: ``"app_label.Model.field"``. Targets that
#: are only read (``places_total``, ``crs``, coordinates) carry no column limit.
COLUMNS: dict[ImportKind, dict[str, str]] = {
    ImportKind.AREAS: {
        "level": "territory.AreaLevel.code",
        "official_code": "territory.Area.official_code",
        "name": "territory.Area.name",
        "parent_code": "territory.Area.official_code",
    },
    ImportKind.POPULATION: {
        "area_code": "territory.Area.official_code",
        "year": "territory.PopulationCount.year",
        "age": "territory.PopulationCount.age",
        "count": "territory.PopulationCount.count",
        "method": "territory.PopulationCount.method",
        "source": "territory.PopulationCount.source",
    },
    ImportKind.INDICATORS: {
        "code": "territory.IndicatorDefinition.code",
        "name": "territory.IndicatorDefinition.name",
        "unit": "territory.IndicatorDefinition.unit",
        "direction": "territory.IndicatorDefinition.direction",
        "source": "territory.IndicatorDefinition.source",
    },
    ImportKind.INDICATOR_VALUES: {
        "indicator_code": "territory.IndicatorDefinition.code",
        "area_code": "territory.Area.official_code",
        "year": "territory.IndicatorValue.year",
    },
    ImportKind.PROVIDERS: {
        "official_number": "facilities.Provider.official_number",
        "name": "facilities.Provider.name",
        "provider_type": "facilities.Provider.provider_type",
    },
    ImportKind.FACILITIES: {
        "official_number": "facilities.Facility.official_number",
        "name": "facilities.Facility.name",
        "provider_number": "facilities.Provider.official_number",
        "street": "facilities.Facility.street",
        "house_number": "facilities.Facility.house_number",
        "postcode": "facilities.Facility.postcode",
        "city": "facilities.Facility.city",
        "data_note": "facilities.Facility.data_note",
        "places_u3": "facilities.FacilityPlaces.places_u3",
        "places_ue3": "facilities.FacilityPlaces.places_ue3",
        # a bare total is split into u3 and ue3, each of which must fit
        "places_total": "facilities.FacilityPlaces.places_u3",
        "places_school": "facilities.FacilityPlaces.places_school",
        "integration_places": "facilities.FacilityPlaces.integration_places",
        "special_needs_group_places": "facilities.FacilityPlaces.special_needs_group_places",
    },
    ImportKind.POPULATION_GRID: {
        "cell_id": "territory.PopulationGridCell.cell_id",
        "year": "territory.PopulationGridCell.year",
        "source": "territory.PopulationGridCell.source",
    },
}


def model_field(path: str) -> models.Field[Any, Any]:
    app_label, model_name, field_name = path.split(".")
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    assert isinstance(field, models.Field), path  # COLUMNS names concrete fields only
    return field


def integer_bounds(field: models.Field[Any, Any]) -> tuple[int | None, int | None]:
    """The tightest of the field's validators and the portable range of its column type."""
    low, high = BaseDatabaseOperations.integer_field_ranges.get(
        field.get_internal_type(), (None, None)
    )
    # the declared validators (private, not in the stubs); field.validators adds the backend's
    for validator in field._validators:  # type: ignore[attr-defined]
        limit = validator.limit_value
        if isinstance(validator, MinValueValidator) and isinstance(limit, int):
            low = limit if low is None else max(low, limit)
        if isinstance(validator, MaxValueValidator) and isinstance(limit, int):
            high = limit if high is None else min(high, limit)
    return low, high


def limited_spec(spec: FieldSpec, field: models.Field[Any, Any]) -> FieldSpec:
    if spec.kind is FieldKind.TEXT and field.max_length is not None:
        return spec.with_limits(max_length=field.max_length)
    if spec.kind is FieldKind.INTEGER:
        low, high = integer_bounds(field)
        return spec.with_limits(minimum=low, maximum=high)
    return spec


@cache
def limited_mapping(mapping: ColumnMapping) -> ColumnMapping:
    """``mapping`` with the length and range limits of the columns its targets are stored in."""
    try:
        columns = kind_entry(mapping.kind_of_import.value).columns
    except KeyError:
        columns = COLUMNS.get(mapping.kind_of_import, {})

    def tighten(spec: FieldSpec) -> FieldSpec:
        path = columns.get(spec.target)
        return limited_spec(spec, model_field(path)) if path else spec

    return mapping.tightened(tighten)
