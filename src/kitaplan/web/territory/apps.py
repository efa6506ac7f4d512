from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "kitaplan.web.territory"
    label = "territory"

    def ready(self) -> None:
        from kitaplan.web.core.derived import watch
        from kitaplan.web.territory import models

        # inputs of the derived data (balance, targets, monitoring): core.derived
        watch(models.AreaLevel)
        watch(models.Area)
        watch(models.AreaGroup)
        watch(models.PopulationCount, "area__territory")
        watch(models.PopulationGridCell)
        watch(models.IndicatorDefinition, None)
        watch(models.IndicatorValue, "area__territory")
