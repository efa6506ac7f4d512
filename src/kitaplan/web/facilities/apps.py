from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "kitaplan.web.facilities"
    label = "facilities"

    def ready(self) -> None:
        from kitaplan.web.core.derived import watch
        from kitaplan.web.facilities.models import Facility, FacilityPlaces

        # inputs of the derived data (balance, targets, monitoring): core.derived
        watch(Facility)
        watch(FacilityPlaces, "facility__territory")

        from kitaplan.web.core.access import can_view_areas, is_staff_user
        from kitaplan.web.core.navigation import NavEntry, register

        # the start page lives here (``facilities.home``) but keeps its name ``core:home``
        register(NavEntry("core:home", _("Overview"), 10, exact=True))
        # the area pages too (``facilities.area_views``, URL names ``territory:*``)
        register(NavEntry("territory:area-list", _("Areas"), 20, visible=can_view_areas))
        register(NavEntry("facilities:facility-list", _("Facilities"), 30, visible=is_staff_user))
