"""The budget pages' rows and texts: amounts, terms and need levels in words.

The views choose what to show and render it; the selectors read it; this module turns stored
runs, shares and evaluations into the rows of the pages, the exports and the letters (the sums
are the domain's :mod:`kitaplan.domain.budget.summary`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from itertools import groupby
from typing import Any

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.budget.distribution import IneligibilityCode, compare
from kitaplan.domain.budget.evaluation import Cell, Evaluation
from kitaplan.domain.budget.summary import district_totals, totals_by
from kitaplan.domain.common.money import format_euros
from kitaplan.web.budget import evaluation, letters, selectors
from kitaplan.web.budget.models import BudgetRun, BudgetShareRecord
from kitaplan.web.budget.rules import (
    basis_used_label,
    describe,
    fraction_text,
    need_indicator_line,
)
from kitaplan.web.core.exports import Column
from kitaplan.web.facilities.models import Provider

TERM_LABELS = {
    "base": gettext_lazy("Base amount"),
    "children": gettext_lazy("Weighted children"),
    "points": gettext_lazy("Points"),
    "redistribution": gettext_lazy("Redistribution of capped amounts"),
    "cap": gettext_lazy("Cap"),
    "floor": gettext_lazy("Floor"),
    "rounding": gettext_lazy("Rounding"),
    "tier": gettext_lazy("Tier by rank"),
}
TERM_CODES = tuple(TERM_LABELS)
REASON_LABELS = {
    IneligibilityCode.NEED_CLASS_NOT_ELIGIBLE: gettext_lazy("need class not eligible"),
    IneligibilityCode.NEED_CLASS_MISSING: gettext_lazy("no need class (no MSS value for its area)"),
    IneligibilityCode.INDEX_BELOW_THRESHOLD: gettext_lazy("index below the threshold"),
    IneligibilityCode.INDEX_MISSING: gettext_lazy("no index value"),
    IneligibilityCode.RANK_BELOW_TIERS: gettext_lazy("ranked after the last tier"),
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
    "no_tiers": gettext_lazy("Give at least one tier."),
    "weights_not_one": gettext_lazy("The weights of the counts must add up to 100 %."),
    "no_recipient": gettext_lazy(
        "No area of the territory has a value of every count (import them as indicator values)."
    ),
    "zero_total_count": gettext_lazy("A count is 0 in every area: it cannot be shared."),
    "no_weights": gettext_lazy("Give at least one count and its weight."),
    "negative_value": gettext_lazy("Counts, weights and amounts must not be negative."),
    "missing_count": gettext_lazy("An area lacks a value of one of the counts."),
}


def term_detail(term: dict[str, Any]) -> str:
    v = dict(term["values"])
    code = term["code"]
    if code == "base":
        return _("need class %(c)s") % {"c": v.get("need_class") or "–"}
    if code == "children":
        return _("%(n)s children × weight %(w)s × %(e)s per weighted child") % {
            "n": v.get("children"),
            "w": fraction_text(v.get("weight", "0")),
            "e": format_euros(Fraction(v.get("cents_per_weighted_child", "0"))),
        }
    if code == "redistribution":
        return _("factor %(f)s on the amount before limits") % {
            "f": fraction_text(v.get("factor", "1"))
        }
    if code in ("cap", "floor"):
        return _("limited to %(a)s") % {"a": format_euros(Fraction(v.get(f"{code}_cents", "0")))}
    if code == "tier":
        detail = _("rank %(r)s, tier %(t)s (%(n)s facilities), need value %(v)s") % {
            "r": v.get("rank"),
            "t": v.get("tier"),
            "n": v.get("tier_count"),
            "v": number(float(v.get("need_value", "0")), 3),
        }
        if v.get("tied") == "1":
            detail += " – " + _("tied with a facility in another tier, separated by facility id")
        return detail
    if code == "rounding":
        detail = _("exact %(e)s rounded to %(u)s × %(s)s") % {
            "e": format_euros(Fraction(v.get("exact_cents", "0"))),
            "u": v.get("units"),
            "s": format_euros(int(v.get("unit_cents", "100"))),
        }
        if "staff_positions" in v:
            detail += " = " + _("%(p)s staff positions") % {
                "p": fraction_text(v["staff_positions"])
            }
        return detail
    return ""


def need_details(record: dict[str, Any]) -> str:
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
            % {"n": known, "i": number(record.get("home_index"))}
        )
        if record.get("high_need_share") is not None:
            parts.append(
                _("%(p)s %% of them come from areas of status class 3 or 4")
                % {"p": number(record["high_need_share"] * 100, 1)}
            )
    own_class = record.get("own_need_class", record.get("need_class"))
    own_index = record.get("own_index_value", record.get("index_value"))
    if record.get("need_basis") in ("home_areas", "own_area_fallback"):
        parts.append(
            _("the facility's own area: class %(c)s, index %(i)s")
            % {"c": own_class or "–", "i": number(own_index)}
        )
    return "; ".join(parts)


def need_text(record: dict[str, Any]) -> str:
    """The need class with its basis, e.g. "3 (basis: the children's home areas)"."""
    return _("%(c)s (basis: %(b)s)") % {
        "c": record.get("need_class") or "–",
        "b": basis_used_label(record),
    }


def share_rows(
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
                "need_details": need_details(record),
                "amount": format_euros(s.amount_cents),
                "terms": [
                    {
                        "label": TERM_LABELS.get(t["code"], t["code"]),
                        "detail": term_detail(t),
                        "amount": format_euros(t["cents"]),
                    }
                    for t in s.terms
                ],
                "terms_sum_ok": sum(t["cents"] for t in s.terms) == s.amount_cents,
                "staff_positions": fraction_text(s.staff_positions) if s.staff_positions else "",
                "reported": format_euros(reported),
                "reported_cents": reported,
                "open": format_euros(s.amount_cents - reported),
            }
        )
    return rows


def rows_by_run(
    shares: list[BudgetShareRecord], inputs_of_run: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Rows of ``shares`` of several runs, ordered by run (one inputs table per run)."""
    rows: list[dict[str, Any]] = []
    for run_id, run_shares in groupby(shares, key=lambda share: share.run_id):
        group = list(run_shares)
        rows += share_rows(group[0].run, group, inputs_of_run[run_id])
    return rows


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

    def term(code: str) -> Callable[[dict[str, Any]], float | None]:
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


def number(value: float | None, digits: int = 2) -> str:
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


# --------------------------------------------------------------------------- one run


def district_rows(run: BudgetRun, shares: list[BudgetShareRecord]) -> list[dict[str, Any]]:
    """Per district of the run's snapshot: facilities, eligible ones and their amount."""
    totals = district_totals(
        ((r["facility_id"], r.get("district_name") or "–") for r in run.inputs),
        {s.facility_id: s.amount_cents for s in shares},
    )
    return [
        {
            "name": t.name,
            "facilities": t.facilities,
            "eligible": t.eligible,
            "cents": t.cents,
            "amount": format_euros(t.cents),
        }
        for t in totals
    ]


def ineligible_reasons(run: BudgetRun) -> list[tuple[str, int]]:
    """Why facilities got nothing, in words, with how many each."""
    reasons = Counter(
        str(REASON_LABELS.get(IneligibilityCode(i["reason"]), i["reason"])) for i in run.ineligible
    )
    return sorted(reasons.items())


def _district_id(key: str) -> int | None:
    """The district id of a comparison's area key (``""``: no district)."""
    return int(key) if key.isdigit() else None


def comparison(run: BudgetRun, other: BudgetRun) -> dict[str, Any]:
    """Two runs side by side: per district and per facility that gains or loses."""
    result = compare(selectors.stored_distribution(run), selectors.stored_distribution(other))
    names = {r["district_id"]: r.get("district_name") or "–" for r in run.inputs + other.inputs}
    facility_names = {
        r["facility_id"]: f"{r['official_number']} {r['name']}" for r in run.inputs + other.inputs
    }
    return {
        "areas": [
            {
                "name": names.get(_district_id(a.area_key), "–"),
                "before": format_euros(a.before_cents),
                "after": format_euros(a.after_cents),
                "difference": format_euros(a.difference_cents),
                "gaining": a.facilities_gaining,
                "losing": a.facilities_losing,
            }
            for a in result.areas
        ],
        "facilities": [
            {
                "name": facility_names.get(int(c.facility_key), c.facility_key),
                "district": names.get(_district_id(c.area_key), "–"),
                "before": format_euros(c.before_cents),
                "after": format_euros(c.after_cents),
                "difference": format_euros(c.difference_cents),
                "gains": c.difference_cents > 0,
            }
            for c in sorted(result.facilities, key=lambda c: c.difference_cents)
            if c.difference_cents
        ],
        "gaining": len(result.gaining),
        "losing": len(result.losing),
    }


def provider_rows(run: BudgetRun, shares: list[BudgetShareRecord]) -> list[dict[str, Any]]:
    """Per provider of the run: its facilities, their amount, the letter and the Excel file."""
    providers = {s.facility.provider.pk: s.facility.provider for s in shares if s.facility.provider}
    totals = totals_by(
        (s.facility.provider.pk, s.amount_cents) for s in shares if s.facility.provider
    )
    return [
        {
            "provider": providers[pk],
            "facilities": total.count,
            "cents": total.cents,
            "amount": format_euros(total.cents),
            "letter": reverse("budget:provider-letter", args=[run.pk, pk]),
            "xlsx": reverse("budget:provider-xlsx", args=[run.pk, pk]),
        }
        for pk, total in sorted(totals.items(), key=lambda item: providers[item[0]].name)
    ]


def run_figures(run: BudgetRun, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's totals: budget, allocated, unallocated, reported; and whether they add up."""
    allocated = sum(r["share"].amount_cents for r in rows)
    return {
        "total": format_euros(run.budget.total_cents),
        "allocated": format_euros(allocated),
        "unallocated": format_euros(run.unallocated_cents),
        "adds_up": allocated + run.unallocated_cents == run.budget.total_cents,
        "reported_total": format_euros(sum(r["reported_cents"] for r in rows)),
    }


# --------------------------------------------------------------------------- shares and letters


def letter_links(shares: list[BudgetShareRecord]) -> list[dict[str, Any]]:
    """One letter and Excel file per published run and provider among ``shares``."""
    links: dict[tuple[int, int], dict[str, Any]] = {}
    for s in shares:
        provider = s.facility.provider
        if provider is None or not s.run.is_published:
            continue
        links.setdefault(
            (s.run_id, provider.pk),
            {
                "run": s.run,
                "provider": provider,
                "letter": reverse("budget:provider-letter", args=[s.run_id, provider.pk]),
                "xlsx": reverse("budget:provider-xlsx", args=[s.run_id, provider.pk]),
            },
        )
    return list(links.values())


def _letter_facility(row: dict[str, Any]) -> letters.LetterFacility:
    record = row["record"]
    return letters.LetterFacility(
        number=row["share"].facility.official_number,
        name=row["share"].facility.name,
        area=" ".join(x for x in (record.get("area_code"), record.get("area_name")) if x),
        need_class=need_text(record),
        children=record.get("children", "–"),
        amount=row["amount"],
        terms=[
            (
                str(TERM_LABELS.get(t["code"], t["code"])),
                term_detail(t),
                str(letters.TERM_EXPLANATIONS.get(t["code"], "")),
                format_euros(t["cents"]),
            )
            for t in row["share"].terms
        ],
        staff_positions=row["staff_positions"],
    )


def _indicator_note(run: BudgetRun) -> str:
    if run.rule.get("need_indicator"):
        return need_indicator_line(run.rule)
    if run.rule.get("need_basis") != "home_areas":
        return _(
            "Need class: MSS status class (Monitoring Soziale Stadtentwicklung; 1 high … 4 very "
            "low status) of the planning area the facility lies in. Children: the facility's "
            "places under 3 and from 3."
        )
    return _(
        "Need class: class of the mean MSS status index (Monitoring Soziale "
        "Stadtentwicklung; 1 high … 4 very low status) of the planning areas the children "
        "with an accepted place live in, weighted by children; the class of the planning "
        "area the facility lies in where too few such children are known. Children: the "
        "facility's places under 3 and from 3."
    )


def provider_letter(
    run: BudgetRun, provider: Provider, shares: list[BudgetShareRecord]
) -> letters.Letter:
    """The letter to ``provider`` about its facilities' ``shares`` of the published ``run``
    (versions marked by :func:`kitaplan.web.budget.selectors.mark_versions`)."""
    budget = run.budget
    return letters.Letter(
        territory=budget.territory.name,
        provider=provider.name,
        provider_number=provider.official_number,
        year=budget.year,
        version=run.version,
        published_at=run.published_at,
        budget_total=format_euros(budget.total_cents),
        budget_source=budget.source,
        total=format_euros(sum(s.amount_cents for s in shares)),
        facilities=[_letter_facility(r) for r in share_rows(run, shares)],
        rule_lines=describe(run.rule),
        deadline=letters.use_report_deadline(budget.year),
        superseded_by=run.superseded_by,  # type: ignore[attr-defined]
        attribution=budget.territory.attribution,
        indicator_note=_indicator_note(run),
    )


# --------------------------------------------------------------------------- evaluation


def _shown(cell: Cell) -> dict[str, Any]:
    return {
        "cell": cell,
        "group": EVALUATION_GROUPS[cell.group],
        "period": EVALUATION_PERIODS[cell.period],
        "mean": number(cell.mean),
        "median": number(cell.median),
    }


def evaluation_context(result: Evaluation, budget_year: int) -> dict[str, Any]:
    """The evaluation page's tables: per year, per period and the change of each group."""
    return {
        "result": result,
        "by_year": [_shown(c) for c in result.by_year],
        "by_period": [_shown(c) for c in result.by_period],
        "change": [
            {"group": EVALUATION_GROUPS[g], "value": number(v)} for g, v in result.change.items()
        ],
        "before_years": [y for y in result.years if y < budget_year],
        "after_years": [y for y in result.years if y >= budget_year],
    }


# --------------------------------------------------------------------------- split across areas


def exact_euros(cents: Fraction, places: int = 6) -> str:
    """Exact cents as euros with ``places`` decimals (localised, no currency sign)."""
    value = Decimal(cents.numerator) / Decimal(cents.denominator) / 100
    return str(formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True))


def _share_percent(share: str) -> str:
    return number(float(Fraction(share)) * 100, 4)


def area_share_rows(run: BudgetRun, names: dict[str, str]) -> list[dict[str, Any]]:
    """Per area of a weighted-count run: every count, its share of the total, the weighted
    exact amount, the amount before and after rounding (``names``: indicator code → name)."""
    inputs = {r["area_id"]: r for r in run.inputs}
    shares = run.area_shares.select_related("area").order_by("area__official_code", "area_id")
    rows = []
    for s in shares:
        exact = Fraction(s.exact_cents)
        rows.append(
            {
                "share": s,
                "record": inputs.get(s.area_id, {}),
                "terms": [
                    {
                        "name": names.get(t["name"], t["name"]),
                        "code": t["name"],
                        "count": t["count"],
                        "total": t["total"],
                        "share": _share_percent(t["share"]),
                        "weight": fraction_text(Fraction(t["weight"]) * 100),
                        "exact": format_euros(Fraction(t["exact"])),
                        "exact_eur": float(Fraction(t["exact"]) / 100),
                    }
                    for t in s.terms
                ],
                "exact": format_euros(exact),
                "exact_text": exact_euros(exact) if exact.denominator != 1 else "",
                "exact_eur": float(exact / 100),
                "amount": format_euros(s.amount_cents),
                "rounding_cents": s.amount_cents - exact,
                "rounding": format_euros(s.amount_cents - exact),
                "got_cent": s.amount_cents > exact,
            }
        )
    return rows


def count_columns(run: BudgetRun, names: dict[str, str]) -> list[dict[str, str]]:
    """The counts of a weighted-count run: code, name and weight in per cent."""
    return [
        {
            "code": c["indicator"],
            "name": names.get(c["indicator"], c["indicator"]),
            "weight": fraction_text(Fraction(c["weight"]) * 100),
        }
        for c in run.rule.get("counts") or []
    ]


def area_export_columns(run: BudgetRun) -> list[Column]:
    """Columns of a weighted-count run's export: one group of columns per count."""
    cols = [
        Column("budget_year", _("Year"), lambda r: r["share"].run.budget.year),
        Column("run_version", _("Version"), lambda r: r["share"].run.version),
        Column("run_status", _("Status"), lambda r: r["share"].run.get_status_display()),
        Column("area_code", _("Area code"), lambda r: r["share"].area.official_code),
        Column("area", _("Area"), lambda r: r["share"].area.name),
    ]

    def term(i: int, key: str) -> Callable[[dict[str, Any]], Any]:
        return lambda r: r["terms"][i][key] if i < len(r["terms"]) else None

    for i, count in enumerate(run.rule.get("counts") or []):
        code = count["indicator"]
        weight = fraction_text(Fraction(count["weight"]) * 100)
        cols += [
            Column(f"{code}_count", _("%(c)s: count") % {"c": code}, term(i, "count")),
            Column(f"{code}_total", _("%(c)s: total of all areas") % {"c": code}, term(i, "total")),
            Column(f"{code}_share_pct", _("%(c)s: share (%%)") % {"c": code}, term(i, "share")),
            Column(
                f"{code}_weighted_eur",
                _("%(c)s: amount at weight %(w)s %% (EUR, exact)") % {"c": code, "w": weight},
                term(i, "exact_eur"),
            ),
        ]
    cols += [
        Column("exact_eur", _("Amount before rounding (EUR)"), lambda r: r["exact_eur"]),
        Column("rounding_cents", _("Rounding (cents)"), lambda r: float(r["rounding_cents"])),
        Column("amount_eur", _("Amount (EUR)"), lambda r: r["share"].amount_cents / 100),
        Column(
            "remainder_rank",
            _("Rank of the rounding remainder"),
            lambda r: r["share"].remainder_rank,
        ),
    ]
    return cols
