"""What the office's allocation pages show, from the records the selectors read: application rows
and their status in words, export columns, a run's cut-offs and a facility's waiting lists (a
child's chances: :mod:`.chances`). No query decides here who sees what (that is :mod:`.selectors`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.allocation import SeatType, age_group_at
from kitaplan.web.allocation import selectors, services
from kitaplan.web.allocation.explanations import (
    AGE_GROUP_TEXT,
    SEAT_TEXT,
    class_text,
    facility_names,
    waiting_list,
)
from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    ApplicationChoice,
    FacilityCriterion,
    Offer,
)
from kitaplan.web.core.derived import cached_immutable
from kitaplan.web.core.exports import Column
from kitaplan.web.facilities.models import Facility

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

STATUS_TEXT = {
    "registered": gettext_lazy("registered"),
    "unplaced": gettext_lazy("no place yet (waiting list)"),
    "left": gettext_lazy("left the round"),
    "withdrawn": gettext_lazy("withdrawn"),
}
STATUS_FILTERS = {
    "open": gettext_lazy("offer open"),
    "accepted": gettext_lazy("offer accepted"),
    "registered": gettext_lazy("registered, no offer"),
    "left": gettext_lazy("left the round"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def age_group_text(app: Application, round_: AllocationRound) -> str | _StrPromise:
    age = age_group_at(app.birth_date, round_.care_start)
    return AGE_GROUP_TEXT.get(age.value, "") if age else "–"


def application_status(app: Application, offers: list[Offer]) -> tuple[str, Offer | None]:
    """A short status code and the offer it refers to."""
    if app.withdrawn:
        return "withdrawn", None
    holding = next((o for o in reversed(offers) if o.status in Offer.HOLDING), None)
    if holding is not None:
        return holding.status, holding
    if offers:
        return "left", offers[-1]
    return "registered", None


def status_label(code: str, offer: Offer | None) -> str:
    if offer is not None and code in dict(Offer.STATUS_CHOICES):
        return _("offer %(status)s: %(facility)s") % {
            "status": offer.get_status_display(),
            "facility": offer.place.name,
        }
    return str(STATUS_TEXT.get(code, code))


# --- the list of applications ---------------------------------------------------------------


def application_rows(round_: AllocationRound, applications: Any) -> list[dict[str, Any]]:
    """The rows of applications annotated by :func:`.selectors.applications_in_round` (their
    status computed in the database; the offers the statuses name read in one query)."""
    applications = list(applications)
    offers = selectors.offers_by_id(app.status_offer_id for app in applications)
    rows = []
    for app in applications:
        code = app.status_code
        offer = offers.get(app.status_offer_id) if app.status_offer_id is not None else None
        rows.append(
            {
                "app": app,
                "age_group": age_group_text(app, round_),
                "status": code,
                "status_label": status_label(code, offer),
                "offer": offer,
                "choices": app.n_choices,
            }
        )
    return rows


def application_columns() -> list[Column]:
    return [
        Column("reference", _("Reference"), lambda r: r["app"].reference),
        Column("child_name", _("Child's name"), lambda r: r["app"].child_name),
        Column("birth_date", _("Date of birth"), lambda r: r["app"].birth_date.isoformat()),
        Column("age_group", _("Age group"), lambda r: str(r["age_group"])),
        Column("home_area", _("Home area"), lambda r: r["app"].home_area.official_code),
        Column("choices", _("Choices"), lambda r: r["choices"]),
        Column("integration_need", _("Integration need"), lambda r: int(r["app"].integration_need)),
        Column("lottery", _("Lottery number"), lambda r: r["app"].lottery_number or ""),
        Column("status", _("Status"), lambda r: r["status"]),
        Column(
            "facility",
            _("Facility of the offer"),
            lambda r: r["offer"].place.official_number if r["offer"] else "",
        ),
    ]


def statistics_columns() -> list[Column]:
    return [
        Column("area", _("Area"), lambda r: r.key),
        Column("area_name", _("Name"), lambda r: r.name),
        Column("age_group", _("Age group"), lambda r: r.age_group),
        Column("applications", _("Applications"), lambda r: r.applications),
        Column("holding", _("With a place (offer open or accepted)"), lambda r: r.holding),
        Column("accepted", _("Accepted"), lambda r: r.accepted),
        Column("left", _("Left the round"), lambda r: r.left),
        Column("unplaced", _("Without an offer"), lambda r: r.unplaced),
        Column("first_choice", _("At their first choice"), lambda r: r.first_choice),
        Column(
            "integration_unplaced",
            _("With integration need, without an offer"),
            lambda r: r.integration_unplaced,
        ),
        Column(
            "median_distance_km",
            _("Median distance to the place (km)"),
            lambda r: round(r.median_distance, 2) if r.median_distance is not None else "",
        ),
    ]


# --- a run and a child ----------------------------------------------------------------------


def cutoff_entries(run: AllocationRun) -> list[list[Any]]:
    """The run's stored cut-offs per programme and seat type, sorted, empty programmes left
    out (the rows to paginate; :func:`cutoff_rows` puts one page of them in words)."""
    return [
        entry
        for entry in sorted(run.result["cutoffs"])
        if not (entry[3] == 0 and entry[4] == 0)  # no places and nobody admitted
    ]


def cutoff_rows(run: AllocationRun, entries: Iterable[list[Any]]) -> list[dict[str, Any]]:
    """``entries`` of :func:`cutoff_entries` with the facilities' names and, where all places
    were taken, what the last admitted child's priority class stands for."""
    names = facility_names(run)
    rows = []
    for f, age, seat, capacity, admitted, cls, lottery in entries:
        rows.append(
            {
                "facility_id": f,
                "facility": names.get(f, f),
                "age_group": AGE_GROUP_TEXT.get(age, age),
                "seat": SEAT_TEXT.get(seat, seat),
                "capacity": capacity,
                "admitted": admitted,
                "full": admitted >= capacity,
                "priority_class": cls,
                "class_text": class_text(run, cls, f) if admitted >= capacity else "",
                "lottery": lottery,
            }
        )
    return rows


@functools.cache
def _engine_version() -> str:
    """The engine's code version (its source cannot change while the process runs)."""
    return services.code_version()


def reproduced(run: AllocationRun) -> bool:
    """Does rerunning the stored inputs with the stored lottery give the stored result? Checked
    once per run and engine version (a stored run never changes: core.derived)."""
    return cached_immutable(
        "allocation.reproduced",
        (run.pk, run.created_at, run.inputs_sha256, _engine_version()),
        lambda: services.reproduce(run),
    )


# --- a facility's applicants ----------------------------------------------------------------


def waiting_lists(
    round_: AllocationRound, run: AllocationRun | None, place: Facility, names: dict[str, str]
) -> list[dict[str, Any]]:
    """The facility's programmes in the round, each with the run's waiting lists (none without a
    published run; an integration list only where integration places were released)."""
    programmes = []
    for programme in round_.programmes.filter(facility=place).order_by("age_group"):
        lists = []
        for seat in (SeatType.INTEGRATION.value, SeatType.REGULAR.value):
            if run is None or (
                seat == SeatType.INTEGRATION.value and not programme.integration_places
            ):
                continue
            entries = waiting_list(run, place.official_number, programme.age_group, seat)
            lists.append(
                {
                    "seat": SEAT_TEXT[seat],
                    "entries": [{"entry": e, "name": names.get(e.reference, "")} for e in entries],
                }
            )
        programmes.append({"programme": programme, "lists": lists})
    return programmes


def facility_applicants(
    round_: AllocationRound,
    place: Facility,
    choices: QuerySet[ApplicationChoice],
    own: list[FacilityCriterion],
) -> dict[str, Any]:
    """The context of a facility's applicants page."""
    run = selectors.latest_published_run(round_)
    names = {c.application.reference: c.application.child_name for c in choices}
    first_programme = round_.programmes.filter(facility=place).first()
    order_position = {
        ref: k
        for k, ref in enumerate(first_programme.own_order if first_programme else [], start=1)
    }
    return {
        "round": round_,
        "facility": place,
        "run": run,
        "programmes": waiting_lists(round_, run, place, names),
        "holders": selectors.offer_holders(round_, place),
        "own": own,
        "choices": [
            {
                "choice": c,
                "met": {m.pk for m in c.own_criteria_met.all()},
                "position": order_position.get(c.application.reference),
            }
            for c in choices
        ],
        "iterative": round_.mode == AllocationRound.ITERATIVE,
    }
