"""Pages of the childminder payment runs: overview (tables, runs, compute a month), one run
(totals, components, corrections, issues, release), one childminder's statement and its PDF,
the run's exports (payment-lines CSV, SEPA credit transfer XML) and the parent-fee calculator.

The payment office and administrators see everything; advisers and childminders see only the
statements of released runs they may see (:mod:`kitaplan.web.payments.selectors`), others get
404 for a statement and 403 for the pages of the office.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.childminding.payments import format_exact
from kitaplan.domain.childminding.payments_rules import FeeBasis, parent_fee
from kitaplan.web.budget.rules import euros
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.imports.expectations import translate_expectation
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.payments import selectors, services
from kitaplan.web.payments.forms import ComputeForm, FeeForm, TableUploadForm
from kitaplan.web.payments.models import (
    FeeTableRecord,
    FrozenRunError,
    PayeeAccount,
    PaymentLineRecord,
    PaymentRun,
    RateTableRecord,
)
from kitaplan.web.territory.models import Territory

COMPONENT_LABELS = {
    "foerderleistung": gettext_lazy("Recognition of the care work (Förderleistung)"),
    "sachaufwand": gettext_lazy("Material costs (Sachaufwand)"),
    "sachkosten": gettext_lazy("Material costs (Sachaufwand)"),
    "settling_in": gettext_lazy("Settling-in"),
    "insurance_accident": gettext_lazy("Accident insurance"),
    "insurance_pension": gettext_lazy("Pension insurance (half)"),
    "insurance_health_care": gettext_lazy("Health and care insurance (half)"),
}
UNIT_LABELS = {
    "h": gettext_lazy("hours"),
    "month": gettext_lazy("month"),
    "eur": gettext_lazy("euros"),
    "flat": gettext_lazy("flat amount"),
    "correction": gettext_lazy("correction"),
}
ISSUE_LABELS = {
    "unknown_scheme": gettext_lazy("The contract names a scheme that no rate table has."),
    "ambiguous_scheme": gettext_lazy(
        "Several rate-table schemes are loaded and the registry does not say which one applies."
    ),
    "no_table": gettext_lazy("No rate table is valid on these days."),
    "hours_not_covered": gettext_lazy(
        "The hours fall in no band, corridor or class of the rate table."
    ),
    "no_rate": gettext_lazy(
        "The rate table has no rate for this pay stage, care location or hours class."
    ),
    "unknown_stage": gettext_lazy("The pay stage is not a stage of the rate table."),
    "daily_hours_missing": gettext_lazy("The contract has no weekly schedule (daily hours)."),
}
ERRORS = {
    "bad_month": gettext_lazy("%(month)s is not a month (YYYY-MM)."),
    "no_tables": gettext_lazy("Upload a rate table first."),
    "month_released": gettext_lazy(
        "%(month)s cannot be computed or released: the run of %(latest)s is already released. "
        "Changes to released months appear as correction lines in the next month's run."
    ),
    "stale": gettext_lazy(
        "Another run was released after this draft was computed; compute %(month)s again."
    ),
    "not_released": gettext_lazy("Only a released run can be paid."),
}
BASIS_LABELS = {
    FeeBasis.PER_HOUR: gettext_lazy("rate per hour × booked weekly hours × weeks per month"),
    FeeBasis.HOUR_BANDS: gettext_lazy("monthly amount by booked weekly hours"),
    FeeBasis.INCOME: gettext_lazy("monthly amount by yearly income"),
}


def component_label(code: str) -> str:
    return str(COMPONENT_LABELS.get(code, code))


def error_text(error: services.PaymentError) -> str:
    return str(ERRORS.get(error.code, error.code)) % error.params


def number_text(text: str) -> str:
    """An exact quantity or rate as stored (``151.2``, ``416/3``) in German style."""
    if "/" in text:
        return text
    return text.replace(".", ",")


def _require_payments(request: HttpRequest) -> None:
    if not selectors.can_use_payments(request.user):
        raise PermissionDenied


def _require_office(request: HttpRequest) -> None:
    if not selectors.can_manage(request.user):
        raise PermissionDenied


def _territory(request: HttpRequest) -> Territory | None:
    territories = Territory.objects.order_by("name")
    code = request.GET.get("territory")
    if code:
        return get_object_or_404(territories, code=code)
    return (
        territories.filter(payment_runs__isnull=False).first()
        or territories.filter(rate_tables__isnull=False).first()
        or territories.first()
    )


def _run(request: HttpRequest, pk: int) -> PaymentRun:
    return get_object_or_404(
        selectors.runs_visible_to(request.user).select_related("territory"), pk=pk
    )


# --------------------------------------------------------------------------- overview


def overview(request: HttpRequest) -> HttpResponse:
    _require_payments(request)
    user = request.user
    can_manage = selectors.can_manage(user)
    territory = _territory(request)
    context: dict[str, Any] = {
        "can_manage": can_manage,
        "territory": territory,
        "territories": Territory.objects.order_by("name"),
    }
    if not can_manage:
        context["statements"] = [
            {"run": run, "cm": cm} for run, cm in selectors.own_statements(user)
        ]
        return render(request, "payments/overview.html", context)
    form = ComputeForm()
    if request.method == "POST" and territory is not None:
        form = ComputeForm(request.POST)
        if form.is_valid():
            try:
                run = services.create_run(
                    territory=territory, month=form.cleaned_data["month"], actor=user
                )
            except services.PaymentError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(
                    request,
                    _("%(month)s computed as version %(version)s (draft).")
                    % {"month": run.month, "version": run.version},
                )
                return redirect("payments:run", pk=run.pk)
    runs = list(
        PaymentRun.objects.filter(territory=territory).order_by("-month", "-version")
        if territory
        else []
    )
    context.update(
        {
            "form": form,
            "tables": RateTableRecord.objects.filter(territory=territory).order_by(
                "scheme", "valid_from"
            ),
            "fee_tables": FeeTableRecord.objects.filter(territory=territory),
            "runs": [{"run": r, "total": euros(r.total_cents)} for r in runs],
        }
    )
    return render(request, "payments/overview.html", context)


def table_upload(request: HttpRequest) -> HttpResponse:
    """Upload a rate table or a parent-fee table (``?kind=fees``); refused with every problem."""
    _require_office(request)
    kind = "fees" if (request.GET.get("kind") or request.POST.get("kind")) == "fees" else "rates"
    problems: list[str] = []
    if request.method == "POST":
        form = TableUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            raw = b"".join(upload.chunks())
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
                problems = [_("%(file)s: the file is not UTF-8 text.") % {"file": upload.name}]
            if text is not None:
                save = services.save_fee_table if kind == "fees" else services.save_rate_table
                result = save(
                    territory=form.cleaned_data["territory"],
                    text=text,
                    file_name=upload.name,
                    actor=request.user,
                )
                if result.record is not None:
                    messages.success(
                        request, _("Table %(code)s stored.") % {"code": result.record.code}
                    )
                    target = reverse("payments:fees" if kind == "fees" else "payments:overview")
                    return redirect(f"{target}?territory={result.record.territory.code}")
                problems = [describe_problem(p) for p in result.problems]
    else:
        form = TableUploadForm(initial={"territory": _territory(request)})
    status = 400 if problems else 200
    return render(
        request,
        "payments/table_upload.html",
        {"form": form, "problems": problems, "kind": kind},
        status=status,
    )


def rate_table_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_office(request)
    record = get_object_or_404(RateTableRecord.objects.select_related("territory"), pk=pk)
    return render(request, "payments/rate_table.html", {"record": record})


# --------------------------------------------------------------------------- one run


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_office(request)
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
    lines = list(run.lines.order_by("position"))
    cms = Childminder.objects.in_bulk({line.childminder_id for line in lines})
    per_cm: dict[int, dict[str, int]] = defaultdict(lambda: {"regular": 0, "correction": 0})
    components: dict[str, dict[str, int]] = defaultdict(
        lambda: {"regular": 0, "correction": 0, "count": 0}
    )
    for line in lines:
        part = "correction" if line.is_correction else "regular"
        per_cm[line.childminder_id][part] += line.amount_cents
        components[line.component][part] += line.amount_cents
        components[line.component]["count"] += 1
    accounts = set(
        PayeeAccount.objects.filter(childminder_id__in=list(per_cm)).values_list(
            "childminder_id", flat=True
        )
    )
    cm_rows = [
        {
            "cm": cms[pk_],
            "regular": euros(v["regular"]),
            "correction": euros(v["correction"]) if v["correction"] else "",
            "total": euros(v["regular"] + v["correction"]),
            "total_cents": v["regular"] + v["correction"],
            "account": pk_ in accounts,
        }
        for pk_, v in sorted(per_cm.items(), key=lambda kv: (cms[kv[0]].number, kv[0]))
    ]
    component_rows = [
        {
            "code": code,
            "label": component_label(code),
            "count": v["count"],
            "regular": euros(v["regular"]),
            "correction": euros(v["correction"]) if v["correction"] else "",
            "total": euros(v["regular"] + v["correction"]),
        }
        for code, v in sorted(components.items())
    ]
    corrections = [
        {"line": line, "cm": cms[line.childminder_id], **_line_texts(line)}
        for line in lines
        if line.is_correction
    ]
    issue_cms = Childminder.objects.in_bulk(
        {i["childminder_id"] for i in run.issues if i.get("childminder_id")}
    )
    issues = [
        {
            **i,
            "cm": issue_cms.get(i.get("childminder_id")),
            "reason": str(ISSUE_LABELS.get(i["code"], i["code"])),
            "expected_text": translate_expectation(i["expected"]),
        }
        for i in run.issues
    ]
    not_payable = [
        {"cm": t.childminder, "total": euros(t.amount_cents), "account": t.account is not None}
        for t in services.transfers(run)[1]
    ]
    regular_total = sum(v["regular"] for v in per_cm.values())
    correction_total = sum(v["correction"] for v in per_cm.values())
    context = {
        "run": run,
        "can_manage": True,
        "can_release": not run.is_released,
        "stale": (not run.is_released) and services.stale(run),
        "total": euros(run.total_cents),
        "regular_total": euros(regular_total),
        "correction_total": euros(correction_total),
        "cm_rows": cm_rows,
        "component_rows": component_rows,
        "corrections": corrections,
        "issues": issues,
        "not_payable": not_payable,
        "tables": RateTableRecord.objects.filter(
            territory=run.territory, code__in=run.inputs.get("tables", [])
        ),
        "contract_count": len(run.inputs.get("contracts", [])),
        "line_count": len(lines),
    }
    return render(request, "payments/run.html", context)


def run_csv(request: HttpRequest, pk: int) -> HttpResponse:
    _require_office(request)
    run = _run(request, pk)
    response = HttpResponse(services.lines_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="geldleistung-{run.territory.code}-{run.month}-v{run.version}.csv"'
    )
    return response


def run_sepa(request: HttpRequest, pk: int) -> HttpResponse:
    _require_office(request)
    run = _run(request, pk)
    if not run.is_released:
        raise Http404("only released runs are paid")
    response = HttpResponse(services.sepa_xml(run), content_type="application/xml")
    response["Content-Disposition"] = (
        f'attachment; filename="sepa-{run.territory.code}-{run.month}-v{run.version}.xml"'
    )
    return response


# --------------------------------------------------------------------------- statements


def _line_texts(line: PaymentLineRecord) -> dict[str, str]:
    return {
        "label": component_label(line.component),
        "quantity": number_text(line.quantity),
        "unit": str(UNIT_LABELS.get(line.unit, line.unit)),
        "rate": number_text(line.rate),
        "amount": euros(line.amount_cents),
    }


def statement_data(run: PaymentRun, cm: Childminder) -> dict[str, Any]:
    """Everything a statement shows: lines per child, corrections, totals, rate sources."""
    lines = list(run.lines.filter(childminder=cm).order_by("position"))
    if not lines:
        raise Http404("no lines for this childminder in this run")
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    own: list[dict[str, Any]] = []
    corrections: list[dict[str, Any]] = []
    for line in lines:
        row = {"line": line, **_line_texts(line)}
        if line.is_correction:
            corrections.append(row)
        elif line.child_reference:
            children[line.child_reference].append(row)
        else:
            own.append(row)
    child_groups = [
        {
            "child": child,
            "rows": rows,
            "total": euros(sum(r["line"].amount_cents for r in rows)),
        }
        for child, rows in children.items()
    ]
    codes = sorted({line.table_code for line in lines})
    regular = sum(line.amount_cents for line in lines if not line.is_correction)
    correction = sum(line.amount_cents for line in lines if line.is_correction)
    return {
        "run": run,
        "cm": cm,
        "child_groups": child_groups,
        "own_rows": own,
        "own_total": euros(sum(r["line"].amount_cents for r in own)),
        "corrections": corrections,
        "regular_total": euros(regular),
        "correction_total": euros(correction),
        "total": euros(regular + correction),
        "total_cents": regular + correction,
        "tables": list(RateTableRecord.objects.filter(territory=run.territory, code__in=codes)),
        "account": PayeeAccount.objects.filter(childminder=cm).first(),
    }


def _statement_objects(request: HttpRequest, pk: int, childminder: int) -> dict[str, Any]:
    _require_payments(request)
    run = get_object_or_404(PaymentRun.objects.select_related("territory"), pk=pk)
    cm = get_object_or_404(selectors.statement_childminders(request.user, run), pk=childminder)
    return statement_data(run, cm)


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
    _require_payments(request)
    territory = _territory(request)
    tables = FeeTableRecord.objects.filter(territory=territory).order_by("-valid_from", "code")
    data = request.GET if "weekly_hours" in request.GET else None
    form = FeeForm(data, tables=tables, initial={"table": tables.first()})
    result: dict[str, Any] | None = None
    if data is not None and form.is_valid():
        record = form.cleaned_data["table"]
        table = selectors.fee_table(record)
        income = form.cleaned_data["yearly_income"]
        fee = parent_fee(
            table,
            weekly_hours=Fraction(form.cleaned_data["weekly_hours"]),
            age_group=form.cleaned_data["age_group"] or None,
            yearly_income=None if income is None else Fraction(income),
        )
        bracket = table.brackets[fee.bracket] if fee.bracket is not None else None
        result = {
            "record": record,
            "table": table,
            "basis": BASIS_LABELS[table.basis],
            "fee": None if fee.amount_cents is None else euros(fee.amount_cents),
            "quantity": number_text(format_exact(fee.quantity)),
            "rate": euros(fee.rate * 100),
            "bracket_number": None if fee.bracket is None else fee.bracket + 1,
            "bracket": bracket,
            "bracket_from": None if bracket is None else number_text(format_exact(bracket.over)),
            "bracket_to": None
            if bracket is None or bracket.up_to is None
            else number_text(format_exact(bracket.up_to)),
        }
    return render(
        request,
        "payments/fees.html",
        {
            "form": form,
            "result": result,
            "tables": tables,
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
            "can_manage": selectors.can_manage(request.user),
        },
    )
