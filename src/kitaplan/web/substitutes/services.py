"""Writes of the substitute app (one transaction and one audit event each): absences, the
proposals of :mod:`kitaplan.domain.childminding.substitutes`, decisions, contact visits and the
settings. What the registry says about days, places and distances comes from :mod:`.bridge`;
every write checks through :mod:`.selectors` that the keyword-only ``actor`` may make it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from kitaplan.domain.childminding import substitutes as domain
from kitaplan.domain.common.periods import ValidityPeriod
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event, snapshot
from kitaplan.web.childminding.models import CareContract, Childminder, GroupPractice
from kitaplan.web.core.access import AnyUser
from kitaplan.web.substitutes import selectors
from kitaplan.web.substitutes.bridge import (
    affected_contracts,
    confirmed_load,
    distance_km,
    is_available,
    own_free_places,
    point_km,
    practice_free_places,
    profile_model,
    role_for,
    rules_for,
    territory_crs,
)
from kitaplan.web.substitutes.models import (
    OPEN_STATUSES,
    Absence,
    ContactVisit,
    Notification,
    ParentContact,
    SubstituteAssignment,
    SubstituteProfile,
    SubstituteSettings,
)
from kitaplan.web.territory.models import Territory

#: Web-level reason (beside the domain's four): every alternative was rejected or is full now.
ALTERNATIVES_EXHAUSTED = "alternatives_exhausted"


class SubstituteError(Exception):
    """A change that breaks a rule; ``code`` names it, ``params`` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- absences ------------------------------------------------------------------------------------


def report_absence(
    *,
    childminder: Childminder,
    start: dt.date,
    end: dt.date,
    kind: str,
    actor: AnyUser,
    note: str = "",
) -> Absence:
    """A childminder reports her own absence; advisers those of their services; admins all."""
    _require(selectors.managed_childminders(actor).filter(pk=childminder.pk).exists())
    if end < start:
        raise SubstituteError("dates_reversed")
    overlapping = Absence.objects.filter(
        childminder=childminder, status__in=OPEN_STATUSES, start__lte=end, end__gte=start
    )
    first_overlapping = overlapping.first()
    if first_overlapping is not None:
        raise SubstituteError("overlaps", start=first_overlapping.start)
    with transaction.atomic():
        absence = Absence.objects.create(
            childminder=childminder,
            start=start,
            end=end,
            kind=kind,
            status="planned" if kind in ("holiday", "training") else "reported",
            note=note,
            reported_by=actor_user(actor),
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.ABSENCE_REPORTED,
            target=absence,
            after=snapshot(absence),
        )
    return absence


def close_absence(*, absence: Absence, actor: AnyUser) -> Absence:
    _require(selectors.decidable_childminders(actor).filter(pk=absence.childminder_id).exists())
    with transaction.atomic():
        before = snapshot(absence)
        absence.status = "closed"
        absence.save(update_fields=["status"])
        record_audit_event(
            actor=actor,
            action=AuditAction.ABSENCE_REPORTED,
            target=absence,
            before=before,
            after=snapshot(absence),
            details={"closed": True},
        )
    return absence


def wave_of(absences: Iterable[Absence]) -> dict[int, list[Absence]]:
    """All open absences of the same territory overlapping the given ones, transitively (the
    flu wave is assigned together), per territory pk."""
    waves: dict[int, list[Absence]] = {}
    by_territory: dict[int, list[Absence]] = defaultdict(list)
    for absence in absences:
        by_territory[absence.childminder.territory_id].append(absence)
    for territory_id, given in by_territory.items():
        start = min(a.start for a in given)
        end = max(a.end for a in given)
        while True:
            members = list(
                Absence.objects.filter(
                    childminder__territory_id=territory_id,
                    status__in=OPEN_STATUSES,
                    start__lte=end,
                    end__gte=start,
                )
            )
            members = members or given
            new_start = min(a.start for a in members)
            new_end = max(a.end for a in members)
            if (new_start, new_end) == (start, end):
                break
            start, end = new_start, new_end
        ids = {a.pk for a in members} | {a.pk for a in given}
        waves[territory_id] = list(
            Absence.objects.filter(pk__in=ids)
            .select_related("childminder", "childminder__substitute_profile")
            .prefetch_related("childminder__contracts")
            .order_by("pk")
        )
    return waves


def propose(absences: Iterable[Absence], *, actor: AnyUser) -> dict[str, int]:
    """Propose substitutes for every affected child of the absences' waves at once.

    Earlier unconfirmed proposals (proposed / uncovered / own arrangement) of those absences are
    replaced; confirmed ones stay, and their children take places from the substitutes' free
    places. A substitute rejected for a child is not proposed for it again.
    """
    _require(selectors.can_decide(actor))
    given = list(absences)
    decidable = selectors.decidable_childminders(actor)
    _require(all(decidable.filter(pk=a.childminder_id).exists() for a in given))
    totals = {"absences": 0, "proposed": 0, "uncovered": 0, "own_arrangement": 0}
    with transaction.atomic():
        for territory_id, wave in wave_of(given).items():
            counts = _propose_wave(Territory.objects.get(pk=territory_id), wave)
            for key, value in counts.items():
                totals[key] += value
            record_audit_event(
                actor=actor,
                action=AuditAction.SUBSTITUTES_PROPOSED,
                target=Territory.objects.get(pk=territory_id),
                details={**counts, "absence_ids": [a.pk for a in wave]},
            )
    return totals


def propose_open(
    territory: Territory, *, actor: AnyUser, today: dt.date | None = None
) -> dict[str, int]:
    """The "flu wave" button: every open absence of the territory that has not ended yet."""
    today = today or timezone.localdate()
    open_ = Absence.objects.filter(
        childminder__territory=territory, status__in=OPEN_STATUSES, end__gte=today
    ).select_related("childminder")
    if not open_.exists():
        return {"absences": 0, "proposed": 0, "uncovered": 0, "own_arrangement": 0}
    return propose(list(open_), actor=actor)


def _propose_wave(territory: Territory, wave: list[Absence]) -> dict[str, int]:
    rules = rules_for(territory)
    crs = territory_crs(territory.pk)
    ids = [a.pk for a in wave]
    existing = SubstituteAssignment.objects.filter(absence_id__in=ids)
    confirmed = set(existing.filter(status="confirmed").values_list("absence_id", "contract_id"))
    rejected = set(existing.filter(status="rejected").values_list("contract_id", "substitute_id"))
    existing.filter(status__in=["proposed", "uncovered", "own_arrangement"]).delete()

    contracts: dict[int, CareContract] = {}
    domain_absences: list[domain.Absence] = []
    all_days: set[dt.date] = set()
    for absence in wave:
        cm = absence.childminder
        model = profile_model(cm)
        point = point_km(cm, crs)
        children = []
        for contract, days in affected_contracts(absence):
            if (absence.pk, contract.pk) in confirmed:
                continue
            contracts[contract.pk] = contract
            all_days |= days
            children.append(
                domain.AffectedChild(
                    child_id=str(contract.pk),
                    contract_id=str(contract.pk),
                    days=days,
                    primary_substitute_id=_sid(contract.primary_substitute_id),
                    secondary_substitute_id=_sid(contract.secondary_substitute_id),
                    model=model,
                    area_id=_sid(cm.area_id),
                    point=point,
                )
            )
        domain_absences.append(
            domain.Absence(str(absence.pk), str(cm.pk), absence.start, absence.end, tuple(children))
        )

    # Only childminders who can know an affected child are candidates (the domain ignores the
    # rest anyway): those with contact visits, and with min_contacts = 0 the declared ones.
    visits = [
        v
        for v in ContactVisit.objects.filter(contract_id__in=list(contracts)).values_list(
            "substitute_id", "contract_id", "day"
        )
        if (v[1], v[0]) not in rejected
    ]
    candidate_ids = {v[0] for v in visits}
    if rules.min_contacts == 0:
        for c in contracts.values():
            declared = (c.primary_substitute_id, c.secondary_substitute_id)
            candidate_ids |= {pk for pk in declared if pk is not None}
    pool = (
        Childminder.objects.filter(pk__in=candidate_ids, territory=territory, status="active")
        .select_related("substitute_profile", "group_practice")
        .prefetch_related("permits", "contracts")
    )
    wave_days = sorted(all_days)
    load = confirmed_load([cm.pk for cm in pool])
    substitutes = []
    practices: dict[int, domain.PracticeLimit] = {}
    for cm in pool:
        if not is_available(cm):
            continue
        free = own_free_places(cm, wave_days)
        practice = cm.group_practice
        if practice is not None and practice.pk not in practices:
            practices[practice.pk] = domain.PracticeLimit(
                str(practice.pk), practice_free_places(practice, wave_days)
            )
        substitutes.append(
            domain.Substitute(
                substitute_id=str(cm.pk),
                model=profile_model(cm) or domain.SubstituteModel.TANDEM,
                permits=tuple(ValidityPeriod(p.valid_from, p.valid_to) for p in cm.permits.all()),
                free_places={d: max(0, free[d] - load.get((cm.pk, d), 0)) for d in wave_days},
                point=point_km(cm, crs),
                practice_id=None if practice is None else str(practice.pk),
            )
        )
    contacts = [domain.ContactVisit(str(s), str(c), d) for s, c, d in visits]
    result = domain.assign_substitutes(
        domain_absences, substitutes, contacts, rules=rules, practices=practices.values()
    )

    rows: list[SubstituteAssignment] = []
    for p in result.proposals:
        rows.append(
            SubstituteAssignment(
                absence_id=int(p.absence_id),
                contract_id=int(p.contract_id),
                substitute_id=int(p.substitute_id),
                role=p.role.value,
                days=[d.isoformat() for d in p.days],
                status="proposed",
                distance_km=None if p.distance_km is None else round(p.distance_km, 2),
                alternatives=[
                    int(s) for s in result.alternatives.get((p.absence_id, p.child_id), ())
                ],
            )
        )
    for u in result.uncovered:
        rows.append(
            SubstituteAssignment(
                absence_id=int(u.absence_id),
                contract_id=int(u.contract_id),
                days=[d.isoformat() for d in u.days],
                status="uncovered",
                reason=u.reason.value,
                alternatives=[
                    int(s) for s in result.alternatives.get((u.absence_id, u.child_id), ())
                ],
            )
        )
    for item in result.own_arrangement:
        rows.append(
            SubstituteAssignment(
                absence_id=int(item.absence_id),
                contract_id=int(item.contract_id),
                days=[d.isoformat() for d in item.days],
                status="own_arrangement",
            )
        )
    SubstituteAssignment.objects.bulk_create(rows)
    return {
        "absences": len(wave),
        "proposed": len(result.proposals),
        "uncovered": len(result.uncovered),
        "own_arrangement": len(result.own_arrangement),
    }


def _sid(pk: int | None) -> str | None:
    return None if pk is None else str(pk)


# --- decisions -----------------------------------------------------------------------------------


def _has_place(
    substitute: Childminder, days: list[dt.date], *, exclude: int | None, with_proposed: bool
) -> bool:
    free = own_free_places(substitute, days)
    load = confirmed_load(
        [substitute.pk], exclude=exclude, statuses=("proposed",) if with_proposed else ()
    )
    absent = Absence.objects.filter(
        childminder=substitute,
        status__in=OPEN_STATUSES,
        start__lte=max(days),
        end__gte=min(days),
    ).exists()
    if absent or any(free[d] - load.get((substitute.pk, d), 0) < 1 for d in days):
        return False
    practice = substitute.group_practice
    if practice is None:
        return True
    shared = practice_free_places(
        practice, days, exclude=exclude, statuses=("proposed",) if with_proposed else ()
    )
    return all(shared[d] >= 1 for d in days)


def _decidable(actor: AnyUser, assignment: SubstituteAssignment) -> None:
    _require(
        selectors.decidable_childminders(actor)
        .filter(pk=assignment.absence.childminder_id)
        .exists()
    )


def confirm(
    *,
    assignment: SubstituteAssignment,
    actor: AnyUser,
    notify: bool = True,
    connection: Any = None,
) -> SubstituteAssignment:
    """Confirm a proposal; then (``notify``) e-mail the substitute and the parents
    (:func:`notify_confirmed`, after the confirmation is stored: a failure to send is logged and
    never undoes it)."""
    _decidable(actor, assignment)
    with transaction.atomic():
        row = SubstituteAssignment.objects.select_for_update().get(pk=assignment.pk)
        if row.status != "proposed" or row.substitute is None:
            raise SubstituteError("not_proposed")
        locked = Childminder.objects.select_for_update().get(pk=row.substitute.pk)
        if locked.group_practice_id is not None:  # members share the practice's places
            GroupPractice.objects.select_for_update().filter(pk=locked.group_practice_id).first()
        days = [dt.date.fromisoformat(d) for d in row.days]
        if days and not _has_place(row.substitute, days, exclude=row.pk, with_proposed=False):
            raise SubstituteError("no_place_now")
        before = snapshot(row)
        now = timezone.now()
        row.status = "confirmed"
        row.decided_by = actor_user(actor)
        row.decided_at = now
        row.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.SUBSTITUTE_CONFIRMED,
            target=row,
            before=before,
            after=snapshot(row),
        )
    if notify:
        notify_confirmed(assignment=row, actor=actor, connection=connection)
        row.refresh_from_db()
    return row


def notify_confirmed(
    *, assignment: SubstituteAssignment, actor: AnyUser, connection: Any = None
) -> list[Notification]:
    """E-mail the substitute and the parents about a confirmed substitute (again); returns the
    log rows of this attempt (see :mod:`.notifications`)."""
    _decidable(actor, assignment)
    if assignment.status != "confirmed":
        raise SubstituteError("not_confirmed")
    from kitaplan.web.substitutes.notifications import notify_confirmed as send

    return send(assignment=assignment, actor=actor, connection=connection)


def save_parent_contact(
    *, contract: CareContract, email: str, consent: bool, actor: AnyUser
) -> ParentContact | None:
    """Store the parents' e-mail address and consent for a contract (empty address: delete it).
    The audit event keeps whether an address exists and the consent, not the address."""
    _require(selectors.decidable_childminders(actor).filter(pk=contract.childminder_id).exists())
    email = email.strip()
    with transaction.atomic():
        found = ParentContact.objects.select_for_update().filter(contract=contract).first()
        before = None if found is None else {"email": True, "consent": found.consent}
        if not email:
            if found is not None:
                found.delete()
            row = None
        else:
            row = found or ParentContact(contract=contract)
            if consent and not row.consent:
                row.consent_at = timezone.now()
            if not consent:
                row.consent_at = None
            row.email = email
            row.consent = consent
            row.updated_by = actor_user(actor)
            row.save()
        after = None if row is None else {"email": True, "consent": row.consent}
        if before != after:
            record_audit_event(
                actor=actor,
                action=AuditAction.PARENT_CONTACT_SAVED,
                target=contract,
                target_label=f"{contract.child_reference}: parents",
                before=before,
                after=after,
            )
    return row


#: The settings a territory's advisers and the administrators change on the settings page.
SETTINGS_FIELDS = [
    "min_contacts",
    "contact_months",
    "max_distance_km",
    "day_rate_cents",
    "contact_phone",
]


def save_settings(
    *, territory: Territory, values: dict[str, Any], actor: AnyUser
) -> SubstituteSettings:
    """Store the substitute settings of a territory (the row is created on the first save).
    Audited with the values before and after (rules and the service's phone, no personal data);
    a save that changes nothing records nothing."""
    _require(selectors.settings_territories(actor).filter(pk=territory.pk).exists())
    with transaction.atomic():
        row = SubstituteSettings.objects.select_for_update().filter(territory=territory).first()
        before = None if row is None else snapshot(row, SETTINGS_FIELDS)
        if row is None:
            row = SubstituteSettings(territory=territory)
        for name in SETTINGS_FIELDS:
            value = values[name]
            setattr(row, name, value.strip() if isinstance(value, str) else value)
        row.full_clean()
        after = snapshot(row, SETTINGS_FIELDS)
        if before != after:
            row.save()
            record_audit_event(
                actor=actor,
                action=AuditAction.SUBSTITUTE_SETTINGS_SAVED,
                target=row,
                target_label=f"{territory.name}: substitute settings",
                before=before,
                after=after,
            )
    return row


def save_substitute_email(
    *, childminder: Childminder, email: str, actor: AnyUser
) -> SubstituteProfile | None:
    """Set the address the e-mails about her substitutions go to (empty: her login's address).
    Advisers of her service and administrators only. The audit event keeps whether an address
    is set and that it changed, never the address; a profile is created when she has none."""
    _require(selectors.decidable_childminders(actor).filter(pk=childminder.pk).exists())
    email = email.strip()
    if email:
        validate_email(email)
    with transaction.atomic():
        profile = (
            SubstituteProfile.objects.select_for_update().filter(childminder=childminder).first()
        )
        old = "" if profile is None else profile.email
        if old == email:
            return profile
        created = profile is None
        if profile is None:
            profile = SubstituteProfile(childminder=childminder)
        profile.email = email
        profile.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.SUBSTITUTE_SETTINGS_SAVED,
            target=profile,
            target_label=f"{childminder.name}: e-mail for substitute notices",
            before={"email": bool(old)},
            after={"email": bool(email)},
            details={"email_changed": True, "profile_created": created},
        )
    return profile


def reject(*, assignment: SubstituteAssignment, actor: AnyUser) -> SubstituteAssignment:
    """Reject a proposal and propose the next alternative that still has a place (or record
    the child as uncovered with ``alternatives_exhausted``). Returns the new row."""
    _decidable(actor, assignment)
    with transaction.atomic():
        row = SubstituteAssignment.objects.select_for_update().get(pk=assignment.pk)
        if row.status != "proposed":
            raise SubstituteError("not_proposed")
        before = snapshot(row)
        row.status = "rejected"
        row.decided_by = actor_user(actor)
        row.decided_at = timezone.now()
        row.save()
        refused = set(
            SubstituteAssignment.objects.filter(
                absence_id=row.absence_id, contract_id=row.contract_id, status="rejected"
            ).values_list("substitute_id", flat=True)
        )
        days = [dt.date.fromisoformat(d) for d in row.days]
        absent_cm = row.absence.childminder
        chosen: Childminder | None = None
        for pk in row.alternatives:
            if pk in refused or pk == absent_cm.pk:
                continue
            cm = (
                Childminder.objects.filter(pk=pk, status="active")
                .prefetch_related("permits", "contracts")
                .first()
            )
            if cm is None or not is_available(cm):
                continue
            permits = list(cm.permits.all())
            if not all(any(p.valid_from <= d <= p.valid_to for p in permits) for d in days):
                continue
            if _has_place(cm, days, exclude=None, with_proposed=True):
                chosen = cm
                break
        if chosen is not None:
            new = SubstituteAssignment.objects.create(
                absence_id=row.absence_id,
                contract=row.contract,
                substitute=chosen,
                role=role_for(row.contract, chosen.pk),
                days=row.days,
                status="proposed",
                distance_km=distance_km(absent_cm, chosen),
                alternatives=row.alternatives,
            )
        else:
            new = SubstituteAssignment.objects.create(
                absence_id=row.absence_id,
                contract=row.contract,
                days=row.days,
                status="uncovered",
                reason=ALTERNATIVES_EXHAUSTED,
                alternatives=row.alternatives,
            )
        record_audit_event(
            actor=actor,
            action=AuditAction.SUBSTITUTE_REJECTED,
            target=row,
            before=before,
            after=snapshot(row),
            details={"next": new.pk, "next_substitute": new.substitute_id},
        )
    return new


# --- contact visits ------------------------------------------------------------------------------


def record_contact(
    *,
    substitute: Childminder,
    contract: CareContract,
    day: dt.date,
    actor: AnyUser,
    note: str = "",
) -> ContactVisit:
    decidable = selectors.decidable_childminders(actor)
    _require(decidable.filter(pk=contract.childminder_id).exists())
    if substitute.pk == contract.childminder_id:
        raise SubstituteError("own_child")
    if substitute.territory_id != contract.childminder.territory_id:
        raise SubstituteError("other_territory")
    if day > timezone.localdate():
        raise SubstituteError("in_future")
    with transaction.atomic():
        visit = ContactVisit.objects.create(
            substitute=substitute,
            contract=contract,
            day=day,
            note=note,
            recorded_by=actor_user(actor),
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.SUBSTITUTE_CONTACT_RECORDED,
            target=visit,
            after=snapshot(visit),
        )
    return visit


__all__ = [
    "ALTERNATIVES_EXHAUSTED",
    "SubstituteError",
    "close_absence",
    "confirm",
    "notify_confirmed",
    "propose",
    "propose_open",
    "record_contact",
    "reject",
    "report_absence",
    "save_parent_contact",
    "save_settings",
    "save_substitute_email",
]
