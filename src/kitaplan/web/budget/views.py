"""Pages of the Sozialraumbudget: budgets and runs, one run ("why exactly this much"), two runs
side by side, and the providers' own shares with their use reports.

Runs and shares are chosen by query string (``?run=<id>``, ``?compare=<id>``, ``?share=<id>``).
City staff see whole runs; facility managers see only the published shares of their own
facilities (:func:`kitaplan.web.budget.selectors.shares_visible_to`).
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.budget.distribution import (
    BudgetDistribution,
    BudgetRuleError,
    BudgetShare,
    IneligibilityCode,
    IneligibleFacility,
    compare,
)
from kitaplan.web.budget import evaluation, letters, selectors, services
from kitaplan.web.budget.forms import BudgetForm, RuleForm, UseReportForm, cents
from kitaplan.web.budget.models import AreaBudget, BudgetRun, BudgetShareRecord, UseReport
from kitaplan.web.budget.rules import basis_used_label, describe, euros, fraction_text
from kitaplan.web.core import access
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.facilities.models import Provider
from kitaplan.web.facilities.selectors import providers_visible_to
from kitaplan.web.monitoring import timeseries
from kitaplan.web.territory.models import Territory

TERM_LABELS = {
    "base": gettext_lazy("Base amount"),
    "children": gettext_lazy("Weighted children"),
    "points": gettext_lazy("Points"),
    "redistribution": gettext_lazy("Redistribution of capped amounts"),
    "cap": gettext_lazy("Cap"),
    "floor": gettext_lazy("Floor"),
    "rounding": gettext_lazy("Rounding"),
}
TERM_CODES = tuple(TERM_LABELS)
REASON_LABELS = {
    IneligibilityCode.NEED_CLASS_NOT_ELIGIBLE: gettext_lazy("need class not eligible"),
    IneligibilityCode.NEED_CLASS_MISSING: gettext_lazy("no need class (no MSS value for its area)"),
    IneligibilityCode.INDEX_BELOW_THRESHOLD: gettext_lazy("index below the threshold"),
    IneligibilityCode.INDEX_MISSING: gettext_lazy("no index value"),
}
ERROR_LABELS = {
    "base_exceeds_budget": gettext_lazy("The base amounts alone exceed the budget."),
    "floors_exceed_budget": gettext_lazy("The floors alone exceed the budget."),
    "caps_below_budget": gettext_lazy(
        "The caps leave money over: raise the cap or allow more facilities."
    ),
    "no_eligible_facility": gettext_lazy("No facility is eligible under this rule."),
    "budget_not_on_grid": gettext_lazy("The budget is not a multiple of the rounding unit."),
    "limit_not_on_grid": gettext_lazy("Floor and cap must be multiples of the rounding unit."),
    "floor_above_cap": gettext_lazy("The floor lies above the cap."),
    "no_weight_for_pot": gettext_lazy(
        "No eligible facility has children to share the rest of the budget."
    ),
}


def _territory(request: HttpRequest) -> Territory | None:
    territories = Territory.objects.order_by("name")
    code = request.GET.get("territory")
    if code:
        return get_object_or_404(territories, code=code)
    return territories.filter(budgets__isnull=False).first() or territories.first()


#: The largest id a 64-bit key column holds: a larger number in the query is no id.
MAX_ID = 2**63 - 1


def _int(value: str | None) -> int | None:
    """An id from the query string; ``None`` when missing, not a number or out of range."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number <= MAX_ID else None


def _run_url(run: BudgetRun, **extra: Any) -> str:
    return reverse("budget:run") + "?" + urlencode({"run": run.pk, **extra})


def _mark_versions(runs: list[BudgetRun]) -> None:
    """Set ``is_current`` (the valid version: the latest published run of its budget) and
    ``superseded_by`` (the version published next, for an older published run) on each run."""
    marks = selectors.version_marks(runs)
    for run in runs:
        run.is_current = marks[run.pk]["current"]  # type: ignore[attr-defined]
        run.superseded_by = marks[run.pk]["superseded_by"]  # type: ignore[attr-defined]


def _term_detail(term: dict[str, Any]) -> str:
    v = dict(term["values"])
    code = term["code"]
    if code == "base":
        return _("need class %(c)s") % {"c": v.get("need_class") or "–"}
    if code == "children":
        return _("%(n)s children × weight %(w)s × %(e)s per weighted child") % {
            "n": v.get("children"),
            "w": fraction_text(v.get("weight", "0")),
            "e": euros(Fraction(v.get("cents_per_weighted_child", "0"))),
        }
    if code == "redistribution":
        return _("factor %(f)s on the amount before limits") % {
            "f": fraction_text(v.get("factor", "1"))
        }
    if code in ("cap", "floor"):
        return _("limited to %(a)s") % {"a": euros(Fraction(v.get(f"{code}_cents", "0")))}
    if code == "rounding":
        detail = _("exact %(e)s rounded to %(u)s × %(s)s") % {
            "e": euros(Fraction(v.get("exact_cents", "0"))),
            "u": v.get("units"),
            "s": euros(int(v.get("unit_cents", "100"))),
        }
        if "staff_positions" in v:
            detail += " = " + _("%(p)s staff positions") % {
                "p": fraction_text(v["staff_positions"])
            }
        return detail
    return ""


def _need_details(record: dict[str, Any]) -> str:
    """How a facility's need level was found, in numbers (children, mean index, own area)."""
    if not record:
        return ""
    parts = []
    known = record.get("enrolled_known")
    if known:
        parts.append(
            _(
                "%(n)s children with an accepted place live in areas with an index value; their "
                "mean index is %(i)s"
            )
            % {"n": known, "i": _number(record.get("home_index"))}
        )
        if record.get("high_need_share") is not None:
            parts.append(
                _("%(p)s %% of them come from areas of status class 3 or 4")
                % {"p": _number(record["high_need_share"] * 100, 1)}
            )
    own_class = record.get("own_need_class", record.get("need_class"))
    own_index = record.get("own_index_value", record.get("index_value"))
    if record.get("need_basis") in ("home_areas", "own_area_fallback"):
        parts.append(
            _("the facility's own area: class %(c)s, index %(i)s")
            % {"c": own_class or "–", "i": _number(own_index)}
        )
    return "; ".join(parts)


def _need_text(record: dict[str, Any]) -> str:
    """The need class with its basis, e.g. "3 (basis: the children's home areas)"."""
    return _("%(c)s (basis: %(b)s)") % {
        "c": record.get("need_class") or "–",
        "b": basis_used_label(record),
    }


def _share_rows(
    run: BudgetRun,
    shares: list[BudgetShareRecord],
    run_inputs: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Rows of ``shares`` (all of ``run``); ``run_inputs`` spares reading ``run.inputs``."""
    inputs = {r["facility_id"]: r for r in (run.inputs if run_inputs is None else run_inputs)}
    rows = []
    for s in shares:
        record = inputs.get(s.facility_id, {})
        reported = s.reported_cents
        rows.append(
            {
                "share": s,
                "record": record,
                "basis": basis_used_label(record),
                "need_details": _need_details(record),
                "amount": euros(s.amount_cents),
                "terms": [
                    {
                        "label": TERM_LABELS.get(t["code"], t["code"]),
                        "detail": _term_detail(t),
                        "amount": euros(t["cents"]),
                    }
                    for t in s.terms
                ],
                "terms_sum_ok": sum(t["cents"] for t in s.terms) == s.amount_cents,
                "staff_positions": fraction_text(s.staff_positions) if s.staff_positions else "",
                "reported": euros(reported),
                "reported_cents": reported,
                "open": euros(s.amount_cents - reported),
            }
        )
    return rows


def _shares(run_filter: Any) -> list[BudgetShareRecord]:
    # The run's inputs (one record per facility of the territory) are read once per run by the
    # callers, never once per share.
    return list(
        run_filter.select_related("facility", "facility__provider", "run", "run__budget")
        .defer("run__inputs", "run__ineligible")
        .prefetch_related(
            Prefetch("use_reports", queryset=UseReport.objects.order_by("reported_at"))
        )
        .order_by("run__budget__year", "run__version", "facility__official_number")
    )


def _distribution(run: BudgetRun) -> BudgetDistribution:
    """A stored run as the domain's result (for :func:`compare`); terms are not needed there."""
    district = {r["facility_id"]: str(r["district_id"] or "") for r in run.inputs}
    shares = tuple(
        BudgetShare(str(s.facility_id), district.get(s.facility_id, ""), s.amount_cents, ())
        for s in run.shares.all()
    )
    ineligible = tuple(
        IneligibleFacility(
            str(i["facility_id"]),
            district.get(i["facility_id"], ""),
            IneligibilityCode(i["reason"]),
        )
        for i in run.ineligible
    )
    return BudgetDistribution(
        shares, run.budget.total_cents, run.unallocated_cents, ineligible, Fraction(run.factor)
    )


def export_columns() -> list[Column]:
    cols = [
        Column("budget_year", _("Year"), lambda r: r["share"].run.budget.year),
        Column("run_version", _("Version"), lambda r: r["share"].run.version),
        Column("run_status", _("Status"), lambda r: r["share"].run.get_status_display()),
        Column(
            "facility_number", _("Facility number"), lambda r: r["share"].facility.official_number
        ),
        Column("facility", _("Facility"), lambda r: r["share"].facility.name),
        Column(
            "provider",
            _("Provider"),
            lambda r: r["share"].facility.provider.name if r["share"].facility.provider else "",
        ),
        Column("district", _("District"), lambda r: r["record"].get("district_name", "")),
        Column("area_code", _("Area code"), lambda r: r["record"].get("area_code", "")),
        Column("need_class", _("Need class"), lambda r: r["record"].get("need_class") or ""),
        Column("need_basis", _("Need level from"), lambda r: r["basis"]),
        Column("children", _("Children (places)"), lambda r: r["record"].get("children")),
        Column("amount_eur", _("Amount (EUR)"), lambda r: r["share"].amount_cents / 100),
    ]

    def term(code: str) -> Any:
        return lambda r: next(
            (t["cents"] / 100 for t in r["share"].terms if t["code"] == code), None
        )

    for code, label in TERM_LABELS.items():
        cols.append(Column(f"term_{code}_eur", f"{label} (EUR)", term(code)))
    cols += [
        Column("staff_positions", _("Staff positions"), lambda r: r["staff_positions"]),
        Column("reported_eur", _("Reported use (EUR)"), lambda r: r["reported_cents"] / 100),
    ]
    return cols


# --------------------------------------------------------------------------- pages


def overview(request: HttpRequest) -> HttpResponse:
    if not access.is_staff_user(request.user):
        raise PermissionDenied
    territory = _territory(request)
    can_manage = selectors.can_manage(request.user)
    budgets = selectors.budgets_visible_to(request.user).filter(territory=territory)
    budget_form = BudgetForm(request.POST if request.POST.get("action") == "budget" else None)
    rule_form = RuleForm(
        request.POST if request.POST.get("action") == "run" else None,
        budgets=budgets,
        initial=RuleForm.initial_from(_DEFAULT_RULE),
    )
    rule_error = ""
    if request.method == "POST":
        if not can_manage or territory is None:
            raise PermissionDenied
        if request.POST.get("action") == "budget" and budget_form.is_valid():
            d = budget_form.cleaned_data
            services.create_budget(
                territory=territory,
                actor=request.user,
                year=d["year"],
                total_cents=cents(d["total_euros"]) or 0,
                source=d["source"],
                description=d["description"],
            )
            messages.success(request, _("The budget was created."))
            return redirect(
                reverse("budget:overview") + "?" + urlencode({"territory": territory.code})
            )
        if request.POST.get("action") == "run" and rule_form.is_valid():
            try:
                run = services.create_run(
                    budget=rule_form.cleaned_data["budget"],
                    rule=rule_form.rule(),
                    actor=request.user,
                )
            except BudgetRuleError as error:
                rule_error = str(ERROR_LABELS.get(error.code.value, error.code.value))
            else:
                messages.success(request, _("The budget was distributed (draft)."))
                return redirect(_run_url(run))
    runs = selectors.runs_visible_to(request.user).filter(budget__in=budgets)
    by_budget: dict[int, list[BudgetRun]] = defaultdict(list)
    run_list = list(runs.select_related("created_by").order_by("-version"))
    _mark_versions(run_list)
    for run in run_list:
        by_budget[run.budget_id].append(run)
    return render(
        request,
        "budget/overview.html",
        {
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
            "budgets": [
                {"budget": b, "total": euros(b.total_cents), "runs": by_budget.get(b.pk, [])}
                for b in budgets
            ],
            "can_manage": can_manage,
            "can_view_runs": selectors.can_view_runs(request.user),
            "budget_form": budget_form,
            "rule_form": rule_form,
            "rule_error": rule_error,
        },
    )


#: The rule the builder starts from (the demo's rule).
_DEFAULT_RULE: dict[str, Any] = {
    "need_classes": ["3", "4"],
    "base_cents": 500_000,
    "class_weights": {"3": "1", "4": "3/2"},
    "default_weight": "1",
    "floor_cents": None,
    "cap_cents": 4_000_000,
    "rounding": {"mode": "money", "unit_cents": 100},
}


def run_page(request: HttpRequest) -> HttpResponse:
    if not selectors.can_view_runs(request.user):
        raise PermissionDenied
    runs = selectors.runs_visible_to(request.user).select_related("budget", "budget__territory")
    run_id = _int(request.GET.get("run") or request.POST.get("run"))
    if run_id is None:
        return render(
            request,
            "budget/run.html",
            {"run": None, "choices": runs.order_by("-budget__year", "budget_id", "-version")},
        )
    run = get_object_or_404(runs, pk=run_id)
    if request.method == "POST":
        if request.POST.get("action") == "publish":
            if not selectors.can_manage(request.user):
                raise PermissionDenied
            if not run.is_published:
                services.publish_run(run=run, actor=request.user)
                messages.success(request, _("The run was published and is now frozen."))
            return redirect(_run_url(run))
        raise Http404
    shares = _shares(run.shares.all())
    rows = _share_rows(run, shares)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=export_columns(),
            objects=rows,
            base_name=f"sozialraumbudget-{run.budget.territory.code}-{run.budget.year}-v{run.version}",
        )
    allocated = sum(s.amount_cents for s in shares)
    districts: dict[str, dict[str, Any]] = {}
    amounts = {s.facility_id: s.amount_cents for s in shares}
    for record in run.inputs:
        d = districts.setdefault(
            record.get("district_name") or "–",
            {
                "name": record.get("district_name") or "–",
                "facilities": 0,
                "eligible": 0,
                "cents": 0,
            },
        )
        d["facilities"] += 1
        if record["facility_id"] in amounts:
            d["eligible"] += 1
            d["cents"] += amounts[record["facility_id"]]
    district_rows = [
        {**d, "amount": euros(d["cents"])}
        for d in sorted(districts.values(), key=lambda d: d["name"])
    ]
    reasons: dict[str, int] = defaultdict(int)
    for i in run.ineligible:
        reasons[str(REASON_LABELS.get(IneligibilityCode(i["reason"]), i["reason"]))] += 1
    comparison = None
    other = None
    compare_id = _int(request.GET.get("compare"))
    if compare_id is not None:
        other = get_object_or_404(runs, pk=compare_id)
        result = compare(_distribution(run), _distribution(other))
        names = {r["district_id"]: r.get("district_name") or "–" for r in run.inputs + other.inputs}
        facility_names = {
            r["facility_id"]: f"{r['official_number']} {r['name']}"
            for r in run.inputs + other.inputs
        }
        comparison = {
            "areas": [
                {
                    "name": names.get(_int(a.area_key), "–"),
                    "before": euros(a.before_cents),
                    "after": euros(a.after_cents),
                    "difference": euros(a.difference_cents),
                    "gaining": a.facilities_gaining,
                    "losing": a.facilities_losing,
                }
                for a in result.areas
            ],
            "facilities": [
                {
                    "name": facility_names.get(int(c.facility_key), c.facility_key),
                    "district": names.get(_int(c.area_key), "–"),
                    "before": euros(c.before_cents),
                    "after": euros(c.after_cents),
                    "difference": euros(c.difference_cents),
                    "gains": c.difference_cents > 0,
                }
                for c in sorted(result.facilities, key=lambda c: c.difference_cents)
                if c.difference_cents
            ],
            "gaining": len(result.gaining),
            "losing": len(result.losing),
        }
    can_manage = selectors.can_manage(request.user)
    rule_form = (
        RuleForm(
            budgets=AreaBudget.objects.filter(pk=run.budget_id),
            initial={**RuleForm.initial_from(run.rule), "budget": run.budget_id},
        )
        if can_manage
        else None
    )
    other_runs = list(runs.filter(budget=run.budget).exclude(pk=run.pk).order_by("-version"))
    _mark_versions([run, *other_runs])
    providers: dict[int, dict[str, Any]] = {}
    for s in shares:
        provider = s.facility.provider
        if provider is None:
            continue
        entry = providers.setdefault(
            provider.pk, {"provider": provider, "facilities": 0, "cents": 0}
        )
        entry["facilities"] += 1
        entry["cents"] += s.amount_cents
    provider_rows = [
        {
            **p,
            "amount": euros(p["cents"]),
            "letter": reverse("budget:provider-letter", args=[run.pk, pk]),
            "xlsx": reverse("budget:provider-xlsx", args=[run.pk, pk]),
        }
        for pk, p in sorted(providers.items(), key=lambda item: item[1]["provider"].name)
    ]
    try:
        reproduced = services.reproduce(run)
    except BudgetRuleError:
        reproduced = False
    return render(
        request,
        "budget/run.html",
        {
            "run": run,
            "budget": run.budget,
            "territory": run.budget.territory,
            "rule_lines": describe(run.rule),
            "rows": rows,
            "total": euros(run.budget.total_cents),
            "allocated": euros(allocated),
            "unallocated": euros(run.unallocated_cents),
            "adds_up": allocated + run.unallocated_cents == run.budget.total_cents,
            "reported_total": euros(sum(r["reported_cents"] for r in rows)),
            "district_rows": district_rows,
            "ineligible_reasons": sorted(reasons.items()),
            "ineligible_count": len(run.ineligible),
            "reproduced": reproduced,
            "other_runs": other_runs,
            "provider_rows": provider_rows if run.is_published else [],
            "other": other,
            "comparison": comparison,
            "can_manage": can_manage,
            "rule_form": rule_form,
            "export_csv": _run_url(run, format="csv"),
            "export_xlsx": _run_url(run, format="xlsx"),
        },
    )


#: Shares per page of the list (the exports hold all of them).
SHARES_PER_PAGE = 100


def shares_page(request: HttpRequest) -> HttpResponse:
    """Shares the user may see: a facility manager's own, with the use-report form."""
    if not access.is_staff_user(request.user):
        raise PermissionDenied
    visible = selectors.shares_visible_to(request.user)
    share_id = _int(request.GET.get("share") or request.POST.get("share"))
    if share_id is not None:
        share = get_object_or_404(
            visible.select_related("run", "run__budget", "facility"), pk=share_id
        )
        _mark_versions([share.run])
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
        row = _share_rows(share.run, _shares(visible.filter(pk=share.pk)))[0]
        return render(
            request,
            "budget/share.html",
            {
                "share": share,
                "row": row,
                "reports": [
                    {"report": r, "amount": euros(r.amount_spent_cents)}
                    for r in share.use_reports.select_related("reported_by").order_by("reported_at")
                ],
                "form": form if allowed else None,
                "rule_lines": describe(share.run.rule),
            },
        )
    run_id = _int(request.GET.get("run"))
    all_versions = request.GET.get("versions") == "all"
    if run_id is not None:
        visible = visible.filter(run_id=run_id)
    elif not all_versions:
        visible = visible.filter(run__in=selectors.current_runs())
    shares = _shares(visible)
    inputs_of_run = dict(
        BudgetRun.objects.filter(pk__in={s.run_id for s in shares}).values_list("pk", "inputs")
    )
    rows: list[dict[str, Any]] = []
    # _shares orders by run, so each run's shares are consecutive: one inputs table per run.
    for run_id, run_shares in groupby(shares, key=lambda share: share.run_id):
        group = list(run_shares)
        rows += _share_rows(group[0].run, group, inputs_of_run[run_id])
    runs_shown = list({s.run_id: s.run for s in shares}.values())
    _mark_versions(runs_shown)
    letters: dict[tuple[int, int], dict[str, Any]] = {}
    for s in shares:
        provider = s.facility.provider
        if provider is None or not s.run.is_published:
            continue
        letters.setdefault(
            (s.run_id, provider.pk),
            {
                "run": s.run,
                "provider": provider,
                "letter": reverse("budget:provider-letter", args=[s.run_id, provider.pk]),
                "xlsx": reverse("budget:provider-xlsx", args=[s.run_id, provider.pk]),
            },
        )
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=export_columns(),
            objects=rows,
            base_name="sozialraumbudget-anteile",
        )
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("page", None)
    prefix = reverse("budget:shares") + "?" + (query.urlencode() + "&" if query else "")
    page = Paginator(rows, SHARES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "budget/shares.html",
        {
            "rows": page.object_list,
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "allocated": euros(sum(s.amount_cents for s in shares)),
            "reported": euros(sum(r["reported_cents"] for r in rows)),
            "export_csv": prefix + "format=csv",
            "export_xlsx": prefix + "format=xlsx",
            "is_city_staff": access.is_city_staff(request.user),
            "all_versions": all_versions or run_id is not None,
            "letters": list(letters.values()),
        },
    )


# --------------------------------------------------------------------------- per provider


def _provider_shares(
    request: HttpRequest, run_id: int, provider_id: int
) -> tuple[BudgetRun, Provider, list[BudgetShareRecord]]:
    """A published run and one provider's shares in it, as far as the user may see them: city
    staff any provider, a facility manager only the own one (404 otherwise)."""
    if not access.is_staff_user(request.user):
        raise PermissionDenied
    run = get_object_or_404(
        selectors.runs_visible_to(request.user)
        .filter(status=BudgetRun.PUBLISHED)
        .select_related("budget", "budget__territory"),
        pk=run_id,
    )
    provider = get_object_or_404(providers_visible_to(request.user), pk=provider_id)
    shares = _shares(
        selectors.shares_visible_to(request.user).filter(run=run, facility__provider=provider)
    )
    if not shares:
        raise Http404
    return run, provider, shares


def _base_name(run: BudgetRun, provider: Provider) -> str:
    return (
        f"sozialraumbudget-{run.budget.territory.code}-{run.budget.year}-v{run.version}"
        f"-traeger-{slugify(provider.official_number or str(provider.pk))}"
    )


def provider_letter(request: HttpRequest, run: int, provider: int) -> HttpResponse:
    """The letter to a provider about its facilities' shares of a published run (PDF)."""
    run_obj, provider_obj, shares = _provider_shares(request, run, provider)
    _mark_versions([run_obj])
    rows = _share_rows(run_obj, shares)
    facilities = [
        letters.LetterFacility(
            number=r["share"].facility.official_number,
            name=r["share"].facility.name,
            area=" ".join(
                x for x in (r["record"].get("area_code"), r["record"].get("area_name")) if x
            ),
            need_class=_need_text(r["record"]),
            children=r["record"].get("children", "–"),
            amount=r["amount"],
            terms=[
                (
                    str(TERM_LABELS.get(t["code"], t["code"])),
                    _term_detail(t),
                    str(letters.TERM_EXPLANATIONS.get(t["code"], "")),
                    euros(t["cents"]),
                )
                for t in r["share"].terms
            ],
            staff_positions=r["staff_positions"],
        )
        for r in rows
    ]
    letter = letters.Letter(
        territory=run_obj.budget.territory.name,
        provider=provider_obj.name,
        provider_number=provider_obj.official_number,
        year=run_obj.budget.year,
        version=run_obj.version,
        published_at=run_obj.published_at,
        budget_total=euros(run_obj.budget.total_cents),
        budget_source=run_obj.budget.source,
        total=euros(sum(s.amount_cents for s in shares)),
        facilities=facilities,
        rule_lines=describe(run_obj.rule),
        deadline=letters.use_report_deadline(run_obj.budget.year),
        superseded_by=run_obj.superseded_by,
        attribution=run_obj.budget.territory.attribution,
        indicator_note=_(
            "Need class: MSS status class (Monitoring Soziale Stadtentwicklung; 1 high … 4 very "
            "low status) of the planning area the facility lies in. Children: the facility's "
            "places under 3 and from 3."
        )
        if run_obj.rule.get("need_basis") != "home_areas"
        else _(
            "Need class: class of the mean MSS status index (Monitoring Soziale "
            "Stadtentwicklung; 1 high … 4 very low status) of the planning areas the children "
            "with an accepted place live in, weighted by children; the class of the planning "
            "area the facility lies in where too few such children are known. Children: the "
            "facility's places under 3 and from 3."
        ),
    )
    content = letters.render_letter(letter, compress=request.GET.get("compress") != "0")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_base_name(run_obj, provider_obj)}.pdf"'
    )
    return response


def provider_xlsx(request: HttpRequest, run: int, provider: int) -> HttpResponse:
    """A provider's facilities in a published run with every term and amount (Excel)."""
    run_obj, provider_obj, shares = _provider_shares(request, run, provider)
    return export_response(
        export_format="xlsx",
        columns=export_columns(),
        objects=_share_rows(run_obj, shares),
        base_name=_base_name(run_obj, provider_obj),
    )


# --------------------------------------------------------------------------- evaluation


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    return str(formats.number_format(round(value, digits), decimal_pos=digits, use_l10n=True))


EVALUATION_GROUPS = {
    evaluation.FUNDED: gettext_lazy("funded"),
    evaluation.UNFUNDED: gettext_lazy("not funded"),
}
EVALUATION_PERIODS = {
    evaluation.BEFORE: gettext_lazy("before"),
    evaluation.AFTER: gettext_lazy("after"),
}


def evaluation_columns() -> list[Column]:
    return [
        Column(
            "year",
            _("Year"),
            lambda r: _("all years") if r["pooled"] else r["cell"].year,
        ),
        Column("period", _("Period"), lambda r: str(EVALUATION_PERIODS[r["cell"].period])),
        Column("group", _("Group"), lambda r: str(EVALUATION_GROUPS[r["cell"].group])),
        Column("values", _("Values (facility-years)"), lambda r: r["cell"].count),
        Column("facilities", _("Facilities with a value"), lambda r: r["cell"].facilities),
        Column("mean", _("Mean"), lambda r: r["cell"].mean),
        Column("median", _("Median"), lambda r: r["cell"].median),
    ]


def evaluation_page(request: HttpRequest) -> HttpResponse:
    """Funded and unfunded facilities on one indicator before and after the budget year."""
    if not selectors.can_view_runs(request.user):
        raise PermissionDenied
    budgets = list(
        selectors.budgets_visible_to(request.user)
        .filter(runs__status=BudgetRun.PUBLISHED)
        .distinct()
        .select_related("territory")
        .order_by("territory__name", "-year", "pk")
    )
    budget_id = _int(request.GET.get("budget"))
    budget = next((b for b in budgets if b.pk == budget_id), None)
    if budget_id is not None and budget is None:
        raise Http404
    budget = budget or (budgets[0] if budgets else None)
    context: dict[str, Any] = {"budgets": budgets, "budget": budget, "result": None}
    if budget is None:
        return render(request, "budget/evaluation.html", context)
    run = selectors.current_runs().filter(budget=budget).select_related("budget").get()
    indicators = timeseries.indicators_of(budget.territory)
    code = request.GET.get("indicator")
    indicator = next((i for i in indicators if i.code == code), None)
    if code and indicator is None:
        raise Http404
    default = next((i for i in indicators if i.code == selectors.INDEX_CODE), None)
    indicator = indicator or default or (indicators[0] if indicators else None)
    context.update({"run": run, "indicators": indicators, "indicator": indicator})
    if indicator is None:
        return render(request, "budget/evaluation.html", context)
    result = evaluation.read(run, indicator)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=evaluation_columns(),
            objects=evaluation.rows(result),
            base_name=f"sozialraumbudget-auswertung-{budget.territory.code}-{budget.year}-"
            f"{slugify(indicator.code)}",
        )

    def show(cell: evaluation.Cell) -> dict[str, Any]:
        return {
            "cell": cell,
            "group": EVALUATION_GROUPS[cell.group],
            "period": EVALUATION_PERIODS[cell.period],
            "mean": _number(cell.mean),
            "median": _number(cell.median),
        }

    query = {"budget": budget.pk, "indicator": indicator.code}
    prefix = reverse("budget:evaluation") + "?" + urlencode(query) + "&format="
    context.update(
        {
            "result": result,
            "by_year": [show(c) for c in result.by_year],
            "by_period": [show(c) for c in result.by_period],
            "change": [
                {"group": EVALUATION_GROUPS[g], "value": _number(v)}
                for g, v in result.change.items()
            ],
            "before_years": [y for y in result.years if y < budget.year],
            "after_years": [y for y in result.years if y >= budget.year],
            "export_csv": prefix + "csv",
            "export_xlsx": prefix + "xlsx",
        }
    )
    return render(request, "budget/evaluation.html", context)
