"""Changes to courses, enrolments, attendance, further training and the yearly minimum: one
transaction and one audit event (``qualification.changed``) each.

Each service checks what its keyword-only ``actor`` may do and raises ``PermissionDenied``
otherwise: advisers and administrators keep courses, attendance and further training
(:func:`can_edit`; a childminder's enrolment or training only for the childminders the actor
sees), planners and administrators enrol Kita staff of the facilities they may edit
(:func:`can_enrol_staff`), administrators set the yearly minimum (:func:`can_set_minimum`).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.access import has_any_role
from kitaplan.web.core.roles import DATA_STEWARD_ROLES, Role
from kitaplan.web.facilities.selectors import facilities_editable_by
from kitaplan.web.qualification.models import (
    Attendance,
    Course,
    Enrolment,
    FurtherTraining,
    Module,
    Programme,
    ProgrammePart,
    TrainingMinimum,
)
from kitaplan.web.qualification.selectors import can_edit, childminders_visible_to
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser


class QualificationError(Exception):
    """A change that breaks a rule; ``code`` names it, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def can_enrol_staff(user: AnyUser) -> bool:
    """Planners and administrators enrol Kita staff (for the facilities they may edit)."""
    return has_any_role(user, DATA_STEWARD_ROLES)


def can_set_minimum(user: AnyUser) -> bool:
    """The yearly minimum of further training is the administrators' setting."""
    return has_any_role(user, {Role.ADMIN})


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_childminder(actor: AnyUser, cm: Childminder) -> None:
    _require(can_edit(actor) and childminders_visible_to(actor).filter(pk=cm.pk).exists())


def _before(model: type, pk: int | None) -> dict[str, Any] | None:
    old = model.objects.filter(pk=pk).first() if pk else None  # type: ignore[attr-defined]
    return snapshot(old) if old is not None else None


def save_course(*, course: Course, actor: AnyUser) -> Course:
    _require(can_edit(actor))
    if course.end < course.start:
        raise QualificationError("dates_reversed")
    if course.provider.territory_id != course.programme.territory_id:
        raise QualificationError("other_territory")
    with transaction.atomic():
        # the code is the course's key in the territory (the courses and attendance imports)
        if (
            course.code
            and Course.objects.filter(
                programme__territory_id=course.programme.territory_id, code=course.code
            )
            .exclude(pk=course.pk)
            .exists()
        ):
            raise QualificationError("code_taken")
        before = _before(Course, course.pk)
        course.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=course,
            before=before,
            after=snapshot(course),
        )
    return course


def save_programme(*, programme: Programme, actor: AnyUser) -> Programme:
    """Create or change a programme (set-up page); its code is the courses import's key."""
    _require(can_edit(actor))
    with transaction.atomic():
        if (
            Programme.objects.filter(territory_id=programme.territory_id, code=programme.code)
            .exclude(pk=programme.pk)
            .exists()
        ):
            raise QualificationError("programme_code_taken")
        before = _before(Programme, programme.pk)
        programme.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=programme,
            before=before,
            after=snapshot(programme),
        )
    return programme


def save_programme_part(*, part: ProgrammePart, actor: AnyUser) -> ProgrammePart:
    """Create or change a required part of a programme (set-up page)."""
    _require(can_edit(actor))
    if part.deadline_months is not None and part.timing != "alongside_work":
        raise QualificationError("deadline_only_alongside")
    with transaction.atomic():
        before = _before(ProgrammePart, part.pk)
        part.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=part.programme,
            before={"part": before} if before else None,
            after={"part": snapshot(part)},
        )
    return part


def save_module(*, module: Module, actor: AnyUser) -> Module:
    _require(can_edit(actor))
    if module.end is not None and module.end < module.start:
        raise QualificationError("dates_reversed")
    if module.part.programme_id != module.course.programme_id:
        raise QualificationError("part_of_other_programme")
    with transaction.atomic():
        before = _before(Module, module.pk)
        module.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=module.course,
            before={"module": before} if before else None,
            after={"module": snapshot(module)},
        )
    return module


def save_enrolment(
    *, enrolment: Enrolment, actor: AnyUser, tests_passed: Iterable[ProgrammePart] | None = None
) -> Enrolment:
    """Enrol a participant or change status, internships, tests passed (per part), result and
    certificate. ``tests_passed`` None keeps the stored ones. A Kita staff member's facility
    and the course's programme belong to one territory."""
    if (enrolment.childminder_id is None) == (enrolment.facility_id is None) or (
        enrolment.facility_id is not None and not enrolment.participant_name.strip()
    ):
        raise QualificationError("participant")
    if enrolment.facility_id is not None:
        _require(
            can_enrol_staff(actor)
            and facilities_editable_by(actor).filter(pk=enrolment.facility_id).exists()
        )
        facility = enrolment.facility
        if facility is None or facility.territory_id != enrolment.course.programme.territory_id:
            raise QualificationError("other_territory")
    if enrolment.childminder_id is not None:
        cm = enrolment.childminder
        _require_childminder(actor, cm)  # type: ignore[arg-type]
        if cm.territory_id != enrolment.course.programme.territory_id:  # type: ignore[union-attr]
            raise QualificationError("other_territory")
        twin = Enrolment.objects.filter(course=enrolment.course, childminder=cm).exclude(
            pk=enrolment.pk
        )
        if twin.exists():
            raise QualificationError("enrolled_already")
    if enrolment.status == "completed" and enrolment.result != "passed":
        raise QualificationError("completed_without_pass")
    parts = None if tests_passed is None else sorted({p.pk for p in tests_passed})
    if (
        parts
        and ProgrammePart.objects.filter(pk__in=parts)
        .exclude(programme_id=enrolment.course.programme_id)
        .exists()
    ):
        raise QualificationError("part_of_other_programme")
    with transaction.atomic():
        before = _before(Enrolment, enrolment.pk)
        if before is not None:
            before["tests_passed"] = sorted(enrolment.tests_passed.values_list("pk", flat=True))
        enrolment.save()
        if parts is not None:
            enrolment.tests_passed.set(parts)
        after = snapshot(enrolment)
        after["tests_passed"] = sorted(enrolment.tests_passed.values_list("pk", flat=True))
        record_audit_event(
            actor=actor,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=enrolment,
            target_label=f"{enrolment.course.title}: {enrolment.participant_label}",
            before=before,
            after=after,
        )
    return enrolment


def record_attendance(*, module: Module, units: dict[int, int | None], actor: AnyUser) -> int:
    """Store the units attended per enrolment (pk → units; None removes the entry) in one
    module; returns how many entries changed. Units lie between 0 and the module's units."""
    _require(can_edit(actor))
    enrolments = {e.pk: e for e in Enrolment.objects.filter(course_id=module.course_id)}
    for pk, value in units.items():
        if pk not in enrolments:
            raise QualificationError("not_enrolled")
        if value is not None and not 0 <= value <= module.units:
            raise QualificationError("units_out_of_range", limit=module.units)
    changes: dict[str, Any] = {}
    with transaction.atomic():
        existing = {a.enrolment_id: a for a in Attendance.objects.filter(module=module)}
        for pk, value in sorted(units.items()):
            old = existing.get(pk)
            if value is None:
                if old is not None:
                    old.delete()
                    changes[str(pk)] = [old.units, None]
            elif old is None:
                Attendance.objects.create(enrolment_id=pk, module=module, units=value)
                changes[str(pk)] = [None, value]
            elif old.units != value:
                changes[str(pk)] = [old.units, value]
                old.units = value
                old.save(update_fields=["units"])
        if changes:
            record_audit_event(
                actor=actor,
                action=AuditAction.QUALIFICATION_CHANGED,
                target=module.course,
                details={"attendance": {"module": module.pk, "changes": changes}},
            )
    return len(changes)


def save_further_training(*, training: FurtherTraining, actor: AnyUser) -> FurtherTraining:
    _require_childminder(actor, training.childminder)
    if training.hours is None or training.hours <= 0:
        raise QualificationError("hours_positive")
    with transaction.atomic():
        before = _before(FurtherTraining, training.pk)
        training.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=training.childminder,
            before={"further_training": before} if before else None,
            after={"further_training": snapshot(training)},
        )
    return training


def set_training_minimum(
    *, territory: Territory, year: int | None, hours: Decimal, actor: AnyUser
) -> TrainingMinimum:
    """The minimum of further-training hours for a year (None: the territory's default)."""
    _require(can_set_minimum(actor))
    if hours < 0:
        raise QualificationError("hours_positive")
    with transaction.atomic():
        row = (
            TrainingMinimum.objects.select_for_update()
            .filter(territory=territory, year=year)
            .first()
        )
        before = snapshot(row) if row is not None else None
        if row is None:
            row = TrainingMinimum(territory=territory, year=year, hours=hours)
        row.hours = hours
        row.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=row,
            before=before,
            after=snapshot(row),
        )
    return row
