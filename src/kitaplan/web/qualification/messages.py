"""The wording of the qualification app's problem codes (:class:`.services.QualificationError`),
for its own pages and those of other apps that enrol through it (inclusion's Kita staff)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kitaplan.web.qualification.services import QualificationError

ERRORS = {
    "dates_reversed": gettext_lazy("The end lies before the start."),
    "other_territory": gettext_lazy(
        "Programme, provider and participant must be in one territory."
    ),
    "part_of_other_programme": gettext_lazy("The part belongs to another programme."),
    "participant": gettext_lazy("Name either a childminder or a facility with a participant."),
    "enrolled_already": gettext_lazy("This childminder is enrolled in the course already."),
    "completed_without_pass": gettext_lazy("A completed enrolment needs the result “passed”."),
    "not_enrolled": gettext_lazy("Someone in the list is not enrolled in this course."),
    "units_out_of_range": gettext_lazy("Units attended lie between 0 and %(limit)s."),
    "hours_positive": gettext_lazy("The hours must be more than zero."),
    "code_taken": gettext_lazy("The territory already has a course with this code."),
    "programme_code_taken": gettext_lazy("The territory already has a programme with this code."),
    "deadline_only_alongside": gettext_lazy("Only a part alongside the work has a deadline."),
}


def error_text(error: QualificationError) -> str:
    return str(ERRORS.get(error.code, error.code)) % error.params
