from django.urls import path

from kitaplan.web.monitoring import facility_views, trend_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("map.geojson", views.index_geojson, name="index-geojson"),
    path("indicators/", trend_views.indicators, name="indicators"),
    path("indicators/map.geojson", trend_views.indicators_geojson, name="indicators-geojson"),
    path("areas/<int:pk>/", trend_views.area_series, name="area-series"),
    path("alerts/", trend_views.alerts, name="alerts"),
    path("facilities/", facility_views.facility_index_page, name="facility-index"),
    path("report.pdf", trend_views.report_pdf, name="report-pdf"),
    path("report/", trend_views.report_pdf_job, name="report-pdf-job"),
    path("report/<int:pk>/", trend_views.report_pdf_file, name="report-pdf-file"),
]
