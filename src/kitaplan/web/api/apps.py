from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kitaplan.web.api"
    label = "api"
