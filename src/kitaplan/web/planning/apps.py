from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "kitaplan.web.planning"
    label = "planning"

    def ready(self) -> None:
        from kitaplan.web.core.derived import watch
        from kitaplan.web.planning.forecast_models import BirthCount, CityForecastCount
        from kitaplan.web.planning.models import CareRateSet, TargetRule

        # inputs of the derived data (balance, targets, forecast): core.derived
        watch(CareRateSet)
        watch(TargetRule)
        watch(BirthCount, "area__territory")
        watch(CityForecastCount)

        from kitaplan.web.core.access import can_import_data, can_view_areas
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("planning:balance", _("Demand planning"), 40, visible=can_view_areas))
        from kitaplan.web.jobs.reports import register_report_kind
        from kitaplan.web.planning.jobs import COMMITTEE_PDF
        from kitaplan.web.planning.views import committee_pdf

        register_report_kind(  # the committee report as a job
            code=COMMITTEE_PDF,
            label=_("Report for the committee (PDF)"),
            build=committee_pdf,
            download="planning:balance-pdf-file",
        )
        from kitaplan.web.planning.accessibility_jobs import register_grid_job

        register_grid_job()  # the close-to-home figures on a population grid
        register(
            NavEntry(
                "planning:setup-targets", _("Set up the planning"), 41, visible=can_import_data
            )
        )

        from kitaplan.exchange.formats import births, care_rates, city_forecast, targets
        from kitaplan.exchange.mappings import ImportKind
        from kitaplan.web.imports.registry import ImportKindEntry, register_kind
        from kitaplan.web.planning.imports import (
            CARE_RATE_COLUMNS,
            TARGET_COLUMNS,
            persist_care_rates,
            persist_targets,
        )

        register_kind(
            ImportKindEntry(
                kind=ImportKind.TARGETS,
                label=_("Target rules"),
                mappings=targets.MAPPINGS,
                persist=persist_targets,
                may_import=can_import_data,
                columns=TARGET_COLUMNS,
                order=60,
            )
        )
        register_kind(
            ImportKindEntry(
                kind=ImportKind.CARE_RATES,
                label=_("Care-rate sets"),
                mappings=care_rates.MAPPINGS,
                persist=persist_care_rates,
                may_import=can_import_data,
                columns=CARE_RATE_COLUMNS,
                order=61,
            )
        )
        from kitaplan.web.planning.forecast_imports import (
            BIRTH_COLUMNS,
            CITY_FORECAST_COLUMNS,
            persist_births,
            persist_city_forecast,
        )

        # the forecast inputs of a city without children by age per area (after the population)
        register_kind(
            ImportKindEntry(
                kind=ImportKind.BIRTHS,
                label=_("Births per area"),
                mappings=births.MAPPINGS,
                persist=persist_births,
                may_import=can_import_data,
                columns=BIRTH_COLUMNS,
                order=8,
            )
        )
        register_kind(
            ImportKindEntry(
                kind=ImportKind.CITY_FORECAST,
                label=_("Citywide population forecast by age"),
                mappings=city_forecast.MAPPINGS,
                persist=persist_city_forecast,
                may_import=can_import_data,
                columns=CITY_FORECAST_COLUMNS,
                order=9,
            )
        )
