"""Synthetic qualification data for Berlin's demo pool (de: Qualifizierung, erfundene Personen).

Needs the pool of :func:`kitaplan.web.demo.childminding.create_demo_pool`. Creates the QHB
programme (160 UE before starting with 80 h internships and a test, 140 UE alongside the work
within 24 months; two courses a year), the older 160-UE curriculum, two education providers,
past courses with completed enrolments matching the registry's qualification field ("QHB 300 UE"
and "160 UE"), three new childminders still in the part alongside the work of the QHB course
2023/24 (one overdue, one due soon, one in time), the QHB course 2026/27 with twelve new
prospective childminders in the part before starting and their attendance so far, and further
training hours for the current and the previous year (some below the 20-hour minimum).
Reproducible (fixed seed), idempotent, bulk-created with one audit event.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db import transaction

from kitaplan.domain.common.calendar import add_months
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.childminding.models import AdvisoryService, Childminder, Permit
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.demo.childminding import ADULT_NAMES
from kitaplan.web.qualification.models import (
    Attendance,
    Course,
    EducationProvider,
    Enrolment,
    FurtherTraining,
    Module,
    Programme,
    ProgrammePart,
    TrainingMinimum,
)
from kitaplan.web.territory.models import Territory

SEED = 300  # QHB: 300 UE
PRE_TOPICS = (
    "Kinder unter drei Jahren", "Bildung und Entwicklung", "Eingewöhnung",
    "Zusammenarbeit mit Eltern", "Kinderschutz", "Gesundheit und Ernährung",
    "Rechtliche Grundlagen", "Selbstverständnis als Tagespflegeperson",
)  # fmt: skip
ALONGSIDE_TOPICS = (
    "Beobachtung und Dokumentation", "Sprachbildung", "Inklusion", "Partizipation",
    "Übergang in die Kita", "Qualitätsentwicklung", "Reflexion der eigenen Praxis",
)  # fmt: skip
TRAINING_TOPICS = (
    "Erste Hilfe am Kind", "Sprachförderung im Alltag", "Bewegung unter drei",
    "Eingewöhnung nach dem Berliner Modell", "Kinderschutz (§ 8a SGB VIII)",
    "Inklusion in der Kindertagespflege", "Partizipation von Kleinkindern",
)  # fmt: skip


def _programmes(
    territory: Territory,
) -> tuple[Programme, list[ProgrammePart], Programme, ProgrammePart]:
    qhb = Programme.objects.create(
        territory=territory,
        code="QHB",
        name="QHB – Kompetenzorientiertes Qualifizierungshandbuch (300 UE)",
        kind="qhb",
        courses_per_year=2,
        description="160 UE tätigkeitsvorbereitend, 80 h Praktika, Lernergebnisfeststellung; "
        "140 UE tätigkeitsbegleitend innerhalb von 24 Monaten.",
    )
    parts = [
        ProgrammePart.objects.create(
            programme=qhb,
            order=1,
            name="Grundqualifizierung (tätigkeitsvorbereitend)",
            timing="before_start",
            units=160,
            internship_hours=80,
            test_required=True,
        ),
        ProgrammePart.objects.create(
            programme=qhb,
            order=2,
            name="Tätigkeitsbegleitende Qualifizierung",
            timing="alongside_work",
            units=140,
            test_required=True,
            deadline_months=24,
        ),
    ]
    dji = Programme.objects.create(
        territory=territory,
        code="DJI160",
        name="DJI-Curriculum (160 UE)",
        kind="curriculum_160",
        courses_per_year=0,
        description="Das ältere Curriculum des DJI; keine neuen Kurse.",
    )
    dji_part = ProgrammePart.objects.create(
        programme=dji, order=1, name="Curriculum", timing="before_start", units=160
    )
    return qhb, parts, dji, dji_part


def _course(
    programme: Programme,
    provider: EducationProvider,
    title: str,
    start: dt.date,
    parts: list[tuple[ProgrammePart, tuple[str, ...]]],
) -> tuple[Course, list[Module]]:
    """A course with 20-UE modules every two weeks (Saturdays of the course)."""
    n = sum(len(topics) for _p, topics in parts)
    end = start + dt.timedelta(days=14 * (n - 1))
    course = Course.objects.create(
        programme=programme, provider=provider, title=title, start=start, end=end
    )
    modules, k = [], 0
    for part, topics in parts:
        for topic in topics:
            day = start + dt.timedelta(days=14 * k)
            modules.append(
                Module(course=course, part=part, title=topic, start=day, end=day, units=20)
            )
            k += 1
    Module.objects.bulk_create(modules)
    return course, modules


def _new_childminder(
    territory: Territory,
    number: str,
    name: str,
    template: Childminder,
    service: AdvisoryService | None,
    **fields: str,
) -> Childminder:
    return Childminder.objects.create(
        territory=territory,
        number=number,
        name=name,
        street="(synthetisch)",
        city=territory.name,
        area=template.area,
        lat=template.lat,
        lon=template.lon,
        care_location="own_home",
        service=service,
        languages="Deutsch",
        **fields,
    )


def create_demo_qualification(*, today: dt.date | None = None) -> bool:
    """Programmes, providers, courses, enrolments, attendance and further training for Berlin's
    demo pool. Returns False when the pool is missing or the programmes exist already."""
    from django.utils import timezone

    today = today or timezone.localdate()
    territory = Territory.objects.filter(code="berlin").first()
    if territory is None:
        return False
    pool = list(
        Childminder.objects.filter(territory=territory)
        .order_by("number")
        .prefetch_related("permits")
    )
    if not pool or Programme.objects.filter(territory=territory).exists():
        return False
    rng = np.random.default_rng(SEED)
    services = list(AdvisoryService.objects.filter(territory=territory).order_by("name"))
    with transaction.atomic():
        TrainingMinimum.objects.get_or_create(
            territory=territory, year=None, defaults={"hours": Decimal(20)}
        )
        qhb, (pre, alongside), dji, dji_part = _programmes(territory)
        providers = [
            EducationProvider.objects.create(territory=territory, name=f"Bildungsträger {c}")
            for c in "AB"
        ]
        both = [(pre, PRE_TOPICS), (alongside, ALONGSIDE_TOPICS)]
        past_qhb = [
            _course(
                qhb,
                providers[k % 2],
                f"QHB-Kurs {year}/{(year + 1) % 100:02d}",
                dt.date(year, 9, 4),
                both,
            )
            for k, year in enumerate(range(2021, 2026))
        ]
        past_dji = [
            _course(
                dji,
                providers[k % 2],
                f"Grundqualifizierung DJI-Curriculum {y}",
                dt.date(y, 2, 4),
                [(dji_part, PRE_TOPICS)],
            )
            for k, y in enumerate(range(2012, 2020, 2))
        ]
        enrolments: list[Enrolment] = []
        attendance: list[tuple[int, Module, int]] = []  # (index of enrolment, module, units)
        counter: dict[int, int] = {}

        def enrol(
            course: Course,
            modules: list[Module],
            cm: Childminder,
            *,
            completed: bool,
            units: list[int | None] | None = None,
            internship: int = 80,
            result: str = "",
        ) -> None:
            counter[course.pk] = counter.get(course.pk, 0) + 1
            enrolments.append(
                Enrolment(
                    course=course,
                    childminder=cm,
                    status="completed" if completed else "enrolled",
                    internship_hours=internship,
                    result="passed" if completed else result,
                    certificate_date=course.end if completed else None,
                    certificate_number=(
                        f"{course.programme.code}-{course.start.year}-{counter[course.pk]:03d}"
                        if completed
                        else ""
                    ),
                )
            )
            for k, module in enumerate(modules):
                got = module.units if units is None else units[k]
                if got is not None:
                    attendance.append((len(enrolments) - 1, module, got))

        for cm in pool:
            if cm.qualification == "QHB 300 UE":
                course, modules = past_qhb[int(rng.integers(len(past_qhb)))]
                enrol(course, modules, cm, completed=True)
            elif cm.qualification == "160 UE":
                course, modules = past_dji[int(rng.integers(len(past_dji)))]
                enrol(course, modules, cm, completed=True, internship=0)
        # Three new childminders of the QHB course 2023/24 still in the part alongside the work.
        course_2023, modules_2023 = past_qhb[2]
        late = []
        for k, months in enumerate((26, 22, 8)):
            start = add_months(today, -months)
            cm = _new_childminder(
                territory,
                f"TPQ{k + 1:03d}",
                f"{ADULT_NAMES[int(rng.integers(len(ADULT_NAMES)))]} Q.",
                pool[int(rng.integers(len(pool)))],
                services[k % len(services)] if services else None,
                status="active",
                qualification="QHB 160 UE (Teil 1)",
                experience_group="BG1",
            )
            Permit.objects.create(
                childminder=cm,
                reference=f"PE-Q{k + 1}",
                valid_from=start,
                valid_to=add_months(start, 60),
                max_children=3,
            )
            n_pre = len(PRE_TOPICS)
            done = 3 + k
            units = [20] * n_pre + [20 if j < done else None for j in range(len(ALONGSIDE_TOPICS))]
            enrol(course_2023, modules_2023, cm, completed=False, units=units)
            late.append(len(enrolments) - 1)
        # The QHB course 2026/27 with new prospective childminders in the part before starting.
        current, current_modules = _course(
            qhb,
            providers[0],
            "QHB-Kurs 2026/27",
            dt.date(2026, 9, 5),
            both,
        )
        prospects = 0
        for k in range(12):
            cm = _new_childminder(
                territory,
                f"TPN{k + 1:03d}",
                f"{ADULT_NAMES[int(rng.integers(len(ADULT_NAMES)))]} N.",
                pool[int(rng.integers(len(pool)))],
                services[k % len(services)] if services else None,
                status="paused",
                qualification="QHB (in Qualifizierung)",
            )
            units = [
                (
                    None
                    if m.start > today
                    else int(m.units if rng.random() < 0.85 else rng.integers(8, 20))
                )
                for m in current_modules
            ]
            enrol(current, current_modules, cm, completed=False, units=units, internship=0)
            if k == 11:
                enrolments[-1].status = "dropped"
            prospects += 1
        Enrolment.objects.bulk_create(enrolments)
        for k in late:
            enrolments[k].tests_passed.add(pre)
        Attendance.objects.bulk_create(
            [Attendance(enrolment=enrolments[i], module=m, units=u) for i, m, u in attendance]
        )
        trainings = []
        for cm in pool:
            if cm.status == "left":
                continue
            for year in (today.year - 1, today.year):
                last = min(today, dt.date(year, 12, 31))
                target = float(
                    rng.choice([12, 16, 20, 24, 28, 32], p=[0.1, 0.15, 0.25, 0.2, 0.2, 0.1])
                )
                n = int(rng.integers(2, 5))
                hours = np.round(rng.dirichlet(np.ones(n)) * target * 2) / 2
                for h in hours:
                    if h <= 0:
                        continue
                    day = dt.date(year, 1, 10) + dt.timedelta(
                        days=int(rng.integers(0, (last - dt.date(year, 1, 10)).days + 1))
                    )
                    trainings.append(
                        FurtherTraining(
                            childminder=cm,
                            date=day,
                            title=TRAINING_TOPICS[int(rng.integers(len(TRAINING_TOPICS)))],
                            hours=Decimal(str(h)),
                        )
                    )
        FurtherTraining.objects.bulk_create(trainings)
        counts = {
            "programmes": 2,
            "providers": len(providers),
            "courses": Course.objects.filter(programme__territory=territory).count(),
            "enrolments": len(enrolments),
            "attendance": len(attendance),
            "further_trainings": len(trainings),
            "prospects": prospects,
        }
        record_audit_event(
            actor=SYSTEM,
            action=AuditAction.QUALIFICATION_CHANGED,
            target=qhb,
            target_label="Demo-Qualifizierung (QHB)",
            details={**counts, "seed": SEED, "synthetic": True},
        )
    return True
