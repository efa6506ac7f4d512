from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "kitaplan.web.measures"
    label = "measures"
    verbose_name = _("Action plan")

    def ready(self) -> None:
        from kitaplan.web.core.access import is_city_staff
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("measures:plan-list", _("Action plan"), 70, visible=is_city_staff))

        from kitaplan.exchange.formats import measures_plan
        from kitaplan.exchange.mappings import ImportKind
        from kitaplan.web.imports.registry import ImportKindEntry, register_kind
        from kitaplan.web.measures.imports import COLUMNS, persist_measures_plan
        from kitaplan.web.measures.selectors import can_edit

        register_kind(
            ImportKindEntry(
                kind=ImportKind.MEASURES_PLAN,
                label=_("Measures plan (Maßnahmenplan)"),
                mappings=measures_plan.MAPPINGS,
                persist=persist_measures_plan,
                may_import=can_edit,
                columns=COLUMNS,
                order=70,
            )
        )
