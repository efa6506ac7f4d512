"""The bridge from the registry to :mod:`kitaplan.domain.childminding.substitutes`: reads that
turn childminders, contracts and permits into the domain's days, places and points.

The registry stores only a weekly schedule per contract, so a child's care days within an
absence come from :func:`capacity.care_days`, and a substitute's free places per day from
:func:`capacity.free_places` over her own contracts plus her own young children, minus the
children already confirmed to her for that day; a colleague in a group practice (Großtagespflege)
also needs a free place of the whole practice (:func:`practice_free_places`). Distances: the
childminders' WGS84 coordinates projected to the ETRS89 / UTM zone of the territory
(:func:`territory_crs`) in km; the child's point is the absent childminder's place (the registry
has no family addresses).

Used by :mod:`.services` (writes) and :mod:`.selectors` (the period report); imports neither.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from kitaplan.domain.childminding import substitutes as domain
from kitaplan.domain.childminding.capacity import (
    CareSchedule,
    care_days,
    free_places,
    max_simultaneous,
)
from kitaplan.domain.common.projection import to_planar, utm_crs_for
from kitaplan.web.childminding.models import CareContract, Childminder, GroupPractice
from kitaplan.web.childminding.services import contract_schedule, own_children
from kitaplan.web.substitutes.models import (
    OPEN_STATUSES,
    Absence,
    ContactVisit,
    SubstituteAssignment,
    SubstituteProfile,
    SubstituteSettings,
)
from kitaplan.web.territory.models import Area, Territory


def territory_crs(territory_id: int) -> str:
    """The ETRS89 / UTM zone for distances in a territory, from its childminders' mean longitude
    (its areas' centroids when no childminder has coordinates; zone 32 when nothing is known,
    where no point exists to measure anyway)."""
    lons = [
        lon
        for lon in Childminder.objects.filter(
            territory_id=territory_id, lon__isnull=False
        ).values_list("lon", flat=True)
        if lon is not None
    ]
    if not lons:
        lons = [
            lon
            for lon in Area.objects.filter(
                territory_id=territory_id, centroid_lon__isnull=False
            ).values_list("centroid_lon", flat=True)
            if lon is not None
        ]
    return utm_crs_for(sum(lons) / len(lons) if lons else 9.0)


def point_km(cm: Childminder, crs: str) -> domain.Point | None:
    """The childminder's place in planar km (``crs`` / 1000), or None without coordinates."""
    if cm.lat is None or cm.lon is None:
        return None
    x, y = to_planar(crs)(cm.lon, cm.lat)
    return (x / 1000.0, y / 1000.0)


def distance_km(a: Childminder, b: Childminder) -> float | None:
    """Straight-line km between two childminders, in the zone of ``a``'s territory."""
    crs = territory_crs(a.territory_id)
    pa, pb = point_km(a, crs), point_km(b, crs)
    if pa is None or pb is None:
        return None
    return round(math.sqrt((pa[0] - pb[0]) ** 2 + (pa[1] - pb[1]) ** 2), 2)


def schedule_of(contract: CareContract) -> CareSchedule:
    """The registry's schedule with the contract id as the child id (one child per contract)."""
    return replace(contract_schedule(contract), child_id=str(contract.pk))


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]


def profile_model(cm: Childminder) -> domain.SubstituteModel | None:
    try:
        profile = cm.substitute_profile
    except SubstituteProfile.DoesNotExist:
        return None
    return domain.SubstituteModel(profile.model)


def substitute_email(cm: Childminder) -> str:
    """Her own address for substitute notices ('' : the e-mails go to her login's address)."""
    try:
        return str(cm.substitute_profile.email)
    except SubstituteProfile.DoesNotExist:
        return ""


def is_available(cm: Childminder) -> bool:
    try:
        return bool(cm.substitute_profile.available)
    except SubstituteProfile.DoesNotExist:
        return True


def rules_for(territory: Territory) -> domain.SubstituteRules:
    conf = SubstituteSettings.for_territory(territory)
    return domain.SubstituteRules(
        min_contacts=conf.min_contacts,
        contact_months=conf.contact_months,
        max_distance_km=conf.max_distance_km,
    )


def confirmed_load(
    substitute_ids: Iterable[int], *, exclude: int | None = None, statuses: Sequence[str] = ()
) -> dict[tuple[int, dt.date], int]:
    """Children confirmed (and optionally in other statuses) per (substitute pk, day)."""
    load: dict[tuple[int, dt.date], int] = defaultdict(int)
    rows = SubstituteAssignment.objects.filter(
        substitute_id__in=list(substitute_ids), status__in=["confirmed", *statuses]
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    for row in rows.values_list("substitute_id", "days"):
        for iso in row[1]:
            load[(row[0], dt.date.fromisoformat(iso))] += 1
    return load


def own_free_places(cm: Childminder, days: Iterable[dt.date]) -> dict[dt.date, int]:
    """Permit limit − peak of her own contracts' children and own young children, per day."""
    schedules = [schedule_of(c) for c in cm.contracts.all()]
    extra = own_children(cm)
    permits = list(cm.permits.all())
    result: dict[dt.date, int] = {}
    for day in days:
        permit = next((p for p in permits if p.valid_from <= day <= p.valid_to), None)
        limit = permit.max_children if permit is not None and cm.status == "active" else 0
        result[day] = free_places(schedules, limit, day, extra_present=extra)
    return result


def practice_free_places(
    practice: GroupPractice,
    days: Iterable[dt.date],
    *,
    exclude: int | None = None,
    statuses: Sequence[str] = (),
) -> dict[dt.date, int]:
    """Places of a group practice free that whole day: the Land's limit for the practice − the
    day's peak of its members' contracts present (a member with an open absence that day brings
    no children; own children count only against her own permit, as in the registry's check) −
    children confirmed (and in ``statuses``) to any member that day, ``exclude`` aside."""
    days = sorted(set(days))
    if not days:
        return {}
    members = list(practice.members.prefetch_related("contracts"))
    schedules = {cm.pk: [schedule_of(c) for c in cm.contracts.all()] for cm in members}
    absent: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for cm_id, start, end in Absence.objects.filter(
        childminder__in=[cm.pk for cm in members],
        status__in=OPEN_STATUSES,
        start__lte=days[-1],
        end__gte=days[0],
    ).values_list("childminder_id", "start", "end"):
        absent[cm_id].append((start, end))
    load = confirmed_load(list(schedules), exclude=exclude, statuses=statuses)
    result: dict[dt.date, int] = {}
    for day in days:
        present = [
            schedule
            for cm_id, own in schedules.items()
            if not any(start <= day <= end for start, end in absent.get(cm_id, ()))
            for schedule in own
        ]
        taken = max_simultaneous(present, day) + sum(load.get((pk, day), 0) for pk in schedules)
        result[day] = max(0, practice.max_children - taken)
    return result


def affected_contracts(absence: Absence) -> list[tuple[CareContract, frozenset[dt.date]]]:
    """Contracts of the absent childminder with care days within the absence."""
    found = []
    for contract in absence.childminder.contracts.all():
        days = care_days(schedule_of(contract), absence.start, absence.end)
        if days:
            found.append((contract, days))
    return found


def role_for(contract: CareContract, substitute_pk: int) -> str:
    if contract.primary_substitute_id == substitute_pk:
        return "primary"
    if contract.secondary_substitute_id == substitute_pk:
        return "secondary"
    return "other"


def known_substitutes(
    contract: CareContract,
    on: dt.date,
    rules: domain.SubstituteRules,
    *,
    visits: Iterable[tuple[int, dt.date]] | None = None,
) -> set[int]:
    """Substitute pks who know the child on ``on`` by the territory's rule; ``visits``: the
    contract's (substitute pk, day) pairs when the caller has loaded them already."""
    if visits is None:
        visits = ContactVisit.objects.filter(contract=contract).values_list("substitute_id", "day")
    per: dict[int, list[dt.date]] = defaultdict(list)
    for sid, day in visits:
        per[sid].append(day)
    return {
        sid
        for sid, visit_days in per.items()
        if domain.knows_child(
            visit_days, on, min_contacts=rules.min_contacts, months=rules.contact_months
        )
    }
