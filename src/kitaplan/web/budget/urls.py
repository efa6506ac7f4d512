from django.urls import path

from kitaplan.web.budget import views

app_name = "budget"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("run/", views.run_page, name="run"),
    path("shares/", views.shares_page, name="shares"),
]
