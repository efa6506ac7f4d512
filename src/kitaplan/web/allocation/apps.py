from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _apply_retention(**kwargs: Any) -> dict[str, list[str]]:
    from kitaplan.web.allocation import erasure

    report = erasure.apply_retention(**kwargs)
    return {"applications_deleted": report.deleted, "applications_anonymised": report.anonymised}


class AllocationConfig(AppConfig):
    name = "kitaplan.web.allocation"
    label = "allocation"
    verbose_name = _("Allocation of places")

    def ready(self) -> None:
        from kitaplan.web.core.access import AnyUser, is_staff_user, roles_of
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.core.roles import Role

        def is_parent_only(user: AnyUser) -> bool:
            return not is_staff_user(user) and Role.PARENT in roles_of(user)

        register(
            NavEntry("allocation:round-list", _("Allocation of places"), 80, visible=is_staff_user)
        )
        register(
            NavEntry("allocation:my-applications", _("My applications"), 80, visible=is_parent_only)
        )

        from kitaplan.web.audit.retention import RetentionOutcome, RetentionStep
        from kitaplan.web.audit.retention import register as register_retention

        register_retention(
            RetentionStep(
                "allocation",
                10,
                (
                    RetentionOutcome("applications_deleted", _("Applications deleted")),
                    RetentionOutcome("applications_anonymised", _("Applications anonymised")),
                ),
                apply=_apply_retention,
            )
        )

        from kitaplan.web.allocation.jobs import register_allocation_jobs

        register_allocation_jobs()

        from kitaplan.exchange.formats import applications
        from kitaplan.exchange.mappings import ImportKind
        from kitaplan.web.allocation.imports import COLUMNS, persist_applications
        from kitaplan.web.allocation.selectors import is_office
        from kitaplan.web.imports.registry import ImportKindEntry, register_kind

        register_kind(
            ImportKindEntry(
                kind=ImportKind.APPLICATIONS,
                label=_("Applications of an allocation round"),
                mappings=applications.MAPPINGS,
                persist=persist_applications,
                may_import=is_office,
                columns=COLUMNS,
                order=30,
            )
        )
