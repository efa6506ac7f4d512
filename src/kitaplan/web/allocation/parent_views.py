"""Pages for families: register a child once per round, rank facilities, see the status and the
explanation of the latest published run, answer the offer, withdraw.

Parents see only their own applications (:func:`selectors.own_applications`); the allocation
office uses the same form to register a family on its behalf (``parent`` stays empty) and may
answer an offer for a family. Every change goes through :mod:`kitaplan.web.allocation.services`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kitaplan.web.allocation import erasure, selectors, services
from kitaplan.web.allocation.explanations import explain_child, facility_names, run_for
from kitaplan.web.allocation.forms import ApplicationForm
from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    ApplicationChoice,
    Offer,
)
from kitaplan.web.audit.services import actor_user

#: Form errors for the codes of :class:`services.AllocationError` (field, text).
SAVE_ERRORS = {
    "no_choice": ("choice_1", gettext_lazy("Choose at least one facility.")),
    "too_many_choices": (None, gettext_lazy("Choose at most %(n)s facilities.")),
    "facility_twice": (None, gettext_lazy("Choose each facility only once.")),
    "age_outside_round": (
        "birth_date",
        gettext_lazy(
            "On %(day)s the child is not of an age for which this round has places "
            "(under 3, or from 3 until school entry). Please check the date of birth."
        ),
    ),
}
ANSWER_ERRORS = {
    "offer_not_open": gettext_lazy("This offer has already been answered or is no longer open."),
    "offer_expired": gettext_lazy(
        "The time to answer this offer has passed; the offer counts as declined."
    ),
}


# --- who may do what ------------------------------------------------------------------------


def _parent_only(request: HttpRequest) -> None:
    if not selectors.is_parent(request.user):
        raise PermissionDenied


def _applications_for(request: HttpRequest) -> QuerySet[Application]:
    """The applications the user may change: all for the office, the own ones for parents."""
    if selectors.is_office(request.user):
        return selectors.applications_visible_to(request.user).select_related("round__territory")
    if selectors.is_parent(request.user):
        return selectors.own_applications(request.user).select_related("round__territory")
    raise PermissionDenied


def _has_published_run(round_: AllocationRound) -> bool:
    return round_.runs.filter(published_at__isnull=False).exists()


def _back_to(request: HttpRequest, application: Application) -> HttpResponseRedirect:
    """The application's page: the parents' page for parents, the office's detail otherwise."""
    if selectors.is_office(request.user):
        return redirect(reverse("allocation:application-detail", kwargs={"pk": application.pk}))
    return redirect(reverse("allocation:my-application", kwargs={"pk": application.pk}))


# --- the status in words --------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    code: str  # registered | waiting | open | accepted | declined | expired | unplaced | withdrawn
    text: str
    offer: Offer | None = None
    rank: int | None = None


def current_offer(offers: list[Offer]) -> Offer | None:
    """The child's latest offer that was not replaced by a better one."""
    live = [o for o in offers if o.status != Offer.REPLACED]
    return max(live, key=lambda o: (o.run.number, o.pk)) if live else None


def status_of(application: Application, offers: list[Offer], published: bool) -> Status:
    ranks = {c.place.official_number: c.rank for c in application.choices.all()}
    offer = current_offer(offers)
    if application.withdrawn:
        return Status("withdrawn", _("Withdrawn: the child no longer takes part in this round."))
    if offer is not None:
        rank = ranks.get(offer.place.official_number)
        values = {
            "facility": offer.place.name,
            "rank": rank or "–",
            "day": formats.date_format(offer.respond_by, "SHORT_DATE_FORMAT"),
        }
        if offer.status == Offer.OPEN:
            text = _(
                "Offer of a place at %(facility)s (your choice no. %(rank)s). "
                "Please answer by %(day)s."
            )
        elif offer.status == Offer.ACCEPTED:
            text = _("Accepted: the child has a place at %(facility)s.")
        elif offer.status == Offer.DECLINED:
            text = _("Declined: the place at %(facility)s was declined.")
        else:
            text = _(
                "Expired: the offer of a place at %(facility)s was not answered by %(day)s "
                "and counts as declined."
            )
        return Status(offer.status, text % values, offer, rank)
    if published:
        return Status(
            "unplaced",
            _(
                "No place in this run. The child stays on the waiting lists of the facilities "
                "you ranked; a place that becomes free is offered in the next run."
            ),
        )
    if application.round.is_open_for_applications():
        return Status(
            "registered",
            _("Registered. You can change the application until %(day)s.")
            % {
                "day": formats.date_format(
                    application.round.applications_close, "SHORT_DATE_FORMAT"
                )
            },
        )
    return Status(
        "waiting",
        _("Registered, waiting for the allocation. Offers are sent from %(day)s.")
        % {"day": formats.date_format(application.round.offers_on, "SHORT_DATE_FORMAT")},
    )


def _with_details(applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.select_related("round__territory", "home_area").prefetch_related(
        Prefetch(
            "choices",
            ApplicationChoice.objects.select_related("facility", "childminder").order_by("rank"),
        ),
        Prefetch("offers", Offer.objects.select_related("facility", "childminder", "run")),
        "siblings_at",
    )


# --- pages ----------------------------------------------------------------------------------


def my_applications(request: HttpRequest) -> HttpResponse:
    _parent_only(request)
    applications = list(
        _with_details(selectors.own_applications(request.user)).order_by(
            "-round__care_start", "child_name", "pk"
        )
    )
    published = set(
        AllocationRun.objects.filter(
            round__in={a.round_id for a in applications}, published_at__isnull=False
        ).values_list("round_id", flat=True)
    )
    rows = [
        {
            "application": a,
            "status": status_of(a, list(a.offers.all()), a.round_id in published),
        }
        for a in applications
    ]
    return render(
        request,
        "allocation/my_applications.html",
        {
            "rows": rows,
            "open_rounds": list(
                selectors.rounds_open_to_parents(request.user).order_by("care_start", "name")
            ),
        },
    )


def my_export(request: HttpRequest) -> HttpResponse:
    """The parent's own applications with every field, choice and offer as JSON (a download;
    logged as a read)."""
    _parent_only(request)
    response = JsonResponse(
        erasure.export_own_applications(request.user),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = 'attachment; filename="kitaplan-my-applications.json"'
    return response


def my_application(request: HttpRequest, pk: int) -> HttpResponse:
    _parent_only(request)
    application = get_object_or_404(_with_details(selectors.own_applications(request.user)), pk=pk)
    round_ = application.round
    published = _has_published_run(round_)
    status = status_of(application, list(application.offers.all()), published)
    explanation = None
    run = run_for(application) if published else None
    if run is not None:
        explanation = explain_child(run, application.reference, facility_names(run))
    reasons = []
    if explanation is not None:
        # Only the facilities ranked above the outcome (all of them when unplaced).
        limit = explanation.rank or len(application.choices.all()) + 1
        reasons = [r for r in explanation.reasons if r.rank < limit]
    return render(
        request,
        "allocation/parent_application.html",
        {
            "application": application,
            "round": round_,
            "choices": list(application.choices.all()),
            "siblings": list(application.siblings_at.all()),
            "status": status,
            "explanation": explanation,
            "reasons": reasons,
            "may_edit": selectors.parent_may_edit(application),
            "may_withdraw": not application.withdrawn,
        },
    )


def _save(
    request: HttpRequest, form: ApplicationForm, application: Application
) -> HttpResponse | None:
    """Store a valid form through the service; None when the service refused (errors added)."""
    form.fill(application)
    try:
        services.save_application(
            application=application,
            facilities=form.facilities(),
            siblings_at=form.cleaned_data["siblings_at"],
            actor=request.user,
        )
    except services.AllocationError as error:
        if error.code not in SAVE_ERRORS:
            raise
        field, text = SAVE_ERRORS[error.code]
        values = {
            "n": application.round.max_choices,
            "day": formats.date_format(application.round.care_start, "SHORT_DATE_FORMAT"),
        }
        form.add_error(field, str(text) % values)
        return None
    return _back_to(request, application)


def _form_page(
    request: HttpRequest,
    form: ApplicationForm,
    round_: AllocationRound,
    application: Application | None,
) -> HttpResponse:
    return render(
        request,
        "allocation/application_form.html",
        {
            "form": form,
            "round": round_,
            "application": application,
            "office": form.office,
            "on_behalf": form.office and (application is None or application.parent_id is None),
        },
    )


def application_new(request: HttpRequest, round_pk: int) -> HttpResponse:
    round_ = get_object_or_404(AllocationRound.objects.select_related("territory"), pk=round_pk)
    office = selectors.is_office(request.user)
    if not office:
        _parent_only(request)
    application = Application(round=round_, parent=None if office else actor_user(request.user))
    if not selectors.can_save_application(request.user, application):
        raise PermissionDenied
    duplicates = Application.objects.all() if office else selectors.own_applications(request.user)
    form = ApplicationForm(
        request.POST or None, round_=round_, office=office, duplicates=duplicates
    )
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, application)
        if response is not None:
            messages.success(request, _("The application was registered."))
            return response
    return _form_page(request, form, round_, None)


def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(_applications_for(request), pk=pk)
    if not selectors.can_save_application(request.user, application):
        raise PermissionDenied
    office = selectors.is_office(request.user)
    duplicates = Application.objects.all() if office else selectors.own_applications(request.user)
    form = ApplicationForm(
        request.POST or None,
        round_=application.round,
        office=office,
        application=application,
        duplicates=duplicates,
    )
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, application)
        if response is not None:
            messages.success(request, _("The application was changed."))
            return response
    return _form_page(request, form, application.round, application)


def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET); the withdrawal itself is a POST."""
    application = get_object_or_404(_applications_for(request), pk=pk)
    if application.withdrawn:
        messages.info(request, _("The application has already been withdrawn."))
        return _back_to(request, application)
    if request.method == "POST":
        services.withdraw_application(application=application, actor=request.user)
        messages.success(request, _("The application was withdrawn."))
        return _back_to(request, application)
    holds = (
        application.offers.filter(status__in=Offer.HOLDING)
        .select_related("facility", "childminder")
        .first()
    )
    return render(
        request,
        "allocation/parent_withdraw.html",
        {
            "application": application,
            "round": application.round,
            "holds": holds,
            "office": selectors.is_office(request.user),
        },
    )


@require_POST
def offer_answer(request: HttpRequest, pk: int) -> HttpResponse:
    if selectors.is_office(request.user):
        offers = Offer.objects.filter(
            application__in=selectors.applications_visible_to(request.user)
        )
    elif selectors.is_parent(request.user):
        offers = Offer.objects.filter(application__in=selectors.own_applications(request.user))
    else:
        raise PermissionDenied
    offer = get_object_or_404(
        offers.select_related("application__round", "facility", "childminder", "run"), pk=pk
    )
    application = offer.application
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        messages.error(request, _("Please choose whether you accept or decline the offer."))
        return _back_to(request, application)
    if answer == "decline" and request.POST.get("confirmed") != "yes":
        return render(
            request,
            "allocation/offer_decline.html",
            {
                "offer": offer,
                "application": application,
                "round": application.round,
                "office": selectors.is_office(request.user),
            },
        )
    try:
        services.answer_offer(offer=offer, accept=answer == "accept", actor=request.user)
    except services.AllocationError as error:
        if error.code not in ANSWER_ERRORS:
            raise
        messages.error(request, str(ANSWER_ERRORS[error.code]))
        return _back_to(request, application)
    if answer == "accept":
        messages.success(
            request,
            _("The place at %(facility)s was accepted.") % {"facility": offer.place.name},
        )
    else:
        messages.success(
            request,
            _("The place at %(facility)s was declined.") % {"facility": offer.place.name},
        )
    return _back_to(request, application)
