from django.urls import path

from kitaplan.web.allocation import views
from kitaplan.web.allocation.parent_urls import urlpatterns as parent_urlpatterns

app_name = "allocation"
urlpatterns = [
    path("", views.round_list, name="round-list"),
    path("round/new/", views.round_edit, name="round-new"),
    path("round/<int:pk>/", views.round_detail, name="round-detail"),
    path("round/<int:pk>/edit/", views.round_edit, name="round-edit"),
    path("round/<int:pk>/places/", views.round_places, name="round-places"),
    path("round/<int:pk>/applications/", views.application_list, name="application-list"),
    path("round/<int:pk>/run/", views.round_run, name="round-run"),
    path("round/<int:pk>/statistics/", views.round_statistics_page, name="round-statistics"),
    path(
        "round/<int:pk>/facility/<int:facility>/",
        views.facility_applicants,
        name="facility-applicants",
    ),
    path("run/<int:pk>/", views.run_detail, name="run-detail"),
    path("run/<int:pk>/publish/", views.run_publish, name="run-publish"),
    path("run/<int:pk>/instance.zip", views.run_instance_zip, name="run-instance"),
    path("run/<int:pk>/chances/status/", views.run_chances_status, name="run-chances-status"),
    path("application/<int:pk>/", views.application_detail, name="application-detail"),
    path("application/<int:pk>/erase/", views.application_erase, name="application-erase"),
    path("application/<int:pk>/chances/", views.application_chances, name="application-chances"),
    *parent_urlpatterns,
]
