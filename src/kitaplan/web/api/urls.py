"""URLs of the HTTP API (included under ``/api/``); every route name starts with ``api``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from kitaplan.web.api import pages, views
from kitaplan.web.api.permissions import IsStaffUser


class _Router(DefaultRouter):
    include_format_suffixes = False  # one URL per resource; the format is negotiated


router = _Router()
router.register("territories", views.TerritoryViewSet, basename="api-territory")
router.register("areas", views.AreaViewSet, basename="api-area")
router.register("population", views.PopulationViewSet, basename="api-population")
router.register("indicators", views.IndicatorViewSet, basename="api-indicator")
router.register("indicator-values", views.IndicatorValueViewSet, basename="api-indicator-value")
router.register("facilities", views.FacilityViewSet, basename="api-facility")

urlpatterns = [
    path("v1/", include(router.urls)),
    path(
        "schema/", SpectacularAPIView.as_view(permission_classes=[IsStaffUser]), name="api-schema"
    ),
    path("docs/", pages.api_docs, name="api-docs"),
    path("token/", pages.api_token, name="api-token"),
    path("token/<int:number>/revoke/", pages.api_token_revoke, name="api-token-revoke"),
    path("tokens/", pages.api_token_list, name="api-token-list"),
]
