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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from kitaplan.domain.allocation import SeatType, age_group_at, estimate_chances
from kitaplan.exchange.allocation_instance import write_allocation, write_instance
from kitaplan.web.allocation import erasure, selectors, services
from kitaplan.web.allocation.explanations import (
    AGE_GROUP_TEXT,
    SEAT_TEXT,
    class_text,
    explain_child,
    facility_names,
    run_for,
    run_summary,
    waiting_list,
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
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.selectors import facilities_visible_to

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
STATUS_TEXT = {
    "registered": gettext_lazy("registered"),
    "unplaced": gettext_lazy("no place yet (waiting list)"),
    "left": gettext_lazy("left the round"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def _round(request: HttpRequest, pk: int) -> AllocationRound:
    return get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)


def _office_only(request: HttpRequest) -> None:
    if not selectors.is_office(request.user):
        raise PermissionDenied


def _is_manager(user: Any) -> bool:
    return Role.FACILITY_MANAGER in access.roles_of(user)


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("is_office", selectors.is_office(request.user))
    return render(request, template, context)


def _error(code: str) -> str:
    return str(ERROR_TEXT.get(code, code))


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
    own_facilities = facilities_visible_to(user)
    programmes = round_.programmes.select_related("facility", "childminder")
    if not access.is_city_staff(user):
        programmes = programmes.filter(facility__in=own_facilities)
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
    editable = None
    if selectors.is_office(user):
        editable = round_.territory.facilities.all()
    elif _is_manager(user):
        editable = facilities_visible_to(user).filter(territory=round_.territory)
    programmes = round_.programmes.select_related("facility", "facility__provider", "childminder")
    if not access.is_city_staff(user):
        programmes = programmes.filter(facility__in=facilities_visible_to(user))
    childminders = None
    if selectors.is_office(user):
        from kitaplan.web.childminding.models import Childminder

        childminders = Childminder.objects.filter(territory=round_.territory, status="active")
    form = (
        ProgrammeForm(facilities=editable, childminders=childminders)
        if editable is not None
        else None
    )
    # Own criteria only make sense for facilities that take part in the round.
    taking_part = (
        editable.filter(round_programmes__round=round_).distinct() if editable is not None else None
    )
    criteria_form = (
        FacilityCriteriaForm(facilities=taking_part) if taking_part is not None else None
    )
    if request.method == "POST":
        if editable is None:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "criteria":
            criteria_form = FacilityCriteriaForm(request.POST, facilities=taking_part)
            if criteria_form.is_valid():
                facility = criteria_form.cleaned_data["facility"]
                names = criteria_form.cleaned_data["criteria"].splitlines()
                services.save_facility_criteria(
                    round_=round_, facility=facility, names=names, actor=user
                )
                messages.success(request, _("The facility's criteria were saved."))
                return redirect("allocation:round-places", pk=round_.pk)
        else:
            existing = None
            facility_id = request.POST.get("facility")
            childminder_id = request.POST.get("childminder") if childminders is not None else None
            age_group = request.POST.get("age_group")
            if facility_id and age_group:
                existing = RoundProgramme.objects.filter(
                    round=round_, facility_id=facility_id, age_group=age_group
                ).first()
            elif childminder_id and age_group:
                existing = RoundProgramme.objects.filter(
                    round=round_, childminder_id=childminder_id, age_group=age_group
                ).first()
            form = ProgrammeForm(
                request.POST,
                instance=existing or RoundProgramme(round=round_),
                facilities=editable,
                childminders=childminders,
            )
            if form.is_valid():
                services.save_programme(programme=form.save(commit=False), actor=user)
                messages.success(request, _("The places were saved."))
                return redirect("allocation:round-places", pk=round_.pk)
    criteria = FacilityCriterion.objects.filter(round=round_).select_related("facility")
    if not access.is_city_staff(user):
        criteria = criteria.filter(facility__in=facilities_visible_to(user))
    return _page(
        request,
        "allocation/round_places.html",
        {
            "round": round_,
            "programmes": programmes,
            "form": form,
            "criteria_form": criteria_form,
            "facility_criteria": criteria.order_by("facility__name", "position"),
        },
    )


# --- applications ---------------------------------------------------------------------------


def _application_rows(round_: AllocationRound, applications: Any) -> list[dict[str, Any]]:
    offers: dict[int, list[Offer]] = {}
    for offer in (
        Offer.objects.filter(application__round=round_)
        .select_related("facility", "childminder")
        .order_by("run__number", "pk")
    ):
        offers.setdefault(offer.application_id, []).append(offer)
    rows = []
    for app in applications:
        code, offer = application_status(app, offers.get(app.pk, []))
        age = age_group_at(app.birth_date, round_.care_start)
        rows.append(
            {
                "app": app,
                "age_group": AGE_GROUP_TEXT.get(age.value, "") if age else "–",
                "status": code,
                "status_label": status_label(code, offer),
                "offer": offer,
                "choices": len(app.choices.all()),
            }
        )
    return rows


STATUS_FILTERS = {
    "open": gettext_lazy("offer open"),
    "accepted": gettext_lazy("offer accepted"),
    "registered": gettext_lazy("registered, no offer"),
    "left": gettext_lazy("left the round"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    _office_only(request)
    round_ = _round(request, pk)
    applications = (
        Application.objects.filter(round=round_)
        .select_related("home_area")
        .prefetch_related("choices")
        .order_by("reference")
    )
    query = request.GET.get("q", "").strip()
    if query:
        applications = applications.filter(
            Q(reference__icontains=query) | Q(child_name__icontains=query)
        )
    rows = _application_rows(round_, applications)
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        rows = [r for r in rows if r["status"] == status]
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        columns = [
            Column("reference", _("Reference"), lambda r: r["app"].reference),
            Column("child_name", _("Child's name"), lambda r: r["app"].child_name),
            Column("birth_date", _("Date of birth"), lambda r: r["app"].birth_date.isoformat()),
            Column("age_group", _("Age group"), lambda r: str(r["age_group"])),
            Column("home_area", _("Home area"), lambda r: r["app"].home_area.official_code),
            Column("choices", _("Choices"), lambda r: r["choices"]),
            Column(
                "integration_need", _("Integration need"), lambda r: int(r["app"].integration_need)
            ),
            Column("lottery", _("Lottery number"), lambda r: r["app"].lottery_number or ""),
            Column("status", _("Status"), lambda r: r["status"]),
            Column(
                "facility",
                _("Facility of the offer"),
                lambda r: r["offer"].place.official_number if r["offer"] else "",
            ),
        ]
        return export_response(
            export_format=export_format,
            columns=columns,
            objects=rows,
            base_name=f"bewerbungen-runde-{round_.pk}",
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("format", None)
    return _page(
        request,
        "allocation/application_list.html",
        {
            "round": round_,
            "page": page,
            "rows": page.object_list,
            "status": status,
            "status_filters": STATUS_FILTERS.items(),
            "q": query,
            "query": params.urlencode(),
            "count": len(rows),
        },
    )


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
    code, offer = application_status(app, offers)
    run = None
    run_pk = request.GET.get("run")
    if run_pk:
        # an id that is no number (or out of 64 bits) is no run of this round: 404, not 500
        valid_pk = run_pk.isascii() and run_pk.isdigit() and int(run_pk) < 2**63
        run = get_object_or_404(round_.runs, pk=int(run_pk) if valid_pk else 0)
        if app.reference not in run.result["assignment"]:
            run = None
    else:
        run = run_for(app, published_only=False)
    explanation = None
    chances = None
    if run is not None:
        names = facility_names(run)
        stored = services.stored_allocation(run)
        explanation = explain_child(run, app.reference, names, stored)
        if request.GET.get("chances"):
            estimate = estimate_chances(stored[0], draws=200, seed=run.seed)
            child = estimate[app.reference]
            chances = {
                "draws": 200,
                "rows": [
                    {
                        "facility": names.get(f, f),
                        "probability": e.probability,
                        "low": e.interval[0],
                        "high": e.interval[1],
                    }
                    for f, e in child.facilities
                ],
                "unplaced": child.unplaced,
            }
    age = age_group_at(app.birth_date, round_.care_start)
    return _page(
        request,
        "allocation/application_detail.html",
        {
            "app": app,
            "round": round_,
            "age_group": AGE_GROUP_TEXT.get(age.value, "") if age else "–",
            "offers": offers,
            "status_label": status_label(code, offer),
            "open_offer": offer if offer is not None and offer.status == Offer.OPEN else None,
            "run": run,
            "explanation": explanation,
            "seat_text": SEAT_TEXT,
            "chances": chances,
            "runs": round_.runs.order_by("-number"),
        },
    )


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
    run = services.run_round(round_=round_, actor=request.user)
    if run.check_problems:
        messages.error(request, _("The independent check found problems in this run."))
    else:
        messages.success(
            request,
            _("Run %(n)s computed and checked. Review it, then send the offers.")
            % {"n": run.number},
        )
    return redirect("allocation:run-detail", pk=run.pk)


def _run(request: HttpRequest, pk: int) -> AllocationRun:
    _office_only(request)
    return get_object_or_404(AllocationRun.objects.select_related("round"), pk=pk)


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    names = facility_names(run)
    cutoffs = []
    for f, age, seat, capacity, admitted, cls, lottery in sorted(run.result["cutoffs"]):
        if capacity == 0 and admitted == 0:
            continue
        cutoffs.append(
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
    later = run.round.runs.filter(number__gt=run.number).exists()
    return _page(
        request,
        "allocation/run_detail.html",
        {
            "run": run,
            "round": run.round,
            "summary": run_summary(run),
            "reproduced": services.reproduce(run),
            "cutoffs": cutoffs,
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
        )
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
    if not (selectors.is_office(user) or _is_manager(user)):
        raise PermissionDenied
    facilities = (
        round_.territory.facilities.all()
        if selectors.is_office(user)
        else facilities_visible_to(user)
    )
    place = get_object_or_404(facilities, pk=facility)
    choices = (
        ApplicationChoice.objects.filter(
            application__round=round_, application__withdrawn=False, facility=place
        )
        .select_related("application")
        .prefetch_related("own_criteria_met")
        .order_by("application__reference")
    )
    own = list(FacilityCriterion.objects.filter(round=round_, facility=place).order_by("position"))
    if request.method == "POST" and request.POST.get("action") == "order":
        positions = []
        for choice in choices:
            raw = request.POST.get(f"order-{choice.application_id}", "").strip()
            if raw.isdigit():
                positions.append((int(raw), choice.application.reference))
        services.save_own_order(
            round_=round_,
            facility=place,
            references=[ref for _pos, ref in sorted(positions)],
            actor=user,
        )
        messages.success(request, _("Your order of applicants was saved."))
        return redirect("allocation:facility-applicants", pk=round_.pk, facility=place.pk)
    if request.method == "POST":
        if own:
            by_pk = {c.pk: c for c in own}
            for choice in choices:
                chosen = {
                    int(v)
                    for v in request.POST.getlist(f"met-{choice.application_id}")
                    if v.isdigit() and int(v) in by_pk
                }
                current = {c.pk for c in choice.own_criteria_met.all()}
                if chosen != current:
                    services.set_own_criteria_met(
                        choice=choice, criteria=[by_pk[k] for k in chosen], actor=user
                    )
            messages.success(request, _("The confirmations were saved."))
        return redirect("allocation:facility-applicants", pk=round_.pk, facility=place.pk)
    run = round_.runs.filter(published_at__isnull=False).order_by("-number").first()
    names = {c.application.reference: c.application.child_name for c in choices}
    first_programme = round_.programmes.filter(facility=place).first()
    order_position = {
        ref: k
        for k, ref in enumerate(first_programme.own_order if first_programme else [], start=1)
    }
    programmes = []
    for programme in round_.programmes.filter(facility=place).order_by("age_group"):
        lists = []
        if run is not None:
            for seat in (SeatType.INTEGRATION.value, SeatType.REGULAR.value):
                if seat == SeatType.INTEGRATION.value and not programme.integration_places:
                    continue
                entries = waiting_list(run, place.official_number, programme.age_group, seat)
                lists.append(
                    {
                        "seat": SEAT_TEXT[seat],
                        "entries": [
                            {"entry": e, "name": names.get(e.reference, "")} for e in entries
                        ],
                    }
                )
        programmes.append({"programme": programme, "lists": lists})
    holders = (
        Offer.objects.filter(application__round=round_, facility=place)
        .exclude(status=Offer.REPLACED)
        .select_related("application")
        .order_by("status", "application__reference")
    )
    return _page(
        request,
        "allocation/facility_applicants.html",
        {
            "round": round_,
            "facility": place,
            "run": run,
            "programmes": programmes,
            "holders": holders,
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
        },
    )


# --- statistics -----------------------------------------------------------------------------


def round_statistics_page(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round(request, pk)
    if not selectors.can_view_statistics(request.user):
        raise PermissionDenied
    stats = compute_statistics(round_)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        columns = [
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
        return export_response(
            export_format=export_format,
            columns=columns,
            objects=stats.rows,
            base_name=f"vergabe-statistik-runde-{round_.pk}",
        )
    return _page(
        request,
        "allocation/round_statistics.html",
        {"round": round_, "stats": stats, "age_text": AGE_GROUP_TEXT},
    )
