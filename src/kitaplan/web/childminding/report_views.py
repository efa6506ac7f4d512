"""Pages of the yearly report of the advisory service (page, PDF, XLSX) and of the move to a
Kita (children turning three, entering them into an open allocation round).

Access: the report is for administrators, the payment office (every childminder) and advisers
(the childminders of their services); the move to a Kita for administrators and advisers.
Everything else gets 403. Every figure is counted over
:func:`~kitaplan.web.childminding.selectors.childminders_visible_to`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.allocation import age_group_at
from kitaplan.domain.common.vocabulary import AgeGroup
from kitaplan.web.childminding import report as yearly
from kitaplan.web.childminding import selectors, transition
from kitaplan.web.childminding.models import AdvisoryService, CareContract
from kitaplan.web.core.access import has_any_role
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import Territory

REPORT_ROLES = frozenset({Role.ADMIN, Role.PAYMENT_OFFICE, Role.CHILDMINDER_ADVISER})
TRANSITION_ROLES = frozenset({Role.ADMIN, Role.CHILDMINDER_ADVISER})
FIRST_YEAR = 2000

TRANSITION_ERRORS = {
    "other_territory": gettext_lazy("The round belongs to another territory."),
    "round_closed": gettext_lazy("The round no longer takes applications."),
    "not_ue3": gettext_lazy(
        "At the round's care start the child is not in the age group 3 to school entry."
    ),
    "no_area": gettext_lazy("The childminder has no area, so no home area can be set."),
    "no_places": gettext_lazy(
        "No facility with known coordinates releases places for children over three in this round."
    ),
    "already_entered": gettext_lazy("The child is already entered into this round."),
}


# --- yearly report -------------------------------------------------------------------------------


def _require(request: HttpRequest, roles: frozenset[Role]) -> None:
    if not has_any_role(request.user, roles):
        raise PermissionDenied


def _report(request: HttpRequest) -> dict[str, Any]:
    """Territory, year and advisory service from the query, and the report scoped to the user."""
    _require(request, REPORT_ROLES)
    visible = selectors.childminders_visible_to(request.user)
    territories = Territory.objects.filter(pk__in=visible.values("territory_id")).order_by("name")
    if not territories.exists():
        territories = Territory.objects.order_by("name")
    code = request.GET.get("territory")
    territory = get_object_or_404(territories, code=code) if code else territories.first()
    if territory is None:
        raise Http404
    today = timezone.localdate()
    year = yearly.default_year(today)
    try:
        asked = int(request.GET.get("year", ""))
    except ValueError:
        asked = None
    if asked is not None and FIRST_YEAR <= asked <= today.year + 1:
        year = asked
    services = AdvisoryService.objects.filter(territory=territory).order_by("name")
    if not has_any_role(request.user, selectors.ALL_CHILDMINDERS):
        services = services.filter(advisers=request.user)
    service = None
    if request.GET.get("service"):
        try:
            service = services.get(pk=int(request.GET["service"]))
        except (ValueError, AdvisoryService.DoesNotExist) as missing:
            raise Http404 from missing
    result = yearly.yearly_report(
        territory,
        year,
        services=[service] if service is not None else None,
        childminders=visible,
    )
    query = {"territory": territory.code, "year": year}
    if service is not None:
        query["service"] = service.pk
    return {
        "report": result,
        "territory": territory,
        "territories": territories,
        "year": year,
        "years": list(range(today.year + 1, FIRST_YEAR - 1, -1))[:15],
        "services": services,
        "service": service,
        "query": urlencode(query),
    }


def _display(line: yearly.Line) -> dict[str, Any]:
    return {
        "label": line.label,
        "key": line.key,
        "current": yearly._number(line.current, line.kind),
        "previous": yearly._number(line.previous, line.kind),
        "difference": yearly._number(line.difference, line.kind, signed=True),
    }


def report_page(request: HttpRequest) -> HttpResponse:
    context = _report(request)
    result: yearly.YearlyReport = context["report"]
    context["sections"] = [
        {"code": code, "label": label, "rows": [_display(line) for line in lines]}
        for code, label, lines in result.sections()
    ]
    return render(request, "childminding/report.html", context)


def report_pdf(request: HttpRequest) -> HttpResponse:
    context = _report(request)
    content = yearly.report_pdf(context["report"], compress=request.GET.get("compress") != "0")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="sachbericht-{context["territory"].code}-{context["year"]}.pdf"'
    )
    return response


def report_xlsx(request: HttpRequest) -> HttpResponse:
    context = _report(request)
    result: yearly.YearlyReport = context["report"]
    labels = dict(yearly.SECTIONS)

    def day(value: dt.date) -> str:
        return str(formats.date_format(value, "SHORT_DATE_FORMAT"))

    columns = [
        Column("section", _("Section"), lambda r: str(labels[r.section])),
        Column("figure", _("Figure"), lambda r: str(r.label)),
        Column("key", _("Code"), lambda r: f"{r.section}.{r.key}"),
        Column("current", day(result.current.reference_date), lambda r: r.current),
        Column("previous", day(result.previous.reference_date), lambda r: r.previous),
        Column("difference", _("Difference"), lambda r: r.difference),
    ]
    return export_response(
        export_format="xlsx",
        columns=columns,
        objects=result.lines(),
        base_name=f"sachbericht-{context['territory'].code}-{context['year']}",
    )


# --- move to a Kita ------------------------------------------------------------------------------


def _horizon(request: HttpRequest) -> int:
    try:
        months = int(request.GET.get("months") or request.POST.get("months") or "")
    except ValueError:
        return transition.DEFAULT_HORIZON_MONTHS
    return min(max(months, 1), transition.MAX_HORIZON_MONTHS)


def transition_page(request: HttpRequest) -> HttpResponse:
    _require(request, TRANSITION_ROLES)
    today = timezone.localdate()
    months = _horizon(request)
    visible = selectors.childminders_visible_to(request.user)
    items = transition.children_turning_three(visible, today=today, horizon_months=months)
    rounds = transition.open_rounds(visible.values("territory_id"), today=today)
    round_ = None
    if request.GET.get("round"):
        try:
            round_ = rounds.get(pk=int(request.GET["round"]))
        except (ValueError, rounds.model.DoesNotExist) as missing:
            raise Http404 from missing
    else:
        round_ = rounds.first()
    rows = []
    programmes: list[Any] = []
    entered: set[tuple[str, dt.date]] = set()
    if round_ is not None:
        programmes = transition.ue3_programmes(round_)
        entered = set(
            round_.applications.filter(withdrawn=False).values_list("child_name", "birth_date")
        )
    for item in items:
        row: dict[str, Any] = {"item": item, "state": None, "choices": []}
        if round_ is not None:
            group = age_group_at(item.contract.child_birth_date, round_.care_start)
            if item.childminder.territory_id != round_.territory_id:
                row["state"] = "other_territory"
            elif (item.child_name, item.contract.child_birth_date) in entered:
                row["state"] = "already_entered"
            elif group is not AgeGroup.UE3:
                row["state"] = "not_ue3"
            else:
                row["choices"] = transition.nearest_facilities(
                    round_, item.childminder, programmes=programmes
                )
                row["state"] = "ready" if row["choices"] else "no_places"
        rows.append(row)
    return render(
        request,
        "childminding/transition.html",
        {
            "rows": rows,
            "months": months,
            "today": today,
            "limit": transition.add_months(today, months),
            "rounds": rounds,
            "round": round_,
            "errors": TRANSITION_ERRORS,
            "can_enter": has_any_role(request.user, TRANSITION_ROLES),
        },
    )


def transition_enter(request: HttpRequest) -> HttpResponse:
    _require(request, TRANSITION_ROLES)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    today = timezone.localdate()
    visible = selectors.childminders_visible_to(request.user)
    try:
        contract_pk, round_pk = int(request.POST["contract"]), int(request.POST["round"])
    except (KeyError, ValueError) as bad:
        raise Http404 from bad
    contract = get_object_or_404(
        CareContract.objects.select_related("childminder", "childminder__area").filter(
            childminder__in=visible.values("pk")
        ),
        pk=contract_pk,
    )
    round_ = get_object_or_404(
        transition.open_rounds(visible.values("territory_id"), today=today), pk=round_pk
    )
    from kitaplan.web.allocation.services import AllocationError

    try:
        application = transition.enter_into_round(
            contract=contract, round_=round_, actor=request.user, today=today
        )
    except transition.TransitionError as error:
        messages.error(request, str(TRANSITION_ERRORS.get(error.code, error.code)))
    except AllocationError as error:
        messages.error(
            request,
            _("The allocation service refused the application (%(code)s).") % {"code": error.code},
        )
    else:
        messages.success(
            request,
            _("%(child)s was entered into %(round)s as application %(reference)s.")
            % {
                "child": application.child_name,
                "round": round_.name,
                "reference": application.reference,
            },
        )
    query = urlencode({"round": round_.pk, "months": _horizon(request)})
    return redirect(f"{reverse('childminding:transition')}?{query}")
