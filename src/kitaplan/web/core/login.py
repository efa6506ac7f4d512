"""The login page, with KERN form styling."""

from django.contrib.auth import views as auth_views

login_view = auth_views.LoginView.as_view(template_name="registration/login.html")
