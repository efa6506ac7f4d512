"""Pages of the yearly report of the advisory service (page, PDF, XLSX) and of the move to a
Kita (children turning three, entering them into an open allocation round).

Access (:mod:`kitaplan.web.reports.selectors`): the report is for administrators, the payment
office (every childminder) and advisers (the childminders of their services); the move to a Kita
for administrators and advisers. Everything else gets 403.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.childminding.yearly_report import default_year
from kitaplan.domain.common.calendar import add_months
from kitaplan.web.allocation.models import AllocationRound
from kitaplan.web.allocation.services import AllocationError
from kitaplan.web.childminding.models import AdvisoryService, CareContract
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.reports import selectors, transition, yearly, yearly_pdf
from kitaplan.web.territory.requests import territory_from_request

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
    "unknown_address": gettext_lazy("The address register does not know this home address."),
}


# --- yearly report -------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    today = timezone.localdate()
    try:
        asked = int(request.GET.get("year", ""))
    except ValueError:
        asked = None
    if asked is not None and FIRST_YEAR <= asked <= today.year + 1:
        return asked
    return default_year(today)


def _service(request: HttpRequest, services: Any) -> AdvisoryService | None:
    if not request.GET.get("service"):
        return None
    try:
        found: AdvisoryService = services.get(pk=int(request.GET["service"]))
    except (ValueError, AdvisoryService.DoesNotExist) as missing:
        raise Http404 from missing
    return found


def _report(request: HttpRequest) -> dict[str, Any]:
    """Territory, year and advisory service from the query, and the report scoped to the user."""
    if not selectors.can_read_yearly_report(request.user):
        raise PermissionDenied
    territories = selectors.report_territories_visible_to(request.user).order_by("name")
    territory = territory_from_request(request, among=territories)
    if territory is None:
        raise Http404
    year = _year(request)
    services = selectors.services_visible_to(request.user, territory)
    service = _service(request, services)
    result = yearly.yearly_report(
        territory,
        year,
        services=[service] if service is not None else None,
        childminders=childminders_visible_to(request.user),
    )
    query: dict[str, Any] = {"territory": territory.code, "year": year}
    if service is not None:
        query["service"] = service.pk
    this_year = timezone.localdate().year
    return {
        "report": result,
        "territory": territory,
        "territories": territories,
        "year": year,
        "years": list(range(this_year + 1, FIRST_YEAR - 1, -1))[:15],
        "services": services,
        "service": service,
        "query": urlencode(query),
    }


def _display(line: yearly.Line) -> dict[str, Any]:
    return {
        "label": line.label,
        "key": line.key,
        "current": yearly.number(line.current, line.kind),
        "previous": yearly.number(line.previous, line.kind),
        "difference": yearly.number(line.difference, line.kind, signed=True),
    }


def _file_name(context: dict[str, Any]) -> str:
    return f"sachbericht-{context['territory'].code}-{context['year']}"


def report_page(request: HttpRequest) -> HttpResponse:
    context = _report(request)
    result: yearly.YearlyReport = context["report"]
    context["sections"] = [
        {"code": code, "label": label, "rows": [_display(line) for line in lines]}
        for code, label, lines in result.sections()
    ]
    return render(request, "reports/yearly_report.html", context)


def report_pdf(request: HttpRequest) -> HttpResponse:
    context = _report(request)
    content = yearly_pdf.report_pdf(context["report"], compress=request.GET.get("compress") != "0")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(context)}.pdf"'
    return response


def report_xlsx(request: HttpRequest) -> HttpResponse:
    context = _report(request)
    result: yearly.YearlyReport = context["report"]
    labels = dict(yearly.SECTIONS)
    columns = [
        Column("section", _("Section"), lambda r: str(labels[r.section])),
        Column("figure", _("Figure"), lambda r: str(r.label)),
        Column("key", _("Code"), lambda r: f"{r.section}.{r.key}"),
        Column("current", yearly.day_text(result.current.reference_date), lambda r: r.current),
        Column("previous", yearly.day_text(result.previous.reference_date), lambda r: r.previous),
        Column("difference", _("Difference"), lambda r: r.difference),
    ]
    return export_response(
        export_format="xlsx",
        columns=columns,
        objects=result.lines(),
        base_name=_file_name(context),
    )


# --- move to a Kita ------------------------------------------------------------------------------


def _horizon(request: HttpRequest) -> int:
    try:
        months = int(request.GET.get("months") or request.POST.get("months") or "")
    except ValueError:
        return transition.DEFAULT_HORIZON_MONTHS
    return min(max(months, 1), transition.MAX_HORIZON_MONTHS)


def _require_transition(request: HttpRequest) -> None:
    if not selectors.can_use_transition(request.user):
        raise PermissionDenied


def _round(request: HttpRequest, rounds: QuerySet[AllocationRound]) -> AllocationRound | None:
    if not request.GET.get("round"):
        return rounds.first()
    try:
        return rounds.get(pk=int(request.GET["round"]))
    except (ValueError, AllocationRound.DoesNotExist) as missing:
        raise Http404 from missing


def transition_page(request: HttpRequest) -> HttpResponse:
    _require_transition(request)
    today = timezone.localdate()
    months = _horizon(request)
    visible = childminders_visible_to(request.user)
    items = transition.children_turning_three(visible, today=today, horizon_months=months)
    rounds = transition.open_rounds(visible.values("territory_id"), today=today)
    round_ = _round(request, rounds)
    rows = [
        {"item": row.item, "state": row.state, "choices": row.choices or []}
        for row in transition.rows_against(items, round_)
    ]
    return render(
        request,
        "reports/transition.html",
        {
            "rows": rows,
            "months": months,
            "today": today,
            "limit": add_months(today, months),
            "rounds": rounds,
            "round": round_,
            "errors": TRANSITION_ERRORS,
            "can_enter": selectors.can_use_transition(request.user),
            "address_register": transition.has_address_register(round_),
        },
    )


def _entered_message(request: HttpRequest, application: Any, round_: Any) -> None:
    messages.success(
        request,
        _("%(child)s was entered into %(round)s as application %(reference)s.")
        % {
            "child": application.child_name,
            "round": round_.name,
            "reference": application.reference,
        },
    )


def transition_enter(request: HttpRequest) -> HttpResponse:
    _require_transition(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    today = timezone.localdate()
    visible = childminders_visible_to(request.user)
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
    try:
        application = transition.enter_into_round(
            contract=contract,
            round_=round_,
            actor=request.user,
            today=today,
            home_address=request.POST.get("home_address", "")[:200],
        )
    except transition.TransitionError as error:
        messages.error(request, error.detail or str(TRANSITION_ERRORS.get(error.code, error.code)))
    except AllocationError as error:
        messages.error(
            request,
            _("The allocation service refused the application (%(code)s).") % {"code": error.code},
        )
    else:
        _entered_message(request, application, round_)
    query = urlencode({"round": round_.pk, "months": _horizon(request)})
    return redirect(f"{reverse('reports:transition')}?{query}")
