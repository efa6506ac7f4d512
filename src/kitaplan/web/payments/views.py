"""Pages of the childminder payment runs: overview (tables, runs, compute a month), one run
(totals, components, corrections, issues, release), one childminder's statement and its PDF,
the run's exports (payment-lines CSV, SEPA credit transfer XML) and the parent-fee calculator.
Actual hours are in :mod:`~kitaplan.web.payments.hours_views`, a contract's payment terms, a
childminder's insurance proofs and payee account and the paying account in
:mod:`~kitaplan.web.payments.master_data_views`.

The payment office and administrators see everything; advisers and childminders see only the
statements of released runs they may see (:mod:`kitaplan.web.payments.selectors`), others get
404 for a statement and 403 for the pages of the office. Views parse the request, answer 403
early through the ``can_*`` functions the services check again, call a service or selector
and render what :mod:`~kitaplan.web.payments.presenters` arranges.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kitaplan.web.audit.services import AuditAction, record_read
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.payments import jobs, presenters, selectors, services
from kitaplan.web.payments.forms import ComputeForm, FeeForm, TableUploadForm
from kitaplan.web.payments.models import (
    FeeTableRecord,
    FrozenRunError,
    PaymentRun,
    RateTableRecord,
)
from kitaplan.web.payments.texts import error_text, line_note
from kitaplan.web.territory.models import Territory
from kitaplan.web.territory.requests import territory_from_request

#: What a payment page's territory is chosen by when the request names none.
HAVING = ("payment_runs", "rate_tables")


def require_payments(request: HttpRequest) -> None:
    if not selectors.can_use_payments(request.user):
        raise PermissionDenied


def require_office(request: HttpRequest) -> None:
    if not selectors.can_manage(request.user):
        raise PermissionDenied


def page_territory(request: HttpRequest) -> Territory | None:
    return territory_from_request(request, having=HAVING)


def territories() -> QuerySet[Territory]:
    return Territory.objects.order_by("name")


def _run(request: HttpRequest, pk: int) -> PaymentRun:
    return get_object_or_404(
        selectors.runs_visible_to(request.user).select_related("territory"), pk=pk
    )


# --------------------------------------------------------------------------- overview


def _compute(request: HttpRequest, territory: Territory) -> tuple[ComputeForm, HttpResponse | None]:
    """The compute form of a POST, and the redirect to the job that computes the month (the
    job page links the new run when it is done, or shows the refusal)."""
    form = ComputeForm(request.POST)
    if form.is_valid():
        job = jobs.queue_run(
            territory=territory, month=form.cleaned_data["month"], actor=request.user
        )
        return form, redirect("jobs:job-detail", pk=job.pk)
    return form, None


def overview(request: HttpRequest) -> HttpResponse:
    require_payments(request)
    user = request.user
    can_manage = selectors.can_manage(user)
    territory = page_territory(request)
    context: dict[str, Any] = {
        "can_manage": can_manage,
        "territory": territory,
        "territories": territories(),
    }
    if not can_manage:
        if request.method == "POST":  # computing a run: the office only
            raise PermissionDenied
        context["statements"] = [
            {"run": run, "cm": cm} for run, cm in selectors.own_statements(user)
        ]
        return render(request, "payments/overview.html", context)
    form = ComputeForm()
    if request.method == "POST" and territory is not None:
        form, done = _compute(request, territory)
        if done is not None:
            return done
    context.update(
        {
            "form": form,
            "tables": RateTableRecord.objects.filter(territory=territory).order_by(
                "scheme", "valid_from"
            ),
            "fee_tables": FeeTableRecord.objects.filter(territory=territory),
            "runs": presenters.run_rows(selectors.runs_of(territory)),
        }
    )
    return render(request, "payments/overview.html", context)


def _upload(request: HttpRequest, form: TableUploadForm, kind: str) -> HttpResponse | list[str]:
    """Store the uploaded table (redirect to its page) or the problems that refused it."""
    upload = form.cleaned_data["file"]
    try:
        text = b"".join(upload.chunks()).decode("utf-8-sig")
    except UnicodeDecodeError:
        return [_("%(file)s: the file is not UTF-8 text.") % {"file": upload.name}]
    save = services.save_fee_table if kind == "fees" else services.save_rate_table
    result = save(
        territory=form.cleaned_data["territory"],
        text=text,
        file_name=upload.name,
        actor=request.user,
    )
    if result.record is None:
        return [describe_problem(p) for p in result.problems]
    messages.success(request, _("Table %(code)s stored.") % {"code": result.record.code})
    target = reverse("payments:fees" if kind == "fees" else "payments:overview")
    return redirect(f"{target}?territory={result.record.territory.code}")


def table_upload(request: HttpRequest) -> HttpResponse:
    """Upload a rate table or a parent-fee table (``?kind=fees``); refused with every problem."""
    require_office(request)
    kind = "fees" if (request.GET.get("kind") or request.POST.get("kind")) == "fees" else "rates"
    problems: list[str] = []
    if request.method == "POST":
        form = TableUploadForm(request.POST, request.FILES)
        if form.is_valid():
            outcome = _upload(request, form, kind)
            if isinstance(outcome, HttpResponse):
                return outcome
            problems = outcome
    else:
        form = TableUploadForm(initial={"territory": page_territory(request)})
    return render(
        request,
        "payments/table_upload.html",
        {"form": form, "problems": problems, "kind": kind},
        status=400 if problems else 200,
    )


def rate_table_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_office(request)
    record = get_object_or_404(RateTableRecord.objects.select_related("territory"), pk=pk)
    return render(request, "payments/rate_table.html", {"record": record})


# --------------------------------------------------------------------------- one run


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_office(request)
    run = _run(request, pk)
    if request.method == "POST" and request.POST.get("action") == "release":
        try:
            services.release_run(run=run, actor=request.user)
        except services.PaymentError as error:
            messages.error(request, error_text(error))
        except FrozenRunError:
            messages.error(request, _("The run is already released."))
        else:
            messages.success(request, _("The run is released and frozen."))
        return redirect("payments:run", pk=run.pk)
    return render(request, "payments/run.html", presenters.run_page(run))


def run_csv(request: HttpRequest, pk: int) -> HttpResponse:
    require_office(request)
    run = _run(request, pk)
    record_read(
        actor=request.user,
        action=AuditAction.PAYMENT_FILE_DOWNLOADED,
        target=run,
        details={"file": "csv"},
    )
    response = HttpResponse(
        services.lines_csv(run, word_note=line_note), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="geldleistung-{run.territory.code}-{run.month}-v{run.version}.csv"'
    )
    return response


def run_sepa(request: HttpRequest, pk: int) -> HttpResponse:
    require_office(request)
    run = _run(request, pk)
    if not run.is_released:
        raise Http404("only released runs are paid")
    try:
        stored = services.run_file(run)
    except services.PaymentError as error:  # released before files were stored, no account
        messages.error(request, error_text(error))
        return redirect("payments:run", pk=run.pk)
    record_read(
        actor=request.user,
        action=AuditAction.PAYMENT_FILE_DOWNLOADED,
        target=run,
        details={"file": "sepa", "message_id": stored.message_id, "sha256": stored.sha256},
    )
    response = HttpResponse(services.file_bytes(stored), content_type="application/xml")
    response["Content-Disposition"] = (
        f'attachment; filename="sepa-{run.territory.code}-{run.month}-v{run.version}.xml"'
    )
    return response


# --------------------------------------------------------------------------- statements


def _statement_objects(request: HttpRequest, pk: int, childminder: int) -> dict[str, Any]:
    require_payments(request)
    run = get_object_or_404(PaymentRun.objects.select_related("territory"), pk=pk)
    cm = get_object_or_404(selectors.statement_childminders(request.user, run), pk=childminder)
    data = presenters.statement_data(run, cm)
    data["iban"] = selectors.iban_text(data["account"], request.user)
    record_read(
        actor=request.user,
        action=AuditAction.PAYMENT_STATEMENT_VIEWED,
        target=cm,
        details={"run": run.pk, "month": run.month, "pdf": request.path.endswith("/pdf/")},
    )
    return data


def statement(request: HttpRequest, pk: int, childminder: int) -> HttpResponse:
    data = _statement_objects(request, pk, childminder)
    data["can_manage"] = selectors.can_manage(request.user)
    return render(request, "payments/statement.html", data)


def statement_pdf(request: HttpRequest, pk: int, childminder: int) -> HttpResponse:
    from kitaplan.web.payments.pdf import statement_pdf as render_pdf

    data = _statement_objects(request, pk, childminder)
    response = HttpResponse(render_pdf(data), content_type="application/pdf")
    run, cm = data["run"], data["cm"]
    response["Content-Disposition"] = (
        f'attachment; filename="abrechnung-{run.month}-{cm.number}.pdf"'
    )
    return response


# --------------------------------------------------------------------------- parent fees


def fees(request: HttpRequest) -> HttpResponse:
    """The parent-fee calculator: a table, booked hours, income → the monthly fee and its rule."""
    require_payments(request)
    territory = page_territory(request)
    tables = FeeTableRecord.objects.filter(territory=territory).order_by("-valid_from", "code")
    data = request.GET if "weekly_hours" in request.GET else None
    form = FeeForm(data, tables=tables, initial={"table": tables.first()})
    result = None
    if data is not None and form.is_valid():
        result = presenters.fee_result(form.cleaned_data["table"], form.cleaned_data)
    return render(
        request,
        "payments/fees.html",
        {
            "form": form,
            "result": result,
            "tables": tables,
            "territory": territory,
            "territories": territories(),
            "can_manage": selectors.can_manage(request.user),
        },
    )
