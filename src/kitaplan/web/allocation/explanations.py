"""Plain-language explanations of a run: what each priority class means, why a child did not get
a facility it ranked higher, and the waiting list of a facility.

Everything here reads a stored run (:class:`AllocationRun`), never the live data, so an
explanation always matches the offers that were made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.allocation import (
    Allocation,
    AllocationInstance,
    Criterion,
    Explanation,
    Reason,
    SeatType,
    explain,
)
from kitaplan.web.allocation.models import CRITERION_LABELS, AllocationRun, Application
from kitaplan.web.allocation.services import stored_allocation

AGE_GROUP_TEXT = {"u3": gettext_lazy("under 3"), "ue3": gettext_lazy("3 to school entry")}
SEAT_TEXT = {
    SeatType.REGULAR.value: gettext_lazy("regular place"),
    SeatType.INTEGRATION.value: gettext_lazy("integration place"),
}


def criterion_text(criterion: Criterion, value: int) -> str:
    """One criterion value in words, e.g. "sibling already attends the facility: yes"."""
    label = str(CRITERION_LABELS[criterion])
    if criterion is Criterion.AGE_AT_START:
        return _("%(label)s: %(months)s months") % {"label": label, "months": -value}
    if criterion is Criterion.WAITING_TIME:
        return _("%(label)s: registered on day %(day)s of the window") % {
            "label": label,
            "day": value + 1,
        }
    if criterion is Criterion.FACILITY_CRITERIA:
        if value == 0:
            return _("%(label)s: first criterion met") % {"label": label}
        return _("%(label)s: criterion no. %(n)s met or none") % {"label": label, "n": value + 1}
    return f"{label}: {_('yes') if value == 0 else _('no')}"


def class_text(
    run: AllocationRun, priority_class: int | None, facility_id: str | None = None
) -> str:
    """What a priority class of this run stands for, in words (at ``facility_id`` when the
    facility ranked its applicants itself in the iterative mode)."""
    if priority_class is None:
        return "–"
    shift = run.inputs.get("class_shift", 0)
    if shift and priority_class == 0:
        return _("already holds a place here (guaranteed)")
    order = run.inputs.get("own_orders", {}).get(facility_id or "")
    if order:
        position = priority_class - shift
        if position < len(order):
            return _("no. %(n)s in the facility's own order") % {"n": position + 1}
        priority_class -= len(order)
    values = run.inputs["class_values"]
    index = priority_class - shift
    if not 0 <= index < len(values):
        return _("lowest class (not on the list of this facility)")
    criteria = [Criterion(c) for c in run.inputs["criteria"]]
    if not criteria:
        return _("no criteria: the lottery alone decides")
    return "; ".join(criterion_text(c, v) for c, v in zip(criteria, values[index], strict=True))


@dataclass(frozen=True)
class ReasonLine:
    rank: int
    facility_id: str
    facility_name: str
    text: str


@dataclass(frozen=True)
class ChildExplanation:
    run: AllocationRun
    reference: str
    facility_id: str | None
    facility_name: str
    rank: int | None
    seat_type: str | None
    lottery: int
    reasons: list[ReasonLine]


def reason_text(run: AllocationRun, item: Explanation, age_group: str) -> str:
    age = AGE_GROUP_TEXT.get(age_group, age_group)
    if item.reason is Reason.NO_PLACES_FOR_AGE_GROUP:
        return _("The facility released no places for children %(age)s in this round.") % {
            "age": age
        }
    if item.reason is Reason.NO_INTEGRATION_PLACES:
        return _(
            "The facility released no integration places for children %(age)s; a child with "
            "confirmed integration need is placed on integration places only."
        ) % {"age": age}
    if item.reason is Reason.NO_REGULAR_PLACES:
        return _("The facility released no regular places for children %(age)s.") % {"age": age}
    return _(
        "All places of this kind (%(seat)s) went to children with a higher rank. The last child "
        "admitted had "
        "class %(cut_class)s (%(cut_text)s) and lottery number %(cut_lottery)s; this child has "
        "class %(own_class)s (%(own_text)s) and lottery number %(own_lottery)s."
    ) % {
        "seat": SEAT_TEXT[item.seat_type.value],
        "cut_class": item.cutoff_class,
        "cut_text": class_text(run, item.cutoff_class, item.facility_id),
        "cut_lottery": item.cutoff_lottery,
        "own_class": item.child_class,
        "own_text": class_text(run, item.child_class, item.facility_id),
        "own_lottery": item.child_lottery,
    }


def run_for(application: Application, *, published_only: bool = True) -> AllocationRun | None:
    """The latest run (published, unless said otherwise) in which the child took part."""
    runs = application.round.runs.order_by("-number")
    if published_only:
        runs = runs.filter(published_at__isnull=False)
    for run in runs:
        if application.reference in run.result["assignment"]:
            return run
    return None


def explain_child(
    run: AllocationRun,
    reference: str,
    facility_names: dict[str, str],
    stored: tuple[AllocationInstance, Allocation] | None = None,
) -> ChildExplanation:
    instance, allocation = stored or stored_allocation(run)
    age_group = next(c.age_group for c in instance.children if c.child_id == reference)
    got = allocation.assignment.get(reference)
    listed = list(instance.preferences.get(reference, ()))
    reasons = [
        ReasonLine(
            rank=item.rank,
            facility_id=item.facility_id,
            facility_name=facility_names.get(item.facility_id, item.facility_id),
            text=reason_text(run, item, age_group),
        )
        for item in explain(instance, allocation, reference)
    ]
    return ChildExplanation(
        run=run,
        reference=reference,
        facility_id=got,
        facility_name=facility_names.get(got, got or ""),
        rank=listed.index(got) + 1 if got in listed else None,
        seat_type=allocation.seat_types[reference].value if got else None,
        lottery=allocation.lottery[reference],
        reasons=reasons,
    )


@dataclass(frozen=True)
class WaitingEntry:
    position: int
    reference: str
    priority_class: int
    class_text: str
    lottery: int
    placed_elsewhere: str | None


def waiting_list(
    run: AllocationRun, facility_id: str, age_group: str, seat_type: str
) -> list[WaitingEntry]:
    """Children who ranked the facility above their outcome, in priority order (de: Warteliste).

    A place freed here goes to the first of them in the next follow-up run.
    """
    instance, allocation = stored_allocation(run)
    need = seat_type == SeatType.INTEGRATION.value
    rows: list[tuple[tuple[int, int], str, str | None]] = []
    for child in instance.children:
        if child.age_group != age_group or child.integration_need != need:
            continue
        wanted = instance.preferences.get(child.child_id, ())
        if facility_id not in wanted:
            continue
        got = allocation.assignment.get(child.child_id)
        if got == facility_id:
            continue
        if got is not None and wanted.index(got) < wanted.index(facility_id):
            continue
        cls = instance.priority_class(facility_id, child.child_id)
        rows.append(((cls, allocation.lottery[child.child_id]), child.child_id, got))
    rows.sort()
    return [
        WaitingEntry(k, ref, key[0], class_text(run, key[0], facility_id), key[1], got)
        for k, (key, ref, got) in enumerate(rows, start=1)
    ]


def facility_names(run: AllocationRun) -> dict[str, str]:
    """Code in the run → name, for facilities and childminders ("Kindertagespflege …")."""
    from kitaplan.web.childminding.models import Childminder
    from kitaplan.web.facilities.models import Facility

    names = dict(
        Facility.objects.filter(territory=run.round.territory).values_list(
            "official_number", "name"
        )
    )
    for childminder in Childminder.objects.filter(territory=run.round.territory):
        names[childminder.official_number] = _("Childminder %(name)s") % {"name": childminder.name}
    return names


def run_summary(run: AllocationRun) -> dict[str, Any]:
    assignment = run.result["assignment"]
    prefs = run.inputs["instance"]["preferences"]
    placed = [c for c, f in assignment.items() if f is not None]
    first = sum(1 for c in placed if prefs.get(c) and prefs[c][0] == assignment[c])
    need = {c[0] for c in run.inputs["instance"]["children"] if c[2]}
    return {
        "children": len(assignment),
        "placed": len(placed),
        "unplaced": len(assignment) - len(placed),
        "first_choice": first,
        "need_unplaced": sum(1 for c in need if assignment.get(c) is None),
    }
