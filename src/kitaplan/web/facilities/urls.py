from django.urls import path

from kitaplan.web.facilities import views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="facility-list"),
    path("map.geojson", views.facility_geojson, name="facility-geojson"),
    path("<int:pk>/", views.facility_detail, name="facility-detail"),
    path("<int:pk>/edit/", views.facility_edit, name="facility-edit"),
]
