from django.urls import path

from kitaplan.web.inclusion import views

app_name = "inclusion"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("facilities/<int:pk>/", views.facility, name="facility"),
    path("checklist/", views.checklist, name="checklist"),
    path("checklist/<int:pk>/", views.checklist_item, name="checklist-item"),
    path("staff/", views.staff, name="staff"),
    path("pool/", views.pool, name="pool"),
    path("pool/use/", views.pool_use, name="pool-use"),
    path("pool/<int:pk>/", views.pool_item, name="pool-item"),
]
