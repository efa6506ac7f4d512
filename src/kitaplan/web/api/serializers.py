"""Serializers of the HTTP API v1: query parameters, representations and write payloads.

Representations read only what the views' querysets already joined or annotated
(``select_related``, the places annotations of ``facilities.selectors``), so a list costs the
same number of queries for 1 or 1,000 rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kitaplan.domain.common.vocabulary import PopulationMethod
from kitaplan.web.api.services import BulkResult
from kitaplan.web.facilities.models import (
    Facility,
    FacilityPlaces,
    Provider,
    place_field_bounds,
)
from kitaplan.web.facilities.selectors import SORT_FIELDS
from kitaplan.web.facilities.services import EDITABLE_FIELDS
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    IndicatorDefinition,
    IndicatorValue,
    PopulationCount,
    Territory,
)

#: What the serializers of query parameters, payload rows and problems read: plain mappings.
PlainData: TypeAlias = Mapping[str, Any]

GEOJSON_GEOMETRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "nullable": True,
    "description": "GeoJSON geometry (Polygon or MultiPolygon, WGS84 longitude/latitude); "
    "null unless the request has ?geometry=1.",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {}},
    },
    "required": ["type", "coordinates"],
}


# ------------------------------------------------------------------------------ query parameters


def _territory_param() -> serializers.CharField:
    return serializers.CharField(required=False, help_text=_("Code of the territory, e.g. berlin."))


class AreaQuerySerializer(serializers.Serializer[PlainData]):
    territory = _territory_param()
    level = serializers.CharField(
        required=False, help_text=_("Code of the area level, e.g. bezirk.")
    )
    # DRF's metaclass takes declared fields out of the class; only the stubs see Field.parent.
    parent = serializers.CharField(  # type: ignore[assignment]
        required=False, help_text=_("Official code of the parent area: its direct children.")
    )
    current = serializers.BooleanField(
        required=False, default=False, help_text=_("1: only areas without an end date.")
    )
    geometry = serializers.BooleanField(
        required=False, default=False, help_text=_("1: include the GeoJSON boundary of each area.")
    )


class GeometryQuerySerializer(serializers.Serializer[PlainData]):
    geometry = serializers.BooleanField(
        required=False, default=False, help_text=_("1: include the GeoJSON boundary of the area.")
    )


class PopulationQuerySerializer(serializers.Serializer[PlainData]):
    territory = _territory_param()
    area = serializers.CharField(required=False, help_text=_("Official code of the area."))
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2100, help_text=_("Reference year.")
    )


class IndicatorValueQuerySerializer(serializers.Serializer[PlainData]):
    territory = _territory_param()
    indicator = serializers.CharField(required=False, help_text=_("Code of the indicator."))
    area = serializers.CharField(required=False, help_text=_("Official code of the area."))
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2100, help_text=_("Year of the value.")
    )


class FacilityDayQuerySerializer(serializers.Serializer[PlainData]):
    day = serializers.DateField(
        required=False, help_text=_("The day whose places are shown (YYYY-MM-DD); default: today.")
    )


SORT_CHOICES = [*SORT_FIELDS, *(f"-{name}" for name in SORT_FIELDS)]


class FacilityQuerySerializer(FacilityDayQuerySerializer):
    territory = _territory_param()
    area = serializers.CharField(
        required=False,
        help_text=_("Official code of an area: facilities in it and in all areas below it."),
    )
    search = serializers.CharField(
        required=False,
        help_text=_("Part of the name, street or provider name; start of the number or postcode."),
    )
    include_closed = serializers.BooleanField(
        required=False, default=False, help_text=_("1: also facilities not open on the day.")
    )
    sort = serializers.ChoiceField(
        choices=SORT_CHOICES,
        required=False,
        default="name",
        help_text=_("Sort order; a leading minus sorts descending."),
    )


class BulkQuerySerializer(serializers.Serializer[PlainData]):
    territory = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Territory.objects.all(),
        help_text=_("Code of the territory the rows belong to (required)."),
    )


# ------------------------------------------------------------------------------ representations


class AreaLevelSerializer(serializers.ModelSerializer[AreaLevel]):
    class Meta:
        model = AreaLevel
        fields = ["code", "name", "rank"]


class TerritorySerializer(serializers.ModelSerializer[Territory]):
    levels = AreaLevelSerializer(
        many=True,
        read_only=True,
        help_text=_("Levels of the hierarchy, from the top (rank 1) down."),
    )

    class Meta:
        model = Territory
        fields = ["id", "code", "name", "official_code", "attribution", "levels"]


class AreaSerializer(serializers.ModelSerializer[Area]):
    territory = serializers.CharField(
        source="territory.code", read_only=True, help_text=_("Code of the territory.")
    )
    level = serializers.CharField(
        source="level.code", read_only=True, help_text=_("Code of the level.")
    )
    level_rank = serializers.IntegerField(
        source="level.rank", read_only=True, help_text=_("Rank of the level; 1 is the top.")
    )
    parent_id = serializers.IntegerField(read_only=True, allow_null=True)
    parent_code = serializers.CharField(
        source="parent.official_code",
        read_only=True,
        allow_null=True,
        help_text=_("Official code of the parent area."),
    )
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        read_only=True,
        allow_null=True,
        help_text=_("Bounding box: west, south, east, north."),
    )
    geometry = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = [
            "id",
            "territory",
            "level",
            "level_rank",
            "parent_id",
            "parent_code",
            "official_code",
            "name",
            "path",
            "valid_from",
            "valid_to",
            "area_km2",
            "centroid_lat",
            "centroid_lon",
            "bbox",
            "geometry",
        ]

    @extend_schema_field(GEOJSON_GEOMETRY_SCHEMA)
    def get_geometry(self, area: Area) -> dict[str, Any] | None:
        if not self.context.get("include_geometry"):
            return None  # the column was deferred: do not touch it
        geometry: dict[str, Any] | None = area.geometry
        return geometry


class PopulationCountSerializer(serializers.ModelSerializer[PopulationCount]):
    area = serializers.IntegerField(
        source="area_id", read_only=True, help_text=_("Id of the area.")
    )
    area_code = serializers.CharField(
        source="area.official_code", read_only=True, help_text=_("Official code of the area.")
    )

    class Meta:
        model = PopulationCount
        fields = ["id", "area", "area_code", "year", "age", "count", "method", "source"]


class IndicatorDefinitionSerializer(serializers.ModelSerializer[IndicatorDefinition]):
    class Meta:
        model = IndicatorDefinition
        fields = ["id", "code", "name", "unit", "direction", "source", "description"]


class IndicatorValueSerializer(serializers.ModelSerializer[IndicatorValue]):
    indicator = serializers.CharField(
        source="indicator.code", read_only=True, help_text=_("Code of the indicator.")
    )
    area = serializers.IntegerField(
        source="area_id", read_only=True, help_text=_("Id of the area.")
    )
    area_code = serializers.CharField(
        source="area.official_code", read_only=True, help_text=_("Official code of the area.")
    )

    class Meta:
        model = IndicatorValue
        fields = ["id", "indicator", "area", "area_code", "year", "value"]


class ProviderSummarySerializer(serializers.ModelSerializer[Provider]):
    class Meta:
        model = Provider
        fields = ["id", "official_number", "name", "provider_type"]


class AreaSummarySerializer(serializers.ModelSerializer[Area]):
    class Meta:
        model = Area
        fields = ["id", "official_code", "name", "path"]


class PlacesOnDaySerializer(serializers.Serializer[Facility]):
    """The places valid on a day, read from the ``current_*`` annotations of the selector."""

    day = serializers.SerializerMethodField()
    places_u3 = serializers.IntegerField(source="current_places_u3", read_only=True)
    places_ue3 = serializers.IntegerField(source="current_places_ue3", read_only=True)
    places_school = serializers.IntegerField(source="current_places_school", read_only=True)
    integration_places = serializers.IntegerField(
        source="current_integration_places", read_only=True
    )
    special_needs_group_places = serializers.IntegerField(
        source="current_special_needs_group_places", read_only=True
    )
    total = serializers.IntegerField(
        source="current_total", read_only=True, help_text=_("Under 3 + from 3 + school age.")
    )

    @extend_schema_field(OpenApiTypes.DATE)
    def get_day(self, facility: Facility) -> str:
        return str(self.context["day"].isoformat())


class FacilitySerializer(serializers.ModelSerializer[Facility]):
    territory = serializers.CharField(source="territory.code", read_only=True)
    provider = ProviderSummarySerializer(read_only=True, allow_null=True)
    area = AreaSummarySerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The area of the finest level the facility lies in."),
    )
    address = serializers.CharField(read_only=True)
    barrier_free = serializers.BooleanField(
        source="is_barrier_free",
        read_only=True,
        help_text=_("Step-free entrance and accessible toilet."),
    )
    places = PlacesOnDaySerializer(source="*", read_only=True)

    class Meta:
        model = Facility
        fields = [
            "id",
            "territory",
            "official_number",
            "name",
            "provider",
            "street",
            "house_number",
            "postcode",
            "city",
            "address",
            "lat",
            "lon",
            "area",
            "opening_time",
            "closing_time",
            "step_free_entrance",
            "accessible_toilet",
            "lift",
            "accessible_outdoor_area",
            "inclusion_profile",
            "barrier_free",
            "valid_from",
            "valid_to",
            "data_note",
            "places",
        ]
        read_only_fields = fields


# ------------------------------------------------------------------------------- write payloads


def _places_input(name: str) -> serializers.IntegerField:
    """A number of places within the model's bounds (the same as the edit form's)."""
    low, high = place_field_bounds(name)
    return serializers.IntegerField(min_value=low, max_value=high, required=False)


class PlacesInputSerializer(serializers.Serializer[PlainData]):
    """New places; a number left out keeps the value of the current record."""

    places_u3 = _places_input("places_u3")
    places_ue3 = _places_input("places_ue3")
    places_school = _places_input("places_school")
    integration_places = _places_input("integration_places")
    special_needs_group_places = _places_input("special_needs_group_places")


class FacilityUpdateSerializer(serializers.ModelSerializer[Facility]):
    """What PATCH may change: master data, and places from a day on (``facilities.services``)."""

    places = PlacesInputSerializer(
        required=False,
        help_text=_("New places from places_valid_from on; earlier days keep their places."),
    )
    places_valid_from = serializers.DateField(
        required=False, help_text=_("First day of the new places (YYYY-MM-DD); default: today.")
    )

    class Meta:
        model = Facility
        fields = [*EDITABLE_FIELDS, "places", "places_valid_from"]

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field cannot be changed through the API.")] for name in unknown}
                )
        places = data.get("places") if isinstance(data, Mapping) else None
        if isinstance(places, Mapping):
            unknown = sorted(set(places) - set(FacilityPlaces.PLACE_FIELDS))
            if unknown:
                raise serializers.ValidationError(
                    {"places": {name: [_("Not a kind of places.")] for name in unknown}}
                )
        result: dict[str, Any] = super().to_internal_value(data)
        return result

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "places_valid_from" in attrs and "places" not in attrs:
            raise serializers.ValidationError(
                {"places_valid_from": [_("Only together with places.")]}
            )
        opening = attrs.get("opening_time", getattr(self.instance, "opening_time", None))
        closing = attrs.get("closing_time", getattr(self.instance, "closing_time", None))
        if opening is not None and closing is not None and closing <= opening:
            raise serializers.ValidationError(
                {"closing_time": [_("Must be after the opening time.")]}
            )
        return attrs


class PopulationRowSerializer(serializers.Serializer[PlainData]):
    """One row of the kitaplan population format (documentation only; see ``api.services``)."""

    area_code = serializers.CharField(help_text=_("Official code of an area of the finest level."))
    year = serializers.IntegerField(min_value=1900, max_value=2100)
    age = serializers.IntegerField(
        min_value=0, max_value=17, help_text=_("Completed years of age.")
    )
    count = serializers.IntegerField(min_value=0, help_text=_("Residents of that age."))
    method = serializers.ChoiceField(
        choices=[m.value for m in PopulationMethod],
        required=False,
        help_text=_("How the count came about; default: counted."),
    )
    # DRF's metaclass takes declared fields out of the class; only the stubs see Field.source.
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, help_text=_("Citation of the source.")
    )


class IndicatorValueRowSerializer(serializers.Serializer[PlainData]):
    """One row of the kitaplan indicator-values format (documentation only)."""

    indicator_code = serializers.CharField(help_text=_("Code of a defined indicator."))
    area_code = serializers.CharField(help_text=_("Official code of a current area."))
    year = serializers.IntegerField(min_value=1900, max_value=2100)
    value = serializers.FloatField()


class BulkResultSerializer(serializers.Serializer[BulkResult]):
    kind = serializers.CharField()
    territory = serializers.CharField()
    rows = serializers.IntegerField(help_text=_("Rows received."))
    added = serializers.IntegerField(help_text=_("Cells that did not exist before."))
    changed = serializers.IntegerField(help_text=_("Cells whose values changed."))
    unchanged = serializers.IntegerField(help_text=_("Cells that already had these values."))
    audit_event = serializers.IntegerField(help_text=_("Id of the audit event of this write."))


class RowProblemSerializer(serializers.Serializer[PlainData]):
    row = serializers.IntegerField(
        allow_null=True,
        help_text=_("Index of the row in the posted list, from 0; null: the whole body."),
    )
    field = serializers.CharField()
    value = serializers.CharField(help_text=_("The value as received."))
    code = serializers.CharField(
        help_text=_("Stable problem code, e.g. negative_number, unknown_area.")
    )
    expected = serializers.CharField(help_text=_("What the field must contain."))
    message = serializers.CharField()


class BulkProblemsSerializer(serializers.Serializer[PlainData]):
    detail = serializers.CharField()
    problems = RowProblemSerializer(many=True)
