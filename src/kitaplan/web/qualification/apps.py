from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "kitaplan.web.qualification"
    label = "qualification"
    verbose_name = _("Qualification and training")

    def ready(self) -> None:
        from kitaplan.exchange.formats import attendance, courses
        from kitaplan.exchange.mappings import ImportKind
        from kitaplan.web.imports.registry import ImportKindEntry, register_kind
        from kitaplan.web.qualification.imports import (
            ATTENDANCE_COLUMNS,
            COURSE_COLUMNS,
            persist_attendance,
            persist_courses,
        )
        from kitaplan.web.qualification.selectors import can_edit

        register_kind(
            ImportKindEntry(
                kind=ImportKind.COURSES,
                label=_("Qualification courses"),
                mappings=courses.MAPPINGS,
                persist=persist_courses,
                may_import=can_edit,
                columns=COURSE_COLUMNS,
                order=45,
            )
        )
        register_kind(
            ImportKindEntry(
                kind=ImportKind.ATTENDANCE,
                label=_("Course attendance"),
                mappings=attendance.MAPPINGS,
                persist=persist_attendance,
                may_import=can_edit,
                columns=ATTENDANCE_COLUMNS,
                order=46,
            )
        )
