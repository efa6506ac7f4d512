"""The demo of the inclusion app for Berlin (fixed seed, fast, idempotent).

Creates the checklist "able to care for all children" (barrier-free, inclusion profile, at least
one staff member with the heilpädagogische Zusatzqualifikation, rooms confirmed, cooperation
with therapists confirmed), the programme of that qualification and a team curriculum with a
course each, synthetic (pseudonymous) Kita staff completions and confirmations for facilities of
the demo district, a target rule with the metric ``facilities_able_to_care_for_all``, and a pool
of 15 aids and expert cooperations with bookings.

Run it after :func:`kitaplan.web.demo.qualification.create_demo_qualification`: that demo skips
itself once Berlin has any qualification programme.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Q

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.facilities.models import Facility
from kitaplan.web.inclusion.models import Booking, ChecklistItem, FacilityConfirmation, PoolItem
from kitaplan.web.qualification.models import (
    Course,
    EducationProvider,
    Enrolment,
    Programme,
    ProgrammePart,
)
from kitaplan.web.territory.models import Area, Territory

SEED = 20260406
HPZ = "HPZ"
TEAM = "TEAM-INK"
POOL = [
    ("aid", "Therapiestuhl mit Sitzschale", "Hilfsmittelpool Jugendamt", "Lager Jugendamt"),
    ("aid", "Stehständer (Kindergröße)", "Hilfsmittelpool Jugendamt", "Lager Jugendamt"),
    ("aid", "Kommunikationstafeln (Unterstützte Kommunikation)", "", "Kita-Büro"),
    ("aid", "Sprachausgabegerät (Talker)", "Hilfsmittelpool Jugendamt", "Lager Jugendamt"),
    ("aid", "FM-Anlage für hörbeeinträchtigte Kinder", "SIBUZ", "Beratungszentrum"),
    ("aid", "Therapieschaukel mit Gestell", "", "Turnraum"),
    ("aid", "Mobiler unterfahrbarer Sandtisch", "Hilfsmittelpool Jugendamt", "Lager Jugendamt"),
    ("aid", "Bildschirmlesegerät", "SIBUZ", "Beratungszentrum"),
    ("aid", "Rollstuhlrampe (mobil, 2 m)", "Hilfsmittelpool Jugendamt", "Lager Jugendamt"),
    ("aid", "Sensorik-Koffer", "", "Kita-Büro"),
    ("expert", "Kooperation Logopädie", "Praxis für Logopädie (Demo)", "Praxis"),
    ("expert", "Kooperation Ergotherapie", "Praxis für Ergotherapie (Demo)", "Praxis"),
    ("expert", "Kooperation Physiotherapie", "Praxis für Physiotherapie (Demo)", "Praxis"),
    ("expert", "Beratung Autismus-Ambulanz", "Autismus-Ambulanz (Demo)", "Ambulanz"),
    ("expert", "Gebärdensprachdolmetschung", "Dolmetschdienst (Demo)", "nach Absprache"),
]


def _facilities(territory: Territory, today: dt.date) -> list[Facility]:
    """The open facilities of the demo district (else of the first district), by number."""
    from kitaplan.web.demo.allocation import demo_district

    district = demo_district(territory) or (
        Area.objects.filter(territory=territory, level__rank=1).order_by("official_code").first()
    )
    facilities = Facility.objects.filter(territory=territory).not_ended_on(today)
    if district is not None:
        facilities = facilities.filter(
            Q(area=district) | Q(area__path__startswith=f"{district.path}/")
        )
    return list(facilities.order_by("official_number"))


def _checklist(territory: Territory, hpz: Programme) -> dict[str, ChecklistItem]:
    specs = [
        (
            "BF",
            "Barrierefreiheit (stufenloser Zugang, barrierefreies WC)",
            "feature",
            "barrier_free",
        ),
        ("IP", "Inklusionsprofil", "feature", "inclusion_profile"),
        ("HPZ", "Mind. eine Fachkraft mit heilpädagogischer Zusatzqualifikation", "staff", ""),
        ("RAUM", "Räume für Rückzug, Pflege und Förderung vorhanden", "confirmation", ""),
        ("THER", "Kooperation mit Therapeutinnen und Therapeuten", "confirmation", ""),
    ]
    items = {}
    for position, (code, label, kind, feature) in enumerate(specs, start=1):
        items[code] = ChecklistItem.objects.create(
            territory=territory,
            code=code,
            label=label,
            kind="staff_qualification" if kind == "staff" else kind,
            feature=feature,
            programme=hpz if kind == "staff" else None,
            min_completions=1,
            position=position,
        )
    return items


def create_demo_inclusion(*, today: dt.date | None = None) -> bool:
    """Returns False when Berlin is missing or its checklist exists already."""
    from django.utils import timezone

    today = today or timezone.localdate()
    territory = Territory.objects.filter(code="berlin").first()
    if territory is None or ChecklistItem.objects.filter(territory=territory).exists():
        return False
    rng = random.Random(SEED)
    facilities = _facilities(territory, today)
    with transaction.atomic():
        hpz, _new = Programme.objects.get_or_create(
            territory=territory,
            code=HPZ,
            defaults={
                "name": "Heilpädagogische Zusatzqualifikation",
                "kind": "other",
                "courses_per_year": 1,
            },
        )
        team, _new = Programme.objects.get_or_create(
            territory=territory,
            code=TEAM,
            defaults={"name": "Teamcurriculum Inklusion", "kind": "other", "courses_per_year": 2},
        )
        for programme, units in ((hpz, 200), (team, 40)):
            ProgrammePart.objects.get_or_create(
                programme=programme,
                order=1,
                defaults={"name": programme.name, "timing": "before_start", "units": units},
            )
        provider, _new = EducationProvider.objects.get_or_create(
            territory=territory, name="Fachschule für Heilpädagogik (Demo)"
        )
        year = today.year - 1
        hpz_course = Course.objects.create(
            programme=hpz,
            provider=provider,
            title=f"Heilpädagogische Zusatzqualifikation {year}",
            start=dt.date(year, 2, 1),
            end=dt.date(year, 11, 30),
        )
        hpz_next = Course.objects.create(
            programme=hpz,
            provider=provider,
            title=f"Heilpädagogische Zusatzqualifikation {year + 1}",
            start=dt.date(year + 1, 2, 1),
            end=dt.date(year + 1, 11, 30),
        )
        team_course = Course.objects.create(
            programme=team,
            provider=provider,
            title=f"Teamcurriculum Inklusion {year}",
            start=dt.date(year, 9, 1),
            end=dt.date(year, 10, 31),
        )
        items = _checklist(territory, hpz)
        enrolments: list[Enrolment] = []
        confirmations: list[FacilityConfirmation] = []
        for k, facility in enumerate(facilities):
            # Facilities with both features get everything more often, so some meet all.
            strong = facility.is_barrier_free and facility.inclusion_profile
            share = 0.85 if strong else 0.45
            staff_no = f"{facility.official_number}-{k:02d}"
            if rng.random() < share:
                enrolments.append(
                    Enrolment(
                        course=hpz_course,
                        facility=facility,
                        participant_name=f"Fachkraft {staff_no}a",
                        status="completed",
                        result="passed",
                        certificate_date=hpz_course.end,
                        certificate_number=f"HPZ-{year}-{k + 1:03d}",
                    )
                )
            if rng.random() < 0.3:
                enrolments.append(
                    Enrolment(
                        course=hpz_next,
                        facility=facility,
                        participant_name=f"Fachkraft {staff_no}b",
                    )
                )
            if rng.random() < 0.5:
                enrolments.append(
                    Enrolment(
                        course=team_course,
                        facility=facility,
                        participant_name=f"Team {facility.official_number}",
                        status="completed",
                        result="passed",
                        certificate_date=team_course.end,
                    )
                )
            for code in ("RAUM", "THER"):
                if rng.random() < share:
                    confirmations.append(
                        FacilityConfirmation(
                            facility=facility,
                            item=items[code],
                            date=today - dt.timedelta(days=rng.randint(10, 400)),
                            note="Demo",
                        )
                    )
        Enrolment.objects.bulk_create(enrolments)
        FacilityConfirmation.objects.bulk_create(confirmations)
        district_level = territory.levels.order_by("rank").first()
        if district_level is not None:
            from kitaplan.web.planning.models import TargetRule

            TargetRule.objects.get_or_create(
                territory=territory,
                code="KFA",
                defaults={
                    "name": "Mindestens zwei Kitas für alle Kinder je Bezirk",
                    "metric": "facilities_able_to_care_for_all",
                    "level": district_level,
                    "threshold": 2,
                    "tolerance": 1,
                    "source": "Maßnahmenplan Inklusion (Demo)",
                },
            )
        pool = _pool(territory, facilities, rng, today)
        record_audit_event(
            actor=SYSTEM,
            action=AuditAction.DEMO_LOADED,
            target_type="inclusion",
            target_label="Inklusion (Demo)",
            details={
                "checklist_items": len(items),
                "staff_enrolments": len(enrolments),
                "confirmations": len(confirmations),
                "pool_items": len(pool),
            },
        )
    return True


def _pool(
    territory: Territory, facilities: list[Facility], rng: random.Random, today: dt.date
) -> list[PoolItem]:
    items = []
    for k, (kind, name, owner, location) in enumerate(POOL):
        owner_facility = None
        if not owner and facilities:
            owner_facility = facilities[k % len(facilities)]
            location = f"{owner_facility.name}, {location}"
        items.append(
            PoolItem(
                territory=territory,
                name=name,
                kind=kind,
                owner_name=owner,
                owner_facility=owner_facility,
                location=location,
                description="",
                available=k != 7,
            )
        )
    PoolItem.objects.bulk_create(items)
    if not facilities:
        return items
    bookings = []
    for item in items:
        day = today - dt.timedelta(days=rng.randint(150, 300))
        for _n in range(rng.randint(0, 4)):
            length = rng.randint(3, 40)
            start, end = day, day + dt.timedelta(days=length - 1)
            if end < today:
                status, lent_on, returned = "returned", start, end
            elif start <= today:
                status, lent_on, returned = "lent", start, None
            else:
                status, lent_on, returned = "requested", None, None
            bookings.append(
                Booking(
                    item=item,
                    facility=rng.choice(facilities),
                    start=start,
                    end=end,
                    status=status,
                    lent_on=lent_on,
                    returned_at=returned,
                )
            )
            day = end + dt.timedelta(days=rng.randint(5, 60))
    Booking.objects.bulk_create(bookings)
    return items
