from django.urls import path

from kitaplan.web.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.balance, name="balance"),
    path("map.geojson", views.balance_geojson, name="balance-geojson"),
    path("care-rates/", views.care_rates, name="care-rates"),
    path("forecast/", views.forecast, name="forecast"),
]
