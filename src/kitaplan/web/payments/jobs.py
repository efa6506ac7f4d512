"""Computing a month's payment run as a background job (issue 14).

The overview's "compute" hands the month to the job kind ``payments.run``; the job computes
it with :func:`~kitaplan.web.payments.services.create_run`, which stores the run, its lines,
its audit event and the job's status "succeeded" in ONE transaction (``on_created``), so a
crash leaves either the whole run or nothing. A refusal of the service (a released month, no
rate table) fails the job with the service's German message; the job page offers the retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.access import AnyUser
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.messages import ErrorWording, register_wording
from kitaplan.web.jobs.models import Job
from kitaplan.web.jobs.registry import JobKind, register
from kitaplan.web.jobs.services import enqueue
from kitaplan.web.payments import services
from kitaplan.web.payments.texts import ERRORS
from kitaplan.web.territory.models import Territory

__all__ = ["RUN", "queue_run", "register_payment_jobs"]

RUN = "payments.run"


def queue_run(*, territory: Territory, month: str, actor: AnyUser) -> Job:
    """Queue the computation of ``month`` for ``territory``."""
    return enqueue(kind=RUN, actor=actor, territory=territory, parameters={"month": month})


def _compute(context: JobContext) -> None:
    territory = context.job.territory
    if territory is None:
        raise JobError("payment_territory_gone")
    context.progress(10, "payment_computing")
    try:
        services.create_run(
            territory=territory,
            month=str(context.parameters["month"]),
            actor=context.actor,
            on_created=context.succeed,
        )
    except services.PaymentError as error:
        raise JobError(f"payment_{error.code}", **error.params) from error
    except PermissionDenied as error:
        raise JobError("payment_forbidden") from error


def _result_url(job: Job) -> str:
    return reverse("payments:run", kwargs={"pk": int(job.result_id)})


def _refusal(code: str) -> ErrorWording:
    def word(params: Mapping[str, Any]) -> str:
        return str(ERRORS[code]) % dict(params)

    return word


def register_payment_jobs() -> None:
    register(
        JobKind(
            code=RUN,
            label=_("Compute a payment run"),
            work=_compute,
            result_url=_result_url,
        )
    )
    errors: dict[str, Any] = {f"payment_{code}": _refusal(code) for code in ERRORS}
    errors["payment_territory_gone"] = _("The territory of this payment run no longer exists.")
    errors["payment_forbidden"] = _(
        "Only the payment office may compute payment runs; the person who started this job "
        "no longer may."
    )
    register_wording(steps={"payment_computing": _("Computing the payments …")}, errors=errors)
