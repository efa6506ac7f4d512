from django.urls import path

from kitaplan.web.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("new/", views.import_new, name="import-new"),
    path("<int:pk>/", views.import_detail, name="import-detail"),
    path("<int:pk>/import/", views.import_confirm, name="import-confirm"),
]
