from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kitaplan.web.core"
    label = "core"
