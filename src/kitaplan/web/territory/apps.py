from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "kitaplan.web.territory"
    label = "territory"
