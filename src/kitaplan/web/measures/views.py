"""Pages of the action plan: plans, one plan as a tree, one measure (status, lead and
participants from the directory, comments, documents), the directory of organisations, and the
progress report (page, PDF, XLSX)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kitaplan.web.measures import report as report_module
from kitaplan.web.measures import selectors, services
from kitaplan.web.measures.forms import (
    CommentForm,
    DocumentForm,
    OrganisationForm,
    OrganisationsForm,
    ReportPeriodForm,
    StatusForm,
    TargetLinkForm,
)
from kitaplan.web.measures.models import Document, Measure, Objective, Organisation, Plan
from kitaplan.web.measures.periods import report_period
from kitaplan.web.measures.selectors import ProgressReport
from kitaplan.web.planning.models import TargetRule


def _require_view(request: HttpRequest) -> None:
    if not selectors.can_view(request.user):
        raise PermissionDenied


def _plan(request: HttpRequest, pk: int) -> Plan:
    return get_object_or_404(
        selectors.plans_visible_to(request.user).select_related("territory"), pk=pk
    )


def plan_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    plans = selectors.plans_visible_to(request.user).select_related("territory")
    return render(
        request,
        "measures/plan_list.html",
        {"plans": plans, "can_edit": selectors.can_edit(request.user)},
    )


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    plan = _plan(request, pk)
    can_edit = selectors.can_edit(request.user) and plan.is_open
    link_form = None
    if can_edit:
        link_form = TargetLinkForm(
            request.POST or None,
            objectives=Objective.objects.filter(field__plan=plan).order_by(
                "field__position", "position"
            ),
            rules=TargetRule.objects.filter(territory=plan.territory).order_by("code"),
        )
    if request.method == "POST":
        if not can_edit or link_form is None:
            raise PermissionDenied
        if link_form.is_valid():
            services.link_target(
                objective=link_form.cleaned_data["objective"],
                actor=request.user,
                target_rule=link_form.cleaned_data["target_rule"],
            )
            messages.success(request, _("The objective's target was saved."))
            return redirect("measures:plan-detail", pk=plan.pk)
    tree = selectors.plan_tree(plan)
    objectives = [o for f in tree for o in f.objectives.all()]
    lights = selectors.objective_lights(objectives)
    today = timezone.localdate()
    fields = []
    for f in tree:
        fields.append(
            {
                "field": f,
                "objectives": [
                    {
                        "objective": o,
                        "light": lights.get(o.pk),
                        "measures": [
                            {"measure": m, "overdue": m.is_overdue(today)} for m in o.measures.all()
                        ],
                        "shared": list(o.shared_measures.all()),
                    }
                    for o in f.objectives.all()
                ],
            }
        )
    return render(
        request,
        "measures/plan_detail.html",
        {
            "plan": plan,
            "fields": fields,
            "light_labels": report_module.LIGHT_LABELS,
            "can_edit": can_edit,
            "link_form": link_form,
        },
    )


ACTIONS = ("status", "organisations", "comment", "document")


def _measure_forms(
    request: HttpRequest, measure: Measure, *, can_edit: bool
) -> dict[str, Form | None]:
    """The forms of the measure page, bound to the POST of the action they belong to."""
    action = request.POST.get("action")

    def bound(name: str) -> QueryDict | None:
        return request.POST if action == name else None

    organisations_form = None
    if can_edit:
        organisations_form = OrganisationsForm(
            bound("organisations"),
            organisations=Organisation.objects.filter(
                territory_id=measure.objective.field.plan.territory_id
            ).order_by("kind", "name"),
            initial={
                "lead": measure.lead_id,
                "participants": list(measure.participants.values_list("pk", flat=True)),
            },
        )
    return {
        "status_form": StatusForm(bound("status"), initial={"status": measure.status}),
        "comment_form": CommentForm(bound("comment")),
        "organisations_form": organisations_form,
        "document_form": DocumentForm(
            bound("document"), request.FILES if action == "document" else None
        ),
    }


def _measure_action(
    request: HttpRequest, measure: Measure, forms: dict[str, Form | None]
) -> str | None:
    """Carry out the posted action through its service: the success message, or ``None`` when
    its form is invalid (shown again with its errors); 404 for an unknown action."""
    action = request.POST.get("action")
    if action not in ACTIONS:
        raise Http404
    form = forms[f"{action}_form"]
    if form is None or not form.is_valid():
        return None
    d = form.cleaned_data
    if action == "status":
        services.change_status(
            measure=measure,
            actor=request.user,
            status=d["status"],
            date=d["date"],
            comment=d["comment"],
        )
        return _("The status was changed.")
    if action == "organisations":
        services.set_organisations(
            measure=measure, actor=request.user, lead=d["lead"], participants=d["participants"]
        )
        return _("The lead and the participants were saved.")
    if action == "comment":
        services.add_comment(measure=measure, actor=request.user, text=d["text"])
        return _("The comment was added.")
    services.add_document(measure=measure, actor=request.user, title=d["title"], file=d["file"])
    return _("The document was stored.")


def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    measure = get_object_or_404(
        selectors.measures_visible_to(request.user).select_related(
            "objective", "objective__field", "objective__field__plan", "lead"
        ),
        pk=pk,
    )
    can_edit = selectors.can_edit(request.user) and measure.objective.field.plan.is_open
    forms = _measure_forms(request, measure, can_edit=can_edit)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        message = _measure_action(request, measure, forms)
        if message is not None:
            messages.success(request, message)
            return redirect("measures:measure-detail", pk=measure.pk)
    return render(
        request,
        "measures/measure_detail.html",
        {
            "measure": measure,
            "plan": measure.objective.field.plan,
            "overdue": measure.is_overdue(timezone.localdate()),
            "participants": measure.participants.order_by("name"),
            "also": measure.also_objectives.order_by("position"),
            "history": measure.status_changes.select_related("changed_by").order_by(
                "-recorded_at", "-pk"
            ),
            "comments": measure.comments.select_related("author").order_by("created_at"),
            "documents": measure.documents.order_by("uploaded_at"),
            "can_edit": can_edit,
            **forms,
        },
    )


def document_download(request: HttpRequest, pk: int) -> FileResponse:
    _require_view(request)
    document = get_object_or_404(
        Document.objects.filter(measure__in=selectors.measures_visible_to(request.user)), pk=pk
    )
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, filename=document.file.name.rsplit("/")[-1])


def organisation_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    organisations = selectors.organisations_visible_to(request.user).select_related("territory")
    rows = [
        {"organisation": o, "lead": o.n_lead, "takes_part": o.n_part}
        for o in organisations.annotate(
            n_lead=Count("led_measures", distinct=True), n_part=Count("measures", distinct=True)
        ).order_by("territory__name", "kind", "name")
    ]
    return render(
        request,
        "measures/organisation_list.html",
        {"rows": rows, "can_edit": selectors.can_edit(request.user)},
    )


def _organisation_form(request: HttpRequest, organisation: Organisation | None) -> HttpResponse:
    if not selectors.can_edit(request.user):
        raise PermissionDenied
    initial = {}
    if organisation is not None:
        initial = {
            "territory": organisation.territory,
            "short_name": organisation.short_name,
            "name": organisation.name,
            "kind": organisation.kind,
        }
    form = OrganisationForm(request.POST or None, initial=initial)
    if organisation is not None:
        form.fields["territory"].disabled = True  # entries do not move between territories
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_organisation(
                actor=request.user,
                territory=organisation.territory if organisation else data["territory"],
                short_name=data["short_name"],
                name=data["name"],
                kind=data["kind"],
                organisation=organisation,
            )
        except ValueError:
            form.add_error(
                "short_name", _("This territory already has an entry with this short name.")
            )
        else:
            messages.success(request, _("The directory was saved."))
            return redirect("measures:organisation-list")
    return render(
        request,
        "measures/organisation_form.html",
        {"form": form, "organisation": organisation},
    )


def organisation_create(request: HttpRequest) -> HttpResponse:
    return _organisation_form(request, None)


def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    organisation = get_object_or_404(
        selectors.organisations_visible_to(request.user).select_related("territory"), pk=pk
    )
    return _organisation_form(request, organisation)


def _period(request: HttpRequest) -> tuple[ReportPeriodForm, str, dt.date, dt.date]:
    today = timezone.localdate()
    data = request.GET if "year" in request.GET else None
    form = ReportPeriodForm(data, initial={"year": today.year, "half": ""})
    year, half = today.year, None
    if form.is_valid():
        year = form.cleaned_data["year"]
        half = int(form.cleaned_data["half"]) if form.cleaned_data["half"] else None
    label, start, end = report_period(year, half)
    return form, label, start, end


def _report(request: HttpRequest, pk: int) -> tuple[Plan, ProgressReport, ReportPeriodForm]:
    _require_view(request)
    plan = _plan(request, pk)
    form, label, start, end = _period(request)
    return plan, selectors.progress_report(plan, label=label, start=start, end=end), form


def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    plan, report, form = _report(request, pk)
    can_edit = selectors.can_edit(request.user)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        services.issue_report(
            plan=plan, actor=request.user, label=report.label, start=report.start, end=report.end
        )
        messages.success(request, _("The report was issued; the next report compares with it."))
        return redirect(reverse("measures:report", kwargs={"pk": plan.pk}) + _query(request))
    return render(
        request,
        "measures/report.html",
        {
            "plan": plan,
            "report": report,
            "form": form,
            "summary": report_module.summary(report),
            "status_labels": report_module.STATUS_LABELS,
            "light_labels": report_module.LIGHT_LABELS,
            "can_edit": can_edit,
            "query": _query(request),
            "snapshots": plan.snapshots.select_related("issued_by").order_by("-issued_at")[:10],
        },
    )


def _query(request: HttpRequest) -> str:
    params = {k: request.GET[k] for k in ("year", "half") if request.GET.get(k)}
    return "?" + urlencode(params) if params else ""


def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    plan, report, _form = _report(request, pk)
    response = HttpResponse(report_module.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="massnahmenplan-{plan.pk}-{report.label}.pdf"'
    )
    return response


def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    _plan_, report, _form = _report(request, pk)
    return report_module.xlsx_response(report)
