"""Pages of the qualification app: programmes and courses, one course with its participants and
attendance, a childminder's qualification, the "who is behind" list and the course planning."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core import access
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.qualification import selectors, services
from kitaplan.web.qualification.forms import (
    CourseForm,
    EnrolForm,
    EnrolmentForm,
    FurtherTrainingForm,
    MinimumForm,
    ModuleForm,
)
from kitaplan.web.qualification.messages import error_text
from kitaplan.web.qualification.models import (
    Course,
    EducationProvider,
    Enrolment,
    FurtherTraining,
    Module,
)
from kitaplan.web.territory.models import Territory

BEHIND_LABELS = {
    "pre_start_missing": gettext_lazy("part before starting not completed"),
    "alongside_overdue": gettext_lazy("part alongside the work overdue"),
    "alongside_due": gettext_lazy("part alongside the work due within three months"),
    "training_below_minimum": gettext_lazy("further training below the yearly minimum"),
}


def _require(request: HttpRequest) -> None:
    if not selectors.can_use(request.user):
        raise PermissionDenied


def _require_lists(request: HttpRequest) -> None:
    if not selectors.can_see_lists(request.user):
        raise PermissionDenied


def programme_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    can_edit = selectors.can_edit(request.user)
    programmes = selectors.programmes_visible_to(request.user).annotate(
        course_count=Count("courses")
    )
    courses = selectors.courses_visible_to(request.user).annotate(
        module_count=Count("modules", distinct=True),
        module_units=Sum("modules__units"),
    )
    form = None
    if can_edit:
        form = CourseForm(
            request.POST if request.method == "POST" else None,
            prefix="course",
            programmes=selectors.programmes_visible_to(request.user),
            providers=access.within_territories(EducationProvider.objects.all(), request.user),
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                course = services.save_course(course=form.save(commit=False), actor=request.user)
            except services.QualificationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("The course was saved."))
                return redirect("qualification:course-detail", pk=course.pk)
    return render(
        request,
        "qualification/programme_list.html",
        {
            "programmes": programmes,
            "courses": courses,
            "providers": EducationProvider.objects.select_related("territory"),
            "can_edit": can_edit,
            "form": form,
        },
    )


def _course_context(request: HttpRequest, course: Course) -> dict[str, Any]:
    modules = list(course.modules.select_related("part"))
    enrolments = list(
        selectors.enrolments_visible_to(request.user)
        .filter(course=course)
        .prefetch_related("attendances")
        .order_by("childminder__name", "participant_name", "pk")
    )
    rows = []
    for e in enrolments:
        units = {a.module_id: a.units for a in e.attendances.all()}
        rows.append(
            {
                "enrolment": e,
                "cells": [units.get(m.pk) for m in modules],
                "total": sum(units.values()),
            }
        )
    return {"modules": modules, "rows": rows, "enrolments": enrolments}


def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    course = get_object_or_404(selectors.courses_visible_to(request.user), pk=pk)
    can_edit = selectors.can_edit(request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    ctx = _course_context(request, course)
    modules: list[Module] = ctx["modules"]
    chosen = next(
        (m for m in modules if str(m.pk) == (request.POST or request.GET).get("module", "")),
        modules[0] if modules else None,
    )
    forms_ = _course_forms(request, course) if can_edit else {}
    attendance_error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attendance" and chosen is not None:
                return _save_attendance(request, chosen, ctx["enrolments"])
            done = _save_course_form(request, course, action, forms_)
            if done is not None:
                return done
        except services.QualificationError as error:
            target = forms_.get(f"{action}_form")
            if target is not None:
                target.add_error(None, error_text(error))
            else:
                attendance_error = error_text(error)
    return render(
        request,
        "qualification/course_detail.html",
        {
            "course": course,
            **ctx,
            "units_total": sum(m.units for m in modules),
            "chosen": chosen,
            "entry": selectors.attendance_entry(chosen, ctx["enrolments"]),
            "attendance_error": attendance_error,
            "can_edit": can_edit,
            **forms_,
        },
    )


def _course_forms(request: HttpRequest, course: Course) -> dict[str, Any]:
    """The course page's forms (enrol, change an enrolment, add a module), bound to the POST of
    their own action."""
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST
    visible = selectors.enrolments_visible_to(request.user).filter(course=course)
    candidates = selectors.enrolment_candidates(request.user, course)
    chosen = data.get("enrolment-enrolment")
    picked = visible.filter(pk=chosen).first() if action and chosen is not None else None
    return {
        "enrol_form": EnrolForm(
            data if action == "enrol" else None,
            prefix="enrol",
            instance=Enrolment(course=course),
            childminders=candidates,
        ),
        "enrolment_form": EnrolmentForm(
            data if action == "enrolment" else None,
            prefix="enrolment",
            instance=picked or Enrolment(course=course),
            enrolments=visible,
            course=course,
        ),
        "module_form": ModuleForm(
            data if action == "module" else None,
            prefix="module",
            instance=Module(course=course),
            course=course,
        ),
    }


def _save_course_form(
    request: HttpRequest, course: Course, action: str | None, forms_: dict[str, Any]
) -> HttpResponse | None:
    """Save the bound form of ``action``; None when it is invalid (the form has the errors)."""
    form = forms_.get(f"{action}_form")
    if form is None or not form.is_valid():
        return None
    if action == "enrol":
        services.save_enrolment(enrolment=form.save(commit=False), actor=request.user)
        messages.success(request, _("The participant was enrolled."))
    elif action == "enrolment":
        services.save_enrolment(
            enrolment=form.save(commit=False),
            actor=request.user,
            tests_passed=form.cleaned_data["tests_passed"],
        )
        messages.success(request, _("The enrolment was saved."))
    else:
        services.save_module(module=form.save(commit=False), actor=request.user)
        messages.success(request, _("The module was saved."))
    return redirect("qualification:course-detail", pk=course.pk)


def _save_attendance(
    request: HttpRequest, module: Module, enrolments: list[Enrolment]
) -> HttpResponse:
    """The units attended in one module, one field per enrolment (empty: no entry)."""
    units: dict[int, int | None] = {}
    for e in enrolments:
        raw = request.POST.get(f"units-{e.pk}", "").strip()
        if raw == "":
            units[e.pk] = None
            continue
        try:
            units[e.pk] = int(raw)
        except ValueError:
            raise services.QualificationError("units_out_of_range", limit=module.units) from None
    changed = services.record_attendance(module=module, units=units, actor=request.user)
    messages.success(request, _("Attendance saved (%(n)s changes).") % {"n": changed})
    return redirect(f"{request.path}?module={module.pk}#attendance")


def childminder(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    cm = get_object_or_404(
        selectors.with_qualification(selectors.childminders_visible_to(request.user)), pk=pk
    )
    can_edit = selectors.can_edit(request.user)
    today = timezone.localdate()
    form = FurtherTrainingForm(prefix="training") if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = FurtherTrainingForm(
            request.POST, prefix="training", instance=FurtherTraining(childminder=cm)
        )
        if form.is_valid():
            try:
                services.save_further_training(training=form.save(commit=False), actor=request.user)
            except services.QualificationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("The further training was saved."))
                return redirect("qualification:childminder", pk=cm.pk)
    years = sorted({t.date.year for t in cm.further_trainings.all()} | {today.year}, reverse=True)
    training_years = [
        {
            "year": year,
            "hours": selectors.training_hours(cm, year),
            "minimum": selectors.minimum_hours(cm.territory_id, year),
        }
        for year in years
    ]
    enrolments = sorted(cm.enrolments.all(), key=lambda e: (e.course.start, e.pk), reverse=True)
    return render(
        request,
        "qualification/childminder.html",
        {
            "cm": cm,
            "statuses": selectors.qualification_status(cm),
            "start": selectors.activity_start(cm),
            "enrolments": enrolments,
            "trainings": cm.further_trainings.all(),
            "training_years": training_years,
            "today": today,
            "can_edit": can_edit,
            "form": form,
        },
    )


def behind(request: HttpRequest) -> HttpResponse:
    _require_lists(request)
    today = timezone.localdate()
    can_set = services.can_set_minimum(request.user)
    territories = Territory.objects.filter(
        pk__in=selectors.childminders_visible_to(request.user).values("territory_id")
    ).order_by("name")
    form = MinimumForm(prefix="minimum") if can_set else None
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied
        form = MinimumForm(request.POST, prefix="minimum")
        territory = get_object_or_404(Territory, code=request.POST.get("territory", ""))
        if form.is_valid():
            services.set_training_minimum(
                territory=territory,
                year=form.cleaned_data["year"],
                hours=form.cleaned_data["hours"],
                actor=request.user,
            )
            messages.success(request, _("The minimum was saved."))
            return redirect("qualification:behind")
    items = selectors.behind_list(selectors.childminders_visible_to(request.user), today=today)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        columns = [
            Column("number", _("Number"), lambda i: i.childminder.number),
            Column("name", _("Name"), lambda i: i.childminder.name),
            Column("kind", _("What"), lambda i: i.kind),
            Column("programme", _("Programme"), lambda i: i.programme),
            Column("detail", _("Detail"), lambda i: i.detail),
            Column("missing", _("Missing (UE or hours)"), lambda i: str(i.missing)),
            Column("due", _("Due on"), lambda i: i.due.isoformat() if i.due else ""),
        ]
        return export_response(
            export_format=export_format,
            columns=columns,
            objects=items,
            base_name="qualifizierung-rueckstand",
        )
    minimums = [
        {
            "territory": t,
            "hours": selectors.minimum_hours(t, today.year),
        }
        for t in territories
    ]
    return render(
        request,
        "qualification/behind.html",
        {
            "items": items,
            "labels": BEHIND_LABELS,
            "today": today,
            "minimums": minimums,
            "territories": territories,
            "form": form,
        },
    )


def planning(request: HttpRequest) -> HttpResponse:
    _require_lists(request)
    today = timezone.localdate()
    years = list(range(today.year - 2, today.year + 3))
    programmes = selectors.programmes_visible_to(request.user).order_by("territory__name", "code")
    rows = selectors.course_planning(programmes, years)
    table = []
    for programme in programmes:
        cells = [r for r in rows if r.programme.pk == programme.pk]
        table.append({"programme": programme, "cells": cells})
    return render(
        request,
        "qualification/planning.html",
        {"table": table, "years": years, "today": today},
    )


def me(request: HttpRequest) -> HttpResponse:
    own = (
        Childminder.objects.filter(user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    if own is None:
        raise Http404
    return redirect("qualification:childminder", pk=own.pk)
