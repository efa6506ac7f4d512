from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _apply_retention(**kwargs: Any) -> dict[str, list[str]]:
    from kitaplan.web.childminding import erasure

    report = erasure.apply_retention(**kwargs)
    return {"childminders_anonymised": report.anonymised, "childminders_undated": report.undated}


class ChildmindingConfig(AppConfig):
    name = "kitaplan.web.childminding"
    label = "childminding"
    verbose_name = _("Childminding")

    def ready(self) -> None:
        from kitaplan.web.childminding.models import CareContract, Childminder, Permit
        from kitaplan.web.core.derived import watch

        # childminder places are an input of the balance, contracts of the free places the
        # finder shows: core.derived
        watch(Childminder)
        watch(Permit, "childminder__territory")
        watch(CareContract, "childminder__territory")

        from kitaplan.web.childminding.selectors import can_use_registry
        from kitaplan.web.core.navigation import NavEntry, register

        register(
            NavEntry(
                "childminding:childminder-list", _("Childminding"), 90, visible=can_use_registry
            )
        )

        from kitaplan.web.audit.retention import RetentionOutcome, RetentionStep
        from kitaplan.web.audit.retention import register as register_retention

        register_retention(
            RetentionStep(
                "childminding",
                30,
                (
                    RetentionOutcome("childminders_anonymised", _("Childminders anonymised")),
                    # reported, not erased: no payment and no leaving day to count from
                    RetentionOutcome(
                        "childminders_undated",
                        _(
                            "Childminders who left without a payment or a leaving day "
                            "(not erased): %(refs)s"
                        ),
                        erased=False,
                    ),
                ),
                apply=_apply_retention,
            )
        )

        from kitaplan.exchange.formats import care_contracts, childminders
        from kitaplan.exchange.mappings import ImportKind
        from kitaplan.web.childminding.imports import (
            CHILDMINDER_COLUMNS,
            CONTRACT_COLUMNS,
            persist_care_contracts,
            persist_childminders,
        )
        from kitaplan.web.childminding.selectors import can_edit_registry
        from kitaplan.web.imports.registry import ImportKindEntry, register_kind

        register_kind(
            ImportKindEntry(
                kind=ImportKind.CHILDMINDERS,
                label=_("Childminders with permits"),
                mappings=childminders.MAPPINGS,
                persist=persist_childminders,
                may_import=can_edit_registry,
                columns=CHILDMINDER_COLUMNS,
                order=40,
            )
        )
        register_kind(
            ImportKindEntry(
                kind=ImportKind.CARE_CONTRACTS,
                label=_("Care contracts"),
                mappings=care_contracts.MAPPINGS,
                persist=persist_care_contracts,
                may_import=can_edit_registry,
                columns=CONTRACT_COLUMNS,
                order=41,
            )
        )
