"""Pages of the inclusion app: the facilities overview against the checklist, one facility with
its items and confirmations, the checklist configuration, Kita staff qualification, and the
resource pool (items, one item with bookings and history, use statistics)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.web.core import access
from kitaplan.web.facilities.selectors import facilities_visible_to
from kitaplan.web.inclusion import selectors, services
from kitaplan.web.inclusion.forms import (
    BookingForm,
    ChecklistItemForm,
    CompletionForm,
    ConfirmationForm,
    OverviewFilterForm,
    PoolItemForm,
    StaffEnrolForm,
)
from kitaplan.web.inclusion.models import POOL_KINDS, Booking, ChecklistItem, PoolItem
from kitaplan.web.qualification import services as qualification_services
from kitaplan.web.qualification.messages import error_text as qualification_error_text
from kitaplan.web.qualification.models import Course, Programme
from kitaplan.web.territory.models import Area, Territory
from kitaplan.web.territory.requests import territory_from_request

ERRORS = {
    "feature_needed": gettext_lazy("Choose the facility feature."),
    "programme_needed": gettext_lazy("Choose the qualification programme."),
    "completions_positive": gettext_lazy("At least one completion must be needed."),
    "other_territory": gettext_lazy("Everything must belong to one territory."),
    "code_taken": gettext_lazy("This code is used by another criterion."),
    "not_confirmable": gettext_lazy("This criterion is not confirmed by hand."),
    "owner_needed": gettext_lazy("Name the owning organisation or facility."),
    "dates_reversed": gettext_lazy("The end lies before the start."),
    "not_available": gettext_lazy("This item is not available at present."),
    "conflict": gettext_lazy("The item is booked from %(start)s to %(end)s already."),
    "transition": gettext_lazy("This status change is not possible."),
}


def error_text(error: services.InclusionError) -> str:
    params = {
        k: formats.date_format(v, "SHORT_DATE_FORMAT") if hasattr(v, "isoformat") else v
        for k, v in error.params.items()
    }
    return str(ERRORS.get(error.code, error.code)) % params


def _require_view(request: HttpRequest) -> None:
    if not selectors.can_view(request.user):
        raise PermissionDenied


def _require_configure(request: HttpRequest) -> None:
    if not selectors.can_configure(request.user):
        raise PermissionDenied


#: Without ``?territory=`` a page shows the first territory with an active checklist.
ACTIVE_CHECKLIST = (Q(checklist_items__active=True),)


def _visible_territories(request: HttpRequest) -> QuerySet[Territory]:
    visible = facilities_visible_to(request.user)
    return Territory.objects.filter(pk__in=visible.values("territory_id")).order_by("name")


# ---------------------------------------------------------------- checklist results


def overview(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    territories = _visible_territories(request)
    territory = territory_from_request(request, having=ACTIVE_CHECKLIST, among=territories)
    items: list[ChecklistItem] = []
    rows: list[selectors.FacilityResult] = []
    form = None
    met = 0
    if territory is not None:
        items = selectors.active_items([territory.pk]).get(territory.pk, [])
        form = OverviewFilterForm(
            request.GET or None,
            districts=Area.objects.filter(territory=territory, level__rank=1, valid_to=None),
            items=ChecklistItem.objects.filter(territory=territory, active=True),
        )
        data = form.cleaned_data if form.is_valid() else {}
        facilities = selectors.current_facilities(territory, timezone.localdate()).filter(
            pk__in=facilities_visible_to(request.user).values("pk")
        )
        if data.get("q"):
            q = data["q"]
            facilities = facilities.filter(Q(name__icontains=q) | Q(official_number__icontains=q))
        district = data.get("district")
        if district is not None:
            facilities = facilities.filter(
                Q(area=district) | Q(area__path__startswith=f"{district.path}/")
            )
        results = selectors.evaluate(
            facilities.select_related("area").order_by("name", "official_number"),
            items={territory.pk: items},
        )
        rows = list(results.values())
        met = sum(1 for r in rows if r.meets_all)
        if data.get("result") == "met":
            rows = [r for r in rows if r.meets_all]
        elif data.get("result") == "not_met":
            rows = [r for r in rows if not r.meets_all]
        missing = data.get("missing")
        if missing is not None:
            rows = [
                r for r in rows if any(x.item.pk == missing.pk and not x.met for x in r.results)
            ]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inclusion/overview.html",
        {
            "territories": territories,
            "territory": territory,
            "items": items,
            "form": form,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "met": met,
            "shown": len(rows),
            "can_configure": selectors.can_configure(request.user),
        },
    )


def facility(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    obj = get_object_or_404(facilities_visible_to(request.user).select_related("area"), pk=pk)
    can_confirm = selectors.confirmable_facilities(request.user).filter(pk=obj.pk).exists()
    confirmable = ChecklistItem.objects.filter(
        territory_id=obj.territory_id, kind="confirmation", active=True
    )
    form = None
    if can_confirm and confirmable.exists():
        form = ConfirmationForm(request.POST or None, items=confirmable)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.confirm_item(
                    facility=obj,
                    item=form.cleaned_data["item"],
                    confirmed=form.cleaned_data["confirmed"],
                    date=form.cleaned_data["date"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except services.InclusionError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("The confirmation was saved."))
                return redirect("inclusion:facility", pk=obj.pk)
    meets_all, results = selectors.facility_meets_all(obj)
    return render(
        request,
        "inclusion/facility.html",
        {
            "facility": obj,
            "meets_all": meets_all,
            "results": results,
            "form": form,
            "can_confirm": can_confirm,
            "confirmations": obj.checklist_confirmations.select_related(
                "item", "confirmed_by"
            ).order_by("-date", "-pk"),
            "enrolments": selectors.staff_enrolments_visible_to(request.user)
            .filter(facility=obj)
            .order_by("-course__start", "participant_name"),
        },
    )


# ---------------------------------------------------------------- checklist configuration


def _save_item_form(request: HttpRequest, form: ChecklistItemForm) -> ChecklistItem | None:
    if not form.is_valid():
        return None
    try:
        return services.save_checklist_item(item=form.save(commit=False), actor=request.user)
    except services.InclusionError as error:
        form.add_error(None, error_text(error))
        return None


def checklist(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    territories = Territory.objects.order_by("name")
    territory = territory_from_request(request, having=ACTIVE_CHECKLIST, among=territories)
    form = None
    if territory is not None:
        form = ChecklistItemForm(
            request.POST or None,
            instance=ChecklistItem(territory=territory),
            programmes=Programme.objects.filter(territory=territory),
        )
    if request.method == "POST" and form is not None:
        saved = _save_item_form(request, form)
        if saved is not None:
            messages.success(request, _("The criterion was saved."))
            return redirect(f"{request.path}?territory={territory.code}")  # type: ignore[union-attr]
    return render(
        request,
        "inclusion/checklist.html",
        {
            "territories": territories,
            "territory": territory,
            "items": ChecklistItem.objects.filter(territory=territory).select_related("programme"),
            "form": form,
        },
    )


def checklist_item(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    item = get_object_or_404(ChecklistItem.objects.select_related("territory"), pk=pk)
    form = ChecklistItemForm(
        request.POST or None,
        instance=item,
        programmes=Programme.objects.filter(territory_id=item.territory_id),
    )
    if request.method == "POST":
        saved = _save_item_form(request, form)
        if saved is not None:
            messages.success(request, _("The criterion was saved."))
            return redirect(f"{reverse('inclusion:checklist')}?territory={item.territory.code}")
    return render(request, "inclusion/checklist_item.html", {"item": item, "form": form})


# ---------------------------------------------------------------- Kita staff qualification


def staff(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    can_enrol = selectors.can_configure(request.user)
    enrolments = selectors.staff_enrolments_visible_to(request.user).order_by(
        "facility__name", "participant_name", "-course__start"
    )
    facility_pk = request.GET.get("facility", "")
    if facility_pk.isdigit():
        enrolments = enrolments.filter(facility_id=int(facility_pk))
    enrol_form = completion_form = None
    if can_enrol:
        action = request.POST.get("action")
        open_enrolments = selectors.staff_enrolments_visible_to(request.user).filter(
            status="enrolled"
        )
        enrol_form = StaffEnrolForm(
            request.POST if action == "enrol" else None,
            prefix="enrol",
            courses=access.within_territories(
                Course.objects.select_related("programme"), request.user, "programme__territory"
            ).order_by("-start", "title"),
            facilities=selectors.confirmable_facilities(request.user).order_by("name"),
        )
        completion_form = CompletionForm(
            request.POST if action == "complete" else None,
            prefix="complete",
            enrolments=open_enrolments.order_by("facility__name", "participant_name"),
        )
        if request.method == "POST":
            try:
                if action == "enrol" and enrol_form.is_valid():
                    enrolment = enrol_form.save(commit=False)
                    qualification_services.save_enrolment(enrolment=enrolment, actor=request.user)
                    messages.success(request, _("The staff member was enrolled."))
                    return redirect("inclusion:staff")
                if action == "complete" and completion_form.is_valid():
                    enrolment = completion_form.cleaned_data["enrolment"]
                    enrolment.status = "completed"
                    enrolment.result = "passed"
                    enrolment.certificate_date = completion_form.cleaned_data["certificate_date"]
                    qualification_services.save_enrolment(enrolment=enrolment, actor=request.user)
                    messages.success(request, _("The completion was recorded."))
                    return redirect("inclusion:staff")
            except qualification_services.QualificationError as error:
                target = enrol_form if action == "enrol" else completion_form
                target.add_error(None, qualification_error_text(error))
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(enrolments, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "inclusion/staff.html",
        {
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "enrol_form": enrol_form,
            "completion_form": completion_form,
        },
    )


# ---------------------------------------------------------------- resource pool


def pool(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    can_manage = selectors.can_configure(request.user)
    items = selectors.pool_items_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in dict(POOL_KINDS):
        items = items.filter(kind=kind)
    if request.GET.get("available") == "1":
        items = items.filter(available=True)
    form = None
    if can_manage:
        form = PoolItemForm(
            request.POST or None,
            territories=access.within_territories(
                Territory.objects.order_by("name"), request.user, ""
            ),
            facilities=facilities_visible_to(request.user).order_by("name"),
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                item = services.save_pool_item(item=form.save(commit=False), actor=request.user)
            except services.InclusionError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("The pool item was saved."))
                return redirect("inclusion:pool-item", pk=item.pk)
    today = timezone.localdate()
    shown = list(items)
    holding: dict[int, Booking] = {}
    for b in Booking.objects.filter(
        item__in=shown, status__in=("requested", "lent"), end__gte=today
    ).order_by("start", "pk"):
        holding.setdefault(b.item_id, b)
    rows = [{"item": i, "next": holding.get(i.pk)} for i in shown]
    return render(
        request,
        "inclusion/pool.html",
        {
            "rows": rows,
            "kinds": POOL_KINDS,
            "kind": kind,
            "available": request.GET.get("available") == "1",
            "form": form,
            "today": today,
        },
    )


def pool_item(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    item = get_object_or_404(selectors.pool_items_visible_to(request.user), pk=pk)
    can_manage = selectors.can_configure(request.user)
    bookable = selectors.confirmable_facilities(request.user).filter(territory_id=item.territory_id)
    visible_bookings = selectors.bookings_visible_to(request.user).filter(item=item)
    today = timezone.localdate()
    action = request.POST.get("action")
    data = request.POST
    booking_form = None
    if bookable.exists():
        booking_form = BookingForm(
            data if action == "book" else None, facilities=bookable.order_by("name")
        )
    edit_form = None
    if can_manage:
        edit_form = PoolItemForm(
            data if action == "edit" else None,
            instance=item,
            prefix="item",
            territories=Territory.objects.filter(pk=item.territory_id),
            facilities=facilities_visible_to(request.user).filter(territory_id=item.territory_id),
        )
    status_error = ""
    if request.method == "POST":
        if action == "book" and booking_form is not None:
            done = _book(request, item, booking_form)
        elif action == "status":
            done, status_error = _set_booking_status(request, item, visible_bookings, today)
        elif action == "edit" and edit_form is not None:
            done = _save_pool_item(request, edit_form)
        else:
            raise PermissionDenied
        if done is not None:
            return done
    return render(
        request,
        "inclusion/pool_item.html",
        {
            "item": item,
            **selectors.pool_item_bookings(item, visible_bookings, bookable, today),
            "booking_form": booking_form,
            "edit_form": edit_form,
            "can_manage": can_manage,
            "status_error": status_error,
        },
    )


def _book(request: HttpRequest, item: PoolItem, form: BookingForm) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        services.book(
            item=item,
            facility=form.cleaned_data["facility"],
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except services.InclusionError as error:
        form.add_error(None, error_text(error))
        return None
    messages.success(request, _("The booking was requested."))
    return redirect("inclusion:pool-item", pk=item.pk)


def _set_booking_status(
    request: HttpRequest, item: PoolItem, visible: QuerySet[Booking], today: dt.date
) -> tuple[HttpResponse | None, str]:
    """Lend, take back or cancel one booking; the response, or the error to show."""
    booking = get_object_or_404(visible, pk=request.POST.get("booking"))
    status = request.POST.get("status", "")
    if not services.can_set_booking_status(request.user, booking, status):
        raise PermissionDenied
    try:
        services.set_booking_status(booking=booking, status=status, actor=request.user, day=today)
    except services.InclusionError as error:
        return None, error_text(error)
    messages.success(request, _("The booking was updated."))
    return redirect("inclusion:pool-item", pk=item.pk), ""


def _save_pool_item(request: HttpRequest, form: PoolItemForm) -> HttpResponse | None:
    if not form.is_valid():
        return None
    try:
        item = services.save_pool_item(item=form.save(commit=False), actor=request.user)
    except services.InclusionError as error:
        form.add_error(None, error_text(error))
        return None
    messages.success(request, _("The pool item was saved."))
    return redirect("inclusion:pool-item", pk=item.pk)


def pool_use(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    items = list(selectors.pool_items_visible_to(request.user))
    bookings = selectors.bookings_visible_to(request.user).filter(item__in=items)
    year = request.GET.get("year", "")
    if year.isdigit():
        bookings = bookings.filter(start__year=int(year))
    rows = selectors.use_statistics(items, bookings, day=timezone.localdate())
    rows.sort(key=lambda r: (-r.days_lent, -r.bookings, r.item.name))
    totals: dict[str, Any] = {
        "bookings": sum(r.bookings for r in rows),
        "days_lent": sum(r.days_lent for r in rows),
        "used": sum(1 for r in rows if r.bookings),
    }
    return render(
        request,
        "inclusion/pool_use.html",
        {"rows": rows, "totals": totals, "year": year if year.isdigit() else ""},
    )
