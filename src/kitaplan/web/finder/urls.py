"""Public routes of the parents' Kita-Finder (no login: see ``login_not_required`` in views)."""

from django.urls import path

from kitaplan.web.finder import views

app_name = "finder"
urlpatterns = [
    path("", views.search, name="search"),
    path("leichte-sprache/", views.easy_language, name="easy-language"),
]
