from django.urls import path

from kitaplan.web.budget import views

app_name = "budget"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("run/", views.run_page, name="run"),
    path("shares/", views.shares_page, name="shares"),
    path(
        "run/<int:run>/provider/<int:provider>/letter.pdf",
        views.provider_letter,
        name="provider-letter",
    ),
    path(
        "run/<int:run>/provider/<int:provider>/shares.xlsx",
        views.provider_xlsx,
        name="provider-xlsx",
    ),
    path("evaluation/", views.evaluation_page, name="evaluation"),
]
