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
