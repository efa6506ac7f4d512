from django.urls import path

from kitaplan.web.core import security, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("account/security/", security.security, name="security"),
]
