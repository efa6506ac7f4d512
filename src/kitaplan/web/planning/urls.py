from django.urls import path

from kitaplan.web.planning import accessibility_views, scenario_views, setup_views, views

app_name = "planning"
urlpatterns = [
    path("", views.balance, name="balance"),
    path("map.geojson", views.balance_geojson, name="balance-geojson"),
    path("report.pdf", views.balance_pdf, name="balance-pdf"),
    path("report/", views.balance_pdf_job, name="balance-pdf-job"),
    path("report/<int:pk>/", views.balance_pdf_file, name="balance-pdf-file"),
    path("care-rates/", views.care_rates, name="care-rates"),
    path("forecast/", views.forecast, name="forecast"),
    path("accessibility/", accessibility_views.accessibility, name="accessibility"),
    path(
        "accessibility/map.geojson",
        accessibility_views.accessibility_geojson,
        name="accessibility-geojson",
    ),
    path(
        "accessibility/status/",
        accessibility_views.accessibility_status,
        name="accessibility-status",
    ),
    path(
        "accessibility/retry/",
        accessibility_views.accessibility_retry,
        name="accessibility-retry",
    ),
    path("targets/", views.targets, name="targets"),
    path("scenarios/", scenario_views.scenario_list, name="scenario-list"),
    path("scenarios/new/", scenario_views.scenario_new, name="scenario-new"),
    path("scenarios/show/", scenario_views.scenario_detail, name="scenario-detail"),
    path("setup/care-rates/", setup_views.care_rate_sets, name="setup-care-rates"),
    path("setup/care-rates/new/", setup_views.care_rate_set_form, name="setup-care-rate-new"),
    path("setup/care-rates/<int:pk>/", setup_views.care_rate_set_form, name="setup-care-rate-edit"),
    path(
        "setup/care-rates/<int:pk>/copy/",
        setup_views.care_rate_set_copy,
        name="setup-care-rate-copy",
    ),
    path(
        "setup/care-rates/<int:pk>/activate/",
        setup_views.care_rate_set_activate,
        name="setup-care-rate-activate",
    ),
    path("setup/targets/", setup_views.target_rules, name="setup-targets"),
    path("setup/targets/new/", setup_views.target_rule_form, name="setup-target-new"),
    path("setup/targets/<int:pk>/", setup_views.target_rule_form, name="setup-target-edit"),
    path(
        "setup/targets/<int:pk>/active/",
        setup_views.target_rule_active,
        name="setup-target-active",
    ),
]
