"""The close-to-home figures on a population grid (de: Bevölkerungsraster), computed by a
background job (issue 14).

Measured on the demo (Berlin, 542 Planungsräume, 14,235 cells of the synthetic 250 m grid,
2,880 facilities, SQLite): the page on area centroids computes in 0.05 s, on the grid in
0.14–0.36 s, and a Zensus 100 m grid has six times the cells (about 90,000 points, two million
pairs within 1.5 km, more within 3 km). Only the grid is long, so only the grid moves:

- The page asks for the figures of its choice (year, ages, offer, catchment, level, today's
  date) on the grid. When they are stored for the territory's current data version
  (:class:`~kitaplan.web.planning.accessibility_models.GridAccessibility`), the page reads
  that one row: one query, no computation.
- When they are not, the page queues ONE job of kind ``planning.accessibility_grid`` for the
  choice and the version (:func:`request_grid`, under the territory's row lock): a job of the
  same choice and version that is still open or has failed is reused, so a reload or a second
  planner queues nothing more. The page says the figures are being computed and polls a small
  status fragment (HTMX) that reloads the page once they are stored.
- The job computes with :func:`accessibility_for` (the same function as the page on
  centroids and the scenarios) and stores the row in the transaction that marks the job
  succeeded. A failed job shows its German error with a button that queues it again.
- Why a table and not the derived cache: a cache entry expires or is evicted (and a Redis
  cache does not take part in the job's transaction), so the page would fall back to
  "being computed" at random and the job's result could be lost; a row commits with the job's
  status and lasts. The key holds the data version (``core.derived``): a change of the
  population, the grid, the areas or the places gives a new version, the page queues a new
  job, and storing its row deletes the territory's rows of older versions (a late job of an
  older version stores its row, which is never read, and deletes nothing).
- The figures count every facility of the territory, the same for every city staff member
  (the page is for city staff only), so one row serves all of them; a job whose starter is no
  longer city staff fails.

The centroids stay in the request, and so do the planning scenarios' close-to-home figures
(their changes are part of the key there; they are computed on demand).
With jobs run eagerly (the tests) the first request computes and shows the figures at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core import access, derived
from kitaplan.web.core.access import AnyUser
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.messages import register_wording, word_error
from kitaplan.web.jobs.models import OPEN_STATUSES, Job, JobStatus
from kitaplan.web.jobs.registry import JobKind, register
from kitaplan.web.jobs.services import enqueue
from kitaplan.web.planning.accessibility_models import GridAccessibility
from kitaplan.web.planning.accessibility_selectors import (
    AccessibilityResult,
    AccessibilityRow,
    Ages,
    Offer,
    PopulationPoints,
    accessibility_for,
)
from kitaplan.web.territory.models import Area, AreaLevel, Territory

__all__ = [
    "GRID_ACCESSIBILITY",
    "compute_grid",
    "grid_choice",
    "grid_for_page",
    "grid_result_url",
    "grid_state",
    "register_grid_job",
    "request_grid",
]

GRID_ACCESSIBILITY = "planning.accessibility_grid"


def grid_choice(
    *,
    territory: Territory,
    year: int | None,
    ages: Ages,
    offer: Offer,
    catchment_m: int,
    level: AreaLevel | None,
    day: dt.date | None = None,
) -> dict[str, Any]:
    """The job's parameters for a choice of the page: ids and codes, the day of the places
    (today), the territory's data version and the key of all of them."""
    choice: dict[str, Any] = {
        "territory": territory.pk,
        "year": year,
        "ages": ages.value,
        "offer": offer.value,
        "catchment": int(catchment_m),
        "level": level.pk if level is not None else None,
        "day": (day or timezone.localdate()).isoformat(),
        "version": derived.data_version(territory.pk),
    }
    choice["key"] = hashlib.sha256(json.dumps(choice, sort_keys=True).encode()).hexdigest()
    return choice


def _stored(choice: dict[str, Any]) -> GridAccessibility | None:
    return GridAccessibility.objects.filter(
        territory_id=choice["territory"], version=choice["version"], key=choice["key"]
    ).first()


def _jobs_of(choice: dict[str, Any]) -> Any:
    return Job.objects.filter(kind=GRID_ACCESSIBILITY, parameters__key=choice["key"]).order_by(
        "-pk"
    )


def request_grid(choice: dict[str, Any], *, actor: AnyUser, again: bool = False) -> Job | None:
    """Queue the job that computes ``choice``, once per choice and data version: ``None`` when
    it is stored; the open job when there is one; the failed job unless ``again``."""
    with transaction.atomic():
        Territory.objects.select_for_update().filter(pk=choice["territory"]).exists()
        if _stored(choice) is not None:
            return None
        latest: Job | None = _jobs_of(choice).first()
        if latest is not None and (
            latest.status in OPEN_STATUSES or (latest.status == JobStatus.FAILED and not again)
        ):
            return latest
        territory = Territory.objects.get(pk=choice["territory"])
        return enqueue(kind=GRID_ACCESSIBILITY, actor=actor, territory=territory, parameters=choice)


def _serialise(result: AccessibilityResult) -> dict[str, Any]:
    return {
        "rows": [[r.area.pk, r.children, r.access, r.share_within] for r in result.rows],
        "year": result.year,
        "ages": result.ages.value,
        "offer": result.offer.value,
        "catchment_m": result.catchment_m,
        "level": result.level.pk if result.level is not None else None,
        "children": result.children,
        "share_within": result.share_within,
        "access": result.access,
        "children_outside": result.children_outside,
        "children_not_located": result.children_not_located,
        "facilities": result.facilities,
        "places": result.places,
        "demand_points": result.demand_points,
        "areas_on_centroid": result.areas_on_centroid,
    }


def _result(data: dict[str, Any]) -> AccessibilityResult:
    """The page's result from a stored row (one query for the areas of the rows)."""
    ids = [row[0] for row in data["rows"]]
    areas = Area.objects.select_related("level").defer("geometry", "bbox").in_bulk(ids)
    level = AreaLevel.objects.filter(pk=data["level"]).first() if data["level"] else None
    rows = [
        AccessibilityRow(area=areas[pk], children=children, access=value, share_within=share)
        for pk, children, value, share in data["rows"]
        if pk in areas
    ]
    if level is None and rows:
        level = rows[0].area.level
    return AccessibilityResult(
        rows=rows,
        year=data["year"],
        ages=Ages(data["ages"]),
        offer=Offer(data["offer"]),
        catchment_m=data["catchment_m"],
        level=level,
        children=data["children"],
        share_within=data["share_within"],
        access=data["access"],
        children_outside=data["children_outside"],
        children_not_located=data["children_not_located"],
        facilities=data["facilities"],
        places=data["places"],
        points=PopulationPoints.GRID,
        demand_points=data["demand_points"],
        areas_on_centroid=data["areas_on_centroid"],
    )


def _pending(choice: dict[str, Any], job: Job | None, query: str) -> dict[str, Any]:
    failed = job is not None and job.status == JobStatus.FAILED
    return {
        "state": "failed" if failed else "computing",
        "error": word_error(job.error_code, job.error_params) if failed and job else "",
        "job": job,
        "status_url": reverse("planning:accessibility-status") + "?" + query,
        "retry_url": reverse("planning:accessibility-retry") + "?" + query,
        "page_url": reverse("planning:accessibility") + "?" + query,
    }


def grid_for_page(
    choice: dict[str, Any], *, actor: AnyUser, query: str
) -> tuple[AccessibilityResult | None, dict[str, Any] | None]:
    """The page's figures of ``choice`` on the grid, or ``None`` and the job's state
    ("computing", or "failed" with the German error); ``query`` is the page's query string
    (for the status and retry URLs). Nothing is computed here."""
    stored = _stored(choice)
    if stored is None:
        job = request_grid(choice, actor=actor)
        stored = _stored(choice)  # eager mode: already computed
        if stored is None:
            return None, _pending(choice, job, query)
    return _result(stored.result), None


def grid_state(choice: dict[str, Any], query: str) -> dict[str, Any]:
    """The polled state of ``choice``: "ready" (stored), "computing" (its job is open),
    "failed", or "missing" (no open job: the page reloads and queues one)."""
    if _stored(choice) is not None:
        return {"state": "ready"}
    job = _jobs_of(choice).first()
    if job is None or job.status == JobStatus.SUCCEEDED:
        return {"state": "missing"}
    return _pending(choice, job, query)


def compute_grid(context: JobContext) -> None:
    """The job ``planning.accessibility_grid``: compute the figures of the choice on the grid
    and store them with the job's status "succeeded" in one transaction."""
    choice = context.parameters
    territory = Territory.objects.filter(pk=choice["territory"]).first()
    if territory is None:
        raise JobError("accessibility_territory_gone")
    if not access.is_city_staff(context.actor):
        raise JobError("accessibility_not_allowed")
    level = None
    if choice["level"] is not None:
        level = AreaLevel.objects.filter(pk=choice["level"], territory=territory).first()
        if level is None:
            raise JobError("accessibility_level_gone")
    stored = _stored(choice)
    data: dict[str, Any] = {}
    if stored is None:
        context.progress(10, "accessibility_computing")
        result = accessibility_for(
            user=context.actor,
            territory=territory,
            year=choice["year"],
            ages=Ages(choice["ages"]),
            offer=Offer(choice["offer"]),
            catchment_m=int(choice["catchment"]),
            level=level,
            day=dt.date.fromisoformat(choice["day"]),
            points=PopulationPoints.GRID,
        )
        data = _serialise(result)
        context.progress(90, "accessibility_storing")
    with transaction.atomic():
        if stored is None:
            if choice["version"] == derived.data_version(territory.pk):  # else a newer job's
                GridAccessibility.objects.filter(territory=territory).exclude(
                    version=choice["version"]
                ).delete()
            stored, _ = GridAccessibility.objects.get_or_create(
                territory=territory,
                version=choice["version"],
                key=choice["key"],
                defaults={"result": data},
            )
        context.succeed(stored)


def grid_result_url(job: Job) -> str | None:
    """The close-to-home page of the job's choice on the grid."""
    choice = job.parameters
    territory = Territory.objects.filter(pk=choice.get("territory")).first()
    if territory is None:
        return None
    query: dict[str, Any] = {
        "territory": territory.code,
        "catchment": choice["catchment"],
        "offer": choice["offer"],
        "ages": choice["ages"],
        "points": PopulationPoints.GRID.value,
    }
    if choice.get("year") is not None:
        query["year"] = choice["year"]
    level = AreaLevel.objects.filter(pk=choice.get("level")).first()
    if level is not None:
        query["level"] = level.code
    return reverse("planning:accessibility") + "?" + urlencode(query)


def register_grid_job() -> None:
    """Register the job kind and its German wording (the app's ``ready()``)."""
    register(
        JobKind(
            code=GRID_ACCESSIBILITY,
            label=_("Close to home on the population grid"),
            work=compute_grid,
            result_url=grid_result_url,
        )
    )
    register_wording(
        steps={
            "accessibility_computing": _(
                "Computing the places within reach of every populated grid cell …"
            ),
            "accessibility_storing": _("Storing the figures …"),
        },
        errors={
            "accessibility_territory_gone": _("The territory of this job no longer exists."),
            "accessibility_level_gone": _("The level of areas of this job no longer exists."),
            "accessibility_not_allowed": _(
                "Only city staff may compute the close-to-home figures; the person who started "
                "this job no longer has such a role."
            ),
        },
    )
