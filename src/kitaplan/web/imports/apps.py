from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kitaplan.web.imports"
    label = "imports"
