"""Synthetic allocation rounds for the demo city (de: Platzvergabe mit erfundenen Kindern).

The children and their applications are **synthetic**: drawn reproducibly from a fixed seed
(``numpy.random.default_rng``) out of the real areas, population and facilities of a territory;
they are never real persons. :func:`generate_round` works on any territory and district;
:func:`create_demo_rounds` builds Berlin's demo: one finished round (main run, answers, follow-up
run) and one round still open for applications.

Demo data bypasses the per-application audit of :func:`.services.save_application` on purpose:
thousands of audit events for invented children would bury the real trail and slow every first
start, so a generated round records ONE audit event with its counts and seed. Everything after
the generation (criteria, runs, offers, answers) goes through the normal, audited services.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Sum

from kitaplan.domain.allocation import Criterion, age_group_at
from kitaplan.domain.common.rounding import split_by_largest_remainder
from kitaplan.domain.territory.geometry import summarise_geometry
from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    ApplicationChoice,
    Offer,
    RoundProgramme,
)
from kitaplan.web.allocation.services import (
    answer_offer,
    next_reference,
    publish_run,
    run_round,
    save_facility_criteria,
    save_round,
    set_own_criteria_met,
)
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.territory.models import Area, PopulationCount, Territory

#: Common German first names (synthetic children get one plus a last-name initial).
FIRST_NAMES = (
    "Mia", "Emilia", "Sophia", "Hannah", "Emma", "Lina", "Mila", "Ella", "Lea", "Clara",
    "Marie", "Leni", "Frieda", "Ida", "Anna", "Lotta", "Mathilda", "Leonie", "Amelie", "Johanna",
    "Noah", "Leon", "Paul", "Emil", "Ben", "Finn", "Elias", "Felix", "Henry", "Luis",
    "Jonas", "Theo", "Anton", "Oskar", "Matteo", "Karl", "Jakob", "Levi", "Moritz", "Leo",
)  # fmt: skip
LAST_INITIALS = "ABDEFGHJKLMNOPRSTWZ"

#: Shares of the synthetic applications (probabilities per child).
UE3_SHARE = 0.15
INTEGRATION_SHARE = 0.03
SOCIAL_URGENCY_SHARE = 0.04
SIBLING_SHARE = 0.12
OUTSIDE_SHARE = 0.02
#: How many facilities an application lists (1..7), before the round's ``max_choices``.
CHOICE_COUNT_WEIGHTS = (0.08, 0.12, 0.18, 0.2, 0.16, 0.12, 0.14)
WEEKLY_HOURS = ((25, 0.1), (30, 0.2), (35, 0.35), (40, 0.2), (45, 0.15))
#: Distance decay of the choice of facilities: weight exp(-d / DECAY_KM).
DECAY_KM = 1.0

DEMO_CRITERIA = (
    Criterion.INTEGRATION_NEED,
    Criterion.SIBLING_AT_FACILITY,
    Criterion.RESIDENCE_IN_MUNICIPALITY,
    Criterion.RESIDENCE_IN_DISTRICT,
    Criterion.SOCIAL_URGENCY,
    Criterion.FACILITY_CRITERIA,
    Criterion.AGE_AT_START,
)
DEMO_DISTRICT_LEVEL = "bezirk"
FINISHED_SEED = 2026
FINISHED_LOTTERY_SEED = 20260302
OPEN_SEED = 2027
ANSWERS_SEED = 20260316


@dataclass(frozen=True)
class GeneratedRound:
    """What :func:`generate_round` created."""

    round_id: int
    seed: int
    programmes: int
    places: dict[str, int]
    integration_places: int
    applications: int
    by_age_group: dict[str, int]
    choices: int


def _descendants(district: Area) -> tuple[list[int], list[int]]:
    """Ids of all current areas under ``district`` (itself included) and of the finest ones."""
    rows = list(
        Area.objects.filter(territory_id=district.territory_id, valid_to__isnull=True).values_list(
            "pk", "parent_id"
        )
    )
    children: dict[int, list[int]] = {}
    for pk, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    inside, leaves, todo = [], [], [district.pk]
    while todo:
        pk = todo.pop()
        inside.append(pk)
        below = children.get(pk, [])
        if not below:
            leaves.append(pk)
        todo.extend(below)
    return sorted(inside), sorted(leaves)


def _centroid(area: Area) -> tuple[float, float] | None:
    if area.centroid_lat is not None and area.centroid_lon is not None:
        return area.centroid_lat, area.centroid_lon
    if area.geometry:
        summary = summarise_geometry(area.geometry)
        return summary.centroid_lat, summary.centroid_lon
    return None


def _release(target: int, weights: list[int], rng: np.random.Generator) -> list[int]:
    """Split ``target`` places over facilities with these places: at least 1 where a facility
    has places (or, when the target is smaller than the number of facilities, 1 each at a
    random choice weighted by places), the rest in proportion to the places, at most all."""
    having = [k for k, w in enumerate(weights) if w > 0]
    parts = [0] * len(weights)
    if not having or target <= 0:
        return parts
    if target < len(having):
        p = np.asarray([weights[k] for k in having], dtype=float)
        for k in rng.choice(len(having), size=target, replace=False, p=p / p.sum()):
            parts[having[int(k)]] = 1
        return parts
    extra = split_by_largest_remainder(target - len(having), [weights[k] for k in having])
    for k, more in zip(having, extra, strict=True):
        parts[k] = min(weights[k], 1 + more)
    return parts


def _distances_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    dy = (lats - lat) * 110.57
    dx = (lons - lon) * 111.32 * math.cos(math.radians(lat))
    return np.hypot(dx, dy)


def _birth_date(rng: np.random.Generator, care_start: dt.date, group: str) -> dt.date:
    """A birth date so the child is 1–2 (u3) or 3–5 (ue3) years old at ``care_start``."""
    low, high = (366, 1090) if group == "u3" else (1100, 2150)
    while True:
        birth = care_start - dt.timedelta(days=int(rng.integers(low, high + 1)))
        age = age_group_at(birth, care_start)
        if age is not None and age.value == group:
            return birth


def generate_round(
    round_: AllocationRound,
    *,
    district: Area,
    children: int,
    seed: int,
    expected_children: int | None = None,
    scarcity: float = 0.875,
    registered_until: dt.date | None = None,
    actor: Any = SYSTEM,
) -> GeneratedRound:
    """Release places and register ``children`` synthetic applications in ``round_``.

    Places: every facility located under ``district`` with places at ``round_.care_start``
    releases places per age group in proportion to its places (at least 1 where it has places),
    so that the released total is ``scarcity`` times the expected applications of that age group
    (``expected_children``, default ``children``; e.g. 1,500 children in a Berlin Bezirk of
    ~3,300 places under 3 and ~8,800 from 3 means about a third of the places under 3 and 2 % of
    the places from 3). Facilities with integration places release about half of them, split
    by the released places per age group and at most half of those; half of these programmes
    with ``release_unused``. Pairs of facility
    and age group the round already releases are kept as they are.

    Applications: home area by population under 3 of the latest year among the finest areas of
    the district, home point = area centroid plus ~300 m jitter, 85 % under 3 (1–2 years at the
    start) and 15 % from 3; 1–7 facilities (at most ``round_.max_choices``) drawn without
    replacement by distance decay exp(-d / 1 km) among the facilities with released places for
    the child's age group; ~3 % integration need (only as many as the released integration places
    can roughly take, listing facilities with integration places), ~4 % social urgency, ~12 % a
    sibling at a chosen facility, ~2 % living outside; registered evenly over the application
    window (up to ``registered_until``). Same arguments and database → same rows.
    """
    rng = np.random.default_rng(seed)
    expected = expected_children if expected_children is not None else children
    inside, leaves = _descendants(district)
    facilities = list(
        Facility.objects.filter(territory_id=district.territory_id, area_id__in=inside)
        .valid_on(round_.care_start)
        .order_by("official_number")
    )
    places: dict[int, FacilityPlaces] = {}
    for row in (
        FacilityPlaces.objects.filter(facility__in=facilities)
        .valid_on(round_.care_start, open_start=False)
        .order_by("facility_id", "valid_from")
    ):
        places[row.facility_id] = row  # the latest valid row wins
    facilities = [f for f in facilities if f.pk in places]

    with transaction.atomic():
        existing = set(round_.programmes.values_list("facility_id", "age_group"))
        released: dict[str, list[int]] = {}
        for group, share in (("u3", 1 - UE3_SHARE), ("ue3", UE3_SHARE)):
            weights = [
                places[f.pk].places_u3 if group == "u3" else places[f.pk].places_ue3
                for f in facilities
            ]
            released[group] = _release(round(scarcity * share * expected), weights, rng)
        new: list[RoundProgramme] = []
        for k, facility in enumerate(facilities):
            capacity = {g: released[g][k] for g in released if (facility.pk, g) not in existing}
            # About half of the integration places, split by the places released per age group.
            wanted = math.ceil(0.5 * places[facility.pk].integration_places)
            caps = {g: c // 2 for g, c in capacity.items()}
            integration = dict(
                zip(
                    caps,
                    split_by_largest_remainder(
                        min(wanted, sum(caps.values())), list(caps.values())
                    ),
                    strict=True,
                )
            )
            for group, places_released in capacity.items():
                if places_released <= 0:
                    continue
                seats = min(integration.get(group, 0), caps[group])
                new.append(
                    RoundProgramme(
                        round=round_,
                        facility=facility,
                        age_group=group,
                        capacity=places_released,
                        integration_places=seats,
                        release_unused=bool(seats) and bool(rng.random() < 0.5),
                    )
                )
        RoundProgramme.objects.bulk_create(new)

        programmes = list(
            round_.programmes.filter(facility__in=facilities, capacity__gt=0).order_by(
                "facility__official_number", "age_group"
            )
        )
        by_id = {f.pk: f for f in facilities}
        offered: dict[str, list[Facility]] = {"u3": [], "ue3": []}
        with_integration: dict[str, list[Facility]] = {"u3": [], "ue3": []}
        for programme in programmes:
            offered[programme.age_group].append(by_id[programme.facility_id])
            if programme.integration_places:
                with_integration[programme.age_group].append(by_id[programme.facility_id])
        integration_cap = math.ceil(1.25 * sum(p.integration_places for p in programmes))

        areas = list(Area.objects.filter(pk__in=leaves).order_by("official_code"))
        points = {a.pk: _centroid(a) for a in areas}
        areas = [a for a in areas if points[a.pk] is not None]
        year = PopulationCount.objects.filter(area__in=areas).aggregate(y=Max("year"))["y"]
        under_3 = dict(
            PopulationCount.objects.filter(area__in=areas, year=year, age__lt=3)
            .values_list("area_id")
            .annotate(n=Sum("count"))
        )
        weights_area = np.asarray([under_3.get(a.pk, 0) for a in areas], dtype=float)
        if weights_area.sum() <= 0:
            weights_area = np.ones(len(areas))
        weights_area /= weights_area.sum()

        coords = {
            group: (
                np.asarray([f.lat for f in offered[group]], dtype=float),
                np.asarray([f.lon for f in offered[group]], dtype=float),
            )
            for group in offered
        }
        first = int(next_reference(round_)[1:])
        until = min(registered_until or round_.applications_close, round_.applications_close)
        span = max(0, (until - round_.applications_open).days)
        counts_k = np.asarray(CHOICE_COUNT_WEIGHTS) / sum(CHOICE_COUNT_WEIGHTS)
        hours = np.asarray([h for h, _w in WEEKLY_HOURS])
        hours_p = np.asarray([w for _h, w in WEEKLY_HOURS])
        groups_available = [g for g in ("u3", "ue3") if offered[g]]

        applications: list[Application] = []
        lists: list[list[Facility]] = []
        siblings: list[Facility | None] = []
        integration_count = 0
        if areas and groups_available:
            for k in range(children):
                area = areas[int(rng.choice(len(areas), p=weights_area))]
                lat0, lon0 = points[area.pk]  # type: ignore[misc]
                lat = round(lat0 + float(rng.normal(0, 0.0027)), 6)
                lon = round(lon0 + float(rng.normal(0, 0.0042)), 6)
                group = "ue3" if rng.random() < UE3_SHARE else "u3"
                if group not in groups_available:
                    group = groups_available[0]
                need = bool(rng.random() < INTEGRATION_SHARE)
                if need and (integration_count >= integration_cap or not with_integration[group]):
                    need = False
                integration_count += need
                pool = with_integration[group] if need else offered[group]
                if need:
                    lats = np.asarray([f.lat for f in pool], dtype=float)
                    lons = np.asarray([f.lon for f in pool], dtype=float)
                else:
                    lats, lons = coords[group]
                decay = np.exp(-_distances_km(lat, lon, lats, lons) / DECAY_KM) + 1e-12
                wanted = 1 + int(rng.choice(len(counts_k), p=counts_k))
                size = min(wanted, round_.max_choices, len(pool))
                picked = rng.choice(len(pool), size=size, replace=False, p=decay / decay.sum())
                chosen = [pool[int(j)] for j in picked]
                sibling = None
                if rng.random() < SIBLING_SHARE:
                    sibling = (
                        chosen[0] if rng.random() < 0.6 else chosen[int(rng.integers(len(chosen)))]
                    )
                name = (
                    f"{FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]} "
                    f"{LAST_INITIALS[int(rng.integers(len(LAST_INITIALS)))]}."
                )
                applications.append(
                    Application(
                        round=round_,
                        reference=f"A{first + k:05d}",
                        child_name=name,
                        birth_date=_birth_date(rng, round_.care_start, group),
                        desired_start=round_.care_start,
                        weekly_hours=int(rng.choice(hours, p=hours_p)),
                        home_area=area,
                        home_lat=lat,
                        home_lon=lon,
                        lives_in_municipality=not bool(rng.random() < OUTSIDE_SHARE),
                        integration_need=need,
                        social_urgency=bool(rng.random() < SOCIAL_URGENCY_SHARE),
                        registered_on=round_.applications_open
                        + dt.timedelta(days=int(rng.integers(span + 1))),
                    )
                )
                lists.append(chosen)
                siblings.append(sibling)

        Application.objects.bulk_create(applications, batch_size=500)
        if applications and applications[0].pk is None:  # a backend without RETURNING
            ids = dict(Application.objects.filter(round=round_).values_list("reference", "pk"))
            for application in applications:
                application.pk = ids[application.reference]
        ApplicationChoice.objects.bulk_create(
            (
                ApplicationChoice(application_id=a.pk, rank=rank, facility=facility)
                for a, chosen in zip(applications, lists, strict=True)
                for rank, facility in enumerate(chosen, start=1)
            ),
            batch_size=1000,
        )
        through = Application.siblings_at.through
        through.objects.bulk_create(
            through(application_id=a.pk, facility_id=s.pk)
            for a, s in zip(applications, siblings, strict=True)
            if s is not None
        )
        by_group = {
            g: sum(1 for a in applications if age_group_at(a.birth_date, round_.care_start) == g)
            for g in ("u3", "ue3")
        }
        summary = GeneratedRound(
            round_id=round_.pk,
            seed=seed,
            programmes=len(new),
            places={g: sum(p.capacity for p in new if p.age_group == g) for g in ("u3", "ue3")},
            integration_places=sum(p.integration_places for p in new),
            applications=len(applications),
            by_age_group=by_group,
            choices=sum(len(c) for c in lists),
        )
        # One event for the whole synthetic round instead of one per application (see above).
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_ROUND_SAVED,
            target=round_,
            details={
                "demo": "synthetic applications",
                "seed": seed,
                "district": district.official_code,
                "programmes": summary.programmes,
                "places": summary.places,
                "integration_places": summary.integration_places,
                "applications": summary.applications,
                "applications_by_age_group": by_group,
                "choices": summary.choices,
                "integration_need": sum(a.integration_need for a in applications),
                "siblings": sum(s is not None for s in siblings),
            },
        )
    return summary


# --- Berlin's demo rounds -------------------------------------------------------------------


def demo_district(territory: Territory) -> Area | None:
    """The Bezirk with most Kitas of the demo facility manager's provider (see demo.city)."""
    from kitaplan.web.demo.city import demo_provider

    provider = demo_provider()
    if provider is None or provider.territory_id != territory.pk:
        return None
    tops: dict[int, Area] = {
        a.pk: a for a in Area.objects.filter(territory=territory, level__code=DEMO_DISTRICT_LEVEL)
    }
    parents = dict(Area.objects.filter(territory=territory).values_list("pk", "parent_id"))
    found: dict[int, int] = {}
    for area_id in provider.facilities.exclude(area=None).values_list("area_id", flat=True):
        node: int | None = area_id
        while node is not None and node not in tops:
            node = parents.get(node)
        if node is not None:
            found[node] = found.get(node, 0) + 1
    if not found:
        return None
    best = min(found, key=lambda pk: (-found[pk], tops[pk].official_code))
    return tops[best]


def _new_round(
    territory: Territory, district: Area, *, name: str, care_start: dt.date, open_: dt.date,
    close: dt.date, offers_on: dt.date,
) -> AllocationRound:  # fmt: skip
    round_ = AllocationRound(
        territory=territory,
        name=f"{name} – {district.name}",
        care_start=care_start,
        applications_open=open_,
        applications_close=close,
        offers_on=offers_on,
        response_days=14,
        max_choices=7,
        district_level=DEMO_DISTRICT_LEVEL,
    )
    return save_round(round_=round_, criteria=list(DEMO_CRITERIA), actor=SYSTEM)


def _own_criteria(round_: AllocationRound, district: Area, rng: np.random.Generator) -> None:
    """Two Kitas of the demo provider publish an own criterion; a few applicants meet it."""
    from kitaplan.web.demo.city import demo_provider

    provider = demo_provider()
    if provider is None:
        return
    name = (
        "Kinder von Beschäftigten der AWO"
        if "Arbeiterwohlfahrt" in provider.name or "AWO" in provider.name
        else "Kinder von Beschäftigten des Trägers"
    )
    facilities = list(
        Facility.objects.filter(provider=provider, round_programmes__round=round_)
        .distinct()
        .order_by("official_number")[:2]
    )
    for facility in facilities:
        [criterion] = save_facility_criteria(
            round_=round_, facility=facility, names=[name], actor=SYSTEM
        )
        choices = list(
            ApplicationChoice.objects.filter(application__round=round_, facility=facility).order_by(
                "application__reference"
            )
        )
        if not choices:
            continue
        picked = rng.choice(len(choices), size=min(3, len(choices)), replace=False)
        for k in sorted(int(j) for j in picked):
            set_own_criteria_met(choice=choices[k], criteria=[criterion], actor=SYSTEM)


def _answer(
    run: AllocationRun, rng: np.random.Generator, *, day: dt.date, accept: float, decline: float
) -> None:
    """Answer the open offers of ``run``: ``accept`` share yes, ``decline`` share no, rest open."""
    for offer in (
        run.offers.filter(status=Offer.OPEN)
        .select_related("facility")
        .order_by("application__reference")
    ):
        u = rng.random()
        if u < accept:
            answer_offer(offer=offer, accept=True, actor=SYSTEM, today=day)
        elif u < accept + decline:
            answer_offer(offer=offer, accept=False, actor=SYSTEM, today=day)


def _finished_round(territory: Territory, district: Area) -> AllocationRound:
    round_ = _new_round(
        territory,
        district,
        name="Kita-Jahr 2026/27",
        care_start=dt.date(2026, 8, 1),
        open_=dt.date(2025, 10, 1),
        close=dt.date(2026, 1, 31),
        offers_on=dt.date(2026, 3, 2),
    )
    generate_round(round_, district=district, children=1500, seed=FINISHED_SEED)
    rng = np.random.default_rng(ANSWERS_SEED)
    _own_criteria(round_, district, rng)
    # A fixed lottery seed (services.ensure_lottery would draw one with `secrets`): reproducible.
    round_.lottery_seed = FINISHED_LOTTERY_SEED
    round_.seed_drawn_at = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)
    round_.save(update_fields=["lottery_seed", "seed_drawn_at"])
    day = round_.offers_on
    main = run_round(round_=round_, actor=SYSTEM, today=day)
    publish_run(run=main, actor=SYSTEM, today=day)
    _answer(main, rng, day=day, accept=0.85, decline=0.08)
    later = day + dt.timedelta(days=round_.response_days + 1)
    follow = run_round(round_=round_, actor=SYSTEM, today=later)
    publish_run(run=follow, actor=SYSTEM, today=later)
    _answer(follow, rng, day=later, accept=0.9, decline=0.03)
    return round_


def _open_round(territory: Territory, district: Area) -> AllocationRound:
    round_ = _new_round(
        territory,
        district,
        name="Kita-Jahr 2027/28",
        care_start=dt.date(2027, 8, 1),
        open_=dt.date(2026, 10, 1),
        close=dt.date(2027, 1, 31),
        offers_on=dt.date(2027, 3, 1),
    )
    generate_round(
        round_,
        district=district,
        children=300,
        expected_children=1500,
        seed=OPEN_SEED,
        registered_until=dt.date(2026, 11, 25),
    )
    return round_


def _give_to_parent(finished: AllocationRound, open_round: AllocationRound) -> None:
    """The demo parent "eltern" owns two applications of the finished round and one open one."""
    parent = User.objects.filter(username="eltern").first()
    if parent is None:
        return
    statuses: dict[int, list[str]] = {}
    for app_id, status in (
        Offer.objects.filter(application__round=finished)
        .order_by("application_id", "run__number")
        .values_list("application_id", "status")
    ):
        statuses.setdefault(app_id, []).append(status)
    apps = list(Application.objects.filter(round=finished).order_by("reference"))
    # Placed with a history: an accepted follow-up offer that replaced the first one.
    placed = next(
        (
            a
            for a in apps
            if statuses.get(a.pk, [])[-1:] == [Offer.ACCEPTED] and len(statuses[a.pk]) > 1
        ),
        None,
    ) or next((a for a in apps if statuses.get(a.pk, [])[-1:] == [Offer.ACCEPTED]), None)
    # Without a place: never got an offer (the explanation says why).
    unplaced = next((a for a in apps if a.pk not in statuses), None)
    chosen: list[Application] = [a for a in (placed, unplaced) if a is not None]
    later = Application.objects.filter(round=open_round).order_by("reference").first()
    if later is not None:
        chosen.append(later)
    # One family: the same last-name initial, different first names.
    initial = chosen[0].child_name.split()[-1] if chosen else ""
    used: set[str] = set()
    for application in chosen:
        first = application.child_name.split()[0]
        if first in used:
            first = next(n for n in FIRST_NAMES if n not in used)
        used.add(first)
        application.parent = parent
        application.child_name = f"{first} {initial}"
        application.save(update_fields=["parent", "child_name"])


def create_demo_rounds() -> bool:
    """Berlin's demo Platzvergabe in the district of the demo provider (created once)."""
    territory = Territory.objects.filter(code="berlin").first()
    if territory is None or AllocationRound.objects.filter(territory=territory).exists():
        return False
    district = demo_district(territory)
    if district is None:
        return False
    with transaction.atomic():
        finished = _finished_round(territory, district)
        open_round = _open_round(territory, district)
        _give_to_parent(finished, open_round)
    return True


def demo_rounds_summary(territory_code: str = "berlin") -> str:
    """One line for ``kitaplan demo`` (German like the demo data): the rounds and their counts."""
    rounds = list(
        AllocationRound.objects.filter(territory__code=territory_code).order_by("care_start")
    )
    if not rounds:
        return ""
    parts: list[str] = []
    for round_ in rounds:
        applications = round_.applications.count()
        accepted = Offer.objects.filter(application__round=round_, status=Offer.ACCEPTED).count()
        text = f"{round_.name}: {applications} Anmeldungen"
        if round_.runs.exists():
            text += f", {accepted} Plätze angenommen"
        parts.append(text)
    return f"Platzvergabe: {len(rounds)} Vergaberunden ({'; '.join(parts)})"
