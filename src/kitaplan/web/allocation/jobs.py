"""Allocation runs and admission chances as background jobs (issue 14).

The office's button "Compute a run" queues the job kind ``allocation.run``
(:func:`queue_run`) and the page goes to the job's page, which polls the progress and links to
the run when it is stored. The work is :func:`~kitaplan.web.allocation.services.run_round`, the
same service the command line and the demo call directly: it stores the run, its lottery
numbers and its audit event in ONE transaction and marks the job succeeded inside it
(``on_stored``), so a crash of the worker leaves neither the run nor a succeeded job. A refusal
of the service (no places released, the actor no longer of the office) fails the job with its
German wording; "Try again" queues it once more.

The chances of a run (``allocation.chances``) are a job too, queued once per run by the page
that first asks for them: the design is in :mod:`kitaplan.web.allocation.chances`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kitaplan.web.allocation import chances, services
from kitaplan.web.allocation.models import AllocationRound
from kitaplan.web.audit.services import actor_user
from kitaplan.web.core.access import AnyUser
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.messages import register_wording
from kitaplan.web.jobs.models import OPEN_STATUSES, Job
from kitaplan.web.jobs.registry import JobKind, register
from kitaplan.web.jobs.services import enqueue

__all__ = ["CHANCES", "RUN", "queue_run", "register_allocation_jobs"]

RUN = "allocation.run"
CHANCES = chances.CHANCES


def queue_run(*, round_: AllocationRound, actor: AnyUser) -> Job:
    """Queue the computation of the next run of ``round_`` (main or follow-up run); the
    actor's own job for the round that is still open is reused (a second click queues no
    second run)."""
    user = actor_user(actor)
    if user is not None:
        waiting = (
            Job.objects.filter(
                kind=RUN, parameters__round=round_.pk, actor=user, status__in=OPEN_STATUSES
            )
            .order_by("-pk")
            .first()
        )
        if waiting is not None:
            return waiting
    return enqueue(
        kind=RUN, actor=actor, territory=round_.territory, parameters={"round": round_.pk}
    )


def _run(context: JobContext) -> None:
    round_ = AllocationRound.objects.filter(pk=context.parameters["round"]).first()
    if round_ is None:
        raise JobError("allocation_round_gone")
    context.progress(10, "allocation_computing")
    try:
        services.run_round(round_=round_, actor=context.actor, on_stored=context.succeed)
    except services.AllocationError as error:
        raise JobError(f"allocation_{error.code}") from error
    except PermissionDenied as error:
        raise JobError("allocation_not_allowed") from error


def _run_url(job: Job) -> str:
    return reverse("allocation:run-detail", kwargs={"pk": int(job.result_id)})


def register_allocation_jobs() -> None:
    register(
        JobKind(code=RUN, label=_("Compute an allocation run"), work=_run, result_url=_run_url)
    )
    register(
        JobKind(
            code=CHANCES,
            label=_("Estimate the chances of a run"),
            work=chances.compute_chances,
            result_url=chances.chances_run_url,
        )
    )
    register_wording(
        steps={
            "allocation_computing": _(
                "Computing the run: lottery, allocation and the independent check …"
            ),
            "chances_drawing": _("Drawing the lotteries for the chances …"),
            "chances_storing": _("Storing the chances …"),
        },
        errors={
            "allocation_round_gone": _("The allocation round of this job no longer exists."),
            "allocation_run_gone": _("The allocation run of this job no longer exists."),
            "allocation_no_programmes": _(
                "The round releases no places yet. Enter the places the facilities release "
                "for this round, then try again."
            ),
            "allocation_not_allowed": _(
                "Only the allocation office may compute a run; the person who started this job "
                "no longer has that role."
            ),
        },
    )
