"""Reads of the inclusion app, scoped by :mod:`kitaplan.web.core.access`.

Who sees what: every staff role sees the checklist results, the Kita staff qualification and the
pool for the facilities :func:`facilities_visible_to` returns (facility managers: their own);
planners and administrators configure the checklist, enrol Kita staff and run the pool;
whoever may edit a facility (:func:`facilities_editable_by`) confirms its items and books for it.

Evaluation (:func:`evaluate`): the rules are :mod:`kitaplan.domain.inclusion.checklist`; this
module reads, in a fixed number of queries for any number of facilities, each facility's feature
fields, its completions per programme (distinct participants with a *completed* enrolment) and
its confirmations, and keeps the item rows beside the domain's results for the pages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.inclusion import checklist, pool
from kitaplan.web.core.access import has_any_role, is_staff_user, scoped_to_territories
from kitaplan.web.core.roles import DATA_STEWARD_ROLES
from kitaplan.web.facilities.models import Facility
from kitaplan.web.facilities.selectors import facilities_editable_by, facilities_visible_to
from kitaplan.web.inclusion.models import (
    FEATURE_FIELDS,
    FEATURES,
    HOLDING_STATUSES,
    Booking,
    ChecklistItem,
    FacilityConfirmation,
    PoolItem,
)
from kitaplan.web.qualification.models import Enrolment
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

FEATURE_LABELS = dict(FEATURES)
REASONS = {
    "feature_present": _("%(feature)s: present"),
    "feature_missing": _("%(feature)s: missing"),
    "completions_enough": _("%(count)s of %(needed)s needed completions of %(programme)s"),
    "completions_short": _("only %(count)s of %(needed)s needed completions of %(programme)s"),
    "confirmed": _("confirmed on %(date)s by %(who)s"),
    "withdrawn": _("withdrawn on %(date)s by %(who)s"),
    "not_confirmed": _("not confirmed yet"),
}


def can_view(user: AnyUser) -> bool:
    return is_staff_user(user)


def can_configure(user: AnyUser) -> bool:
    """Planners and administrators keep the checklist, enrol Kita staff and run the pool."""
    return has_any_role(user, DATA_STEWARD_ROLES)


def confirmable_facilities(user: AnyUser) -> QuerySet[Facility]:
    """Facilities whose items the user may confirm and for which the user may book."""
    return facilities_editable_by(user)


@dataclass(frozen=True)
class ItemResult:
    """The domain's result of one item beside the item's row; ``reason`` words it."""

    item: ChecklistItem
    met: bool
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        params = dict(self.params)
        if isinstance(params.get("date"), dt.date):
            params["date"] = formats.date_format(params["date"], "SHORT_DATE_FORMAT")
        if "feature" in params:
            params["feature"] = FEATURE_LABELS.get(params["feature"], params["feature"])
        for key, value in params.items():
            params[key] = str(value)
        return str(REASONS[self.code]) % params


@dataclass
class FacilityResult:
    facility: Facility
    results: list[ItemResult]

    @property
    def meets_all(self) -> bool:
        return bool(self.results) and all(r.met for r in self.results)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.results if r.met)


def active_items(territory_ids: Iterable[int]) -> dict[int, list[ChecklistItem]]:
    """Active items per territory, in their order."""
    items: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in ChecklistItem.objects.filter(
        territory_id__in=set(territory_ids), active=True
    ).select_related("programme"):
        items[item.territory_id].append(item)
    return items


def domain_item(item: ChecklistItem) -> checklist.Item:
    return checklist.Item(
        item_id=item.pk,
        kind=checklist.Kind(item.kind),
        feature=item.feature,
        fields=FEATURE_FIELDS.get(item.feature, ()),
        programme_id=item.programme_id,
        programme=item.programme.name if item.programme is not None else "",
        min_completions=item.min_completions,
    )


def _completions(facility_ids: list[int], programme_ids: set[int]) -> dict[int, dict[int, int]]:
    """Distinct participants with a completed enrolment, per facility and programme."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    if not (programme_ids and facility_ids):
        return found
    for row in (
        Enrolment.objects.filter(
            facility_id__in=facility_ids, status="completed", course__programme_id__in=programme_ids
        )
        .values("facility_id", "course__programme_id")
        .annotate(n=Count("participant_name", distinct=True))
    ):
        found[row["facility_id"]][row["course__programme_id"]] = row["n"]
    return found


def _confirmations(
    facility_ids: list[int], item_ids: list[int]
) -> dict[int, list[checklist.Confirmation]]:
    found: dict[int, list[checklist.Confirmation]] = defaultdict(list)
    if not (item_ids and facility_ids):
        return found
    for c in FacilityConfirmation.objects.filter(
        facility_id__in=facility_ids, item_id__in=item_ids
    ).select_related("confirmed_by"):
        who = c.confirmed_by.get_username() if c.confirmed_by is not None else "system"
        found[c.facility_id].append(
            checklist.Confirmation(c.item_id, c.confirmed, c.date, c.pk, who)
        )
    return found


def evaluate(
    facilities: Iterable[Facility], *, items: dict[int, list[ChecklistItem]] | None = None
) -> dict[int, FacilityResult]:
    """Each facility's result per active item of its territory (module docstring)."""
    facilities = list(facilities)
    ids = [f.pk for f in facilities]
    if items is None:
        items = active_items({f.territory_id for f in facilities})
    all_items = [i for group in items.values() for i in group]
    completions = _completions(
        ids,
        {
            i.programme_id
            for i in all_items
            if i.kind == "staff_qualification" and i.programme_id is not None
        },
    )
    confirmations = _confirmations(ids, [i.pk for i in all_items if i.kind == "confirmation"])
    fields = sorted({name for names in FEATURE_FIELDS.values() for name in names})
    out: dict[int, FacilityResult] = {}
    for f in facilities:
        rows = items.get(f.territory_id, [])
        facts = checklist.FacilityFacts(
            facility_id=f.pk,
            features={name: bool(getattr(f, name)) for name in fields},
            completions=completions.get(f.pk, {}),
            confirmations=tuple(confirmations.get(f.pk, ())),
        )
        result = checklist.evaluate([domain_item(i) for i in rows], facts)
        out[f.pk] = FacilityResult(
            facility=f,
            results=[
                ItemResult(row, r.met, r.reason.value, dict(r.params))
                for row, r in zip(rows, result.results, strict=True)
            ],
        )
    return out


def facility_meets_all(facility: Facility) -> tuple[bool, list[ItemResult]]:
    """Whether the facility meets every active item of its territory, and each item's result."""
    result = evaluate([facility])[facility.pk]
    return result.meets_all, result.results


def current_facilities(territory: Territory | int, day: dt.date) -> QuerySet[Facility]:
    territory_id = territory if isinstance(territory, int) else territory.pk
    return Facility.objects.filter(territory_id=territory_id).valid_on(day)


def able_for_all_by_area(territory: Territory | int, day: dt.date) -> dict[int, float]:
    """Facilities open on the day that meet the checklist, counted per (finest) area."""
    territory_id = territory if isinstance(territory, int) else territory.pk
    items = active_items([territory_id])
    if not items:
        return {}
    facilities = current_facilities(territory_id, day).filter(area__isnull=False)
    counts: dict[int, float] = defaultdict(float)
    for result in evaluate(facilities, items=items).values():
        if result.meets_all:
            counts[result.facility.area_id] += 1  # type: ignore[index]
    return dict(counts)


def staff_enrolments_visible_to(user: AnyUser) -> QuerySet[Enrolment]:
    """Enrolments of Kita staff at the facilities the user sees."""
    if not can_view(user):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(
        facility__in=facilities_visible_to(user).values("pk")
    ).select_related("facility", "course", "course__programme")


@scoped_to_territories()
def pool_items_visible_to(user: AnyUser) -> QuerySet[PoolItem]:
    """The pool is city-wide: every staff role sees its items."""
    if not can_view(user):
        return PoolItem.objects.none()
    return PoolItem.objects.select_related("territory", "owner_facility")


@scoped_to_territories("item__territory")
def bookings_visible_to(user: AnyUser) -> QuerySet[Booking]:
    """Bookings of the facilities the user sees (planners and administrators: all)."""
    if not can_view(user):
        return Booking.objects.none()
    return Booking.objects.filter(
        facility__in=facilities_visible_to(user).values("pk")
    ).select_related("item", "facility", "booked_by")


def holding_bookings(item: PoolItem) -> QuerySet[Booking]:
    """Requested or lent bookings of an item (they block their period), any facility."""
    return item.bookings.filter(status__in=HOLDING_STATUSES).order_by("start", "pk")


def pool_item_bookings(
    item: PoolItem, visible: QuerySet[Booking], bookable: QuerySet[Facility], today: dt.date
) -> dict[str, Any]:
    """One pool item's page: the periods held from today (details only of the bookings the
    user sees), the user's booking history (with whether she may cancel) and the item's use."""
    own = set(visible.values_list("pk", flat=True))
    own_facilities = set(bookable.values_list("pk", flat=True))
    occupied = [
        {"booking": b, "shown": b.pk in own}
        for b in holding_bookings(item).filter(end__gte=today).select_related("facility")
    ]
    bookings = list(visible.order_by("-start", "-pk"))
    history = [
        {
            "booking": b,
            "can_cancel": b.status == "requested" and b.facility_id in own_facilities,
        }
        for b in bookings
    ]
    use = use_statistics([item], bookings, day=today)[0]
    return {"occupied": occupied, "history": history, "use": use}


@dataclass(frozen=True)
class ItemUse:
    """The domain's use of a pool item beside the item's row."""

    item: PoolItem
    use: pool.Use

    @property
    def bookings(self) -> int:
        return self.use.bookings

    @property
    def days_lent(self) -> int:
        return self.use.days_lent

    @property
    def facility_count(self) -> int:
        return self.use.facility_count

    @property
    def lent_now(self) -> bool:
        return self.use.lent_now


def use_statistics(
    items: Iterable[PoolItem], bookings: Iterable[Booking], *, day: dt.date
) -> list[ItemUse]:
    """Per item: bookings (cancelled left out), days lent, facilities, whether lent on the day
    (:func:`kitaplan.domain.inclusion.pool.item_use`)."""
    use = pool.item_use((b.facts for b in bookings), day=day)
    return [ItemUse(i, use.get(i.pk, pool.Use())) for i in items]
