from django.urls import path

from kitaplan.web.childminding import service_views, views

app_name = "childminding"
urlpatterns = [
    path("", views.childminder_list, name="childminder-list"),
    path("new/", views.childminder_edit, name="childminder-new"),
    path("due/", views.due, name="due"),
    path("services/", service_views.service_form, name="service-list"),
    path("services/<int:pk>/", service_views.service_form, name="service-edit"),
    path("me/", views.me, name="me"),
    path("me/export.json", views.me_export, name="me-export"),
    path("<int:pk>/", views.childminder_detail, name="childminder-detail"),
    path("<int:pk>/edit/", views.childminder_edit, name="childminder-edit"),
    path("<int:pk>/erase/", views.childminder_erase, name="childminder-erase"),
]
