"""Generated reports as jobs: a page's PDF rendered by the worker, stored, then downloaded.

A report kind is a function that turns a request (its query string and user) into the file's
bytes and name, the same function the report's direct URL answers with, so the file of the
job is the file of the page. The page's button queues the job with the query string and the
language of the request (:func:`queue_report`); the work renders the report for a stand-in
request of the job's actor (permission and territory scope checked again), reading from the read replica when
there is one (``core.routers.replica_reads``, like the direct URL), stores the file through
Django's storage API (``default_storage``: a folder or an S3-compatible bucket) as
``reports/<job id>/<name>`` and marks the job succeeded with that file. The download view of
the owning app checks the same permission as the direct URL and answers
:func:`report_response`: only the job's actor (or an administrator) gets the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.http import FileResponse, Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.routers import replica_reads
from kitaplan.web.jobs.context import JobContext, JobError
from kitaplan.web.jobs.messages import register_wording
from kitaplan.web.jobs.models import Job, JobStatus
from kitaplan.web.jobs.registry import JobKind, register
from kitaplan.web.jobs.selectors import jobs_visible_to
from kitaplan.web.jobs.services import enqueue

__all__ = ["ReportBuilder", "queue_report", "register_report_kind", "report_response"]

#: Renders a report for a request: ``(content, file name)``; raises ``PermissionDenied`` or
#: ``Http404`` as the direct view does.
ReportBuilder = Callable[[HttpRequest], tuple[bytes, str]]

#: Where the generated files lie in the storage (``reports/<job id>/<file name>``).
FOLDER = "reports"


def queue_report(request: HttpRequest, *, kind: str, territory: models.Model | None = None) -> Job:
    """Queue the report ``kind`` of ``territory`` (a ``territory.Territory``: the job is
    scoped to it) for the query of ``request`` (ids, codes and flags of the page's filter,
    never personal data: the query string, and the fields of a posted form over it) in the
    language of the request."""
    query = request.GET.copy()
    for key in request.POST:
        if key != "csrfmiddlewaretoken":
            query.setlist(key, request.POST.getlist(key))
    return enqueue(
        kind=kind,
        actor=request.user,
        territory=territory,
        parameters={
            "query": query.urlencode(),
            "language": translation.get_language() or "",
        },
    )


def _stand_in(context: JobContext) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(str(context.parameters.get("query", "")))
    request.user = context.actor  # type: ignore[assignment]
    return request


def _store(context: JobContext, name: str, content: bytes) -> None:
    path = f"{FOLDER}/{int(context.job.pk)}/{PurePosixPath(name).name}"
    if default_storage.exists(path):  # a retried job's earlier file
        default_storage.delete(path)
    stored = default_storage.save(path, ContentFile(content))
    with transaction.atomic():
        context.succeed(result_file=stored)


def _work(build: ReportBuilder) -> Callable[[JobContext], None]:
    def work(context: JobContext) -> None:
        context.progress(10, "report_rendering")
        language = str(context.parameters.get("language") or "") or None
        try:
            with translation.override(language), replica_reads():
                content, name = build(_stand_in(context))
        except PermissionDenied as error:
            raise JobError("report_forbidden") from error
        except Http404 as error:
            raise JobError("report_not_found") from error
        context.progress(90, "report_storing")
        _store(context, name, content)

    return work


def register_report_kind(
    *, code: str, label: str | Promise, build: ReportBuilder, download: str
) -> None:
    """Register the report job ``code``; ``download`` names the URL of its download view
    (with the job's ``pk``)."""

    def result_url(job: Job) -> str | None:
        return reverse(download, kwargs={"pk": int(job.pk)}) if job.result_file else None

    register(JobKind(code=code, label=label, work=_work(build), result_url=result_url))
    register_wording(
        steps={
            "report_rendering": _("Rendering the report …"),
            "report_storing": _("Storing the file …"),
        },
        errors={
            "report_forbidden": _("The person who started this job may no longer see this report."),
            "report_not_found": _(
                "The territory, area or Sozialraum of this report no longer exists."
            ),
        },
    )


def report_response(request: HttpRequest, pk: int, *, kind: str) -> FileResponse:
    """The stored file of the succeeded report job ``pk`` of ``kind`` as a download; 404 for
    a job of someone else, another kind, one not done, or a file no longer stored."""
    job = (
        jobs_visible_to(request.user)
        .filter(pk=pk, kind=kind, status=JobStatus.SUCCEEDED)
        .exclude(result_file="")
        .first()
    )
    if job is None or not default_storage.exists(job.result_file):
        raise Http404
    return FileResponse(
        default_storage.open(job.result_file, "rb"),
        as_attachment=True,
        filename=PurePosixPath(job.result_file).name,
        content_type="application/pdf" if job.result_file.endswith(".pdf") else None,
    )
