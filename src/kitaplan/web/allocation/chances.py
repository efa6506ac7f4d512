"""Admission chances (de: Platzchancen) of a stored run, computed by a background job.

Design (issue 14): the lottery draws of a large round take seconds, so no page draws them.

- The office's application page asks for a child's chances ("Estimate the chances"). When the
  run's chances are stored (:class:`~kitaplan.web.allocation.models.RunChances`, one row per
  run), the page reads that one child's hits out of the row (a JSON key in the database, not
  the whole run) and words them: no draws, one query.
- When they are not stored yet, the page queues ONE job of kind ``allocation.chances`` for the
  run (:func:`request_chances`, under the run's row lock): a job of the run that is still open
  or has failed is reused, so a reload, a second child of the same run or a second viewer
  queues nothing more. The page says the chances are being computed and polls a small status
  fragment (HTMX) that reloads the page once they are stored.
- The job draws once for all children of the run (:data:`CHANCE_DRAWS` lotteries seeded from
  the run's seed, reproducible) and stores the row in the transaction that marks the job
  succeeded. A failed job shows its German error on the page with a button that queues it
  again (:func:`request_chances` with ``again=True``).
- A run never changes, so the row is never invalidated; it goes with its run. The parents'
  pages show no chances and never draw. With jobs run eagerly (the tests) the first request
  computes and shows the figures at once, as before.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.fields.json import KeyTransform
from django.urls import reverse

from kitaplan.domain.allocation import estimate_chances
from kitaplan.domain.allocation.chances import Estimate
from kitaplan.web.allocation.models import AllocationRun, RunChances
from kitaplan.web.allocation.services import stored_allocation
from kitaplan.web.core.access import AnyUser
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.messages import word_error
from kitaplan.web.jobs.models import OPEN_STATUSES, Job, JobStatus
from kitaplan.web.jobs.services import enqueue

__all__ = ["CHANCES", "CHANCE_DRAWS", "chances_for_page", "compute_chances", "request_chances"]

CHANCES = "allocation.chances"
#: Draws of the lottery for the chances of a run.
CHANCE_DRAWS = 200


def _jobs_of(run: AllocationRun) -> Any:
    return Job.objects.filter(kind=CHANCES, parameters__run=run.pk).order_by("-pk")


def request_chances(run: AllocationRun, *, actor: AnyUser, again: bool = False) -> Job | None:
    """Queue the job that computes the chances of ``run``, once per run: ``None`` when they
    are stored; the run's open job when there is one; its failed job unless ``again``."""
    with transaction.atomic():
        AllocationRun.objects.select_for_update().filter(pk=run.pk).exists()  # one at a time
        if RunChances.objects.filter(run=run).exists():
            return None
        latest: Job | None = _jobs_of(run).first()
        if latest is not None and (
            latest.status in OPEN_STATUSES or (latest.status == JobStatus.FAILED and not again)
        ):
            return latest
        territory = run.round.territory
        return enqueue(kind=CHANCES, actor=actor, territory=territory, parameters={"run": run.pk})


def _child_hits(run: AllocationRun, reference: str) -> tuple[int, dict[str, Any]] | None:
    row = (
        RunChances.objects.filter(run=run)
        .annotate(child=KeyTransform(reference, "hits"))
        .values_list("draws", "child")
        .first()
    )
    return None if row is None or row[1] is None else (row[0], row[1])


def _rows(draws: int, hits: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    rows = []
    for facility, count in hits["f"]:
        estimate = Estimate(int(count), draws)
        low, high = estimate.interval
        rows.append(
            {
                "facility": names.get(facility, facility),
                "probability": estimate.probability,
                "low": low,
                "high": high,
            }
        )
    return {"state": "ready", "draws": draws, "rows": rows, "unplaced": Estimate(hits["u"], draws)}


def chances_for_page(
    run: AllocationRun, reference: str, names: dict[str, str], *, actor: AnyUser
) -> dict[str, Any]:
    """What the application page shows of the chances of child ``reference`` in ``run``:
    the figures (``state`` "ready"), "being computed" (a job queued once per run) or the
    job's German error ("failed"). No lottery is drawn here."""
    found = _child_hits(run, reference)
    if found is None:
        job = request_chances(run, actor=actor)
        found = _child_hits(run, reference)  # eager mode: already computed
        if found is None:
            return _pending(run, job)
    return _rows(*found, names)


def _pending(run: AllocationRun, job: Job | None) -> dict[str, Any]:
    failed = job is not None and job.status == JobStatus.FAILED
    return {
        "state": "failed" if failed else "computing",
        "error": word_error(job.error_code, job.error_params) if failed and job else "",
        "job": job,
        "status_url": reverse("allocation:run-chances-status", args=[run.pk]),
    }


def chances_state(run: AllocationRun) -> dict[str, Any]:
    """The polled status of the chances of ``run``: "ready" (stored), "computing" (its job is
    open), "failed", or "missing" (no open job: the page reloads and queues one)."""
    if RunChances.objects.filter(run=run).exists():
        return {"state": "ready"}
    job = _jobs_of(run).first()
    if job is None or job.status == JobStatus.SUCCEEDED:
        return {"state": "missing"}
    return _pending(run, job)


def compute_chances(context: JobContext) -> None:
    """The job ``allocation.chances``: draw the lotteries of the run once and store the hits
    of every child with the job's status "succeeded" in one transaction."""
    run = AllocationRun.objects.filter(pk=context.parameters["run"]).first()
    if run is None:
        raise JobError("allocation_run_gone")
    stored = RunChances.objects.filter(run=run).first()
    hits: dict[str, Any] = {}
    if stored is None:
        context.progress(10, "chances_drawing")
        estimate = estimate_chances(stored_allocation(run)[0], draws=CHANCE_DRAWS, seed=run.seed)
        hits = {
            child.child_id: {
                "f": [[facility, e.hits] for facility, e in child.facilities],
                "u": child.unplaced.hits,
            }
            for child in estimate
        }
        context.progress(90, "chances_storing")
    with transaction.atomic():
        if stored is None:
            stored, _ = RunChances.objects.get_or_create(
                run=run, defaults={"draws": CHANCE_DRAWS, "hits": hits}
            )
        context.succeed(stored)


def chances_run_url(job: Job) -> str | None:
    run_id = RunChances.objects.filter(pk=job.result_id).values_list("run_id", flat=True).first()
    return reverse("allocation:run-detail", args=[run_id]) if run_id is not None else None
