"""Qualification objects for tests and the access matrix."""

from __future__ import annotations

import datetime as dt

from kitaplan.web.childminding.models import AdvisoryService, Childminder, Permit
from kitaplan.web.core.access import roles_of
from kitaplan.web.core.roles import Role
from kitaplan.web.qualification.models import (
    Attendance,
    Course,
    EducationProvider,
    Enrolment,
    Module,
    Programme,
    ProgrammePart,
)
from tests.web.factories import SmallCity


def make_qhb(territory) -> tuple[Programme, ProgrammePart, ProgrammePart]:
    """QHB: 160 UE before starting (80 h internships, test), 140 UE within 24 months."""
    qhb, _created = Programme.objects.get_or_create(
        territory=territory,
        code="QHB",
        defaults={"name": "QHB", "kind": "qhb", "courses_per_year": 2},
    )
    pre, _created = ProgrammePart.objects.get_or_create(
        programme=qhb,
        order=1,
        defaults={
            "name": "Grundqualifizierung",
            "timing": "before_start",
            "units": 160,
            "internship_hours": 80,
            "test_required": True,
        },
    )
    alongside, _created = ProgrammePart.objects.get_or_create(
        programme=qhb,
        order=2,
        defaults={
            "name": "tätigkeitsbegleitend",
            "timing": "alongside_work",
            "units": 140,
            "test_required": True,
            "deadline_months": 24,
        },
    )
    return qhb, pre, alongside


def make_course(territory, title="QHB-Kurs 2026/27", start=dt.date(2026, 9, 5)):
    """A QHB course with 8 modules of 20 UE before starting and 7 alongside the work."""
    qhb, pre, alongside = make_qhb(territory)
    provider, _created = EducationProvider.objects.get_or_create(
        territory=territory, name="Bildungsträger A"
    )
    course = Course.objects.create(
        programme=qhb,
        provider=provider,
        title=title,
        start=start,
        end=start + dt.timedelta(days=14 * 14),
    )
    for k in range(15):
        day = start + dt.timedelta(days=14 * k)
        Module.objects.create(
            course=course,
            part=pre if k < 8 else alongside,
            title=f"Modul {k + 1}",
            start=day,
            end=day,
            units=20,
        )
    return course


def qualification_objects(city: SmallCity, user=None) -> dict[str, int]:
    """A QHB course and a childminder enrolled in it whom the given adviser (service member) or
    childminder (own record) may see. Keys: ``course``, ``qual_childminder``, ``programme``."""
    existing = Childminder.objects.filter(user=user).first() if user is not None else None
    service = AdvisoryService.objects.create(
        territory=city.territory, name=f"Fachberatung Q{AdvisoryService.objects.count() + 1}"
    )
    cm = existing or Childminder.objects.create(
        territory=city.territory,
        number=f"TP-Q{Childminder.objects.count() + 1}",
        name="Tagesmutter Qualifizierung",
        care_location="own_home",
        area=city.areas[0],
        service=service,
    )
    if existing is None:
        Permit.objects.create(
            childminder=cm, valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2028, 12, 31)
        )
    if user is not None and Role.CHILDMINDER_ADVISER in roles_of(user):
        service.advisers.add(user)
    if user is not None and Role.CHILDMINDER in roles_of(user) and existing is None:
        cm.user = user
        cm.save()
    course = make_course(cm.territory, title=f"QHB-Kurs {Course.objects.count() + 1}")
    enrolment = Enrolment.objects.create(course=course, childminder=cm)
    first = course.modules.first()
    assert first is not None
    Attendance.objects.create(enrolment=enrolment, module=first, units=20)
    return {"course": course.pk, "qual_childminder": cm.pk, "programme": course.programme_id}
