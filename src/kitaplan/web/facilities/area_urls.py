"""The area pages under ``/areas/``. They show facilities and places next to population and
indicators, so they live in facilities (above territory) and keep the URL names ``territory:*``.
"""

from django.urls import path

from kitaplan.web.facilities import area_views as views

app_name = "territory"
urlpatterns = [
    path("", views.area_list, name="area-list"),
    path("map.geojson", views.area_geojson, name="area-geojson"),
    path("<int:pk>/", views.area_detail, name="area-detail"),
]
