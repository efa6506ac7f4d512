from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "kitaplan.web.planning"
    label = "planning"
