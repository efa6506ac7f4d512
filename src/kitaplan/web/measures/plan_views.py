"""Pages that set up a measures plan: create and edit a plan version, close it, make the
version of a new year, and add, change and remove its fields of action, objectives and
measures. Planners and administrators only; a closed plan answers 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kitaplan.web.measures import plan_services, selectors
from kitaplan.web.measures.forms import FieldForm, MeasureForm, ObjectiveForm, PlanForm, VersionForm
from kitaplan.web.measures.models import ActionField, Measure, Objective, Organisation, Plan
from kitaplan.web.measures.plan_services import PlanError


def _error_text(code: str) -> str:
    return {
        "code_taken": _("This code is already used here."),
        "years_order": _("The last year must not be before the first year."),
        "version_year": _("The new version needs a later year than this one."),
        "not_empty": _("Remove what it contains first."),
        "end_before_start": _("The end must not be before the start."),
        "other_territory": _("Choose organisations of the plan's territory."),
    }[code]


_ERROR_FIELDS = {"years_order": "last_year", "version_year": "year", "end_before_start": "end"}


def _plan(request: HttpRequest, pk: int) -> Plan:
    """The open plan ``pk`` that the user may change: 403 when closed or not allowed."""
    if not selectors.can_edit(request.user):
        raise PermissionDenied
    plan = get_object_or_404(selectors.plans_visible_to(request.user), pk=pk)
    if not plan.is_open:
        raise PermissionDenied
    return plan


def _page(
    request: HttpRequest, form: Form, *, heading: str, plan: Plan | None, remove: str = ""
) -> HttpResponse:
    return render(
        request,
        "measures/setup_form.html",
        {"form": form, "heading": heading, "plan": plan, "remove_url": remove},
    )


def _saved(request: HttpRequest, form: Form, call: Any, plan: Plan | None) -> HttpResponse | None:
    """Call the service when the form is valid: a redirect to the plan, or ``None`` with the
    rule's error added to the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = call(form.cleaned_data)
    except PlanError as error:
        form.add_error(_ERROR_FIELDS.get(error.code, "code"), _error_text(error.code))
        return None
    messages.success(request, _("The plan was saved."))
    return redirect("measures:plan-detail", pk=(plan or result).pk)


def plan_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_edit(request.user):
        raise PermissionDenied
    form = PlanForm(request.POST or None)
    done = _saved(
        request,
        form,
        lambda d: plan_services.save_plan(actor=request.user, territory=d["territory"], values=d),
        None,
    )
    return done or _page(request, form, heading=_("New measures plan"), plan=None)


def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    initial = {name: getattr(plan, name) for name in plan_services.PLAN_FIELDS}
    form = PlanForm(request.POST or None, initial={**initial, "territory": plan.territory_id})
    form.fields["territory"].disabled = True
    done = _saved(
        request,
        form,
        lambda d: plan_services.save_plan(
            actor=request.user, territory=plan.territory, values=d, plan=plan
        ),
        plan,
    )
    return done or _page(request, form, heading=_("Edit the plan"), plan=plan)


@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    plan_services.close_plan(actor=request.user, plan=plan)
    messages.success(request, _("The plan was closed; it is read-only now."))
    return redirect("measures:plan-detail", pk=plan.pk)


def plan_version(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = VersionForm(request.POST or None, initial={"year": plan.version_year + 1})
    done = _saved(
        request,
        form,
        lambda d: plan_services.new_version(actor=request.user, plan=plan, year=d["year"]),
        None,
    )
    return done or _page(request, form, heading=_("New version of the plan"), plan=plan)


def field_form(request: HttpRequest, pk: int, field_pk: int | None = None) -> HttpResponse:
    plan = _plan(request, pk)
    field = get_object_or_404(plan.action_fields, pk=field_pk) if field_pk else None
    initial = {"code": field.code, "title": field.title} if field else {}
    form = FieldForm(request.POST or None, initial=initial)
    done = _saved(
        request,
        form,
        lambda d: plan_services.save_field(actor=request.user, plan=plan, field=field, **d),
        plan,
    )
    heading = _("Edit the field of action") if field else _("Add a field of action")
    remove = reverse("measures:field-remove", args=[plan.pk, field.pk]) if field else ""
    return done or _page(request, form, heading=heading, plan=plan, remove=remove)


def objective_form(
    request: HttpRequest, pk: int, field_pk: int, objective_pk: int | None = None
) -> HttpResponse:
    plan = _plan(request, pk)
    field = get_object_or_404(plan.action_fields, pk=field_pk)
    objective = get_object_or_404(field.objectives, pk=objective_pk) if objective_pk else None
    initial = {"code": objective.code, "text": objective.text} if objective else {}
    form = ObjectiveForm(request.POST or None, initial=initial)
    done = _saved(
        request,
        form,
        lambda d: plan_services.save_objective(
            actor=request.user, field=field, objective=objective, **d
        ),
        plan,
    )
    heading = _("Edit the objective") if objective else _("Add an objective")
    remove = ""
    if objective:
        remove = reverse("measures:objective-remove", args=[plan.pk, objective.pk])
    return done or _page(request, form, heading=heading, plan=plan, remove=remove)


def _measure_initial(measure: Measure | None) -> dict[str, Any]:
    if measure is None:
        return {}
    values = {name: getattr(measure, name) for name in plan_services.MEASURE_FIELDS}
    return {**values, "participants": list(measure.participants.values_list("pk", flat=True))}


def measure_form(
    request: HttpRequest, pk: int, objective_pk: int, measure_pk: int | None = None
) -> HttpResponse:
    plan = _plan(request, pk)
    objective = get_object_or_404(Objective.objects.filter(field__plan=plan), pk=objective_pk)
    measure = get_object_or_404(objective.measures, pk=measure_pk) if measure_pk else None
    organisations = Organisation.objects.filter(territory_id=plan.territory_id)
    form = MeasureForm(
        request.POST or None,
        initial=_measure_initial(measure),
        organisations=organisations.order_by("kind", "name"),
    )
    done = _saved(
        request,
        form,
        lambda d: plan_services.save_measure(
            actor=request.user,
            objective=objective,
            values=d,
            participants=d["participants"],
            measure=measure,
        ),
        plan,
    )
    heading = _("Edit the measure") if measure else _("Add a measure")
    remove = reverse("measures:measure-remove", args=[plan.pk, measure.pk]) if measure else ""
    return done or _page(request, form, heading=heading, plan=plan, remove=remove)


def _removed(request: HttpRequest, plan: Plan, call: Any) -> HttpResponse:
    try:
        call()
    except PlanError as error:
        messages.error(request, _error_text(error.code))
    else:
        messages.success(request, _("Removed."))
    return redirect("measures:plan-detail", pk=plan.pk)


@require_POST
def field_remove(request: HttpRequest, pk: int, field_pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    field = get_object_or_404(ActionField.objects.filter(plan=plan), pk=field_pk)
    return _removed(
        request, plan, lambda: plan_services.remove_field(actor=request.user, field=field)
    )


@require_POST
def objective_remove(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    objective = get_object_or_404(Objective.objects.filter(field__plan=plan), pk=objective_pk)
    return _removed(
        request,
        plan,
        lambda: plan_services.remove_objective(actor=request.user, objective=objective),
    )


@require_POST
def measure_remove(request: HttpRequest, pk: int, measure_pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    measure = get_object_or_404(Measure.objects.filter(objective__field__plan=plan), pk=measure_pk)
    return _removed(
        request, plan, lambda: plan_services.remove_measure(actor=request.user, measure=measure)
    )
