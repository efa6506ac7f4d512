"""Pages of the allocation office and the facilities: rounds, released places, applications,
runs with cut-offs and the audit check, a child's explanation, a facility's applicants and
waiting lists, and the figures for planning.

Who sees what is decided in :mod:`kitaplan.web.allocation.selectors`; every change goes through
:mod:`kitaplan.web.allocation.services`.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from kitaplan.exchange.allocation_instance import write_allocation, write_instance
from kitaplan.web.allocation import erasure, presenters, selectors, services
from kitaplan.web.allocation import jobs as allocation_jobs
from kitaplan.web.allocation.chances import chances_for_page, chances_state, request_chances
from kitaplan.web.allocation.check_wording import check_report, describe_stored_problems
from kitaplan.web.allocation.explanations import (
    AGE_GROUP_TEXT,
    SEAT_TEXT,
    explain_child,
    facility_names,
    run_for,
    run_summary,
)
from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    ApplicationChoice,
    FacilityCriterion,
    Offer,
    RoundProgramme,
)
from kitaplan.web.allocation.office_forms import (
    ErasureForm,
    FacilityCriteriaForm,
    ProgrammeForm,
    RoundForm,
)
from kitaplan.web.allocation.statistics import round_statistics as compute_statistics
from kitaplan.web.audit.services import AuditAction, record_read
from kitaplan.web.core import access
from kitaplan.web.core.exports import export_response

ERROR_TEXT = {
    "window_reversed": gettext_lazy("The application window closes before it opens."),
    "criterion_twice": gettext_lazy("A criterion is used twice."),
    "integration_above_capacity": gettext_lazy(
        "There cannot be more integration places than places."
    ),
    "already_published": gettext_lazy("The offers of this run have already been sent."),
    "not_latest": gettext_lazy("A later run exists; only the latest run can be published."),
    "check_failed": gettext_lazy(
        "The independent check found problems; offers are not sent from this run."
    ),
    "stale": gettext_lazy(
        "Applications or answers changed after this run was computed. Compute a new run."
    ),
}


#: Rows per page of the office's lists (applications, a run's cut-offs).
APPLICATIONS_PER_PAGE = 50
CUTOFFS_PER_PAGE = 50


def _round(request: HttpRequest, pk: int) -> AllocationRound:
    return get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)


def _office_only(request: HttpRequest) -> None:
    if not selectors.is_office(request.user):
        raise PermissionDenied


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("is_office", selectors.is_office(request.user))
    return render(request, template, context)


def _error(code: str) -> str:
    return str(ERROR_TEXT.get(code, code))


# --- rounds ---------------------------------------------------------------------------------


def round_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.is_staff_user(user):
        raise PermissionDenied  # parents have their own pages (my-applications)
    rounds = selectors.rounds_visible_to(user).annotate(
        n_applications=Count(
            "applications", filter=Q(applications__withdrawn=False), distinct=True
        ),
        n_runs=Count("runs", distinct=True),
    )
    return _page(
        request,
        "allocation/round_list.html",
        {"rounds": rounds, "is_office": selectors.is_office(user)},
    )


def round_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _office_only(request)
    round_ = get_object_or_404(AllocationRound, pk=pk) if pk else AllocationRound()
    form = RoundForm(request.POST or None, instance=round_)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_round(
                round_=form.save(commit=False),
                criteria=form.cleaned_data["criteria"],
                actor=request.user,
            )
        except services.AllocationError as error:
            form.add_error(None, _error(error.code))
        else:
            messages.success(request, _("The round was saved."))
            return redirect("allocation:round-detail", pk=saved.pk)
    return _page(request, "allocation/round_form.html", {"form": form, "round": round_})


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    if not access.is_staff_user(user):
        raise PermissionDenied
    round_ = _round(request, pk)
    programmes = selectors.programmes_visible_to(user, round_)
    totals = {"capacity": 0, "integration": 0}
    for p in programmes:
        totals["capacity"] += p.capacity
        totals["integration"] += p.integration_places
    runs = list(round_.runs.order_by("-number")) if selectors.is_office(user) else []
    own = (
        sorted({p.facility for p in programmes if p.facility}, key=lambda f: f.name)
        if not access.is_city_staff(user)
        else []
    )
    context: dict[str, Any] = {
        "round": round_,
        "criteria": round_.criterion_rows.all(),
        "facility_criteria": FacilityCriterion.objects.filter(round=round_)
        .select_related("facility")
        .order_by("facility__name", "position"),
        "totals": totals,
        "n_programmes": len(programmes),
        "n_applications": round_.applications.filter(withdrawn=False).count(),
        "runs": [(r, run_summary(r)) for r in runs],
        "is_office": selectors.is_office(user),
        "own_facilities": own,
        "can_view_statistics": selectors.can_view_statistics(user),
    }
    return _page(request, "allocation/round_detail.html", context)


def round_places(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    user = request.user
    if not access.is_staff_user(user):
        raise PermissionDenied
    editable = selectors.round_facilities_editable_by(user, round_)
    childminders = selectors.round_childminders_editable_by(user, round_)
    form = criteria_form = None
    if editable is not None:
        form = ProgrammeForm(facilities=editable, childminders=childminders)
        taking_part = selectors.facilities_taking_part(editable, round_)
        criteria_form = FacilityCriteriaForm(facilities=taking_part)
    if request.method == "POST":
        if editable is None:
            raise PermissionDenied
        if request.POST.get("action") == "criteria":
            criteria_form = FacilityCriteriaForm(request.POST, facilities=taking_part)
            if criteria_form.is_valid():
                services.save_facility_criteria(
                    round_=round_,
                    facility=criteria_form.cleaned_data["facility"],
                    names=criteria_form.cleaned_data["criteria"].splitlines(),
                    actor=user,
                )
                messages.success(request, _("The facility's criteria were saved."))
                return redirect("allocation:round-places", pk=round_.pk)
        else:
            form = _posted_places(request, round_, editable, childminders)
            if form.is_valid():
                services.save_programme(programme=form.save(commit=False), actor=user)
                messages.success(request, _("The places were saved."))
                return redirect("allocation:round-places", pk=round_.pk)
    return _page(
        request,
        "allocation/round_places.html",
        {
            "round": round_,
            "programmes": selectors.programmes_visible_to(user, round_),
            "form": form,
            "criteria_form": criteria_form,
            "facility_criteria": selectors.facility_criteria_visible_to(user, round_),
        },
    )


def _posted_places(
    request: HttpRequest, round_: AllocationRound, editable: Any, childminders: Any
) -> ProgrammeForm:
    """The posted places form, bound to the programme it changes where that exists."""
    existing = selectors.programme_for(
        round_,
        facility_id=request.POST.get("facility"),
        childminder_id=request.POST.get("childminder") if childminders is not None else None,
        age_group=request.POST.get("age_group"),
    )
    return ProgrammeForm(
        request.POST,
        instance=existing or RoundProgramme(round=round_),
        facilities=editable,
        childminders=childminders,
    )


# --- applications ---------------------------------------------------------------------------


def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    _office_only(request)
    round_ = _round(request, pk)
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if status not in presenters.STATUS_FILTERS:
        status = ""
    applications = selectors.applications_in_round(round_, query, status)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=presenters.application_columns(),
            objects=presenters.application_rows(round_, applications),
            base_name=f"bewerbungen-runde-{round_.pk}",
        )
    # only the shown page's rows are read (filter, status and count in the database)
    page = Paginator(applications, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return _page(
        request,
        "allocation/application_list.html",
        {
            "round": round_,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "rows": presenters.application_rows(round_, page.object_list),
            "status": status,
            "status_filters": presenters.STATUS_FILTERS.items(),
            "q": query,
            "query": params.urlencode(),
            "count": page.paginator.count,
        },
    )


def _chosen_run(request: HttpRequest, app: Application) -> AllocationRun | None:
    """The run asked for by ``?run=`` (where the child took part), else the latest run with
    the child."""
    run_pk = request.GET.get("run")
    if not run_pk:
        return run_for(app, published_only=False)
    # an id that is no number (or out of 64 bits) is no run of this round: 404, not 500
    valid_pk = run_pk.isascii() and run_pk.isdigit() and int(run_pk) < 2**63
    run = get_object_or_404(app.round.runs, pk=int(run_pk) if valid_pk else 0)
    return run if app.reference in run.result["assignment"] else None


def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _office_only(request)
    app = get_object_or_404(
        selectors.applications_visible_to(request.user).prefetch_related(
            Prefetch(
                "choices",
                ApplicationChoice.objects.select_related("facility", "childminder").order_by(
                    "rank"
                ),
            ),
            "siblings_at",
        ),
        pk=pk,
    )
    record_read(actor=request.user, action=AuditAction.APPLICATION_VIEWED, target=app)
    round_ = app.round
    offers = list(
        app.offers.select_related("facility", "childminder", "run").order_by("run__number", "pk")
    )
    code, offer = presenters.application_status(app, offers)
    run = _chosen_run(request, app)
    explanation = chances = None
    if run is not None:
        names = facility_names(run)
        stored = services.stored_allocation(run)
        explanation = explain_child(run, app.reference, names, stored)
        if request.GET.get("chances"):  # stored by a job, queued once per run: no draws here
            chances = chances_for_page(run, app.reference, names, actor=request.user)
    return _page(
        request,
        "allocation/application_detail.html",
        {
            "app": app,
            "round": round_,
            "age_group": presenters.age_group_text(app, round_),
            "offers": offers,
            "status_label": presenters.status_label(code, offer),
            "open_offer": offer if offer is not None and offer.status == Offer.OPEN else None,
            "run": run,
            "explanation": explanation,
            "seat_text": SEAT_TEXT,
            "chances": chances,
            "runs": round_.runs.order_by("-number"),
            "may_edit": selectors.can_save_application(request.user, app),
        },
    )


@require_POST
def application_chances(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the chances of the run ``?run=`` again after its job failed ("Try again")."""
    _office_only(request)
    app = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
    run = _chosen_run(request, app)
    if run is None:
        raise Http404
    request_chances(run, actor=request.user, again=True)
    url = reverse("allocation:application-detail", args=[app.pk])
    return redirect(f"{url}?run={run.pk}&chances=1#chances")


def run_chances_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled status of a run's chances: the page reloads once they are stored or the
    job failed (``HX-Refresh``)."""
    run = _run(request, pk)
    state = chances_state(run)
    response = render(request, "allocation/_chances_computing.html", {"chances": state, "run": run})
    if state["state"] != "computing":
        response["HX-Refresh"] = "true"
    return response


def application_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase an application's personal data on the family's request (the office only): deleted
    when it never took part in a published run, otherwise anonymised (:mod:`.erasure`)."""
    _office_only(request)
    app = get_object_or_404(
        selectors.applications_visible_to(request.user).filter(erased_at__isnull=True), pk=pk
    )
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = erasure.erase_application(
            application=app,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
        if done.deleted:
            messages.success(
                request,
                _("Application %(ref)s was deleted.") % {"ref": done.reference},
            )
            return redirect("allocation:application-list", pk=app.round_id)
        messages.success(
            request,
            _("The personal data of application %(ref)s were erased; the reference stays.")
            % {"ref": done.reference},
        )
        return redirect("allocation:application-detail", pk=app.pk)
    return _page(
        request,
        "allocation/application_erase.html",
        {"app": app, "round": app.round, "form": form, "keeps": erasure.in_published_run(app)},
    )


# --- runs -----------------------------------------------------------------------------------


@require_POST
def round_run(request: HttpRequest, pk: int) -> HttpResponse:
    _office_only(request)
    round_ = _round(request, pk)
    job = allocation_jobs.queue_run(round_=round_, actor=request.user)  # the worker computes
    return redirect("jobs:job-detail", pk=job.pk)


def _run(request: HttpRequest, pk: int) -> AllocationRun:
    _office_only(request)
    run: AllocationRun = get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)
    return run


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    later = run.round.runs.filter(number__gt=run.number).exists()
    # one page of the cut-offs (a Berlin-size run has thousands of programmes)
    page = Paginator(presenters.cutoff_entries(run), CUTOFFS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "allocation/run_detail.html",
        {
            "run": run,
            "round": run.round,
            "summary": run_summary(run),
            "problems": describe_stored_problems(run.check_problems[:20]),
            "reproduced": presenters.reproduced(run),
            "cutoffs": presenters.cutoff_rows(run, page.object_list),
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "can_publish": not run.is_published and not later and not run.check_problems,
            "rounds_log": run.result.get("rounds_log", []),
            "criteria": run.inputs["criteria"],
        },
    )


@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        made = services.publish_run(run=run, actor=request.user)
    except services.AllocationError as error:
        messages.error(request, _error(error.code))
    else:
        messages.success(
            request,
            ngettext("%(n)s offer was sent.", "%(n)s offers were sent.", made) % {"n": made},
        )
    return redirect("allocation:run-detail", pk=run.pk)


def run_instance_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """The run in the interchange format (instance, lottery, result) for an independent audit."""
    run = _run(request, pk)
    instance, allocation = services.stored_allocation(run)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        write_instance(Path(folder), instance)
        write_allocation(Path(folder), instance, allocation)
        readme = (
            f"kitaplan allocation run {run.round.pk}/{run.number} ({run.get_kind_display()})\n"
            f"seed: {run.seed}\ncode version: {run.code_version}\n"
            f"inputs sha256: {run.inputs_sha256}\n"
            "Format: docs/domain/allocation.md. lottery.csv holds the numbers used; check with\n"
            "`kitaplan allocate --instance . --out OUT --lottery lottery.csv`.\n"
        ) + check_report(run.check_problems)
        (Path(folder) / "README.txt").write_text(readme, encoding="utf-8")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(folder).iterdir()):
                archive.write(path, path.name)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="vergabe-runde-{run.round.pk}-lauf-{run.number}.zip"'
    )
    return response


# --- facilities -----------------------------------------------------------------------------


def facility_applicants(request: HttpRequest, pk: int, facility: int) -> HttpResponse:
    """A facility's programmes in a round: cut-offs, who holds an offer, the waiting lists, and
    the confirmation of its own criteria. The rank a family gave the facility is not shown."""
    round_ = _round(request, pk)
    user = request.user
    editable = selectors.round_facilities_editable_by(user, round_)
    if not selectors.can_manage_applicants(user) or editable is None:
        raise PermissionDenied
    place = get_object_or_404(editable, pk=facility)
    choices = selectors.facility_choices(round_, place)
    own = list(FacilityCriterion.objects.filter(round=round_, facility=place).order_by("position"))
    if request.method == "POST" and request.POST.get("action") == "order":
        services.save_own_order(
            round_=round_, facility=place, references=_posted_order(request, choices), actor=user
        )
        messages.success(request, _("Your order of applicants was saved."))
    elif request.method == "POST" and own:
        by_pk = {c.pk: c for c in own}
        for choice in choices:
            chosen = {
                int(v)
                for v in request.POST.getlist(f"met-{choice.application_id}")
                if v.isdigit() and int(v) in by_pk
            }
            if chosen != {c.pk for c in choice.own_criteria_met.all()}:
                services.set_own_criteria_met(
                    choice=choice, criteria=[by_pk[k] for k in chosen], actor=user
                )
        messages.success(request, _("The confirmations were saved."))
    if request.method == "POST":
        return redirect("allocation:facility-applicants", pk=round_.pk, facility=place.pk)
    return _page(
        request,
        "allocation/facility_applicants.html",
        presenters.facility_applicants(round_, place, choices, own),
    )


def _posted_order(request: HttpRequest, choices: Any) -> list[str]:
    """The references in the order of the positions typed in (rows without a number left out)."""
    positions = []
    for choice in choices:
        raw = request.POST.get(f"order-{choice.application_id}", "").strip()
        if raw.isdigit():
            positions.append((int(raw), choice.application.reference))
    return [ref for _pos, ref in sorted(positions)]


# --- statistics -----------------------------------------------------------------------------


def round_statistics_page(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    if not selectors.can_view_statistics(request.user):
        raise PermissionDenied
    stats = compute_statistics(round_)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=presenters.statistics_columns(),
            objects=stats.rows,
            base_name=f"vergabe-statistik-runde-{round_.pk}",
        )
    return _page(
        request,
        "allocation/round_statistics.html",
        {"round": round_, "stats": stats, "age_text": AGE_GROUP_TEXT},
    )
