"""Plain-language explanations of a run: what each priority class means, why a child did not get
a facility it ranked higher, and the waiting list of a facility.

Everything here reads a stored run (:class:`AllocationRun`), never the live data, so an
explanation always matches the offers that were made.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
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
from kitaplan.domain.allocation.describe import (
    ClassDescription,
    ClassKind,
    ClassScheme,
    describe_class,
)
from kitaplan.domain.allocation.describe import waiting_list as domain_waiting_list
from kitaplan.domain.allocation.figures import RunSummary, summarise_run
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


def class_scheme(run: AllocationRun) -> ClassScheme:
    """What the run stored about its priority classes."""
    return ClassScheme(
        criteria=tuple(Criterion(c) for c in run.inputs["criteria"]),
        class_values=tuple(tuple(v) for v in run.inputs["class_values"]),
        shift=run.inputs.get("class_shift", 0),
        own_orders=run.inputs.get("own_orders", {}),
    )


def class_text(
    run: AllocationRun, priority_class: int | None, facility_id: str | None = None
) -> str:
    """What a priority class of this run stands for, in words (at ``facility_id`` when the
    facility ranked its applicants itself in the iterative mode)."""
    return describe_text(describe_class(class_scheme(run), priority_class, facility_id))


def describe_text(description: ClassDescription) -> str:
    kind = description.kind
    if kind is ClassKind.NONE:
        return "–"
    if kind is ClassKind.GUARANTEED:
        return _("already holds a place here (guaranteed)")
    if kind is ClassKind.OWN_ORDER:
        return _("no. %(n)s in the facility's own order") % {"n": description.position}
    if kind is ClassKind.LOWEST:
        return _("lowest class (not on the list of this facility)")
    if kind is ClassKind.LOTTERY_ONLY:
        return _("no criteria: the lottery alone decides")
    return "; ".join(criterion_text(c, v) for c, v in description.values)


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
    runs: QuerySet[AllocationRun] = application.round.runs.order_by("-number")
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
        facility_name=facility_names.get(got, got) if got is not None else "",
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
    """Children who ranked the facility above their outcome, in priority order (de: Warteliste;
    :func:`kitaplan.domain.allocation.describe.waiting_list`)."""
    instance, allocation = stored_allocation(run)
    scheme = class_scheme(run)
    return [
        WaitingEntry(
            p.position,
            p.reference,
            p.priority_class,
            describe_text(describe_class(scheme, p.priority_class, facility_id)),
            p.lottery,
            p.placed_elsewhere,
        )
        for p in domain_waiting_list(
            instance, allocation, facility_id, age_group, SeatType(seat_type)
        )
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
    # flat rows: a childminder's record holds JSON the names do not need
    for number, name in Childminder.objects.filter(territory=run.round.territory).values_list(
        "number", "name"
    ):
        names[f"{Childminder.PLACE_PREFIX}{number}"] = _("Childminder %(name)s") % {"name": name}
    return names


def run_summary(run: AllocationRun) -> RunSummary:
    children = run.inputs["instance"]["children"]
    return summarise_run(
        run.result["assignment"],
        run.inputs["instance"]["preferences"],
        {c[0] for c in children if c[2]},
    )
