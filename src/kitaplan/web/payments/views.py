"""Pages of the childminder payment runs: overview (tables, runs, compute a month), one run
(totals, components, corrections, issues, release), one childminder's statement and its PDF,
the run's exports (payment-lines CSV, SEPA credit transfer XML), the parent-fee calculator,
actual hours (report and correct), one contract's payment terms (rate scheme, supplements) and
a childminder's insurance proofs and payee account (with the list of childminders).

The payment office and administrators see everything; advisers and childminders see only the
statements of released runs they may see (:mod:`kitaplan.web.payments.selectors`), others get
404 for a statement and 403 for the pages of the office. Actual hours: a childminder reports
those of her own contracts, advisers those of their advisory services' childminders, the office
those of every contract; another contract answers 404. Insurance proofs and payee accounts:
the office changes them, advisers and a childminder read those they may see (another
childminder answers 404); only the office reads a full IBAN.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.childminding.payments import format_exact
from kitaplan.domain.childminding.payments_rules import FeeBasis, parent_fee
from kitaplan.web.audit.services import AuditAction, record_read
from kitaplan.web.budget.rules import euros
from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.imports.expectations import translate_expectation
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.payments import selectors, services
from kitaplan.web.payments.forms import (
    AccountForm,
    ComputeForm,
    ContractTermsForm,
    DebtorForm,
    EndProofForm,
    FeeForm,
    HoursForm,
    ProofForm,
    TableUploadForm,
)
from kitaplan.web.payments.models import (
    INSURANCE_KINDS,
    ActualHours,
    FeeTableRecord,
    FrozenRunError,
    InsuranceProofRecord,
    PayeeAccount,
    PaymentLineRecord,
    PaymentRun,
    PaymentRunFile,
    RateTableRecord,
    group_iban,
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
    "inclusion": gettext_lazy("Supplement for the care of a child with special support needs"),
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
    "hours_changed": gettext_lazy(
        "Actual hours were reported or corrected after this draft was computed; compute "
        "%(month)s again."
    ),
    "future_month": gettext_lazy(
        "%(month)s has not ended yet: actual hours can be reported once the month is over."
    ),
    "not_funded": gettext_lazy("The contract of %(child)s is not funded in %(month)s."),
    "bad_hours": gettext_lazy(
        "Enter the hours as a number from 0 to %(limit)s with at most two decimal places."
    ),
    "hours_settled": gettext_lazy(
        "The hours of %(month)s were settled in the released run of %(run_month)s and can no "
        "longer be changed."
    ),
    "bad_scheme": gettext_lazy("A scheme is a code without spaces, e.g. “berlin-demo”."),
    "unknown_supplement": gettext_lazy("Unknown supplement: %(supplement)s."),
    "unknown_kind": gettext_lazy("Unknown kind of insurance: %(kind)s."),
    "bad_amount": gettext_lazy(
        "Enter the monthly amount in euros from 0 to %(limit)s with at most two decimal places."
    ),
    "bad_period": gettext_lazy("The last day must not be before the first day."),
    "proof_overlap": gettext_lazy(
        "The period overlaps the %(kind)s proof valid from %(valid_from)s to %(valid_to)s "
        "(%(amount)s a month). End that proof first or choose another period."
    ),
    "proof_overlap_open": gettext_lazy(
        "The period overlaps the %(kind)s proof valid from %(valid_from)s without an end "
        "(%(amount)s a month). End that proof first or choose another period."
    ),
    "bad_holder": gettext_lazy("Enter the account holder (at most 70 characters)."),
    "bad_iban": gettext_lazy(
        "This is not a valid IBAN: its check digits do not match. Please check every character."
    ),
    "bad_bic": gettext_lazy("%(bic)s is not a BIC (8 or 11 letters and digits)."),
    "iban_length": gettext_lazy(
        "This IBAN has the wrong number of characters for an account in %(country)s."
    ),
    "iban_structure": gettext_lazy(
        "This is not a valid IBAN: its characters do not match the form of an IBAN of %(country)s."
    ),
    "iban_country": gettext_lazy(
        "%(country)s is not a country of the SEPA area: enter the IBAN of an account in a SEPA "
        "country."
    ),
    "iban_bank_code": gettext_lazy(
        "The bank code %(bank_code)s of this IBAN belongs to no German bank (Bundesbank register)."
    ),
    "bad_creditor_id": gettext_lazy(
        "%(creditor_id)s is not a creditor identifier (Gläubiger-ID, e.g. DE98ZZZ09999999999)."
    ),
    "no_debtor": gettext_lazy(
        "No paying account is set up for %(territory)s: the payment office enters it under "
        "“Paying account” (account holder, IBAN) before a run can be released or its SEPA "
        "file written."
    ),
}
#: The field of the account forms (payee and paying account) a refused value belongs to.
ACCOUNT_ERROR_FIELDS = {
    "bad_holder": "holder",
    "bad_iban": "iban",
    "iban_length": "iban",
    "iban_structure": "iban",
    "iban_country": "iban",
    "iban_bank_code": "iban",
    "bad_bic": "bic",
    "bad_creditor_id": "creditor_id",
}
#: The form field a refused report belongs to (the message is shown at that field).
HOURS_ERROR_FIELDS = {
    "bad_month": "month",
    "future_month": "month",
    "not_funded": "month",
    "hours_settled": "month",
    "bad_hours": "hours",
}


def _issue_patterns() -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    """The engine's expectations (English, :mod:`kitaplan.domain.childminding.payments`)."""
    return [
        (
            re.compile(r"^a scheme \(several are loaded\): (?P<schemes>.*)$"),
            lambda m: (
                _("a scheme for the contract (several are loaded): %(schemes)s")
                % {"schemes": m["schemes"]}
            ),
        ),
        (
            re.compile(r"^the scheme of a rate table: (?P<schemes>.*)$"),
            lambda m: _("the scheme of a rate table: %(schemes)s") % {"schemes": m["schemes"]},
        ),
        (
            re.compile(r"^a stage of table (?P<table>\S+)$"),
            lambda m: _("a stage of rate table %(table)s") % {"table": m["table"]},
        ),
        (
            re.compile(r"^hours covered by a class of table (?P<table>\S+)$"),
            lambda m: _("hours covered by a class of rate table %(table)s") % {"table": m["table"]},
        ),
        (
            re.compile(r"^a rate of component (?P<component>\S+) in table (?P<table>\S+)$"),
            lambda m: (
                _("a rate of component %(component)s in rate table %(table)s")
                % {"component": component_label(m["component"]), "table": m["table"]}
            ),
        ),
        (
            re.compile(r"^days covered by a rate table of scheme (?P<scheme>\S+)$"),
            lambda m: (
                _("days covered by a rate table of scheme %(scheme)s") % {"scheme": m["scheme"]}
            ),
        ),
        (
            re.compile(r"^daily hours or days$"),
            lambda m: _("daily hours (a weekly schedule)"),
        ),
    ]


def issue_expectation(text: str) -> str:
    """An issue's expectation in the active language (the import wordings as a fallback)."""
    for pattern, word in _issue_patterns():
        match = pattern.match(text)
        if match:
            return word(match)
    return translate_expectation(text)


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
        if request.method == "POST":  # computing a run: the office only
            raise PermissionDenied
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
    accounts = set(services.run_accounts(run, per_cm))
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
    settled = settlement_hours(run)
    corrections = [
        {
            "line": line,
            "cm": cms[line.childminder_id],
            **_line_texts(line),
            "settlement": settled.get(_settlement_key(line)),
        }
        for line in lines
        if line.is_correction
    ]
    settlement_total = sum(c["line"].amount_cents for c in corrections if c["settlement"])
    issue_cms = Childminder.objects.in_bulk(
        {i["childminder_id"] for i in run.issues if i.get("childminder_id")}
    )
    issues = [
        {
            **i,
            "cm": issue_cms.get(i.get("childminder_id")),
            "reason": str(ISSUE_LABELS.get(i["code"], i["code"])),
            "expected_text": issue_expectation(i["expected"]),
            "contract_pk": int(i["contract_id"]) if str(i["contract_id"]).isdigit() else None,
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
        "hours_changed": (not run.is_released) and services.hours_changed(run),
        "settlement_total": euros(settlement_total) if settlement_total else "",
        "settled_reports": len(run.inputs.get("actual_hours", [])),
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
        "debtor_missing": (not run.is_released) and services.debtor_of(run.territory) is None,
        "sepa_file": PaymentRunFile.objects.filter(run=run).first(),
    }
    return render(request, "payments/run.html", context)


def run_csv(request: HttpRequest, pk: int) -> HttpResponse:
    _require_office(request)
    run = _run(request, pk)
    record_read(
        actor=request.user,
        action=AuditAction.PAYMENT_FILE_DOWNLOADED,
        target=run,
        details={"file": "csv"},
    )
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


def settlement_hours(run: PaymentRun) -> dict[tuple[int, str, str], str]:
    """(childminder, child, month) → reported hours, for the actual hours the run used."""
    contracts = {c["contract_id"]: c for c in run.inputs.get("contracts", [])}
    result: dict[tuple[int, str, str], str] = {}
    for entry in run.inputs.get("actual_hours", []):
        contract = contracts.get(entry["contract_id"])
        if contract is not None:
            key = (int(contract["childminder_id"]), contract["child_id"], entry["month"])
            result[key] = number_text(entry["hours"])
    return result


def _settlement_key(line: PaymentLineRecord) -> tuple[int, str, str]:
    return (line.childminder_id, line.child_reference, line.corrects_month)


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
    settled = settlement_hours(run)
    for line in lines:
        row = {"line": line, **_line_texts(line)}
        if line.is_correction:
            hours = settled.get(_settlement_key(line))
            if hours is not None:
                row["label"] = _("%(component)s – settlement on actual hours (%(hours)s h)") % {
                    "component": row["label"],
                    "hours": hours,
                }
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
        "account": services.run_accounts(run, [cm.pk]).get(cm.pk),
    }


def _statement_objects(request: HttpRequest, pk: int, childminder: int) -> dict[str, Any]:
    _require_payments(request)
    run = get_object_or_404(PaymentRun.objects.select_related("territory"), pk=pk)
    cm = get_object_or_404(selectors.statement_childminders(request.user, run), pk=childminder)
    data = statement_data(run, cm)
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


# --------------------------------------------------------------------------- actual hours


def _previous_month(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def _visible_contract_or_404(request: HttpRequest, value: Any) -> CareContract | None:
    """The contract named by a request parameter; 404 when it is not the user's to see.

    An empty or non-numeric value is left to the form (a field error)."""
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    return get_object_or_404(selectors.contracts_visible_to(request.user), pk=int(text))


def _hours_rows(rows: Any) -> list[dict[str, Any]]:
    return [
        {
            "report": h,
            "contract": h.contract,
            "cm": h.contract.childminder,
            "hours": number_text(format_exact(Fraction(h.hours))),
        }
        for h in rows
    ]


def hours(request: HttpRequest) -> HttpResponse:
    """Report or correct the hours actually cared in a month (settlement on actual hours), and
    the reports the user may see."""
    _require_payments(request)
    user = request.user
    today = timezone.localdate()
    can_manage = selectors.can_manage(user)
    # Another's contract is not found (404), never a form error that confirms it exists.
    named = (
        request.POST.get("contract") if request.method == "POST" else request.GET.get("contract")
    )
    contract = _visible_contract_or_404(request, named)
    territory = None
    if can_manage:
        territory = contract.childminder.territory if contract is not None else _territory(request)
    visible = selectors.contracts_visible_to(user)
    if territory is not None:
        visible = visible.filter(childminder__territory=territory)
    # The contracts to choose from: funded ones that ran in the last 13 months (and the one asked
    # for).
    recent = Q(funded=True) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=today - dt.timedelta(days=400))
    )
    if contract is not None:
        recent |= Q(pk=contract.pk)
    choices = visible.filter(recent).order_by("childminder__number", "child_reference", "pk")
    status = 200
    if request.method == "POST":
        form = HoursForm(request.POST, contracts=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.save_actual_hours(
                    contract=data["contract"],
                    month=data["month"],
                    hours=data["hours"],
                    note=data["note"],
                    actor=user,
                )
            except services.PaymentError as error:
                form.add_error(HOURS_ERROR_FIELDS.get(error.code), error_text(error))
            else:
                messages.success(
                    request,
                    _("The hours of %(month)s for %(child)s were saved.")
                    % {"month": saved.month, "child": saved.contract.child_reference},
                )
                target = reverse("payments:hours") + f"?month={saved.month}"
                if territory is not None:
                    target += f"&territory={territory.code}"
                return redirect(target)
        status = 400
    else:
        initial: dict[str, Any] = {"month": request.GET.get("month") or _previous_month(today)}
        if contract is not None:
            initial["contract"] = contract
            existing = ActualHours.objects.filter(contract=contract, month=initial["month"]).first()
            if existing is not None:
                initial.update({"hours": existing.hours, "note": existing.note})
        form = HoursForm(initial=initial, contracts=choices)
    month = (request.GET.get("month") or "").strip()
    reports = selectors.hours_visible_to(user).select_related(
        "contract", "contract__childminder", "reported_by", "settled_in"
    )
    if territory is not None:
        reports = reports.filter(contract__childminder__territory=territory)
    if month:
        reports = reports.filter(month=month)
    reports = reports.order_by(
        "-month", "contract__childminder__number", "contract__child_reference"
    )
    return render(
        request,
        "payments/hours.html",
        {
            "form": form,
            "rows": _hours_rows(reports[:500]),
            "month": month,
            "can_manage": can_manage,
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
        },
        status=status,
    )


# --------------------------------------------------------------------------- master data

#: The form field a refused change belongs to (the message is shown at that field).
MASTER_DATA_ERROR_FIELDS = {
    "add_proof": {
        "unknown_kind": "kind",
        "bad_amount": "monthly_amount",
        "bad_period": "valid_to",
        "proof_overlap": "valid_from",
    },
    "end_proof": {"bad_period": "valid_to", "proof_overlap": "valid_to"},
    "account": ACCOUNT_ERROR_FIELDS,
}
KIND_LABELS = dict(INSURANCE_KINDS)


def _short_date(value: dt.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value is not None else ""


def master_data_error_text(error: services.PaymentError) -> str:
    """A refused proof or account change in the active language (dates, euros localised)."""
    params = dict(error.params)
    code = error.code
    if code == "proof_overlap":
        params["kind"] = str(KIND_LABELS.get(params["kind"], params["kind"]))
        params["amount"] = euros(params["amount_cents"])
        params["valid_from"] = _short_date(params["valid_from"])
        if params["valid_to"] is None:
            code = "proof_overlap_open"
        else:
            params["valid_to"] = _short_date(params["valid_to"])
    elif code == "bad_amount":
        params["limit"] = euros(int(params["limit"] * 100))
    return str(ERRORS.get(code, code)) % params


def _proof_rows(proofs: list[InsuranceProofRecord], today: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "proof": p,
            "kind": p.get_kind_display(),
            "amount": euros(p.monthly_amount_cents),
            "current": p.valid_from <= today and (p.valid_to is None or p.valid_to >= today),
        }
        for p in proofs
    ]


def _affects_released(
    territory: Territory, start: dt.date, ends: list[dt.date | None]
) -> str | None:
    """The latest released month when a proof from ``start`` reaches into released months with
    one of these ends (a new proof: its end; an ended proof: its end before and after), else
    ``None``."""
    latest = selectors.latest_released_month(territory)
    if latest is None:
        return None
    last_day = selectors.month_bounds(latest)[1]
    if start > last_day:
        return None
    if len(ends) == 1:  # a new proof: paid in released months from its start
        return latest
    # An end moved: the days between the earlier end and the last released day change.
    if min(end or dt.date.max for end in ends) < last_day:
        return latest
    return None


def _save_master_data(
    action: str, cm: Childminder, data: dict[str, Any], user: Any
) -> tuple[str, str | None]:
    """Run the change a valid form asks for: (success message, the latest released month the
    change reaches into, or ``None``)."""
    if action == "add_proof":
        proof = services.add_insurance_proof(
            childminder=cm,
            kind=data["kind"],
            monthly_amount=data["monthly_amount"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            actor=user,
        )
        done = _("The %(kind)s proof was added.") % {"kind": proof.get_kind_display()}
        return done, _affects_released(cm.territory, proof.valid_from, [proof.valid_to])
    if action == "end_proof":
        before = data["proof"].valid_to
        proof = services.end_insurance_proof(
            proof=data["proof"], valid_to=data["valid_to"], actor=user
        )
        done = _("The %(kind)s proof now ends on %(day)s.") % {
            "kind": proof.get_kind_display(),
            "day": _short_date(proof.valid_to),
        }
        return done, _affects_released(cm.territory, proof.valid_from, [before, proof.valid_to])
    services.save_payee_account(
        childminder=cm, holder=data["holder"], iban=data["iban"], bic=data["bic"], actor=user
    )
    return _("The bank account was saved."), None


def childminder_payment_data(request: HttpRequest, pk: int) -> HttpResponse:
    """A childminder's insurance proofs and payee account; the office adds and ends proofs and
    sets the account, everyone else who may see the childminder reads them (IBAN masked)."""
    _require_payments(request)
    user = request.user
    cm = get_object_or_404(
        selectors.payment_childminders_visible_to(user).select_related("territory"), pk=pk
    )
    can_edit = selectors.can_edit_master_data(user)
    proofs = InsuranceProofRecord.objects.filter(childminder=cm).order_by(
        "kind", "valid_from", "pk"
    )
    account = PayeeAccount.objects.filter(childminder=cm).first()
    if request.method == "GET":
        record_read(actor=request.user, action=AuditAction.PAYMENT_DATA_VIEWED, target=cm)
    proof_form = end_form = account_form = None
    status = 200
    if can_edit:
        chosen = request.GET.get("proof", "")
        chosen_proof = proofs.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        proof_form = ProofForm(prefix="proof")
        end_form = EndProofForm(prefix="end", proofs=proofs, initial={"proof": chosen_proof})
        account_form = AccountForm(
            prefix="account",
            initial={"holder": account.holder, "iban": account.iban, "bic": account.bic}
            if account is not None
            else {"holder": cm.name},
        )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        action = request.POST.get("action", "")
        form: Any = None
        if action == "add_proof":
            proof_form = form = ProofForm(request.POST, prefix="proof")
        elif action == "end_proof":
            end_form = form = EndProofForm(request.POST, prefix="end", proofs=proofs)
        elif action == "account":
            account_form = form = AccountForm(request.POST, prefix="account")
        if form is not None and form.is_valid():
            try:
                done, released = _save_master_data(action, cm, form.cleaned_data, user)
            except services.PaymentError as error:
                form.add_error(
                    MASTER_DATA_ERROR_FIELDS[action].get(error.code), master_data_error_text(error)
                )
            else:
                messages.success(request, done)
                if released is not None:
                    messages.info(
                        request,
                        _(
                            "The change reaches into months already released (up to %(month)s): "
                            "the next run pays or reclaims the difference as correction lines."
                        )
                        % {"month": released},
                    )
                anchor = "account" if action == "account" else "proofs"
                return redirect(reverse("payments:childminder", args=[cm.pk]) + f"#{anchor}")
        status = 400
    proof_list = list(proofs)
    return render(
        request,
        "payments/childminder.html",
        {
            "cm": cm,
            "proof_rows": _proof_rows(proof_list, timezone.localdate()),
            "account": account,
            "iban": selectors.iban_text(account, user),
            "full_iban": selectors.sees_full_iban(user),
            "can_edit": can_edit,
            "can_manage": selectors.can_manage(user),
            "proof_form": proof_form,
            "end_form": end_form if proof_list else None,
            "account_form": account_form,
            "contracts": cm.contracts.order_by("valid_from", "pk"),
        },
        status=status,
    )


def childminder_list(request: HttpRequest) -> HttpResponse:
    """The childminders whose insurance proofs and payee account the user may see, with the
    proofs valid today and the account (masked unless the user is the payment office)."""
    _require_payments(request)
    user = request.user
    can_manage = selectors.can_manage(user)
    today = timezone.localdate()
    rows = selectors.payment_childminders_visible_to(user).select_related(
        "territory", "payee_account"
    )
    territory = _territory(request) if can_manage else None
    if territory is not None:
        rows = rows.filter(territory=territory)
    query = (request.GET.get("q") or "").strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(number__icontains=query))
    rows = rows.order_by("number", "pk")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    current = defaultdict(list)
    for proof in (
        InsuranceProofRecord.objects.filter(
            childminder__in=[cm.pk for cm in page.object_list], valid_from__lte=today
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("kind", "valid_from")
    ):
        current[proof.childminder_id].append(
            {"kind": proof.get_kind_display(), "amount": euros(proof.monthly_amount_cents)}
        )
    items = []
    for cm in page.object_list:
        account = getattr(cm, "payee_account", None)
        items.append(
            {
                "cm": cm,
                "proofs": current.get(cm.pk, []),
                "account": account,
                "iban": selectors.iban_text(account, user),
            }
        )
    return render(
        request,
        "payments/childminders.html",
        {
            "items": items,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "query": query,
            "can_manage": can_manage,
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
        },
    )


# --------------------------------------------------------------------------- paying account


def debtor(request: HttpRequest) -> HttpResponse:
    """The account a territory pays from (the debtor of its SEPA files): the payment office
    and administrators read and set it; a run is released only with one."""
    _require_office(request)
    territory = _territory(request)
    if territory is None:
        raise Http404("no territory")
    current = services.debtor_of(territory)
    status = 200
    if request.method == "POST":
        form = DebtorForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_debtor(
                    territory=territory,
                    holder=data["holder"],
                    iban=data["iban"],
                    bic=data["bic"],
                    creditor_id=data["creditor_id"],
                    valid_from=data["valid_from"],
                    actor=request.user,
                )
            except services.PaymentError as error:
                form.add_error(ACCOUNT_ERROR_FIELDS.get(error.code), error_text(error))
            else:
                messages.success(
                    request,
                    _("The paying account of %(territory)s was saved.")
                    % {"territory": territory.name},
                )
                return redirect(reverse("payments:debtor") + f"?territory={territory.code}")
        status = 400
    elif current is not None:
        form = DebtorForm(
            initial={
                "holder": current.holder,
                "iban": group_iban(current.iban),
                "bic": current.bic,
                "creditor_id": current.creditor_id,
                "valid_from": current.valid_from,
            }
        )
    else:
        form = DebtorForm(initial={"valid_from": timezone.localdate()})
    return render(
        request,
        "payments/debtor.html",
        {
            "form": form,
            "debtor": current,
            "iban": group_iban(current.iban) if current is not None else "",
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
            "can_manage": True,
        },
        status=status,
    )


# --------------------------------------------------------------------------- one contract


def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A contract's payment terms (rate scheme, supplements) and its reported actual hours."""
    _require_payments(request)
    contract = get_object_or_404(selectors.contracts_visible_to(request.user), pk=pk)
    can_edit = selectors.can_edit_terms(request.user)
    territory = contract.childminder.territory
    schemes = selectors.schemes_of(territory)
    form = None
    status = 200
    if can_edit:
        form = ContractTermsForm(
            initial={"rate_scheme": contract.rate_scheme, "supplements": contract.supplements},
            schemes=schemes,
            current=contract.rate_scheme,
        )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ContractTermsForm(request.POST, schemes=schemes, current=contract.rate_scheme)
        if form.is_valid():
            try:
                services.save_contract_terms(
                    contract=contract,
                    rate_scheme=form.cleaned_data["rate_scheme"],
                    supplements=form.cleaned_data["supplements"],
                    actor=request.user,
                )
            except services.PaymentError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("The payment terms of the contract were saved."))
                return redirect("payments:contract", pk=contract.pk)
        status = 400
    reports = contract.actual_hours.select_related("reported_by", "settled_in").order_by("-month")
    return render(
        request,
        "payments/contract.html",
        {
            "contract": contract,
            "cm": contract.childminder,
            "form": form,
            "schemes": schemes,
            "several_schemes": len(schemes) > 1,
            "rows": _hours_rows(reports),
            "can_manage": selectors.can_manage(request.user),
            "can_edit": can_edit,
        },
        status=status,
    )
