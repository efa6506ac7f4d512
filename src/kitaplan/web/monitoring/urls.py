from django.urls import path

from kitaplan.web.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("map.geojson", views.index_geojson, name="index-geojson"),
]
