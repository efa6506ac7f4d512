from django.urls import path

from kitaplan.web.territory import views

app_name = "territory"
urlpatterns = [
    path("", views.area_list, name="area-list"),
    path("map.geojson", views.area_geojson, name="area-geojson"),
    path("<int:pk>/", views.area_detail, name="area-detail"),
]
