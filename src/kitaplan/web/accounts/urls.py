from django.urls import path

from kitaplan.web.accounts import security

app_name = "accounts"
urlpatterns = [
    path("account/security/", security.security, name="security"),
]
