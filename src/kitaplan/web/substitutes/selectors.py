"""Who sees which absences and substitutions (least privilege), built on the registry's scoping.

- Administrators see every absence and may propose, confirm and reject.
- Advisers (Fachberatung) see and decide the absences of the childminders of their advisory
  services; they see the names of the substitutes proposed for them, whoever those are.
- A childminder sees her own absences (and reports them) and the substitutions where she is the
  substitute; she cannot decide.
- The substitute settings of a territory (rules, day rate, the advisory service's phone): every
  territory for administrators, the territories of their advisory services for advisers.
- Planners, the payment office and everybody else: no access (403).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from kitaplan.domain.childminding.substitutes import Absence as DomainAbsence
from kitaplan.domain.childminding.substitutes import (
    AffectedChild,
    Assignment,
    CoverageReport,
    Item,
    Proposal,
    SubstituteModel,
    SubstituteRole,
    SubstituteRules,
    Uncovered,
    UncoveredReason,
    coverage_report,
)
from kitaplan.web.audit.services import actor_user
from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.access import has_any_role, roles_of, scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.core.validity import valid_from_on
from kitaplan.web.substitutes.bridge import affected_contracts, known_substitutes, profile_model
from kitaplan.web.substitutes.models import (
    OPEN_STATUSES,
    Absence,
    ContactVisit,
    Notification,
    SubstituteAssignment,
)
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

USERS = frozenset({Role.ADMIN, Role.CHILDMINDER_ADVISER, Role.CHILDMINDER})
DECIDERS = frozenset({Role.ADMIN, Role.CHILDMINDER_ADVISER})


def can_use_substitutes(user: AnyUser) -> bool:
    return has_any_role(user, USERS)


def can_decide(user: AnyUser) -> bool:
    """Propose, confirm, reject and record contact visits."""
    return has_any_role(user, DECIDERS)


def managed_childminders(user: AnyUser) -> QuerySet[Childminder]:
    """Childminders whose absences the user may see in full: all (admin), her services'
    (adviser), herself (childminder). The payment office sees the registry but not this app."""
    if not can_use_substitutes(user):
        return Childminder.objects.none()
    if has_any_role(user, {Role.ADMIN}):
        return childminders_visible_to(user)
    scope = Q(pk__in=[])
    roles = roles_of(user)
    person = actor_user(user)
    if Role.CHILDMINDER_ADVISER in roles and person is not None:
        scope |= Q(service__advisers=person)
    if Role.CHILDMINDER in roles and person is not None:
        scope |= Q(user=person)
    ids = Childminder.objects.filter(scope).values("pk")
    return childminders_visible_to(user).filter(pk__in=ids)


def decidable_childminders(user: AnyUser) -> QuerySet[Childminder]:
    """Childminders whose absences the user may propose for and decide."""
    if not can_decide(user):
        return Childminder.objects.none()
    if has_any_role(user, {Role.ADMIN}):
        return childminders_visible_to(user)
    person = actor_user(user)
    if person is None:
        return Childminder.objects.none()
    ids = Childminder.objects.filter(service__advisers=person).values("pk")
    return Childminder.objects.filter(pk__in=ids)


def settings_territories(user: AnyUser) -> QuerySet[Territory]:
    """Territories whose substitute settings the user may view and change: all (admin), those of
    the advisory services she works in (adviser), none for everybody else."""
    if not can_decide(user):
        return Territory.objects.none()
    if has_any_role(user, {Role.ADMIN}):
        return Territory.objects.all()
    person = actor_user(user)
    if person is None:
        return Territory.objects.none()
    ids = Territory.objects.filter(advisory_services__advisers=person).values("pk")
    return Territory.objects.filter(pk__in=ids)


def own_childminder(user: AnyUser) -> Childminder | None:
    person = actor_user(user)
    if person is None or Role.CHILDMINDER not in roles_of(user):
        return None
    return Childminder.objects.filter(user=person).first()


@scoped_to_territories("childminder__territory")
def absences_visible_to(user: AnyUser) -> QuerySet[Absence]:
    """Absences of managed childminders, plus those where the user's childminder substitutes."""
    if not can_use_substitutes(user):
        return Absence.objects.none()
    scope = Q(childminder__in=managed_childminders(user).values("pk"))
    own = own_childminder(user)
    if own is not None:
        scope |= Q(assignments__substitute=own)
    ids = Absence.objects.filter(scope).values("pk")
    return Absence.objects.filter(pk__in=ids).select_related(
        "childminder", "childminder__area", "childminder__territory"
    )


def assignments_visible_to(user: AnyUser, absence: Absence) -> QuerySet[SubstituteAssignment]:
    """All rows of an absence the user manages; only her own rows for a substitute."""
    rows = absence.assignments.select_related(
        "contract", "substitute", "decided_by"
    ).prefetch_related("notifications__childminder")
    if managed_childminders(user).filter(pk=absence.childminder_id).exists():
        return rows
    own = own_childminder(user)
    if own is None:
        return rows.none()
    return rows.filter(substitute=own)


@scoped_to_territories("childminder__territory")
def notifications_visible_to(user: AnyUser) -> QuerySet[Notification]:
    if not can_use_substitutes(user):
        return Notification.objects.none()
    scope = Q(assignment__absence__childminder__in=managed_childminders(user).values("pk"))
    own = own_childminder(user)
    if own is not None:
        scope |= Q(audience="substitute", childminder=own)
    return (
        Notification.objects.filter(scope)
        .select_related(
            "childminder",
            "assignment",
            "assignment__absence",
            "assignment__absence__childminder",
            "assignment__contract",
            "assignment__substitute",
        )
        .distinct()
    )


def decision_territories(user: AnyUser) -> QuerySet[Territory]:
    """Territories of the childminders whose absences the user decides (the flu-wave button)."""
    decidable = decidable_childminders(user)
    return Territory.objects.filter(pk__in=decidable.values("territory_id")).order_by("name")


def absences_listed(user: AnyUser, today: dt.date) -> QuerySet[Absence]:
    """The absence list: current open absences first, with their proposal counts."""
    return (
        absences_visible_to(user)
        .annotate(
            is_current=Case(
                When(Q(status__in=OPEN_STATUSES, end__gte=today), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            proposed=Count("assignments", filter=Q(assignments__status="proposed")),
            confirmed=Count("assignments", filter=Q(assignments__status="confirmed")),
            uncovered=Count("assignments", filter=Q(assignments__status="uncovered")),
        )
        .order_by("is_current", "start", "childminder__name", "pk")
    )


def contact_counts(contract_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """Days with a contact visit per (substitute pk, contract pk)."""
    return {
        (r["substitute_id"], r["contract_id"]): r["n"]
        for r in ContactVisit.objects.filter(contract_id__in=list(contract_ids))
        .values("substitute_id", "contract_id")
        .annotate(n=Count("day", distinct=True))
    }


def childminder_names(pks: Iterable[int]) -> dict[int, str]:
    """Names of the given childminders (the alternatives of a proposal, whoever they are)."""
    return dict(Childminder.objects.filter(pk__in=list(pks)).values_list("pk", "name"))


def current_contracts(cm: Childminder, today: dt.date) -> QuerySet[CareContract]:
    """Her contracts not ended before ``today``, with their declared substitutes."""
    return cm.contracts.filter(valid_from_on(today)).select_related(
        "primary_substitute", "secondary_substitute"
    )


def substitute_candidates(
    user: AnyUser, cm: Childminder, contracts: Iterable[CareContract]
) -> QuerySet[Childminder]:
    """Who may be recorded as visiting her children: active childminders of her territory the
    user sees, and the substitutes declared on her contracts."""
    contracts = list(contracts)
    declared = {c.primary_substitute_id for c in contracts} | {
        c.secondary_substitute_id for c in contracts
    }
    return Childminder.objects.filter(
        Q(pk__in=childminders_visible_to(user).values("pk")) | Q(pk__in=declared - {None}),
        territory=cm.territory,
        status="active",
    ).exclude(pk=cm.pk)


def contact_table(
    contracts: Iterable[CareContract], today: dt.date, rules: SubstituteRules
) -> list[dict[str, Any]]:
    """Per contract: its contact visits and the names of the substitutes who know the child."""
    contracts = list(contracts)
    visits = ContactVisit.objects.filter(contract__in=contracts).select_related("substitute")
    by_contract: dict[int, list[ContactVisit]] = defaultdict(list)
    for v in visits:
        by_contract[v.contract_id].append(v)
    table = []
    for c in contracts:
        own = by_contract.get(c.pk, [])
        known = known_substitutes(c, today, rules, visits=[(v.substitute_id, v.day) for v in own])
        table.append(
            {
                "contract": c,
                "visits": own,
                "known": sorted({v.substitute.name for v in own if v.substitute_id in known}),
            }
        )
    return table


# --- report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """Figures of one area (``area`` None: without area; ``total``: the whole period)."""

    label: str
    report: CoverageReport
    total: bool = False


@dataclass(frozen=True)
class PeriodReport:
    start: dt.date
    end: dt.date
    total: CoverageReport
    rows: list[ReportRow]
    by_reason: dict[str, int]
    day_rate: Decimal


#: One absence clipped to a period (see :func:`_clipped`).
_Clipped = tuple[DomainAbsence, list[Item], list[Proposal], list[Uncovered], dict[str, int]]


def _clipped(absence: Absence, start: dt.date, end: dt.date) -> _Clipped:
    """One absence within the period as domain objects: children's care days, what confirmed
    substitutions cover, and the rest (with the stored reason, for the web-side breakdown)."""
    first, last = max(start, absence.start), min(end, absence.end)
    clip = Absence(
        pk=absence.pk, childminder=absence.childminder, start=first, end=last, kind=absence.kind
    )
    family = profile_model(absence.childminder) is SubstituteModel.FAMILY
    rows = [r for r in absence.assignments.all() if r.status in ("confirmed", "uncovered")]
    area = None if absence.childminder.area_id is None else str(absence.childminder.area_id)
    children, own, proposals, uncovered = [], [], [], []
    reasons: dict[str, int] = defaultdict(int)
    for contract, days in affected_contracts(clip):
        key = str(contract.pk)
        children.append(AffectedChild(key, key, days, area_id=area))
        ordered = tuple(sorted(days))
        if family:
            own.append(Item(str(absence.pk), key, key, ordered, area))
            continue
        covered: set[dt.date] = set()
        reason = "not_decided"
        for row in rows:
            if row.contract_id != contract.pk:
                continue
            if row.status == "confirmed":
                covered |= {dt.date.fromisoformat(d) for d in row.days} & days
            elif row.reason:
                reason = row.reason
        if covered:
            proposals.append(
                Proposal(
                    str(absence.pk),
                    key,
                    key,
                    str(
                        next(
                            r.substitute_id
                            for r in rows
                            if r.status == "confirmed" and r.contract_id == contract.pk
                        )
                    ),
                    SubstituteRole.OTHER,
                    None,
                    tuple(sorted(covered)),
                    area,
                )
            )
        rest = tuple(sorted(days - covered))
        if rest:
            # the domain needs one of its codes here; the web breakdown keeps the stored one
            code = (
                UncoveredReason(reason)
                if reason in set(UncoveredReason)
                else UncoveredReason.NO_CAPACITY
            )
            uncovered.append(Uncovered(str(absence.pk), key, key, code, rest, area))
            reasons[reason] += len(rest)
    dom = DomainAbsence(str(absence.pk), str(absence.childminder_id), first, last, tuple(children))
    return dom, own, proposals, uncovered, dict(reasons)


def period_report(
    absences: QuerySet[Absence], *, start: dt.date, end: dt.date, day_rate: Decimal
) -> PeriodReport:
    """Absence days, covered days (confirmed substitutions), coverage rate, uncovered days by
    area of the absent childminder, cost — for the absences overlapping ``start`` .. ``end``."""
    rows = (
        absences.filter(start__lte=end, end__gte=start)
        .select_related("childminder__area", "childminder__substitute_profile")
        .prefetch_related("childminder__contracts", "assignments")
        .order_by("pk")
    )
    by_area: dict[int | None, list[_Clipped]] = defaultdict(list)
    names: dict[int | None, str] = {}
    everything: list[_Clipped] = []
    reasons: dict[str, int] = defaultdict(int)
    for absence in rows:
        parts = _clipped(absence, start, end)
        area = absence.childminder.area
        key = None if area is None else area.pk
        names[key] = "" if area is None else f"{area.official_code} {area.name}"
        by_area[key].append(parts)
        everything.append(parts)
        for code, n in parts[4].items():
            reasons[code] += n

    def report(parts: list[_Clipped]) -> CoverageReport:
        assignment = Assignment(
            tuple(p for part in parts for p in part[2]),
            tuple(u for part in parts for u in part[3]),
            tuple(i for part in parts for i in part[1]),
            {},
        )
        return coverage_report([part[0] for part in parts], assignment, day_rate=day_rate)

    table = [
        ReportRow(names[key], report(parts))
        for key, parts in sorted(by_area.items(), key=lambda kv: (kv[0] is None, names[kv[0]]))
    ]
    return PeriodReport(start, end, report(everything), table, dict(reasons), day_rate)
