"""The area pages under ``/areas/``. They show facilities and places next to population and
indicators, so they live in facilities (above territory) and keep the URL names ``territory:*``.
"""

from django.urls import path

from kitaplan.web.facilities import area_group_views as group_views
from kitaplan.web.facilities import area_views as views

app_name = "territory"
urlpatterns = [
    path("", views.area_list, name="area-list"),
    path("map.geojson", views.area_geojson, name="area-geojson"),
    path("<int:pk>/", views.area_detail, name="area-detail"),
    path("groups/", group_views.group_index, name="area-group-list"),
    path("groups/new/", group_views.group_new, name="area-group-new"),
    path("groups/<int:pk>/edit/", group_views.group_edit, name="area-group-edit"),
    path("groups/<int:pk>/close/", group_views.group_close, name="area-group-close"),
    path("groups/<int:pk>/delete/", group_views.group_delete, name="area-group-delete"),
]
