"""Reading what a budget run needs: each facility's children and need level, and the runs and
shares a user may see.

**Need level (issue 5, item 4).** The rule chooses where a facility's need level comes from
(``rule["need_basis"]``):

* ``own_area`` (default): the MSS status class (indicator ``mss_status_class``, latest year with
  a value) and status index (``mss_status_index``) of the Planungsraum the facility lies in;
* ``home_areas``: the child-weighted mean status index of the home areas of the children holding
  an accepted place offer at the facility and the class of that mean, when at least
  ``rule["min_children"]`` (default 10) such children live in areas with an index value; else
  the facility's own area (fallback). See :mod:`kitaplan.web.monitoring.facility_index` and
  ``docs/domain/social-index.md``.

Every record names the basis used (``need_basis``), so the run's pages can say it.

**Any indicator (issue 13).** A budget may name another indicator or stored index of its
territory (``AreaBudget.need_indicator``, copied into the run's rule): then a record's
``index_value`` is that indicator's latest value in the facility's own area (``need_indicator``
names it) and the need class stays the MSS class where there is one; the home-area basis is
defined for the MSS index only.

**Counts per area** (:func:`count_records`) feed a split across areas (a Land's budget across
its Jugendamtsbezirke): each named indicator's values of its latest year in the territory.
**Children** are the facility's current places (under 3 plus from 3) as the proxy for enrolled
children.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kitaplan.domain.budget.distribution import (
    BudgetDistribution,
    BudgetShare,
    IneligibilityCode,
    IneligibleFacility,
)
from kitaplan.domain.budget.stored import COUNTS, top_ancestor, version_mark
from kitaplan.domain.indicators.facility_index import DEFAULT_MIN_CHILDREN, NeedBasis
from kitaplan.domain.indicators.periods import latest_values
from kitaplan.web.budget.models import AreaBudget, BudgetRun, BudgetShareRecord, UseReport
from kitaplan.web.core import access, derived
from kitaplan.web.core.access import AnyUser, scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.core.validity import valid_on
from kitaplan.web.facilities.models import Facility, FacilityPlaces, Provider
from kitaplan.web.facilities.selectors import facilities_visible_to, providers_visible_to
from kitaplan.web.monitoring import facility_index
from kitaplan.web.territory.models import Area, IndicatorValue, Territory

CLASS_CODE = facility_index.CLASS_CODE
INDEX_CODE = facility_index.INDEX_CODE


def facility_records(
    territory: Territory,
    on: dt.date | None = None,
    *,
    need_basis: NeedBasis = NeedBasis.OWN_AREA,
    min_children: int = DEFAULT_MIN_CHILDREN,
    need_indicator: str = "",
) -> list[dict[str, Any]]:
    """The facility records a run uses (JSON-ready; stored on the run as its input snapshot)."""
    on = on or timezone.localdate()
    if need_indicator == INDEX_CODE:
        need_indicator = ""  # the MSS index: the default, with either basis
    if need_indicator:
        need_basis = NeedBasis.OWN_AREA
    facilities = list(
        Facility.objects.filter(territory=territory).filter(valid_on(on)).order_by("pk")
    )
    places: dict[int, int] = {}
    for fid, u3, ue3 in (
        FacilityPlaces.objects.filter(facility__in=facilities)
        .filter(valid_on(on, open_start=False))
        .values_list("facility_id", "places_u3", "places_ue3")
    ):
        places[fid] = u3 + ue3
    areas = {
        a["pk"]: a
        for a in Area.objects.filter(territory=territory).values(
            "pk", "parent_id", "name", "official_code"
        )
    }

    parents = {pk: a["parent_id"] for pk, a in areas.items()}

    def district(area_id: int | None) -> Mapping[str, Any] | None:
        top = top_ancestor(parents, area_id)
        return areas.get(top) if top is not None else None

    needs = facility_index.needs_of(
        territory,
        [(f.pk, f.area_id) for f in facilities],
        basis=need_basis,
        min_children=min_children,
    ).needs
    chosen = (
        latest_values(
            IndicatorValue.objects.filter(
                area__territory=territory, indicator__code=need_indicator
            ).values_list("area_id", "year", "value")
        )
        if need_indicator
        else {}
    )
    records = []
    for f in facilities:
        top = district(f.area_id)
        own = areas.get(f.area_id) if f.area_id else None
        need = needs[f.pk]
        index_value = chosen.get(f.area_id) if need_indicator else need.index
        records.append(
            {
                "facility_id": f.pk,
                "official_number": f.official_number,
                "name": f.name,
                "area_code": own["official_code"] if own else "",
                "area_name": own["name"] if own else "",
                "district_id": top["pk"] if top else None,
                "district_name": top["name"] if top else "",
                "children": places.get(f.pk, 0),
                "need_class": str(need.need_class) if need.need_class is not None else None,
                "index_value": index_value,
                "need_indicator": need_indicator,
                "need_basis": need.basis.value if not need_indicator else "own_area",
                "own_need_class": str(need.own_class) if need.own_class is not None else None,
                "own_index_value": need.own_index,
                "enrolled_known": need.known,
                "home_index": need.home_index,
                "high_need_share": need.high_need_share,
            }
        )
    return records


def count_records(territory: Territory, codes: list[str]) -> list[dict[str, Any]]:
    """Every area of ``territory`` with a value of each indicator in ``codes`` in that
    indicator's latest year there: its counts (whole numbers) and the years (JSON-ready)."""
    years: dict[str, int] = {}
    values: dict[str, dict[int, float]] = {}
    rows = IndicatorValue.objects.filter(area__territory=territory, indicator__code__in=codes)
    for code in codes:
        found = rows.filter(indicator__code=code)
        latest = found.order_by("-year").values_list("year", flat=True).first()
        if latest is None:
            return []
        years[code] = latest
        values[code] = dict(found.filter(year=latest).values_list("area_id", "value"))
    common = set.intersection(*(set(v) for v in values.values())) if values else set()
    areas = Area.objects.filter(pk__in=common).order_by("official_code", "pk")
    return [
        {
            "area_id": a.pk,
            "area_code": a.official_code,
            "area_name": a.name,
            "counts": {code: round(values[code][a.pk]) for code in codes},
            "years": years,
        }
        for a in areas
    ]


# --------------------------------------------------------------------------- who sees what


def can_view_budgets(user: AnyUser) -> bool:
    """The budget pages at all: staff (facility managers see only their published shares)."""
    return access.is_staff_user(user)


def can_manage(user: AnyUser) -> bool:
    """Create budgets and runs, publish: planners and administrators."""
    return access.can_import_data(user)


def can_view_runs(user: AnyUser) -> bool:
    """The whole distribution (all facilities, drafts): city staff."""
    return access.is_city_staff(user)


@scoped_to_territories("budget__territory")
def runs_visible_to(user: AnyUser) -> QuerySet[BudgetRun]:
    if can_view_runs(user):
        return BudgetRun.objects.all()
    if access.is_staff_user(user):
        return BudgetRun.objects.filter(status=BudgetRun.PUBLISHED)
    return BudgetRun.objects.none()


@scoped_to_territories()
def budgets_visible_to(user: AnyUser) -> QuerySet[AreaBudget]:
    if can_view_runs(user):
        return AreaBudget.objects.all()
    return AreaBudget.objects.filter(pk__in=runs_visible_to(user).values("budget_id"))


def facility_runs(runs: QuerySet[BudgetRun]) -> QuerySet[BudgetRun]:
    """``runs`` without the splits across areas (their inputs and shares are areas, not
    facilities: no comparison or evaluation by facility)."""
    # A rule without the key (every run before issue 13) is a facility run; a plain exclude()
    # would drop it (NOT on a missing JSON key is NULL in SQL).
    return runs.filter(Q(rule__allocation__isnull=True) | ~Q(rule__allocation=COUNTS))


def evaluable_budgets(user: AnyUser) -> list[AreaBudget]:
    """The budgets with a published run that ``user`` may see, by territory and latest year
    (a budget whose valid version is a split across areas has no facilities to evaluate)."""
    return list(
        budgets_visible_to(user)
        .filter(pk__in=facility_runs(current_runs()).values("budget_id"))
        .select_related("territory")
        .order_by("territory__name", "-year", "pk")
    )


def runs_by_budget(user: AnyUser, budgets: QuerySet[AreaBudget]) -> dict[int, list[BudgetRun]]:
    """budget id → the runs of it ``user`` may see, latest version first, versions marked."""
    runs = list(
        runs_visible_to(user)
        .filter(budget__in=budgets)
        .select_related("created_by")
        .order_by("-version")
    )
    mark_versions(runs)
    out: dict[int, list[BudgetRun]] = {}
    for run in runs:
        out.setdefault(run.budget_id, []).append(run)
    return out


@scoped_to_territories("run__budget__territory")
def shares_visible_to(user: AnyUser) -> QuerySet[BudgetShareRecord]:
    """City staff: every share; facility managers: the published shares of their facilities."""
    return BudgetShareRecord.objects.filter(
        run__in=runs_visible_to(user), facility__in=facilities_visible_to(user)
    )


def can_report_use(user: AnyUser, share: BudgetShareRecord) -> bool:
    """The facility's own provider's manager, or a planner; published runs only."""
    if not share.run.is_published:
        return False
    if access.has_any_role(user, {Role.PLANNER}) or getattr(user, "is_system", False):
        return True
    return (
        Role.FACILITY_MANAGER in access.roles_of(user)
        and facilities_visible_to(user).filter(pk=share.facility_id).exists()
    )


# --------------------------------------------------------------------------- current version


def current_versions(budget_ids: Iterable[int]) -> dict[int, int]:
    """The valid version of each budget: its latest published run (de: gültige Fassung)."""
    current: dict[int, int] = {}
    for budget_id, version in BudgetRun.objects.filter(
        budget_id__in=budget_ids, status=BudgetRun.PUBLISHED
    ).values_list("budget_id", "version"):
        current[budget_id] = max(version, current.get(budget_id, 0))
    return current


def current_runs() -> QuerySet[BudgetRun]:
    """The latest published run of every budget."""
    published = BudgetRun.objects.filter(status=BudgetRun.PUBLISHED)
    later = published.filter(budget_id=OuterRef("budget_id"), version__gt=OuterRef("version"))
    return published.exclude(Exists(later))


def current_run_of(budget: AreaBudget) -> BudgetRun:
    """The valid version of a budget with a published run."""
    return current_runs().filter(budget=budget).select_related("budget").get()


def version_marks(runs: list[BudgetRun]) -> dict[int, dict[str, Any]]:
    """Per run id: ``current`` (the valid version) and ``superseded_by`` (the version published
    next after it, for an older published run; else ``None``)."""
    published: dict[int, list[int]] = {}
    for budget_id, version in (
        BudgetRun.objects.filter(
            budget_id__in={r.budget_id for r in runs}, status=BudgetRun.PUBLISHED
        )
        .order_by("version")
        .values_list("budget_id", "version")
    ):
        published.setdefault(budget_id, []).append(version)
    marks: dict[int, dict[str, Any]] = {}
    for run in runs:
        mark = version_mark(published.get(run.budget_id, []), run.version)
        marks[run.pk] = {"current": mark.current, "superseded_by": mark.superseded_by}
    return marks


def mark_versions(runs: list[BudgetRun]) -> None:
    """Set ``is_current`` (the valid version: the latest published run of its budget) and
    ``superseded_by`` (the version published next, for an older published run) on each run."""
    marks = version_marks(runs)
    for run in runs:
        run.is_current = marks[run.pk]["current"]  # type: ignore[attr-defined]
        run.superseded_by = marks[run.pk]["superseded_by"]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- shares of runs


def with_reports(shares: QuerySet[BudgetShareRecord]) -> list[BudgetShareRecord]:
    """``shares`` with facility, provider, run and use reports, by year, version and number.

    The run's inputs (one record per facility of the territory) are not read here: the callers
    read them once per run, never once per share."""
    return list(
        shares.select_related("facility", "facility__provider", "run", "run__budget")
        .defer("run__inputs", "run__ineligible")
        .prefetch_related(
            Prefetch("use_reports", queryset=UseReport.objects.order_by("reported_at"))
        )
        .order_by("run__budget__year", "run__version", "facility__official_number")
    )


def inputs_of_runs(run_ids: set[int]) -> dict[int, list[dict[str, Any]]]:
    """run id → its input snapshot (one query for all)."""
    return dict(BudgetRun.objects.filter(pk__in=run_ids).values_list("pk", "inputs"))


def inputs_of(runs: Iterable[BudgetRun]) -> dict[int, list[dict[str, Any]]]:
    """run id → its input snapshot (one record per facility of the territory): a published
    run's from the cache (it never changes: core.derived), the others' in one query."""
    found: dict[int, list[dict[str, Any]]] = {}
    unpublished: set[int] = set()
    for run in {r.pk: r for r in runs}.values():
        if run.status != BudgetRun.PUBLISHED:
            unpublished.add(run.pk)
            continue

        def read(pk: int = run.pk) -> list[dict[str, Any]]:
            return inputs_of_runs({pk})[pk]

        found[run.pk] = derived.cached_immutable(
            "budget.run_inputs", (run.pk, run.created_at, run.published_at), read
        )
    return found | (inputs_of_runs(unpublished) if unpublished else {})


def provider_shares(
    user: AnyUser, run_id: int, provider_id: int
) -> tuple[BudgetRun, Provider, list[BudgetShareRecord]]:
    """A published run and one provider's shares in it, as far as ``user`` may see them: city
    staff any provider, a facility manager only the own one (404 otherwise)."""
    run = get_object_or_404(
        runs_visible_to(user)
        .filter(status=BudgetRun.PUBLISHED)
        .select_related("budget", "budget__territory"),
        pk=run_id,
    )
    provider = get_object_or_404(providers_visible_to(user), pk=provider_id)
    shares = with_reports(shares_visible_to(user).filter(run=run, facility__provider=provider))
    if not shares:
        raise Http404
    return run, provider, shares


def stored_distribution(run: BudgetRun) -> BudgetDistribution:
    """A stored run as the domain's result (for ``compare``); terms are not needed there."""
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
