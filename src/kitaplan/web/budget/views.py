"""Pages of the Sozialraumbudget: budgets and runs, one run ("why exactly this much"), two runs
side by side, and the providers' own shares with their use reports.

Runs and shares are chosen by query string (``?run=<id>``, ``?compare=<id>``, ``?share=<id>``).
City staff see whole runs; facility managers see only the published shares of their own
facilities (:func:`kitaplan.web.budget.selectors.shares_visible_to`). The services check what
the user may change; the rows and texts come from :mod:`kitaplan.web.budget.presenters`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kitaplan.domain.budget.distribution import BudgetRuleError
from kitaplan.domain.budget.stored import COUNTS, allocation_of
from kitaplan.domain.budget.weighted_counts import SplitError
from kitaplan.domain.common.money import format_euros
from kitaplan.web.budget import area_pdf, evaluation, letters, presenters, selectors, services
from kitaplan.web.budget.forms import BudgetForm, RuleForm, UseReportForm, cents
from kitaplan.web.budget.models import AreaBudget, BudgetRun, BudgetShareRecord, FrozenRunError
from kitaplan.web.budget.rules import describe, need_indicator_line
from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.exports import export_response
from kitaplan.web.facilities.models import Provider
from kitaplan.web.monitoring import timeseries
from kitaplan.web.territory.models import IndicatorDefinition, Territory
from kitaplan.web.territory.requests import territory_from_request

#: The largest id a 64-bit key column holds: a larger number in the query is no id.
MAX_ID = 2**63 - 1
#: Shares per page of the list (the exports hold all of them).
SHARES_PER_PAGE = 100
#: The rule the builder starts from (the demo's rule).
DEFAULT_RULE: dict[str, Any] = {
    "need_classes": ["3", "4"],
    "base_cents": 500_000,
    "class_weights": {"3": "1", "4": "3/2"},
    "default_weight": "1",
    "floor_cents": None,
    "cap_cents": 4_000_000,
    "rounding": {"mode": "money", "unit_cents": 100},
}


def _int(value: str | None) -> int | None:
    """An id from the query string; ``None`` when missing, not a number or out of range."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number <= MAX_ID else None


def _run_url(run: BudgetRun, **extra: Any) -> str:
    return reverse("budget:run") + "?" + urlencode({"run": run.pk, **extra})


def _require_budget_pages(request: HttpRequest) -> None:
    if not selectors.can_view_budgets(request.user):
        raise PermissionDenied


# --------------------------------------------------------------------------- budgets and runs


def _create_run(request: HttpRequest, rule_form: RuleForm) -> tuple[HttpResponse | None, str]:
    """Distribute by the builder's rule: the redirect to the draft, or the rule's error."""
    try:
        run = services.create_run(
            budget=rule_form.cleaned_data["budget"], rule=rule_form.rule(), actor=request.user
        )
    except (BudgetRuleError, SplitError) as error:
        return None, str(presenters.ERROR_LABELS.get(error.code.value, error.code.value))
    messages.success(request, _("The budget was distributed (draft)."))
    return redirect(_run_url(run)), ""


def _create_budget(request: HttpRequest, territory: Territory, form: BudgetForm) -> HttpResponse:
    d = form.cleaned_data
    services.create_budget(
        territory=territory,
        actor=request.user,
        year=d["year"],
        total_cents=cents(d["total_euros"]) or 0,
        source=d["source"],
        description=d["description"],
        need_indicator=d["need_indicator"] or "",
        higher_is_more_need=d["higher_is_more_need"] != "0",
    )
    messages.success(request, _("The budget was created."))
    return redirect(reverse("budget:overview") + "?" + urlencode({"territory": territory.code}))


def overview(request: HttpRequest) -> HttpResponse:
    _require_budget_pages(request)
    territory = territory_from_request(request, having=("budgets",))
    can_manage = selectors.can_manage(request.user)
    budgets = selectors.budgets_visible_to(request.user).filter(territory=territory)
    action = request.POST.get("action")
    indicators = timeseries.indicators_of(territory) if territory is not None else []
    budget_form = BudgetForm(request.POST if action == "budget" else None, indicators=indicators)
    rule_form = RuleForm(
        request.POST if action == "run" else None,
        budgets=budgets,
        indicators=indicators,
        initial=RuleForm.initial_from(DEFAULT_RULE),
    )
    rule_error = ""
    if request.method == "POST":
        if not can_manage or territory is None:
            raise PermissionDenied
        if action == "budget" and budget_form.is_valid():
            return _create_budget(request, territory, budget_form)
        if action == "run" and rule_form.is_valid():
            response, rule_error = _create_run(request, rule_form)
            if response is not None:
                return response
    by_budget = selectors.runs_by_budget(request.user, budgets)
    return render(
        request,
        "budget/overview.html",
        {
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
            "budgets": [
                {
                    "budget": b,
                    "total": format_euros(b.total_cents),
                    "runs": by_budget.get(b.pk, []),
                    "need": need_indicator_line(
                        {
                            "need_indicator": b.need_indicator,
                            "higher_is_more_need": b.higher_is_more_need,
                        },
                        {i.code: i.name for i in indicators},
                    ),
                }
                for b in budgets
            ],
            "can_manage": can_manage,
            "can_view_runs": selectors.can_view_runs(request.user),
            "budget_form": budget_form,
            "rule_form": rule_form,
            "rule_error": rule_error,
        },
    )


def _publish(request: HttpRequest, run: BudgetRun) -> HttpResponse:
    """Publish the run (the service checks the user may); a published run stays as it is."""
    if request.POST.get("action") != "publish":
        raise Http404
    try:
        services.publish_run(run=run, actor=request.user)
    except FrozenRunError:
        pass
    else:
        messages.success(request, _("The run was published and is now frozen."))
    return redirect(_run_url(run))


def _rerun_form(user: AnyUser, run: BudgetRun) -> RuleForm | None:
    """The rule builder filled with the run's rule, for those who may distribute."""
    if not selectors.can_manage(user):
        return None
    return RuleForm(
        budgets=AreaBudget.objects.filter(pk=run.budget_id),
        indicators=timeseries.indicators_of(run.budget.territory),
        initial={**RuleForm.initial_from(run.rule), "budget": run.budget_id},
    )


def _reproduced(run: BudgetRun) -> bool:
    try:
        return services.reproduce(run)
    except (BudgetRuleError, SplitError):
        return False


def _indicator_names(run: BudgetRun) -> dict[str, str]:
    return {i.code: i.name for i in timeseries.indicators_of(run.budget.territory)}


def _area_pdf(
    request: HttpRequest,
    run: BudgetRun,
    names: dict[str, str],
    rows: list[dict[str, Any]],
    base_name: str,
) -> HttpResponse:
    content = area_pdf.render_area_split(
        title=_("Distribution %(t)s %(y)s, version %(v)s")
        % {"t": run.budget.territory.name, "y": run.budget.year, "v": run.version},
        rule_lines=describe(run.rule, names),
        counts=presenters.count_columns(run, names),
        rows=rows,
        total=format_euros(run.budget.total_cents),
        allocated=format_euros(sum(r["share"].amount_cents for r in rows)),
        source=run.budget.source,
        compress=request.GET.get("compress") != "0",
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{base_name}.pdf"'
    return response


def _count_run_page(request: HttpRequest, run: BudgetRun) -> HttpResponse:
    """A split across areas by weighted counts: every term per area, exports, publishing."""
    if request.method == "POST":
        return _publish(request, run)
    names = _indicator_names(run)
    rows = presenters.area_share_rows(run, names)
    export_format = request.GET.get("format")
    base_name = f"landesverteilung-{run.budget.territory.code}-{run.budget.year}-v{run.version}"
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=presenters.area_export_columns(run),
            objects=rows,
            base_name=base_name,
        )
    allocated = sum(r["share"].amount_cents for r in rows)
    if export_format == "pdf":
        return _area_pdf(request, run, names, rows, base_name)
    selectors.mark_versions([run])
    return render(
        request,
        "budget/area_run.html",
        {
            "run": run,
            "budget": run.budget,
            "territory": run.budget.territory,
            "rule_lines": describe(run.rule, names),
            "rows": rows,
            "counts": presenters.count_columns(run, names),
            "total": format_euros(run.budget.total_cents),
            "allocated": format_euros(allocated),
            "adds_up": allocated == run.budget.total_cents,
            "extra_cents": sum(1 for r in rows if r["got_cent"]),
            "reproduced": _reproduced(run),
            "can_manage": selectors.can_manage(request.user),
            "export_csv": _run_url(run, format="csv"),
            "export_xlsx": _run_url(run, format="xlsx"),
            "export_pdf": _run_url(run, format="pdf"),
        },
    )


def run_page(request: HttpRequest) -> HttpResponse:
    if not selectors.can_view_runs(request.user):
        raise PermissionDenied
    runs = selectors.runs_visible_to(request.user).select_related("budget", "budget__territory")
    run_id = _int(request.GET.get("run") or request.POST.get("run"))
    if run_id is None:
        choices = runs.order_by("-budget__year", "budget_id", "-version")
        return render(request, "budget/run.html", {"run": None, "choices": choices})
    run = get_object_or_404(runs, pk=run_id)
    if allocation_of(run.rule) == COUNTS:
        return _count_run_page(request, run)
    if request.method == "POST":
        return _publish(request, run)
    shares = selectors.with_reports(run.shares.all())
    rows = presenters.share_rows(run, shares)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=presenters.export_columns(),
            objects=rows,
            base_name=f"sozialraumbudget-{run.budget.territory.code}-{run.budget.year}-v{run.version}",
        )
    compare_id = _int(request.GET.get("compare"))
    other = (
        get_object_or_404(selectors.facility_runs(runs), pk=compare_id)
        if compare_id is not None
        else None
    )
    other_runs = list(
        selectors.facility_runs(runs.filter(budget=run.budget).exclude(pk=run.pk)).order_by(
            "-version"
        )
    )
    selectors.mark_versions([run, *other_runs])
    return render(
        request,
        "budget/run.html",
        {
            "run": run,
            "budget": run.budget,
            "territory": run.budget.territory,
            "rule_lines": describe(run.rule, _indicator_names(run)),
            "rows": rows,
            **presenters.run_figures(run, rows),
            "district_rows": presenters.district_rows(run, shares),
            "ineligible_reasons": presenters.ineligible_reasons(run),
            "ineligible_count": len(run.ineligible),
            "reproduced": _reproduced(run),
            "other_runs": other_runs,
            "provider_rows": presenters.provider_rows(run, shares) if run.is_published else [],
            "other": other,
            "comparison": presenters.comparison(run, other) if other is not None else None,
            "can_manage": selectors.can_manage(request.user),
            "rule_form": _rerun_form(request.user, run),
            "export_csv": _run_url(run, format="csv"),
            "export_xlsx": _run_url(run, format="xlsx"),
        },
    )


# --------------------------------------------------------------------------- shares


def _one_share(
    request: HttpRequest, visible: QuerySet[BudgetShareRecord], share_id: int
) -> HttpResponse:
    """One share with its use reports, and the use-report form for those who may report."""
    share = get_object_or_404(visible.select_related("run", "run__budget", "facility"), pk=share_id)
    selectors.mark_versions([share.run])
    form = UseReportForm(request.POST or None)
    allowed = selectors.can_report_use(request.user, share)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied
        if form.is_valid():
            services.report_use(
                share=share,
                actor=request.user,
                amount_spent_cents=cents(form.cleaned_data["amount_spent_euros"]) or 0,
                purpose=form.cleaned_data["purpose"],
                staff=form.cleaned_data["staff"],
            )
            messages.success(request, _("The use report was stored."))
            return redirect(reverse("budget:shares") + "?" + urlencode({"share": share.pk}))
    row = presenters.share_rows(share.run, selectors.with_reports(visible.filter(pk=share.pk)))[0]
    reports = share.use_reports.select_related("reported_by").order_by("reported_at")
    return render(
        request,
        "budget/share.html",
        {
            "share": share,
            "row": row,
            "reports": [
                {"report": r, "amount": format_euros(r.amount_spent_cents)} for r in reports
            ],
            "form": form if allowed else None,
            "rule_lines": describe(share.run.rule),
        },
    )


def _share_rows(shares: list[BudgetShareRecord]) -> list[dict[str, Any]]:
    """The rows of ``shares`` (their runs' inputs read once: :func:`.selectors.inputs_of`)."""
    return presenters.rows_by_run(shares, selectors.inputs_of(s.run for s in shares))


def shares_page(request: HttpRequest) -> HttpResponse:
    """Shares the user may see: a facility manager's own, with the use-report form."""
    _require_budget_pages(request)
    visible = selectors.shares_visible_to(request.user)
    share_id = _int(request.GET.get("share") or request.POST.get("share"))
    if share_id is not None:
        return _one_share(request, visible, share_id)
    run_id = _int(request.GET.get("run"))
    all_versions = request.GET.get("versions") == "all"
    if run_id is not None:
        visible = visible.filter(run_id=run_id)
    elif not all_versions:
        visible = visible.filter(run__in=selectors.current_runs())
    shares = selectors.with_reports(visible)
    selectors.mark_versions(list({s.run_id: s.run for s in shares}.values()))
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=presenters.export_columns(),
            objects=_share_rows(shares),
            base_name="sozialraumbudget-anteile",
        )
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("page", None)
    prefix = reverse("budget:shares") + "?" + (query.urlencode() + "&" if query else "")
    page = Paginator(shares, SHARES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "budget/shares.html",
        {
            "rows": _share_rows(list(page.object_list)),  # only the shown page in words
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "allocated": format_euros(sum(s.amount_cents for s in shares)),
            "reported": format_euros(sum(s.reported_cents for s in shares)),
            "export_csv": prefix + "format=csv",
            "export_xlsx": prefix + "format=xlsx",
            "is_city_staff": selectors.can_view_runs(request.user),
            "all_versions": all_versions or run_id is not None,
            "letters": presenters.letter_links(shares),
        },
    )


# --------------------------------------------------------------------------- per provider


def _base_name(run: BudgetRun, provider: Provider) -> str:
    return (
        f"sozialraumbudget-{run.budget.territory.code}-{run.budget.year}-v{run.version}"
        f"-traeger-{slugify(provider.official_number or str(provider.pk))}"
    )


def provider_letter(request: HttpRequest, run: int, provider: int) -> HttpResponse:
    """The letter to a provider about its facilities' shares of a published run (PDF)."""
    _require_budget_pages(request)
    run_obj, provider_obj, shares = selectors.provider_shares(request.user, run, provider)
    selectors.mark_versions([run_obj])
    letter = presenters.provider_letter(run_obj, provider_obj, shares)
    content = letters.render_letter(letter, compress=request.GET.get("compress") != "0")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_base_name(run_obj, provider_obj)}.pdf"'
    )
    return response


def provider_xlsx(request: HttpRequest, run: int, provider: int) -> HttpResponse:
    """A provider's facilities in a published run with every term and amount (Excel)."""
    _require_budget_pages(request)
    run_obj, provider_obj, shares = selectors.provider_shares(request.user, run, provider)
    return export_response(
        export_format="xlsx",
        columns=presenters.export_columns(),
        objects=presenters.share_rows(run_obj, shares),
        base_name=_base_name(run_obj, provider_obj),
    )


# --------------------------------------------------------------------------- evaluation


def _chosen_budget(request: HttpRequest, budgets: list[AreaBudget]) -> AreaBudget | None:
    """``?budget=<id>`` among ``budgets`` (404 when not among them), else the first."""
    budget_id = _int(request.GET.get("budget"))
    budget = next((b for b in budgets if b.pk == budget_id), None)
    if budget_id is not None and budget is None:
        raise Http404
    return budget or (budgets[0] if budgets else None)


def _chosen_indicator(
    request: HttpRequest, indicators: list[IndicatorDefinition]
) -> IndicatorDefinition | None:
    """``?indicator=<code>`` (404 when unknown), else the status index, else the first."""
    code = request.GET.get("indicator")
    indicator = next((i for i in indicators if i.code == code), None)
    if code and indicator is None:
        raise Http404
    default = next((i for i in indicators if i.code == selectors.INDEX_CODE), None)
    return indicator or default or (indicators[0] if indicators else None)


def evaluation_page(request: HttpRequest) -> HttpResponse:
    """Funded and unfunded facilities on one indicator before and after the budget year."""
    if not selectors.can_view_runs(request.user):
        raise PermissionDenied
    budgets = selectors.evaluable_budgets(request.user)
    budget = _chosen_budget(request, budgets)
    context: dict[str, Any] = {"budgets": budgets, "budget": budget, "result": None}
    if budget is None:
        return render(request, "budget/evaluation.html", context)
    run = selectors.current_run_of(budget)
    indicators = timeseries.indicators_of(budget.territory)
    indicator = _chosen_indicator(request, indicators)
    context.update({"run": run, "indicators": indicators, "indicator": indicator})
    if indicator is None:
        return render(request, "budget/evaluation.html", context)
    result = evaluation.read(run, indicator)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=presenters.evaluation_columns(),
            objects=evaluation.rows(result),
            base_name=f"sozialraumbudget-auswertung-{budget.territory.code}-{budget.year}-"
            f"{slugify(indicator.code)}",
        )
    query: dict[str, int | str] = {"budget": budget.pk, "indicator": indicator.code}
    prefix = reverse("budget:evaluation") + "?" + urlencode(query) + "&format="
    context.update(presenters.evaluation_context(result, budget.year))
    context.update({"export_csv": prefix + "csv", "export_xlsx": prefix + "xlsx"})
    return render(request, "budget/evaluation.html", context)
