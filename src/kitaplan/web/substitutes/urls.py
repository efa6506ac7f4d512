from django.urls import path

from kitaplan.web.substitutes import views

app_name = "substitutes"
urlpatterns = [
    path("", views.absence_list, name="absence-list"),
    path("<int:pk>/", views.absence_detail, name="absence-detail"),
    path("contacts/<int:pk>/", views.contacts, name="contacts"),
    path("report/", views.report, name="report"),
    path("notifications/", views.notification_list, name="notifications"),
    path("parents/<int:pk>/", views.parent_contacts, name="parent-contacts"),
    path("settings/", views.settings_page, name="settings"),
]
