"""Endpoints of the HTTP API v1 (DRF viewsets).

Scoping: areas, population and indicators need ``access.can_view_areas``; facilities come only
from ``facilities.selectors.facility_list``, i.e. ``facilities_visible_to(user)`` — a
facility outside the user's scope is "not found" (404), also for PATCH. Changing a facility
needs ``access.facilities_editable_by`` and goes through ``facilities.services.update_facility``;
bulk writes need ``access.can_import_data`` and go through :mod:`kitaplan.web.api.services`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

from kitaplan.web.api import serializers as s
from kitaplan.web.api import services
from kitaplan.web.api.permissions import CanImportData, CanViewAreas, IsStaffUser
from kitaplan.web.core.access import may_see_territory, within_territories
from kitaplan.web.facilities import services as facility_services
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.facilities.selectors import (
    FacilityFilter,
    facilities_editable_by,
    facility_list,
)
from kitaplan.web.imports.expectations import describe_expectation
from kitaplan.web.territory.models import (
    Area,
    AreaLevel,
    IndicatorDefinition,
    IndicatorValue,
    PopulationCount,
    Territory,
)

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

_M = TypeVar("_M", bound=Model)
_F = TypeVar("_F", bound=Callable[..., Any])

#: Large columns of areas that a row of another list never needs.
_AREA_HEAVY = ("geometry", "bbox")


class ApiPagination(LimitOffsetPagination):
    """``limit`` (default 100, at most 1000) and ``offset``; ``count``/``next``/``previous``."""

    max_limit = 1000


class QueryMixin(APIView):
    """Query parameters validated by a serializer (400 with the field's problem otherwise)."""

    query_serializer_class: type[Serializer[s.PlainData]] | None = None

    def query(self) -> dict[str, Any]:
        cached: dict[str, Any] | None = getattr(self, "_query", None)
        if cached is None:
            serializer_class = self.query_serializer_for_action()
            if serializer_class is None:
                cached = {}
            else:
                serializer = serializer_class(data=self.request.query_params)
                serializer.is_valid(raise_exception=True)
                cached = dict(serializer.validated_data)
            self._query = cached
        return cached

    def query_serializer_for_action(self) -> type[Serializer[s.PlainData]] | None:
        return self.query_serializer_class

    def filter_by_query(self, qs: QuerySet[Any], lookups: dict[str, str]) -> QuerySet[Any]:
        """Filter by each given query parameter: parameter name → ORM lookup."""
        q = self.query()
        for name, lookup in lookups.items():
            if q.get(name) not in (None, ""):
                qs = qs.filter(**{lookup: q[name]})
        return qs


class ReadViewSet(QueryMixin, viewsets.GenericViewSet[_M]):
    permission_classes = [CanViewAreas]
    pagination_class = ApiPagination
    #: The path from the model to its territory (``""``: the territories themselves; ``None``:
    #: not territorial): lists and single rows keep to the user's territories (404 outside).
    territory_path: str | None = "territory"

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if self.territory_path is None or _schema_only(self):
            return queryset
        code = self.request.query_params.get("territory")
        if code:
            _refuse_other_territory(self.request, Territory.objects.filter(code=code).first())
        return within_territories(queryset, self.request.user, self.territory_path)

    #: GET and HEAD read from the replica when there is one (core.routers); writes never do.
    replica_reads = True


def _refuse_other_territory(request: Request, territory: Territory | None) -> None:
    """404 for a territory outside the user's scope, as if it did not exist."""
    if territory is not None and not may_see_territory(request.user, territory.pk):
        raise NotFound


def _schema_only(view: object) -> bool:
    """True while drf-spectacular inspects the view (no real request, no user)."""
    return bool(getattr(view, "swagger_fake_view", False))


# ------------------------------------------------------------------------- territories and areas


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Territories"),
        description=gettext_lazy(
            "The territories (municipalities) with the levels of their area hierarchy. Staff roles."
        ),
    ),
)
@extend_schema(tags=["territories"])
class TerritoryViewSet(mixins.ListModelMixin, ReadViewSet[Territory]):
    serializer_class = s.TerritorySerializer
    territory_path = ""
    queryset = Territory.objects.prefetch_related(
        Prefetch("levels", queryset=AreaLevel.objects.order_by("rank"))
    ).order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Areas"),
        description=gettext_lazy(
            "Areas of every level with level code, parent code and path; "
            "boundaries only with geometry=1. Staff roles."
        ),
        parameters=[s.AreaQuerySerializer],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One area"),
        description=gettext_lazy("One area; its boundary only with geometry=1. Staff roles."),
        parameters=[s.GeometryQuerySerializer],
    ),
)
@extend_schema(tags=["areas"])
class AreaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ReadViewSet[Area]):
    serializer_class = s.AreaSerializer
    queryset = Area.objects.all()

    def query_serializer_for_action(self) -> type[Serializer[s.PlainData]]:
        return s.AreaQuerySerializer if self.action == "list" else s.GeometryQuerySerializer

    def get_queryset(self) -> QuerySet[Area]:
        q = self.query()
        qs = (
            Area.objects.select_related("territory", "level", "parent")
            .defer("territory__attribution", *(f"parent__{name}" for name in _AREA_HEAVY))
            .order_by("territory_id", "level__rank", "official_code", "pk")
        )
        if not q.get("geometry"):
            qs = qs.defer("geometry")
        if q.get("current"):
            qs = qs.filter(valid_to__isnull=True)
        return self.filter_by_query(
            qs,
            {
                "territory": "territory__code",
                "level": "level__code",
                "parent": "parent__official_code",
            },
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["include_geometry"] = bool(self.query().get("geometry")) if self.request else False
        return context


# ------------------------------------------------------------------------------------ bulk writes


def _bulk(request: Request, upsert: Callable[..., services.BulkResult]) -> Response:
    query = s.BulkQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    _refuse_other_territory(request, query.validated_data["territory"])
    try:
        result = upsert(
            territory=query.validated_data["territory"], rows=request.data, actor=request.user
        )
    except services.BulkRejected as rejected:
        worded = [p.as_dict(describe_expectation) for p in rejected.problems]
        problems = [
            {
                **p,
                "message": _(
                    'Row {row}, field "{field}": "{value}" ({code}). Expected: {expected}.'
                ).format(**p),
            }
            for p in worded
        ]
        return Response(
            {"detail": _("The rows have problems; nothing was stored."), "problems": problems},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return Response(s.BulkResultSerializer(result).data)


def _bulk_schema(
    summary: str | Promise, row_serializer: type[Serializer[s.PlainData]]
) -> Callable[[_F], _F]:
    return extend_schema(
        summary=summary,
        description=gettext_lazy(
            "A JSON list of rows in the kitaplan standard format (docs/data-formats.md) for one "
            "territory. All rows are checked first; with any problem the answer is 400 with every "
            "problem (row index from 0, field, value, expectation) and nothing is stored. Else new "
            "cells are added, changed ones updated, nothing is deleted, and one audit event "
            "records the counts. Planners and administrators."
        ),
        parameters=[s.BulkQuerySerializer],
        request=row_serializer(many=True),
        responses={
            200: s.BulkResultSerializer,
            400: OpenApiResponse(
                s.BulkProblemsSerializer, description=gettext_lazy("Problems; nothing was stored.")
            ),
        },
    )


class BulkPermissionMixin(ViewSetMixin):
    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        if self.action == "bulk":
            return [CanImportData()]
        return [permission() for permission in ReadViewSet.permission_classes]


# -------------------------------------------------------------------------------------- population


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Population"),
        description=gettext_lazy("Residents by area, year and single year of age. Staff roles."),
        parameters=[s.PopulationQuerySerializer],
    ),
)
@extend_schema(tags=["population"])
class PopulationViewSet(BulkPermissionMixin, mixins.ListModelMixin, ReadViewSet[PopulationCount]):
    serializer_class = s.PopulationCountSerializer
    query_serializer_class = s.PopulationQuerySerializer
    territory_path = "area__territory"

    def get_queryset(self) -> QuerySet[PopulationCount]:
        qs = (
            PopulationCount.objects.select_related("area")
            .only(
                "id", "year", "age", "count", "method", "source", "area__id", "area__official_code"
            )
            .order_by("area_id", "year", "age")
        )
        if self.action != "list":
            return qs
        return self.filter_by_query(
            qs,
            {"territory": "area__territory__code", "area": "area__official_code", "year": "year"},
        )

    @_bulk_schema(
        gettext_lazy("Insert or update population counts in bulk"), s.PopulationRowSerializer
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        url_name="bulk",
        parser_classes=[JSONParser],
    )
    def bulk(self, request: Request) -> Response:
        return _bulk(request, services.upsert_population)


# -------------------------------------------------------------------------------------- indicators


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Indicators"),
        description=gettext_lazy(
            "Definitions of the indicators: code, name, unit, how to read "
            "them, source. Staff roles."
        ),
    ),
)
@extend_schema(tags=["indicators"])
class IndicatorViewSet(mixins.ListModelMixin, ReadViewSet[IndicatorDefinition]):
    serializer_class = s.IndicatorDefinitionSerializer
    territory_path = None
    queryset = IndicatorDefinition.objects.order_by("code")


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Indicator values"),
        description=gettext_lazy("Values of indicators by area and year. Staff roles."),
        parameters=[s.IndicatorValueQuerySerializer],
    ),
)
@extend_schema(tags=["indicator values"])
class IndicatorValueViewSet(
    BulkPermissionMixin, mixins.ListModelMixin, ReadViewSet[IndicatorValue]
):
    serializer_class = s.IndicatorValueSerializer
    query_serializer_class = s.IndicatorValueQuerySerializer
    territory_path = "area__territory"

    def get_queryset(self) -> QuerySet[IndicatorValue]:
        qs = (
            IndicatorValue.objects.select_related("indicator", "area")
            .only(
                "id",
                "year",
                "value",
                "indicator__id",
                "indicator__code",
                "area__id",
                "area__official_code",
            )
            .order_by("indicator_id", "area_id", "year")
        )
        if self.action != "list":
            return qs
        return self.filter_by_query(
            qs,
            {
                "territory": "area__territory__code",
                "indicator": "indicator__code",
                "area": "area__official_code",
                "year": "year",
            },
        )

    @_bulk_schema(
        gettext_lazy("Insert or update indicator values in bulk"), s.IndicatorValueRowSerializer
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk",
        url_name="bulk",
        parser_classes=[JSONParser],
    )
    def bulk(self, request: Request) -> Response:
        return _bulk(request, services.upsert_indicator_values)


# -------------------------------------------------------------------------------------- facilities


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Facilities"),
        description=gettext_lazy(
            "Facilities the user may see (city staff: all; facility managers: their own) with "
            "the places of a day. Staff roles."
        ),
        parameters=[s.FacilityQuerySerializer],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One facility"),
        description=gettext_lazy(
            "One facility with the places of a day; 404 when the user may not see it. Staff roles."
        ),
        parameters=[s.FacilityDayQuerySerializer],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Change a facility"),
        description=gettext_lazy(
            "Change master data and, with places and places_valid_from, the places from that day "
            "on (earlier days keep theirs). Every change is recorded in the audit trail. Planners, "
            "administrators and the facility's own managers."
        ),
        parameters=[s.FacilityDayQuerySerializer],
        request=s.FacilityUpdateSerializer,
        responses={
            200: s.FacilitySerializer,
            400: OpenApiResponse(description=gettext_lazy("Invalid values, by field.")),
            403: OpenApiResponse(description=gettext_lazy("The user may see but not change it.")),
            404: OpenApiResponse(description=gettext_lazy("No facility the user may see.")),
        },
    ),
)
@extend_schema(tags=["facilities"])
class FacilityViewSet(
    QueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Facility]
):
    permission_classes = [IsStaffUser]
    pagination_class = ApiPagination
    parser_classes = [JSONParser]
    serializer_class = s.FacilitySerializer
    http_method_names = ["get", "patch", "head", "options"]

    def query_serializer_for_action(self) -> type[Serializer[s.PlainData]]:
        return s.FacilityQuerySerializer if self.action == "list" else s.FacilityDayQuerySerializer

    def day(self) -> dt.date:
        day: dt.date | None = self.query().get("day")
        return day or timezone.localdate()

    def get_queryset(self) -> QuerySet[Facility]:
        if _schema_only(self):
            return Facility.objects.none()
        q = self.query()
        territory = area = None
        if q.get("territory"):
            territory = Territory.objects.filter(code=q["territory"]).first()
            if territory is None:
                raise ValidationError({"territory": [_("No territory has this code.")]})
            _refuse_other_territory(self.request, territory)
        if q.get("area"):
            areas = Area.objects.filter(official_code=q["area"], valid_to__isnull=True)
            if territory is not None:
                areas = areas.filter(territory=territory)
            area = (
                areas.select_related("territory")
                .defer("geometry", "territory__attribution")
                .order_by("level__rank", "pk")
                .first()
            )
            if area is None:
                raise ValidationError({"area": [_("No current area has this code.")]})
            territory = area.territory  # an area's path is unique only within its territory
        filters = FacilityFilter(
            territory=territory,
            area=area,
            search=q.get("search", ""),
            day=self.day(),
            include_closed=bool(q.get("include_closed")) or self.action != "list",
            sort=q.get("sort") or "name",
        )
        heavy = [
            f"{relation}__{name}" for relation in ("area", "area__parent") for name in _AREA_HEAVY
        ]
        return facility_list(user=self.request.user, filters=filters).defer(
            *heavy, "territory__attribution"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not _schema_only(self):
            context["day"] = self.day()
        return context

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        facility = self.get_object()  # 404 outside the user's scope
        if not facilities_editable_by(request.user).filter(pk=facility.pk).exists():
            raise PermissionDenied
        payload = s.FacilityUpdateSerializer(facility, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        places = values.pop("places", None)
        valid_from = values.pop("places_valid_from", None)
        if values or places is not None:
            try:
                facility_services.update_facility(
                    facility=facility,
                    actor=request.user,
                    values=values,
                    places=self._complete_places(facility, places) if places is not None else None,
                    places_valid_from=valid_from or timezone.localdate(),
                )
            except DjangoValidationError as error:
                raise ValidationError(
                    error.message_dict
                    if hasattr(error, "error_dict")
                    else {"non_field_errors": error.messages}
                ) from error
            except ValueError as error:
                if str(error) == "places_valid_from_before_current_record":
                    raise ValidationError(
                        {
                            "places_valid_from": [
                                _("Must not be before the first day of the current places.")
                            ]
                        }
                    ) from error
                raise
        return Response(self.get_serializer(self.get_queryset().get(pk=facility.pk)).data)

    @staticmethod
    def _complete_places(facility: Facility, places: dict[str, int]) -> dict[str, int]:
        """The given places, the rest from the current (open) record, else 0."""
        current = (
            facility.places_history.filter(valid_to__isnull=True).order_by("-valid_from").first()
        )
        return {
            name: places[name] if name in places else (getattr(current, name) if current else 0)
            for name in FacilityPlaces.PLACE_FIELDS
        }
