from django.urls import path

from kitaplan.web.networks import views

app_name = "networks"
urlpatterns = [
    path("", views.network_list, name="network-list"),
    path("network/new/", views.network_create, name="network-create"),
    path("network/<int:pk>/", views.network_detail, name="network-detail"),
    path("network/<int:pk>/edit/", views.network_edit, name="network-edit"),
    path("network/<int:pk>/close/", views.network_close, name="network-close"),
    path(
        "network/<int:pk>/working-groups/new/",
        views.working_group_create,
        name="working-group-create",
    ),
    path("working-group/<int:pk>/", views.working_group_edit, name="working-group-edit"),
    path("working-group/<int:pk>/delete/", views.working_group_delete, name="working-group-delete"),
    path("network/<int:pk>/members/add/", views.member_add, name="member-add"),
    path("network/<int:pk>/members.csv", views.member_export_csv, name="member-export-csv"),
    path("network/<int:pk>/members.xlsx", views.member_export_xlsx, name="member-export-xlsx"),
    path("network/<int:pk>/meetings/", views.meeting_list, name="meeting-list"),
    path("member/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("member/<int:pk>/erase/", views.member_erase, name="member-erase"),
    path("meeting/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meeting/<int:pk>/invite/", views.meeting_invite, name="meeting-invite"),
    path("meeting/<int:pk>/invitation.ics", views.meeting_ics, name="meeting-ics"),
]
