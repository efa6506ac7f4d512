from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "kitaplan.web.facilities"
    label = "facilities"
