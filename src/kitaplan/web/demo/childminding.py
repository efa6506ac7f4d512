"""A synthetic childminder pool for the demo city (de: Kindertagespflege mit erfundenen Personen).

About 230 childminders (the size of Stuttgart's pool in seed 001) living in the real residential
areas of the demo district (drawn in proportion to children under three), with permits, proofs,
about 1,000 care contracts and two advisory services. Everything is drawn reproducibly from a
fixed seed and is never a real person. Contracts are generated within each permit's limit (and
the test checks them with the capacity checker); they are bulk-created without one audit event
each, for the same reason as the demo rounds (one event records the generated pool).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum

from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.childminding.models import (
    AdvisoryService,
    CareContract,
    Childminder,
    GroupPractice,
    Permit,
    Proof,
    StatusChange,
)
from kitaplan.web.core import derived
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.demo.allocation import _centroid, _descendants, demo_district
from kitaplan.web.territory.models import Area, PopulationCount, Territory

SEED = 2018  # Stuttgart's count of 229 childminders is from March 2018
LANGUAGES = ("Deutsch", "Türkisch", "Arabisch", "Russisch", "Polnisch", "Englisch", "Ukrainisch")
ADULT_NAMES = (
    "Sabine", "Petra", "Andrea", "Claudia", "Nicole", "Stefanie", "Katrin", "Julia", "Anja",
    "Ayşe", "Fatma", "Olga", "Svetlana", "Agnieszka", "Maria", "Elena", "Daniela", "Tanja",
    "Michael", "Thomas", "Ahmet", "Kerstin", "Birgit", "Yvonne", "Sandra", "Melanie",
)  # fmt: skip
SCHEDULES = (
    [[d, "07:30", "15:30"] for d in range(5)],
    [[d, "08:00", "16:00"] for d in range(5)],
    [[d, "08:00", "13:00"] for d in range(5)],
    [[d, "08:00", "14:00"] for d in range(4)],
    [[d, "07:00", "15:00"] for d in range(5)],
    [[d, "09:00", "17:00"] for d in (0, 1, 2)],
)


def _hours(slots: list[list[Any]]) -> float:
    total = 0
    for _d, a, b in slots:
        h1, m1 = map(int, a.split(":"))
        h2, m2 = map(int, b.split(":"))
        total += (h2 * 60 + m2) - (h1 * 60 + m1)
    return total / 60


def generate_pool(
    territory: Territory,
    district: Area,
    *,
    childminders: int = 230,
    seed: int = SEED,
    today: dt.date,
) -> dict[str, int]:
    """Create the pool under ``district``; returns counts."""
    rng = np.random.default_rng(seed)
    _inside, leaves = _descendants(district)
    areas = {a.pk: a for a in Area.objects.filter(pk__in=leaves)}
    year = (
        PopulationCount.objects.filter(area_id__in=leaves)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    weights = (
        dict(
            PopulationCount.objects.filter(area_id__in=leaves, year=year, age__lt=3)
            .values("area_id")
            .annotate(n=Sum("count"))
            .values_list("area_id", "n")
        )
        if year is not None
        else {}
    )
    ids = [pk for pk in sorted(areas) if weights.get(pk) and _centroid(areas[pk])]
    p = np.array([weights[pk] for pk in ids], dtype=float)
    p /= p.sum()
    services = [
        AdvisoryService.objects.create(
            territory=territory, name=f"Fachberatung Kindertagespflege {district.name} {part}"
        )
        for part in ("Nord", "Süd")
    ]
    practices = [
        GroupPractice.objects.create(
            territory=territory,
            name=f"Großtagespflege {name}",
            address=f"{district.name}",
            max_children=9,
        )
        for name in ("Sonnenkinder", "Pusteblume", "Kleine Strolche", "Wirbelwind")
    ]
    cms: list[Childminder] = []
    for k in range(childminders):
        area_id = ids[int(rng.choice(len(ids), p=p))]
        centroid = _centroid(areas[area_id])
        assert centroid is not None  # ids holds only areas with a centroid
        lat, lon = centroid
        in_practice = k < 2 * len(practices)
        cms.append(
            Childminder(
                territory=territory,
                number=f"TP{k + 1:04d}",
                name=f"{ADULT_NAMES[int(rng.integers(len(ADULT_NAMES)))]} {chr(65 + int(rng.integers(26)))}.",
                street="(synthetisch)",
                city=territory.name,
                lat=float(lat + rng.normal(0, 0.004)),
                lon=float(lon + rng.normal(0, 0.006)),
                area_id=area_id,
                care_location="group_practice"
                if in_practice
                else str(
                    rng.choice(["own_home", "own_home", "own_home", "rented_rooms", "parents_home"])
                ),
                group_practice=practices[k // 2] if in_practice else None,
                service=services[0] if lat >= district_mid_lat(areas) else services[1],
                languages=", ".join(
                    [
                        "Deutsch",
                        *rng.choice(LANGUAGES[1:], size=int(rng.integers(0, 2)), replace=False),
                    ]
                ),
                inclusion_skills=bool(rng.random() < 0.15),
                qualification=str(rng.choice(["QHB 300 UE", "QHB 300 UE", "160 UE", "Erzieherin"])),
                experience_group=f"BG{int(rng.integers(1, 7))}",
                status="active" if rng.random() < 0.9 else str(rng.choice(["paused", "left"])),
            )
        )
    Childminder.objects.bulk_create(cms)
    permits: list[Permit] = []
    proofs: list[Proof] = []
    contracts: list[CareContract] = []
    history: list[StatusChange] = []
    n_children = 0
    for cm in cms:
        start = today - dt.timedelta(days=int(rng.integers(30, 5 * 365 - 10)))
        limit = 5 if rng.random() < 0.8 else 4
        permits.append(
            Permit(
                childminder=cm,
                reference=f"PE-{cm.number}",
                valid_from=start,
                valid_to=start.replace(year=start.year + 5) - dt.timedelta(days=1),
                max_children=limit,
            )
        )
        history.append(StatusChange(childminder=cm, status="active", valid_from=start))
        if cm.status != "active":
            history.append(
                StatusChange(
                    childminder=cm,
                    status=cm.status,
                    valid_from=today - dt.timedelta(days=int(rng.integers(10, 200))),
                )
            )
        first_aid = today - dt.timedelta(days=int(rng.integers(0, 2 * 365 + 60)))
        proofs.append(
            Proof(
                childminder=cm,
                kind="first_aid",
                issued_on=first_aid,
                valid_until=first_aid + dt.timedelta(days=2 * 365),
            )
        )
        if rng.random() < 0.97:
            police = today - dt.timedelta(days=int(rng.integers(0, 5 * 365 + 60)))
            proofs.append(
                Proof(
                    childminder=cm,
                    kind="police_certificate",
                    issued_on=police,
                    valid_until=police + dt.timedelta(days=5 * 365),
                )
            )
        proofs.append(
            Proof(childminder=cm, kind="measles", issued_on=start - dt.timedelta(days=30))
        )
        if cm.status != "active":
            continue
        # Children present at the same time never exceed the permit: at most `limit` contracts
        # overlap in time (full schedules may overlap freely).
        current_start = len(contracts)
        for _slot in range(int(rng.integers(max(1, limit - 2), limit + 1))):
            birth = today - dt.timedelta(days=int(rng.integers(200, 3 * 365 - 20)))
            begin = max(start, birth + dt.timedelta(days=int(rng.integers(180, 420))))
            if begin > today + dt.timedelta(days=60):
                begin = today - dt.timedelta(days=int(rng.integers(0, 60)))
            third = (
                birth.replace(year=birth.year + 3)
                if not (birth.month == 2 and birth.day == 29)
                else dt.date(birth.year + 3, 3, 1)
            )
            slots = SCHEDULES[int(rng.integers(len(SCHEDULES)))]
            n_children += 1
            contracts.append(
                CareContract(
                    childminder=cm,
                    child_reference=f"KTP{n_children:05d}",
                    child_birth_date=birth,
                    valid_from=begin,
                    valid_to=third - dt.timedelta(days=1) if rng.random() < 0.7 else None,
                    weekly_hours=round(_hours(slots), 2),
                    slots=slots,
                    settling_in_from=begin,
                    settling_in_to=begin + dt.timedelta(days=20),
                    funded=bool(rng.random() < 0.95),
                )
            )
        # Earlier care relationships that ended before the current ones began (history).
        first_current = min((c.valid_from for c in contracts[current_start:]), default=today)
        for _past in range(int(rng.integers(0, 3))):
            if (first_current - start).days < 200:
                break
            end = first_current - dt.timedelta(days=1)
            begin = max(start, end - dt.timedelta(days=int(rng.integers(120, 500))))
            slots = SCHEDULES[int(rng.integers(len(SCHEDULES)))]
            n_children += 1
            contracts.append(
                CareContract(
                    childminder=cm,
                    child_reference=f"KTP{n_children:05d}",
                    child_birth_date=begin - dt.timedelta(days=int(rng.integers(250, 600))),
                    valid_from=begin,
                    valid_to=end,
                    weekly_hours=round(_hours(slots), 2),
                    slots=slots,
                    funded=True,
                )
            )
            first_current = begin
    Permit.objects.bulk_create(permits)
    Proof.objects.bulk_create(proofs)
    StatusChange.objects.bulk_create(history)
    CareContract.objects.bulk_create(contracts)
    # Substitutes: the nearest active colleague (and the second nearest) of the same service.
    active = [c for c in cms if c.status == "active"]
    coords = np.array([[c.lat, c.lon] for c in active])
    index = {c.pk: i for i, c in enumerate(active)}
    updates = []
    for contract in contracts:
        i = index.get(contract.childminder_id)
        if i is None:
            continue
        d = np.hypot((coords[:, 0] - coords[i, 0]) * 111, (coords[:, 1] - coords[i, 1]) * 68)
        d[i] = np.inf
        near = np.argsort(d)[:2]
        contract.primary_substitute = active[int(near[0])]
        contract.secondary_substitute = active[int(near[1])] if rng.random() < 0.6 else None
        updates.append(contract)
    CareContract.objects.bulk_update(
        updates, ["primary_substitute", "secondary_substitute"], batch_size=500
    )
    derived.bump(
        territory.pk
    )  # bulk writes send no signals: the balance, the finder (core.derived)
    return {
        "childminders": len(cms),
        "contracts": len(contracts),
        "services": len(services),
        "group_practices": len(practices),
    }


def release_free_places(territory: Territory, today: dt.date, *, share: float = 0.25) -> int:
    """Free places of some active childminders take part in the rounds still open for
    applications (Kindertagespflege places in the Platzvergabe, issue item 3)."""
    from kitaplan.web.allocation.models import AllocationRound, RoundProgramme
    from kitaplan.web.childminding.services import free_places_on

    rounds = AllocationRound.objects.filter(territory=territory, applications_close__gte=today)
    released = 0
    rng = np.random.default_rng(SEED + 1)
    for round_ in rounds:
        # the first Monday of care: on a Sunday nobody is present and every place looks free
        day = round_.care_start + dt.timedelta(days=(7 - round_.care_start.weekday()) % 7)
        for cm in (
            Childminder.objects.filter(territory=territory, status="active")
            .prefetch_related("permits", "contracts")
            .order_by("number")
        ):
            if rng.random() > share:
                continue
            free = free_places_on(cm, day) or 0
            if free > 0:
                RoundProgramme.objects.create(
                    round=round_, childminder=cm, age_group="u3", capacity=free
                )
                released += free
    return released


def district_mid_lat(areas: dict[int, Area]) -> float:
    lats = [a.centroid_lat for a in areas.values() if a.centroid_lat is not None]
    return float(np.median(lats)) if lats else 0.0


def create_demo_pool(*, today: dt.date | None = None) -> bool:
    """Berlin's synthetic pool in the demo district; idempotent. Links the demo accounts
    "fachberatung" (adviser of the northern service) and "tagesmutter" (one childminder)."""
    from django.utils import timezone

    territory = Territory.objects.filter(code="berlin").first()
    if territory is None or Childminder.objects.filter(territory=territory).exists():
        return False
    district = demo_district(territory)
    if district is None:
        return False
    with transaction.atomic():
        counts = generate_pool(territory, district, today=today or timezone.localdate())
        adviser = User.objects.filter(username="fachberatung").first()
        service = AdvisoryService.objects.filter(territory=territory).order_by("name").first()
        if adviser is not None and service is not None:
            service.advisers.add(adviser)
        person = User.objects.filter(username="tagesmutter").first()
        own = (
            Childminder.objects.filter(territory=territory, status="active", service=service)
            .order_by("number")
            .first()
        )
        if person is not None and own is not None:
            own.user = person
            own.save(update_fields=["user"])
        counts["released_in_rounds"] = release_free_places(territory, today or timezone.localdate())
        record_audit_event(
            actor=SYSTEM,
            action=AuditAction.CHILDMINDING_CHANGED,
            target=district,
            target_label=f"Demo-Kindertagespflege {district.name}",
            details={**counts, "seed": SEED, "synthetic": True},
        )
    return True


def demo_pool_summary(territory_code: str = "berlin") -> str:
    cms = Childminder.objects.filter(territory__code=territory_code)
    if not cms.exists():
        return ""
    contracts = CareContract.objects.filter(childminder__in=cms).count()
    return (
        f"Kindertagespflege: {cms.count()} Tagespflegepersonen (synthetisch), "
        f"{contracts} Betreuungsverträge"
    )
