from django.urls import path

from kitaplan.web.planning import accessibility_views, scenario_views, views

app_name = "planning"
urlpatterns = [
    path("", views.balance, name="balance"),
    path("map.geojson", views.balance_geojson, name="balance-geojson"),
    path("report.pdf", views.balance_pdf, name="balance-pdf"),
    path("care-rates/", views.care_rates, name="care-rates"),
    path("forecast/", views.forecast, name="forecast"),
    path("accessibility/", accessibility_views.accessibility, name="accessibility"),
    path(
        "accessibility/map.geojson",
        accessibility_views.accessibility_geojson,
        name="accessibility-geojson",
    ),
    path("targets/", views.targets, name="targets"),
    path("scenarios/", scenario_views.scenario_list, name="scenario-list"),
    path("scenarios/new/", scenario_views.scenario_new, name="scenario-new"),
    path("scenarios/show/", scenario_views.scenario_detail, name="scenario-detail"),
]
