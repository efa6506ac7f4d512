"""Running a round: build the domain instance from the database, run, check, store, make offers.

Every change goes through one function here, in one transaction, with one audit event. Each
takes a keyword-only ``actor`` and raises ``PermissionDenied`` when the actor may not make the
change (the rules are the ``can_*`` functions of :mod:`kitaplan.web.allocation.selectors`).

Lottery: the first run draws a seed (``secrets``), logs and stores it on the round, and numbers
the applications by :func:`kitaplan.domain.allocation.draw_lottery` over their references, so
``kitaplan allocate --seed`` on the exported instance gives the same numbers. Applications that
arrive later (in-year, refugee families registered by staff) get numbers after all earlier ones,
drawn among themselves from the same seed: in time beats late, the lottery decides among equals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max
from django.db.models.expressions import CombinedExpression
from django.utils import timezone

import kitaplan.domain.allocation as allocation_domain
from kitaplan.domain.allocation import (
    Allocation,
    AllocationInstance,
    Applicant,
    Child,
    Criterion,
    Cutoff,
    FacilityFacts,
    PriorityTable,
    Programme,
    SeatType,
    age_group_at,
    allocate,
    allocate_iterative,
    check_problems,
    draw_lottery,
    draw_seed,
    priority_classes,
    with_guarantees,
)
from kitaplan.web.allocation import selectors
from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    ApplicationChoice,
    FacilityCriterion,
    Offer,
    RoundCriterion,
    RoundProgramme,
)
from kitaplan.web.audit.services import AuditAction, actor_user, record_audit_event, snapshot
from kitaplan.web.core.derived import cached_immutable
from kitaplan.web.facilities.models import Facility
from kitaplan.web.territory.models import Area

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser


class AllocationError(Exception):
    """A step that cannot be done now; ``code`` names why (the view translates it)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def code_version() -> str:
    """Package version plus a digest of the allocation engine's source files."""
    try:
        version = metadata.version("kitaplan")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "0"
    digest = hashlib.sha256()
    folder = Path(allocation_domain.__file__).parent
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"kitaplan {version}, engine {digest.hexdigest()[:12]}"


# --- rounds, places, applications -----------------------------------------------------------


def save_round(
    *, round_: AllocationRound, criteria: Sequence[Criterion], actor: AnyUser
) -> AllocationRound:
    """Create or change a round and its ordered criteria."""
    _require(selectors.is_office(actor))
    if round_.applications_close < round_.applications_open:
        raise AllocationError("window_reversed")
    if len(set(criteria)) != len(criteria):
        raise AllocationError("criterion_twice")
    with transaction.atomic():
        created = round_.pk is None
        before = None if created else snapshot(AllocationRound.objects.get(pk=round_.pk))
        old = [] if created else [c.value for c in round_.criteria]
        if created and round_.created_by is None:
            round_.created_by = actor_user(actor)
        round_.save()
        round_.criterion_rows.all().delete()
        RoundCriterion.objects.bulk_create(
            RoundCriterion(round=round_, position=k, code=c.value) for k, c in enumerate(criteria)
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_ROUND_SAVED,
            target=round_,
            before=None if before is None else {**before, "criteria": old},
            after={**snapshot(round_), "criteria": [c.value for c in criteria]},
        )
    return round_


def save_programme(*, programme: RoundProgramme, actor: AnyUser) -> RoundProgramme:
    """Release places of a facility (or a childminder: the office only) in a round."""
    if programme.facility is not None:
        _require(selectors.can_edit_facility_in_round(actor, programme.round, programme.facility))
    else:
        _require(selectors.is_office(actor))
    if programme.integration_places > programme.capacity:
        raise AllocationError("integration_above_capacity")
    with transaction.atomic():
        before = snapshot(RoundProgramme.objects.get(pk=programme.pk)) if programme.pk else None
        programme.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_PLACES_SAVED,
            target=programme,
            before=before,
            after=snapshot(programme),
        )
    return programme


def save_facility_criteria(
    *, round_: AllocationRound, facility: Facility, names: Sequence[str], actor: AnyUser
) -> list[FacilityCriterion]:
    """Replace a facility's own criteria in a round (order = priority)."""
    _require(selectors.can_edit_facility_in_round(actor, round_, facility))
    cleaned = [n.strip() for n in names if n.strip()]
    with transaction.atomic():
        rows = FacilityCriterion.objects.filter(round=round_, facility=facility)
        before = list(rows.values_list("name", flat=True))
        kept: list[FacilityCriterion] = []
        existing = {c.name: c for c in rows}
        FacilityCriterion.objects.filter(round=round_, facility=facility).exclude(
            name__in=cleaned
        ).delete()
        # Positions are re-numbered through a temporary offset so the unique constraint holds.
        FacilityCriterion.objects.filter(round=round_, facility=facility).update(position=1000)
        for position, name in enumerate(cleaned):
            row = existing.get(name)
            if row is None:
                row = FacilityCriterion(round=round_, facility=facility, name=name)
            row.position = position
            row.save()
            kept.append(row)
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_FACILITY_CRITERIA_SAVED,
            target=facility,
            before={"round": round_.pk, "criteria": before},
            after={"round": round_.pk, "criteria": cleaned},
        )
    return kept


def save_own_order(
    *, round_: AllocationRound, facility: Facility, references: Sequence[str], actor: AnyUser
) -> None:
    """Iterative mode: the order in which a facility makes its offers (it composes its group)."""
    _require(selectors.can_edit_facility_in_round(actor, round_, facility))
    known = set(
        ApplicationChoice.objects.filter(application__round=round_, facility=facility).values_list(
            "application__reference", flat=True
        )
    )
    order = [r for r in dict.fromkeys(references) if r in known]
    with transaction.atomic():
        programmes = RoundProgramme.objects.filter(round=round_, facility=facility)
        before = [p.own_order for p in programmes]
        programmes.update(own_order=order)
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_FACILITY_CRITERIA_SAVED,
            target=facility,
            before={"round": round_.pk, "own_order": before[0] if before else []},
            after={"round": round_.pk, "own_order": order},
        )


def set_own_criteria_met(
    *, choice: ApplicationChoice, criteria: Iterable[FacilityCriterion], actor: AnyUser
) -> None:
    """A facility confirms which of its own criteria an applicant meets."""
    round_ = choice.application.round
    _require(
        choice.facility is not None
        and selectors.can_edit_facility_in_round(actor, round_, choice.facility)
    )
    chosen = [c for c in criteria if c.facility_id == choice.facility_id]
    with transaction.atomic():
        before = sorted(choice.own_criteria_met.values_list("pk", flat=True))
        choice.own_criteria_met.set(chosen)
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_FACILITY_CRITERIA_SAVED,
            target=choice.application,
            before={"facility": choice.facility_id, "criteria_met": before},
            after={"facility": choice.facility_id, "criteria_met": sorted(c.pk for c in chosen)},
        )


def next_reference(round_: AllocationRound) -> str:
    """The next case number ``A<5 digits>`` of the round.

    Only references of that form count: imported applications keep the other system's case
    numbers (``LB-0004``), which sort after ``A…`` and must not restart the numbering.
    """
    references = Application.objects.filter(round=round_, reference__startswith="A").values_list(
        "reference", flat=True
    )
    numbers = [int(ref[1:]) for ref in references if ref[1:].isdigit()]
    return f"A{max(numbers, default=0) + 1:05d}"


def save_application(
    *,
    application: Application,
    facilities: Sequence[Facility],
    siblings_at: Iterable[Facility] = (),
    actor: AnyUser,
) -> Application:
    """Register or change an application with its ranked facilities (first = most wanted)."""
    _require(selectors.can_save_application(actor, application))
    round_ = application.round
    if not facilities:
        raise AllocationError("no_choice")
    if len(facilities) > round_.max_choices:
        raise AllocationError("too_many_choices", str(round_.max_choices))
    if len({(place_is_childminder(f), f.pk) for f in facilities}) != len(facilities):
        raise AllocationError("facility_twice")
    if age_group_at(application.birth_date, round_.care_start) is None:
        raise AllocationError("age_outside_round")
    with transaction.atomic():
        # One registration at a time per round, so references are handed out without a race.
        AllocationRound.objects.select_for_update().get(pk=round_.pk)
        created = application.pk is None
        before = (
            None if created else _application_snapshot(Application.objects.get(pk=application.pk))
        )
        if created:
            application.reference = next_reference(round_)
        application.save()

        def key(place: Any) -> tuple[str, int]:
            return ("c" if place_is_childminder(place) else "f", place.pk)

        wanted = {key(p) for p in facilities}
        kept = {}
        for choice in application.choices.all():
            if key(choice.place) in wanted:
                kept[key(choice.place)] = choice
            else:
                choice.delete()
        application.choices.update(rank=models_offset())
        for rank, place in enumerate(facilities, start=1):
            choice = kept.get(key(place)) or ApplicationChoice(
                application=application, **place_fields(place)
            )
            choice.rank = rank
            choice.save()
        application.siblings_at.set(list(siblings_at))
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_APPLICATION_SAVED,
            target=application,
            before=before,
            after=_application_snapshot(application),
        )
    return application


def place_is_childminder(place: Any) -> bool:
    from kitaplan.web.childminding.models import Childminder

    return isinstance(place, Childminder)


def place_fields(place: Any) -> dict[str, Any]:
    """``facility=`` or ``childminder=`` for a model row that points to either."""
    return {"childminder": place} if place_is_childminder(place) else {"facility": place}


def place_index(round_: AllocationRound) -> dict[str, Any]:
    """Code in allocation instances → facility or childminder of the round's territory."""
    from kitaplan.web.childminding.models import Childminder

    index: dict[str, Any] = {
        f.official_number: f for f in Facility.objects.filter(territory=round_.territory)
    }
    index.update(
        {c.official_number: c for c in Childminder.objects.filter(territory=round_.territory)}
    )
    return index


def models_offset() -> CombinedExpression:
    """Move ranks out of the way (rank + 1000) before renumbering, for the unique constraint."""
    return F("rank") + 1000


def _application_snapshot(application: Application) -> dict[str, Any]:
    data = snapshot(application)
    data["choices"] = list(
        c.place.official_number
        for c in application.choices.order_by("rank").select_related("facility", "childminder")
    )
    data["siblings_at"] = sorted(application.siblings_at.values_list("official_number", flat=True))
    return data


def withdraw_application(*, application: Application, actor: AnyUser) -> None:
    _require(selectors.can_answer_for(actor, application))
    with transaction.atomic():
        application.withdrawn = True
        application.save(update_fields=["withdrawn"])
        application.offers.filter(status__in=Offer.HOLDING).update(
            status=Offer.DECLINED, answered_at=timezone.now(), answered_by=actor_user(actor)
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_APPLICATION_SAVED,
            target=application,
            after={"withdrawn": True},
        )


# --- building the instance ------------------------------------------------------------------


def district_codes(round_: AllocationRound) -> dict[int, str]:
    """Area id → official code of its ancestor at the round's district level (where set)."""
    if not round_.district_level:
        return {}
    areas = {
        a["pk"]: a
        for a in Area.objects.filter(territory=round_.territory).values(
            "pk", "parent_id", "official_code", "level__code"
        )
    }
    result: dict[int, str] = {}
    for pk in areas:
        node = areas.get(pk)
        while node is not None and node["level__code"] != round_.district_level:
            node = areas.get(node["parent_id"])
        if node is not None:
            result[pk] = node["official_code"]
    return result


@dataclass(frozen=True)
class RoundData:
    """Everything a run reads, taken from the database in one go."""

    instance: AllocationInstance
    table: PriorityTable
    applications: dict[str, Application]
    #: Iterative mode: facility id → its own order of application references.
    own_orders: dict[str, list[str]]


def active_applications(round_: AllocationRound) -> list[Application]:
    return list(
        Application.objects.filter(round=round_, withdrawn=False)
        .select_related("home_area")
        .prefetch_related(
            "choices__facility", "choices__childminder", "choices__own_criteria_met", "siblings_at"
        )
        .order_by("reference")
    )


def round_data(round_: AllocationRound, applications: list[Application] | None = None) -> RoundData:
    apps = applications if applications is not None else active_applications(round_)
    districts = district_codes(round_)
    programmes = tuple(
        Programme(
            facility_id=p.place.official_number,
            age_group=p.age_group,
            capacity=p.capacity,
            integration_places=p.integration_places,
            release_unused=p.release_unused,
        )
        for p in RoundProgramme.objects.filter(round=round_)
        .select_related("facility", "childminder")
        .order_by("facility__official_number", "childminder__number", "age_group")
    )
    own_counts: dict[str, int] = {}
    for number in FacilityCriterion.objects.filter(round=round_).values_list(
        "facility__official_number", flat=True
    ):
        own_counts[number] = own_counts.get(number, 0) + 1
    facts: dict[str, FacilityFacts] = {}
    children: list[Child] = []
    applicants: list[Applicant] = []
    preferences: dict[str, tuple[str, ...]] = {}
    for app in apps:
        age = age_group_at(app.birth_date, round_.care_start)
        if age is None:
            continue
        choices = sorted(app.choices.all(), key=lambda c: c.rank)
        listed = tuple(c.place.official_number for c in choices)
        for choice in choices:
            number = choice.place.official_number
            if number not in facts:
                area_id = choice.place.area_id
                facts[number] = FacilityFacts(
                    number,
                    district=districts.get(area_id) if area_id else None,
                    own_criteria_count=own_counts.get(number, 0),
                )
        own: dict[str, frozenset[int]] = {}
        for choice in choices:
            met = frozenset(c.position for c in choice.own_criteria_met.all())
            if met:
                own[choice.place.official_number] = met
        children.append(Child(app.reference, age.value, app.integration_need))
        preferences[app.reference] = listed
        applicants.append(
            Applicant(
                child_id=app.reference,
                birth_date=app.birth_date,
                registered_on=app.registered_on,
                integration_need=app.integration_need,
                social_urgency=app.social_urgency,
                lives_in_municipality=app.lives_in_municipality,
                home_district=districts.get(app.home_area_id),
                sibling_facilities=frozenset(f.official_number for f in app.siblings_at.all()),
                own_criteria=own,
            )
        )
    table = priority_classes(
        round_.criteria,
        applicants,
        facts,
        preferences,
        start=round_.care_start,
        reference=round_.applications_open,
    )
    priorities = dict(table.classes)
    own_orders: dict[str, list[str]] = {}
    if round_.mode == AllocationRound.ITERATIVE:
        for programme in RoundProgramme.objects.filter(round=round_).select_related(
            "facility", "childminder"
        ):
            if programme.own_order:
                own_orders[programme.place.official_number] = list(programme.own_order)
        for facility_id, order in own_orders.items():
            position = {ref: k for k, ref in enumerate(order)}
            for (f, child_id), cls in list(priorities.items()):
                if f == facility_id:
                    priorities[(f, child_id)] = position.get(child_id, len(order) + cls)
    instance = AllocationInstance(
        programmes=programmes,
        children=tuple(children),
        preferences=preferences,
        priorities=priorities,
    )
    return RoundData(instance, table, {a.reference: a for a in apps}, own_orders)


def holdings(round_: AllocationRound) -> tuple[dict[str, str], set[str]]:
    """Who holds which place (open or accepted offers) and who has left the round."""
    held: dict[str, str] = {}
    answered: set[str] = set()
    for offer in (
        Offer.objects.filter(application__round=round_)
        .select_related("application", "facility", "childminder")
        .order_by("application__reference", "run__number")
    ):
        reference, status = offer.application.reference, offer.status
        if status in Offer.HOLDING:
            held[reference] = offer.place.official_number
        elif status in (Offer.DECLINED, Offer.EXPIRED):
            answered.add(reference)
    leaving = {r for r in answered if r not in held}
    leaving |= set(
        Application.objects.filter(round=round_, withdrawn=True).values_list("reference", flat=True)
    )
    return {r: f for r, f in held.items() if r not in leaving}, leaving


def expire_offers(round_: AllocationRound, *, today: dt.date | None = None) -> int:
    """Open offers past their answer date count as declined (de: Fristablauf)."""
    day = today or timezone.localdate()
    return Offer.objects.filter(
        application__round=round_, status=Offer.OPEN, respond_by__lt=day
    ).update(status=Offer.EXPIRED, answered_at=timezone.now())


def ensure_lottery(
    round_: AllocationRound, applications: list[Application], *, published: bool
) -> dict[str, int]:
    """Lottery numbers of the applications, drawing the seed where missing.

    Until offers are sent every run numbers all applications afresh from the round's seed (so a
    trial run before the window closes favours nobody); once offers are out the numbers are
    frozen and later applications are numbered after them.
    """
    if round_.lottery_seed is None:
        round_.lottery_seed = secrets.randbits(63)
        round_.seed_drawn_at = timezone.now()
        round_.save(update_fields=["lottery_seed", "seed_drawn_at"])
    if not published:
        drawn = draw_lottery((a.reference for a in applications), seed=round_.lottery_seed)
        start = 0
        todo = applications
    else:
        start = (
            Application.objects.filter(round=round_).aggregate(m=Max("lottery_number"))["m"] or 0
        )
        todo = [a for a in applications if a.lottery_number is None]
        drawn = draw_lottery(
            (a.reference for a in todo), seed=draw_seed(round_.lottery_seed, start)
        )
    changed = []
    for app in todo:
        number = start + drawn[app.reference]
        if app.lottery_number != number:
            app.lottery_number = number
            changed.append(app)
    Application.objects.bulk_update(changed, ["lottery_number"], batch_size=500)
    return {a.reference: a.lottery_number for a in applications if a.lottery_number is not None}


# --- runs -----------------------------------------------------------------------------------


def instance_to_json(instance: AllocationInstance) -> dict[str, Any]:
    return {
        "programmes": [
            [p.facility_id, p.age_group, p.capacity, p.integration_places, p.release_unused]
            for p in instance.programmes
        ],
        "children": [[c.child_id, c.age_group, c.integration_need] for c in instance.children],
        "preferences": {c: list(f) for c, f in instance.preferences.items()},
        "priorities": [[f, c, cls] for (f, c), cls in sorted(instance.priorities.items())],
    }


def instance_from_json(data: dict[str, Any]) -> AllocationInstance:
    return AllocationInstance(
        programmes=tuple(Programme(*p) for p in data["programmes"]),
        children=tuple(Child(*c) for c in data["children"]),
        preferences={c: tuple(f) for c, f in data["preferences"].items()},
        priorities={(f, c): cls for f, c, cls in data["priorities"]},
    )


def allocation_to_json(result: Allocation) -> dict[str, Any]:
    return {
        "assignment": dict(result.assignment),
        "seat_types": {c: s.value for c, s in result.seat_types.items()},
        "cutoffs": [
            [
                c.facility_id,
                c.age_group,
                c.seat_type.value,
                c.capacity,
                c.admitted,
                c.priority_class,
                c.lottery,
            ]
            for c in result.cutoffs.values()
        ],
        "default_class": result.default_class,
        "released": [[f, a, n] for (f, a), n in result.released.items()],
    }


def allocation_from_json(data: dict[str, Any], lottery: dict[str, int]) -> Allocation:
    cutoffs = {}
    for f, a, s, cap, adm, cls, lot in data["cutoffs"]:
        seat = SeatType(s)
        cutoffs[(f, a, seat)] = Cutoff(f, a, seat, cap, adm, cls, lot)
    return Allocation(
        assignment=data["assignment"],
        seat_types={c: SeatType(s) for c, s in data["seat_types"].items()},
        cutoffs=cutoffs,
        lottery=lottery,
        default_class=data["default_class"],
        released={(f, a): n for f, a, n in data["released"]},
    )


def _sha256(data: Any) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def run_round(
    *,
    round_: AllocationRound,
    actor: AnyUser,
    today: dt.date | None = None,
    on_stored: Callable[[AllocationRun], None] | None = None,
) -> AllocationRun:
    """Compute the next run of a round and store it (offers are made by :func:`publish_run`).

    Before anything is published this is a main run over all applications; afterwards a
    follow-up run in which held places are guaranteed and children who declined have left.
    Refused (``AllocationError("no_programmes")``) while the round releases no places.
    ``on_stored(run)`` is called inside the run's transaction (the job marks itself succeeded
    there: :mod:`kitaplan.web.allocation.jobs`).
    """
    _require(selectors.is_office(actor))
    with transaction.atomic():
        AllocationRound.objects.select_for_update().get(pk=round_.pk)
        if not RoundProgramme.objects.filter(round=round_).exists():
            raise AllocationError("no_programmes")
        published = round_.runs.filter(published_at__isnull=False).exists()
        expired = expire_offers(round_, today=today) if published else 0
        applications = active_applications(round_)
        lottery = ensure_lottery(round_, applications, published=published)
        data = round_data(round_, applications)
        held, leaving = holdings(round_) if published else ({}, set())
        instance = data.instance
        if published:
            instance = with_guarantees(
                instance,
                held={c: f for c, f in held.items() if c in data.applications},
                leaving={c for c in leaving if c in data.applications},
            )
        lottery = {c.child_id: lottery[c.child_id] for c in instance.children}
        rounds_log: list[tuple[int, int, int]] = []
        if round_.mode == AllocationRound.ITERATIVE:
            result, rounds_log = allocate_iterative(instance, lottery=lottery)
        else:
            result = allocate(instance, lottery=lottery)
        problems = check_problems(instance, result, held)
        inputs = {
            "instance": instance_to_json(instance),
            "lottery": lottery,
            "held": held,
            "leaving": sorted(leaving),
            "criteria": [c.value for c in data.table.criteria],
            "class_values": [list(v) for v in data.table.class_values],
            "class_shift": 1 if published else 0,
            "mode": round_.mode,
            "own_orders": data.own_orders,
            "care_start": round_.care_start.isoformat(),
        }
        number = (round_.runs.aggregate(m=Max("number"))["m"] or 0) + 1
        run = AllocationRun.objects.create(
            round=round_,
            number=number,
            kind=AllocationRun.FOLLOW_UP if published else AllocationRun.MAIN,
            seed=round_.lottery_seed or 0,
            code_version=code_version(),
            inputs=inputs,
            inputs_sha256=_sha256(inputs),
            result={**allocation_to_json(result), "rounds_log": rounds_log},
            check_problems=[p.to_json() for p in problems],
            created_by=actor_user(actor),
        )
        placed = sum(1 for f in result.assignment.values() if f is not None)
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_RUN,
            target=run,
            details={
                "round": round_.pk,
                "kind": run.kind,
                "seed": run.seed,
                "code_version": run.code_version,
                "inputs_sha256": run.inputs_sha256,
                "children": len(instance.children),
                "placed": placed,
                "expired_offers": expired,
                "check_problems": len(problems),
            },
        )
        if on_stored is not None:
            on_stored(run)
    return run


def reproduce(run: AllocationRun) -> bool:
    """Rerun the stored inputs with the stored lottery: is the result identical?"""
    instance = instance_from_json(run.inputs["instance"])
    log: list[tuple[int, int, int]] = []
    if run.inputs.get("mode") == AllocationRound.ITERATIVE:
        result, log = allocate_iterative(instance, lottery=run.inputs["lottery"])
    else:
        result = allocate(instance, lottery=run.inputs["lottery"])
    stored = {k: v for k, v in run.result.items() if k != "rounds_log"}
    logged = [list(entry) for entry in run.result.get("rounds_log", [])]
    return allocation_to_json(result) == stored and [list(e) for e in log] == logged


def stored_allocation(run: AllocationRun) -> tuple[AllocationInstance, Allocation]:
    """The instance and the result of a stored run (read once: a run never changes)."""
    return cached_immutable(
        "allocation.stored",
        (run.pk, run.created_at, run.inputs_sha256),
        lambda: (
            instance_from_json(run.inputs["instance"]),
            allocation_from_json(run.result, run.inputs["lottery"]),
        ),
    )


def publish_run(*, run: AllocationRun, actor: AnyUser, today: dt.date | None = None) -> int:
    """Send the offers of a run: one open offer per child whose place is new to it.

    Refused when a later run exists, when the checker found problems, or when answers or
    applications changed since the run was computed (then compute again).
    """
    _require(selectors.is_office(actor))
    round_ = run.round
    day = today or timezone.localdate()
    with transaction.atomic():
        AllocationRound.objects.select_for_update().get(pk=round_.pk)
        if run.is_published:
            raise AllocationError("already_published")
        if round_.runs.filter(number__gt=run.number).exists():
            raise AllocationError("not_latest")
        if run.check_problems:
            raise AllocationError("check_failed")
        # compared like run_round stored them: before any publication nobody holds or leaves
        # (a withdrawal then only shrinks the applications, checked below)
        published = round_.runs.filter(published_at__isnull=False).exists()
        if run.kind == AllocationRun.FOLLOW_UP:
            expire_offers(round_, today=day)
        held, leaving = holdings(round_) if published else ({}, set())
        if held != run.inputs["held"] or sorted(leaving) != run.inputs["leaving"]:
            raise AllocationError("stale")
        references = {c[0] for c in run.inputs["instance"]["children"]}
        current = set(
            Application.objects.filter(round=round_, withdrawn=False).values_list(
                "reference", flat=True
            )
        )
        if references != current - set(leaving):
            raise AllocationError("stale")
        start = max(day, round_.offers_on) if run.kind == AllocationRun.MAIN else day
        respond_by = start + dt.timedelta(days=round_.response_days)
        apps = {
            a.reference: a
            for a in Application.objects.filter(round=round_, reference__in=references)
        }
        places = place_index(round_)
        ages = {c[0]: c[1] for c in run.inputs["instance"]["children"]}
        made = 0
        for reference, facility_id in run.result["assignment"].items():
            if facility_id is None or held.get(reference) == facility_id:
                continue
            application = apps[reference]
            application.offers.filter(status__in=Offer.HOLDING).update(status=Offer.REPLACED)
            Offer.objects.create(
                run=run,
                application=application,
                **place_fields(places[facility_id]),
                age_group=ages[reference],
                seat_type=run.result["seat_types"][reference],
                respond_by=respond_by,
            )
            made += 1
        run.published_at = timezone.now()
        run.save(update_fields=["published_at"])
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_OFFERS_SENT,
            target=run,
            details={"offers": made, "respond_by": respond_by},
        )
    return made


def answer_offer(
    *, offer: Offer, accept: bool, actor: AnyUser, today: dt.date | None = None
) -> Offer:
    _require(selectors.can_answer_for(actor, offer.application))
    day = today or timezone.localdate()
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != Offer.OPEN:
            raise AllocationError("offer_not_open")
        if day > offer.respond_by:
            raise AllocationError("offer_expired")
        offer.status = Offer.ACCEPTED if accept else Offer.DECLINED
        offer.answered_at = timezone.now()
        offer.answered_by = actor_user(actor)
        offer.save(update_fields=["status", "answered_at", "answered_by"])
        record_audit_event(
            actor=actor,
            action=AuditAction.ALLOCATION_OFFER_ANSWERED,
            target=offer.application,
            after={
                "offer": offer.pk,
                "facility": offer.place.official_number,
                "status": offer.status,
            },
        )
    return offer
