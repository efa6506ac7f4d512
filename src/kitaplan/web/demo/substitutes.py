"""A synthetic flu wave for the Berlin demo pool (de: Grippewelle mit erfundenen Personen).

Needs the pool of :func:`kitaplan.web.demo.childminding.create_demo_pool`. Creates substitute
profiles, contact visits (mostly by the contract's declared primary/secondary substitutes, some
by other nearby colleagues) within the last months, synthetic e-mail addresses (``example.org``
only) of the substitutes and, with consent, of the parents of most children, reports ~15 % of the
active childminders ill Monday–Friday of a week in the near future, proposes substitutes for the
whole wave at once and confirms about half of the proposals. The e-mails of these demo
confirmations go to Django's dummy backend (logged as sent, delivered nowhere, printed nowhere);
confirmations made later in the running demo go to the console (see the settings).
Reproducible (fixed seed), idempotent.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.core.mail import get_connection
from django.db import transaction

from kitaplan.domain.childminding.substitutes import SubstituteModel
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.substitutes import services
from kitaplan.web.substitutes.models import (
    Absence,
    ContactVisit,
    ParentContact,
    SubstituteAssignment,
    SubstituteProfile,
    SubstituteSettings,
)
from kitaplan.web.territory.models import Territory

SEED = 2323  # § 23 Abs. 4 SGB VIII, twice
ABSENT_SHARE = 0.15
DEMO_NOTE = "Demo: Grippewelle (synthetisch)"
#: A Berlin number reserved for fiction (Bundesnetzagentur: 030 23125 000–999).
DEMO_PHONE = "030 23125 230"
PARENT_CONSENT_SHARE = 0.85


def wave_monday(today: dt.date) -> dt.date:
    """The Monday at least one week after ``today``."""
    return today + dt.timedelta(days=7 + (7 - today.weekday()) % 7)


def create_demo_wave(*, today: dt.date | None = None) -> bool:
    """Contact visits and a proposed, partly confirmed flu wave in Berlin's demo pool.

    Returns False when the pool is missing or the wave exists already.
    """
    from django.utils import timezone

    today = today or timezone.localdate()
    territory = Territory.objects.filter(code="berlin").first()
    if territory is None:
        return False
    pool = list(
        Childminder.objects.filter(territory=territory)
        .order_by("number")
        .prefetch_related("contracts")
    )
    if not pool or Absence.objects.filter(childminder__territory=territory).exists():
        return False
    rng = np.random.default_rng(SEED)
    monday = wave_monday(today)
    friday = monday + dt.timedelta(days=4)
    active = [cm for cm in pool if cm.status == "active"]
    with transaction.atomic():
        SubstituteSettings.objects.update_or_create(
            territory=territory, defaults={"contact_phone": DEMO_PHONE}
        )
        models = [
            SubstituteModel.TANDEM,
            SubstituteModel.GROUP,
            SubstituteModel.MOBILE,
            SubstituteModel.BASE,
        ]
        profiles = []
        for cm in pool:
            if cm.group_practice_id is not None:
                model = SubstituteModel.GROUP_PRACTICE
            elif rng.random() < 0.03:
                model = SubstituteModel.FAMILY
            else:
                model = models[int(rng.choice(4, p=[0.5, 0.3, 0.1, 0.1]))]
            profiles.append(
                SubstituteProfile(
                    childminder=cm,
                    model=model.value,
                    available=bool(rng.random() < 0.95),
                    email=f"{cm.number.lower()}@tagespflege.example.org",
                )
            )
        SubstituteProfile.objects.bulk_create(profiles, ignore_conflicts=True)

        # contact visits for the contracts running in the wave week
        coords = np.array([[cm.lat or 0.0, cm.lon or 0.0] for cm in active])
        index = {cm.pk: i for i, cm in enumerate(active)}
        visits: list[ContactVisit] = []

        def visit_days(n: int, months: int) -> list[dt.date]:
            back = rng.choice(np.arange(1, 30 * months), size=n, replace=False)
            return [today - dt.timedelta(days=int(b)) for b in back]

        contracts = [
            c
            for cm in active
            for c in cm.contracts.all()
            if c.valid_from <= monday and (c.valid_to is None or c.valid_to >= friday)
        ]
        for c in contracts:
            if c.primary_substitute_id and rng.random() < 0.9:
                for day in visit_days(int(rng.integers(2, 5)), 5):
                    visits.append(
                        ContactVisit(substitute_id=c.primary_substitute_id, contract=c, day=day)
                    )
            if c.secondary_substitute_id and rng.random() < 0.8:
                for day in visit_days(int(rng.integers(1, 4)), 6):
                    visits.append(
                        ContactVisit(substitute_id=c.secondary_substitute_id, contract=c, day=day)
                    )
            i = index.get(c.childminder_id)
            if i is not None and rng.random() < 0.35:
                d = np.hypot(
                    (coords[:, 0] - coords[i, 0]) * 111, (coords[:, 1] - coords[i, 1]) * 68
                )
                d[i] = np.inf
                near = [
                    active[int(k)]
                    for k in np.argsort(d)[:6]
                    if active[int(k)].pk not in (c.primary_substitute_id, c.secondary_substitute_id)
                ]
                if near:
                    other = near[int(rng.integers(len(near)))]
                    for day in visit_days(int(rng.integers(1, 4)), 8):
                        visits.append(
                            ContactVisit(substitute=other, contract=c, day=day, note="Spielgruppe")
                        )
        ContactVisit.objects.bulk_create(visits)
        consent_at = timezone.now()
        families = np.random.default_rng(SEED + 1)  # apart, so the wave stays the same
        ParentContact.objects.bulk_create(
            [
                ParentContact(
                    contract=c,
                    email=f"eltern.{c.child_reference.lower()}@example.org",
                    consent=True,
                    consent_at=consent_at,
                )
                for c in contracts
                if families.random() < PARENT_CONSENT_SHARE
            ],
            ignore_conflicts=True,
        )

        # the flu wave: ~15 % of the active childminders with children ill Mon–Fri
        with_children = sorted({c.childminder_id for c in contracts})
        n_absent = max(1, round(ABSENT_SHARE * len(active)))
        chosen = rng.choice(with_children, size=min(n_absent, len(with_children)), replace=False)
        absences = Absence.objects.bulk_create(
            [
                Absence(
                    childminder_id=int(pk),
                    start=monday,
                    end=friday,
                    kind="illness",
                    status="reported",
                    note=DEMO_NOTE,
                )
                for pk in sorted(chosen)
            ]
        )
        counts = services.propose(absences, actor=SYSTEM)
        proposals = list(
            SubstituteAssignment.objects.filter(absence__in=absences, status="proposed").order_by(
                "pk"
            )
        )
        confirmed = 0
        outbox = get_connection("django.core.mail.backends.dummy.EmailBackend")
        for row in proposals:
            if rng.random() < 0.5:
                services.confirm(assignment=row, actor=SYSTEM, connection=outbox)
                confirmed += 1
        record_audit_event(
            actor=SYSTEM,
            action=AuditAction.ABSENCE_REPORTED,
            target=territory,
            target_label=f"Demo-Grippewelle {territory.name}",
            details={
                **counts,
                "contact_visits": len(visits),
                "confirmed": confirmed,
                "week": monday.isoformat(),
                "seed": SEED,
                "synthetic": True,
            },
        )
    return True


def demo_wave_summary(territory_code: str = "berlin") -> str:
    absences = Absence.objects.filter(childminder__territory__code=territory_code)
    if not absences.exists():
        return ""
    rows = SubstituteAssignment.objects.filter(absence__in=absences)
    return (
        f"Vertretung: {absences.count()} Ausfälle, "
        f"{rows.filter(status='confirmed').count()} bestätigt, "
        f"{rows.filter(status='proposed').count()} vorgeschlagen, "
        f"{rows.filter(status='uncovered').count()} ohne Vertretung"
    )
