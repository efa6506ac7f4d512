"""Imports of qualification courses (kind ``courses``) and attendance (kind ``attendance``),
registered in :class:`~kitaplan.web.qualification.apps.QualificationConfig`.

Rows are compared with what is stored under the same key in the territory: new ones are added,
differing ones changed, equal ones unchanged, so re-importing a file changes nothing. Nothing
the file does not list is removed. Unknown programmes, courses, modules and childminders are
problems of the row; an education provider the territory does not know yet is added.

Who may import: the childminder advisers and administrators (``can_edit_registry``); an adviser
only the attendance of the childminders of her advisory services. Courses hold no personal
data (the audit keeps old and new values); attendance is personal: the audit names course code,
childminder number and module and the changed field names only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.qualification.models import (
    Attendance,
    Course,
    EducationProvider,
    Enrolment,
    Module,
    Programme,
)

Record = Mapping[str, Any]
_E = ExpectationCode

#: Where each target of the ``courses`` kind is stored (column limits, ``imports.limits``).
COURSE_COLUMNS = {
    "code": "qualification.Course.code",
    "title": "qualification.Course.title",
    "programme": "qualification.Programme.code",
    "provider": "qualification.EducationProvider.name",
    "units": "qualification.Course.units",
    "places": "qualification.Course.places",
}
#: Where each target of the ``attendance`` kind is stored.
ATTENDANCE_COLUMNS = {
    "course": "qualification.Course.code",
    "childminder_number": "childminding.Childminder.number",
    "module": "qualification.Module.title",
    "units": "qualification.Attendance.units",
}


def _problem(
    context: PersistContext,
    record: Record,
    code: ProblemCode,
    column: str,
    value: Any,
    expected: Expectation,
) -> ImportProblem:
    return ImportProblem(
        code=code,
        file=context.file_name,
        row=int(record.get("row_number", 0)),
        column=column,
        value="" if value is None else str(value),
        expected=expected,
    )


def _territory_courses(context: PersistContext) -> dict[str, Course]:
    return {
        c.code: c
        for c in Course.objects.filter(programme__territory=context.territory)
        .exclude(code="")
        .select_related("programme", "provider")
    }


# --------------------------------------------------------------------------------------- courses


def persist_courses(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Add or update the territory's courses by code (see the module docstring)."""
    territory = context.territory
    programmes = {p.code: p for p in Programme.objects.filter(territory=territory)}
    choices = ", ".join(sorted(programmes)) or "–"
    problems = [
        _problem(
            context,
            record,
            ProblemCode.UNKNOWN_CHOICE,
            "programme",
            record["programme"],
            expectation(_E.KNOWN_PROGRAMME, programmes=choices),
        )
        for record in records
        if record["programme"] not in programmes
    ]
    if problems:
        raise ImportRefused(problems)
    providers = {p.name: p for p in EducationProvider.objects.filter(territory=territory)}
    stored = _territory_courses(context)
    summary = ImportSummary()
    for record in sorted(records, key=lambda r: str(r["code"])):
        provider = providers.get(record["provider"])
        if provider is None:
            provider = EducationProvider.objects.create(
                territory=territory, name=record["provider"]
            )
            providers[provider.name] = provider
            summary.notes.append(f"provider_added:{provider.name}")
        values: dict[str, Any] = {
            "title": record["title"],
            "programme": programmes[record["programme"]],
            "provider": provider,
            "start": record["start"],
            "end": record["end"],
            "units": record.get("units"),
            "places": record.get("places"),
        }
        course = stored.get(record["code"])
        if course is None:
            Course.objects.create(code=record["code"], **values)
            summary.added += 1
            continue
        changes = {n: [getattr(course, n), v] for n, v in values.items() if getattr(course, n) != v}
        if not changes:
            summary.unchanged += 1
            continue
        for name, (_old, new) in changes.items():
            setattr(course, name, new)
        course.save()
        summary.changed += 1
        summary.changes.append(
            {
                "key": course.code,
                "fields": {
                    n: [_plain(old), _plain(new)] for n, (old, new) in sorted(changes.items())
                },
            }
        )
    return summary


def _plain(value: Any) -> Any:
    """A value for the audit: programmes by code, providers by name, days as ISO text."""
    if isinstance(value, Programme):
        return value.code
    if isinstance(value, EducationProvider):
        return value.name
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------------ attendance


def _module_for(course: Course, record: Record) -> Module | None:
    """The module of the course the row names: by title, else the one held on ``date``."""
    modules = list(course.modules.all())
    if record["module"]:
        return next((m for m in modules if m.title == record["module"]), None)
    day = record.get("date")
    if day is None:
        return None
    return next((m for m in modules if m.start <= day <= (m.end or m.start)), None)


def _module_problem(context: PersistContext, record: Record, course: Course) -> ImportProblem:
    titles = ", ".join(m.title for m in course.modules.all()) or "–"
    column = "module" if record["module"] or record.get("date") is None else "date"
    value = record["module"] if column == "module" else record.get("date")
    return _problem(
        context,
        record,
        ProblemCode.UNKNOWN_CHOICE,
        column,
        value,
        expectation(_E.MODULE_OF_COURSE, modules=titles),
    )


def _childminders(
    records: Sequence[Record], context: PersistContext
) -> tuple[dict[str, Childminder], set[str]]:
    """The childminders the actor may see by number, and the numbers the territory knows."""
    numbers = {r["childminder_number"] for r in records}
    stored = set(
        Childminder.objects.filter(territory=context.territory, number__in=numbers).values_list(
            "number", flat=True
        )
    )
    visible = Childminder.objects.filter(
        pk__in=childminders_visible_to(context.actor)
        .filter(territory=context.territory, number__in=numbers)
        .values("pk")
    )
    return {c.number: c for c in visible}, stored


def _resolve_attendance(
    records: Sequence[Record], context: PersistContext
) -> list[tuple[Record, Course, Childminder, Module]]:
    """Each row's course, childminder and module; refused with every problem found."""
    courses = _territory_courses(context)
    childminders, stored = _childminders(records, context)
    problems: list[ImportProblem] = []
    resolved = []
    seen: dict[tuple[int, int, int], int] = {}
    for record in records:
        course = courses.get(record["course"])
        number = record["childminder_number"]
        childminder = childminders.get(number)
        if course is None:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_CHOICE,
                    "course",
                    record["course"],
                    expectation(_E.KNOWN_COURSE),
                )
            )
        if childminder is None or childminder.erased_at is not None:
            if childminder is not None:
                expected = expectation(_E.NOT_ERASED_CHILDMINDER)
            elif number in stored:
                expected = expectation(_E.CHILDMINDER_OF_OWN_SERVICE)
            else:
                expected = expectation(_E.KNOWN_CHILDMINDER)
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_CHOICE,
                    "childminder_number",
                    number,
                    expected,
                )
            )
        if course is None:
            continue
        module = _module_for(course, record)
        if module is None:
            problems.append(_module_problem(context, record, course))
            continue
        if childminder is None:
            continue
        key = (course.pk, childminder.pk, module.pk)
        row = int(record.get("row_number", 0))
        if key in seen:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.DUPLICATE_KEY,
                    "module",
                    record["module"] or record.get("date"),
                    expectation(_E.UNIQUE_KEY, row=seen[key]),
                )
            )
            continue
        seen[key] = row
        resolved.append((record, course, childminder, module))
    if problems:
        raise ImportRefused(problems)
    return resolved


def persist_attendance(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Set the units each childminder attended per course module (see the module docstring)."""
    resolved = _resolve_attendance(records, context)
    summary = ImportSummary()
    for record, course, childminder, module in resolved:
        enrolment, created = Enrolment.objects.get_or_create(course=course, childminder=childminder)
        if created:
            summary.notes.append("enrolled")
        label = f"{course.code}/{childminder.number}/{module.pk}"
        attendance = Attendance.objects.filter(enrolment=enrolment, module=module).first()
        if attendance is None:
            Attendance.objects.create(enrolment=enrolment, module=module, units=record["units"])
            summary.added += 1
        elif attendance.units != record["units"]:
            attendance.units = record["units"]
            attendance.save(update_fields=["units"])
            summary.changed += 1
            summary.changes.append({"key": label, "fields": ["units"]})
        else:
            summary.unchanged += 1
    return summary
