from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InclusionConfig(AppConfig):
    name = "kitaplan.web.inclusion"
    label = "inclusion"
    verbose_name = _("Inclusion")

    def ready(self) -> None:
        from kitaplan.web.core.derived import watch
        from kitaplan.web.inclusion.models import ChecklistItem, FacilityConfirmation

        # facilities able to care for all children are a target metric: core.derived
        watch(ChecklistItem)
        watch(FacilityConfirmation, "facility__territory")
