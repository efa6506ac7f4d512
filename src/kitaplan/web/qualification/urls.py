from django.urls import path

from kitaplan.web.qualification import setup_views, views

app_name = "qualification"
urlpatterns = [
    path("", views.programme_list, name="programme-list"),
    path("courses/<int:pk>/", views.course_detail, name="course-detail"),
    path("childminders/<int:pk>/", views.childminder, name="childminder"),
    path("behind/", views.behind, name="behind"),
    path("planning/", views.planning, name="planning"),
    path("me/", views.me, name="me"),
    path("setup/", setup_views.setup, name="setup"),
    path("setup/programme/<int:pk>/", setup_views.setup_programme, name="setup-programme"),
]
