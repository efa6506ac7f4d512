from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _apply_retention(**kwargs: Any) -> dict[str, list[str]]:
    from kitaplan.web.substitutes import erasure

    return {"parent_contacts_deleted": erasure.apply_retention(**kwargs).deleted}


class SubstitutesConfig(AppConfig):
    name = "kitaplan.web.substitutes"
    label = "substitutes"
    verbose_name = _("Substitute care")

    def ready(self) -> None:
        from kitaplan.web.substitutes import erasure

        erasure.connect_childminder_signals()

        from kitaplan.web.audit.retention import RetentionOutcome, RetentionStep
        from kitaplan.web.audit.retention import register as register_retention

        register_retention(
            RetentionStep(
                "substitutes",
                20,
                (
                    RetentionOutcome(
                        "parent_contacts_deleted", _("Parents' e-mail addresses deleted")
                    ),
                ),
                apply=_apply_retention,
            )
        )
