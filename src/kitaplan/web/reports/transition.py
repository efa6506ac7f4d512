"""The move to a Kita: children in Kindertagespflege who turn three soon, and entering them into
the next allocation round on the family's behalf.

A child turns three on its third birthday (born on 29 February: on 1 March). The list shows the
children of running contracts whose third birthday lies within the horizon. Entering a child
creates an :class:`~kitaplan.web.allocation.models.Application` through
:func:`kitaplan.web.allocation.services.save_application` (which audits it):

- the child's name is synthetic, "Kind <reference>" (contracts hold no names);
- the desired start is the round's care start, the weekly hours those of the contract;
- with the family's home address, where the territory has an address register, the address
  is looked up there (:func:`kitaplan.web.territory.addresses.resolve_address`): the home area is
  the address's finest area and the choices are the facilities nearest to the address; an
  address the register does not know is refused with the register's suggestions;
- without an address (or a register) the home area is the childminder's area, a stand-in;
- the choices are the (up to) three facilities nearest to the home address, else to the
  childminder (straight line from her coordinates, else her area's centroid), that release
  places for children over three (``ue3``) in the round.

It is refused when the round is closed or of another territory, when the child is already entered
(same name and birth date, application not withdrawn), when the child is not in the over-three
age group at the round's care start, or when no place or area is known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from kitaplan.domain.allocation import age_group_at
from kitaplan.domain.childminding.ages import third_birthday
from kitaplan.domain.common.calendar import add_months
from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.domain.territory.geometry import haversine_km
from kitaplan.web.allocation.models import AllocationRound, Application, RoundProgramme
from kitaplan.web.allocation.services import save_application
from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.facilities.models import Facility
from kitaplan.web.reports.selectors import can_use_transition
from kitaplan.web.territory.addresses import (
    AddressMatch,
    AddressUnknown,
    describe_unknown,
    has_register,
    resolve_address,
)

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

DEFAULT_HORIZON_MONTHS = 9
MAX_HORIZON_MONTHS = 36
CHOICES = 3


class TransitionError(Exception):
    """An entry that cannot be made; ``code`` names why (the view words it)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        #: the worded reason where the code alone does not say it (an unknown address)
        self.detail = detail


def child_name(contract: CareContract) -> str:
    return f"Kind {contract.child_reference}"


@dataclass(frozen=True)
class Transition:
    contract: CareContract
    turns_three: dt.date

    @property
    def childminder(self) -> Childminder:
        cm: Childminder = self.contract.childminder
        return cm

    @property
    def child_name(self) -> str:
        return child_name(self.contract)


def children_turning_three(
    childminders: QuerySet[Childminder], *, today: dt.date, horizon_months: int
) -> list[Transition]:
    """Children in contracts running today (of these childminders) whose third birthday lies in
    ``today`` .. ``today + horizon_months``, soonest first."""
    limit = add_months(today, horizon_months)
    contracts = (
        CareContract.objects.filter(
            childminder__in=childminders.values("pk"),
            valid_from__lte=today,
        )
        .exclude(valid_to__lt=today)
        .select_related("childminder", "childminder__area", "childminder__territory")
    )
    found = [
        Transition(c, third)
        for c in contracts
        if today <= (third := third_birthday(c.child_birth_date)) <= limit
    ]
    return sorted(
        found, key=lambda t: (t.turns_three, t.childminder.name, t.contract.child_reference)
    )


def open_rounds(territory_ids: Any, *, today: dt.date) -> QuerySet[AllocationRound]:
    """Rounds of these territories still open for applications, earliest care start first."""
    return (
        AllocationRound.objects.filter(territory__in=territory_ids, applications_close__gte=today)
        .select_related("territory")
        .order_by("care_start", "name", "pk")
    )


def origin(childminder: Childminder) -> tuple[float, float] | None:
    if childminder.lat is not None and childminder.lon is not None:
        return childminder.lat, childminder.lon
    area = childminder.area
    if area is not None and area.centroid_lat is not None and area.centroid_lon is not None:
        return area.centroid_lat, area.centroid_lon
    return None


def ue3_programmes(round_: AllocationRound) -> list[RoundProgramme]:
    """Facilities' released places for children over three (``ue3``) in the round."""
    return list(
        RoundProgramme.objects.filter(
            round=round_, age_group="ue3", facility__isnull=False, capacity__gt=0
        ).select_related("facility")
    )


def nearest_facilities(
    round_: AllocationRound,
    childminder: Childminder,
    *,
    count: int = CHOICES,
    programmes: list[RoundProgramme] | None = None,
    home: AddressMatch | None = None,
) -> list[tuple[Facility, float]]:
    """The facilities releasing ``ue3`` places in the round, nearest to the home address (else
    to the childminder) first (facilities without coordinates are left out)."""
    start = (home.lat, home.lon) if home is not None else origin(childminder)
    if start is None:
        return []
    if programmes is None:
        programmes = ue3_programmes(round_)
    ranked = sorted(
        (
            (p.facility, haversine_km(start[0], start[1], p.facility.lat, p.facility.lon))
            for p in programmes
            if p.facility is not None and p.facility.lat is not None and p.facility.lon is not None
        ),
        key=lambda pair: (pair[1], pair[0].official_number),
    )
    return ranked[: min(count, round_.max_choices)]


def entered(round_: AllocationRound, contract: CareContract) -> Application | None:
    found: Application | None = (
        Application.objects.filter(
            round=round_,
            child_name=child_name(contract),
            birth_date=contract.child_birth_date,
            withdrawn=False,
        )
        .order_by("pk")
        .first()
    )
    return found


@dataclass(frozen=True)
class Row:
    """One child of the list against the chosen round: ``state`` is ``ready``, a
    :class:`TransitionError` code, or ``None`` without a round; ``choices`` when ready."""

    item: Transition
    state: str | None = None
    choices: list[tuple[Facility, float]] | None = None


def rows_against(items: list[Transition], round_: AllocationRound | None) -> list[Row]:
    """Whether each child could be entered into ``round_`` and for which facilities."""
    if round_ is None:
        return [Row(item) for item in items]
    programmes = ue3_programmes(round_)
    already = set(
        round_.applications.filter(withdrawn=False).values_list("child_name", "birth_date")
    )
    rows = []
    for item in items:
        birth = item.contract.child_birth_date
        if item.childminder.territory_id != round_.territory_id:
            rows.append(Row(item, "other_territory"))
        elif (item.child_name, birth) in already:
            rows.append(Row(item, "already_entered"))
        elif age_group_at(birth, round_.care_start) is not AgeGroup.UE3:
            rows.append(Row(item, "not_ue3"))
        else:
            choices = nearest_facilities(round_, item.childminder, programmes=programmes)
            rows.append(Row(item, "ready" if choices else "no_places", choices))
    return rows


def has_address_register(round_: AllocationRound | None) -> bool:
    """Whether home addresses can be placed for this round (its territory has a register)."""
    return round_ is not None and has_register(round_.territory)


def place_home(round_: AllocationRound, home_address: str) -> AddressMatch | None:
    """The family's address in the register (``None`` without an address or a register);
    :class:`TransitionError` ``unknown_address`` with the suggestions when it is not there."""
    if not home_address.strip() or not has_register(round_.territory):
        return None
    found = resolve_address(round_.territory, home_address)
    if isinstance(found, AddressUnknown):
        raise TransitionError("unknown_address", describe_unknown(found))
    if found.area is None:
        raise TransitionError("unknown_address")
    return found


def enter_into_round(
    *,
    contract: CareContract,
    round_: AllocationRound,
    actor: AnyUser,
    today: dt.date,
    home_address: str = "",
) -> Application:
    """Register the child for the round on the family's behalf (see the module's text).
    Administrators and advisers may, for a childminder they see (else ``PermissionDenied``)."""
    cm = contract.childminder
    if (
        not can_use_transition(actor)
        or not childminders_visible_to(actor).filter(pk=cm.pk).exists()
    ):
        raise PermissionDenied
    if round_.territory_id != cm.territory_id:
        raise TransitionError("other_territory")
    if round_.applications_close < today:
        raise TransitionError("round_closed")
    if age_group_at(contract.child_birth_date, round_.care_start) is not AgeGroup.UE3:
        raise TransitionError("not_ue3")
    home = place_home(round_, home_address)
    if home is None and cm.area is None:
        raise TransitionError("no_area")
    choices = nearest_facilities(round_, cm, home=home)
    if not choices:
        raise TransitionError("no_places")
    with transaction.atomic():
        AllocationRound.objects.select_for_update().get(pk=round_.pk)
        if entered(round_, contract) is not None:
            raise TransitionError("already_entered")
        application = Application(
            round=round_,
            child_name=child_name(contract),
            birth_date=contract.child_birth_date,
            desired_start=round_.care_start,
            weekly_hours=max(1, round(contract.weekly_hours)),
            home_area=home.area if home is not None else cm.area,
            home_address=home.label if home is not None else "",
            registered_on=today,
        )
        return save_application(
            application=application, facilities=[f for f, _km in choices], actor=actor
        )
