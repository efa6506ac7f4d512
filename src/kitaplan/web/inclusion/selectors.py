"""Reads of the inclusion app, scoped by :mod:`kitaplan.web.core.access`.

Who sees what: every staff role sees the checklist results, the Kita staff qualification and the
pool for the facilities :func:`facilities_visible_to` returns (facility managers: their own);
planners and administrators configure the checklist, enrol Kita staff and run the pool;
whoever may edit a facility (:func:`facilities_editable_by`) confirms its items and books for it.

Evaluation (:func:`evaluate`): per facility and active item of its territory, in a fixed number
of queries for any number of facilities:

* feature: every field the feature names is true (barrier-free: step-free entrance and
  accessible toilet);
* staff qualification: distinct participants of the facility with a *completed* enrolment in a
  course of the item's programme ≥ the completions needed;
* confirmation: the latest confirmation row (by date, then entry) exists and confirms.

A facility meets the checklist when its territory has at least one active item and every active
item is met (an empty checklist is not "met by default").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.access import has_any_role, is_staff_user
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
    item: ChecklistItem
    met: bool
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        params = dict(self.params)
        if isinstance(params.get("date"), dt.date):
            params["date"] = formats.date_format(params["date"], "SHORT_DATE_FORMAT")
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


def evaluate(
    facilities: Iterable[Facility], *, items: dict[int, list[ChecklistItem]] | None = None
) -> dict[int, FacilityResult]:
    """Each facility's result per active item of its territory (module docstring)."""
    facilities = list(facilities)
    ids = [f.pk for f in facilities]
    if items is None:
        items = active_items({f.territory_id for f in facilities})
    all_items = [i for group in items.values() for i in group]
    programmes = {i.programme_id for i in all_items if i.kind == "staff_qualification"}
    confirmation_items = [i.pk for i in all_items if i.kind == "confirmation"]
    completions: dict[tuple[int, int], int] = {}
    if programmes and ids:
        for row in (
            Enrolment.objects.filter(
                facility_id__in=ids, status="completed", course__programme_id__in=programmes
            )
            .values("facility_id", "course__programme_id")
            .annotate(n=Count("participant_name", distinct=True))
        ):
            completions[(row["facility_id"], row["course__programme_id"])] = row["n"]
    latest: dict[tuple[int, int], FacilityConfirmation] = {}
    if confirmation_items and ids:
        for c in (
            FacilityConfirmation.objects.filter(facility_id__in=ids, item_id__in=confirmation_items)
            .select_related("confirmed_by")
            .order_by("facility_id", "item_id", "-date", "-pk")
        ):
            latest.setdefault((c.facility_id, c.item_id), c)
    out: dict[int, FacilityResult] = {}
    for f in facilities:
        results = [_result(f, item, completions, latest) for item in items.get(f.territory_id, [])]
        out[f.pk] = FacilityResult(facility=f, results=results)
    return out


def _result(
    facility: Facility,
    item: ChecklistItem,
    completions: dict[tuple[int, int], int],
    latest: dict[tuple[int, int], FacilityConfirmation],
) -> ItemResult:
    if item.kind == "feature":
        met = all(getattr(facility, name) for name in FEATURE_FIELDS[item.feature])
        return ItemResult(
            item,
            met,
            "feature_present" if met else "feature_missing",
            {"feature": FEATURE_LABELS[item.feature]},
        )
    if item.kind == "staff_qualification":
        assert item.programme is not None
        count = completions.get((facility.pk, item.programme.pk), 0)
        met = count >= item.min_completions
        return ItemResult(
            item,
            met,
            "completions_enough" if met else "completions_short",
            {"count": count, "needed": item.min_completions, "programme": item.programme.name},
        )
    row = latest.get((facility.pk, item.pk))
    if row is None:
        return ItemResult(item, False, "not_confirmed")
    who = row.confirmed_by.get_username() if row.confirmed_by is not None else "system"
    return ItemResult(
        item,
        row.confirmed,
        "confirmed" if row.confirmed else "withdrawn",
        {"date": row.date, "who": who},
    )


def facility_meets_all(facility: Facility) -> tuple[bool, list[ItemResult]]:
    """Whether the facility meets every active item of its territory, and each item's result."""
    result = evaluate([facility])[facility.pk]
    return result.meets_all, result.results


def current_facilities(territory: Territory | int, day: dt.date) -> QuerySet[Facility]:
    territory_id = territory if isinstance(territory, int) else territory.pk
    return Facility.objects.filter(territory_id=territory_id).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
    )


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


def pool_items_visible_to(user: AnyUser) -> QuerySet[PoolItem]:
    """The pool is city-wide: every staff role sees its items."""
    if not can_view(user):
        return PoolItem.objects.none()
    return PoolItem.objects.select_related("territory", "owner_facility")


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


@dataclass
class ItemUse:
    item: PoolItem
    bookings: int = 0
    days_lent: int = 0
    facilities: set[int] = field(default_factory=set)
    lent_now: bool = False

    @property
    def facility_count(self) -> int:
        return len(self.facilities)


def use_statistics(
    items: Iterable[PoolItem], bookings: Iterable[Booking], *, day: dt.date
) -> list[ItemUse]:
    """Per item: bookings (cancelled left out), days lent, facilities, whether lent on the day."""
    rows = {i.pk: ItemUse(item=i) for i in items}
    for b in bookings:
        row = rows.get(b.item_id)
        if row is None or b.status == "cancelled":
            continue
        row.bookings += 1
        row.days_lent += b.days_lent
        row.facilities.add(b.facility_id)
        if b.status == "lent" and (b.lent_on or b.start) <= day:
            row.lent_now = True
    return list(rows.values())
