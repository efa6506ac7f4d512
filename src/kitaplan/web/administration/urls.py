from django.urls import path

from kitaplan.web.administration import views

app_name = "administration"
urlpatterns = [
    path("territories/", views.territory_list, name="territory-list"),
    path("territories/new/", views.territory_form, name="territory-create"),
    path("territory/<int:pk>/", views.territory_form, name="territory-edit"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("user/<int:pk>/", views.user_edit, name="user-edit"),
    path("user/<int:pk>/roles/", views.user_role_add, name="user-role-add"),
    path("role/<int:pk>/remove/", views.user_role_remove, name="user-role-remove"),
    path("user/<int:pk>/active/", views.user_active, name="user-active"),
]
