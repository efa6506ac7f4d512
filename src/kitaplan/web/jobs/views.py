"""A job's page: status, progress (polled with HTMX), the result when done, the error and
"Erneut versuchen" when failed. Only the job's actor and administrators see it."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kitaplan.web.jobs.messages import word_error, word_step
from kitaplan.web.jobs.models import Job
from kitaplan.web.jobs.registry import kind_entry
from kitaplan.web.jobs.selectors import jobs_visible_to
from kitaplan.web.jobs.services import retry_job


def _job(request: HttpRequest, pk: int) -> Job:
    job = jobs_visible_to(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def _context(job: Job) -> dict[str, Any]:
    try:
        entry = kind_entry(job.kind)
        done = job.result_id or job.result_file
        label, result_url = str(entry.label), entry.result_url(job) if done else None
    except KeyError:
        label, result_url = job.kind, None
    return {
        "job": job,
        "label": label,
        "step": word_step(job.step),
        "error": word_error(job.error_code, job.error_params) if job.error_code else "",
        "result_url": result_url,
    }


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "jobs/job_detail.html", _context(_job(request, pk)))


def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status block alone (HTMX polls it every 2 s while the job is open)."""
    return render(request, "jobs/job_status.html", _context(_job(request, pk)))


@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = retry_job(_job(request, pk), actor=request.user)
    return redirect("jobs:job-detail", pk=job.pk)
