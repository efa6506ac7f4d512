"""Import page (dry run first, then the import), import detail and history.

Every upload is first checked as a dry run (``import_file(dry_run=True)``): everything runs
inside the transaction and is rolled back, the page shows what would be added, changed and
closed. The second step imports the file that the dry run checked (``imports.pending``), with
a confirmation where a complete list would close more than a few percent of its scope.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kitaplan.domain.common.complete_list import CONFIRM_CLOSING_ABOVE
from kitaplan.web.core.access import within_territories
from kitaplan.web.core.exports import EXPORT_FORMATS, export_response
from kitaplan.web.core.uploads import upload_refused
from kitaplan.web.imports import jobs, pending
from kitaplan.web.imports.forms import ConfirmImportForm, ImportForm
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.registry import kinds_for
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.imports.tables import IMPORT_COLUMNS


def _importable_kinds(request: HttpRequest) -> list[str]:
    """The kinds the user may import; 403 when there is none (least privilege)."""
    kinds = [entry.kind.value for entry in kinds_for(request.user)]
    if not kinds:
        raise PermissionDenied
    return kinds


def import_list(request: HttpRequest) -> HttpResponse:
    kinds = _importable_kinds(request)
    runs = (
        within_territories(ImportRun.objects.filter(kind__in=kinds), request.user, or_none=True)
        .select_related("territory")
        .order_by("-started_at", "-pk")
    )
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        return export_response(
            export_format=export_format, columns=IMPORT_COLUMNS, objects=runs, base_name="importe"
        )
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/import_list.html",
        {"page_obj": page, "export_url": reverse("imports:import-list")},
    )


def import_new(request: HttpRequest) -> HttpResponse:
    _importable_kinds(request)
    if request.method == "POST":
        files = request.FILES  # parsed first: a file over the size limit is dropped unread
        form = ImportForm(
            request.POST, files, user=request.user, upload_too_large=upload_refused(request)
        )
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(upload.name).name
                with path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                if jobs.runs_as_job(path):  # a large file: checked by the worker
                    job = jobs.queue_check(
                        territory=form.cleaned_data["territory"],
                        kind=form.cleaned_data["kind"],
                        path=path,
                        actor=request.user,
                        mapping_name=form.cleaned_data["mapping"] or None,
                        effective_day=form.cleaned_data["effective_day"],
                        complete_list=form.cleaned_data["complete_list"],
                    )
                    return redirect("jobs:job-detail", pk=job.pk)
                run = import_file(
                    territory=form.cleaned_data["territory"],
                    kind=form.cleaned_data["kind"],
                    path=path,
                    actor=request.user,
                    mapping_name=form.cleaned_data["mapping"] or None,
                    display_name=upload.name,
                    effective_day=form.cleaned_data["effective_day"],
                    complete_list=form.cleaned_data["complete_list"],
                    dry_run=True,
                )
                if run.is_dry_run:
                    pending.keep_upload(run, path)
            return redirect("imports:import-detail", pk=run.pk)
    else:
        form = ImportForm(user=request.user)
    context = {"form": form, "threshold_percent": int(CONFIRM_CLOSING_ABOVE * 100)}
    return render(request, "imports/import_new.html", context)


def _confirm_form(run: ImportRun, data: Any = None) -> ConfirmImportForm:
    closing = run.closing
    return ConfirmImportForm(
        data,
        closing=closing.closing,
        percent=closing.percent,
        needed=run.complete_list and closing.needs_confirmation,
    )


def _detail(
    request: HttpRequest, run: ImportRun, form: ConfirmImportForm | None = None
) -> HttpResponse:
    problems = [describe_problem(problem_from_dict(p)) for p in run.problems]
    mine = run.is_dry_run and run.actor_id is not None and run.actor_id == request.user.pk
    can_import = mine and pending.pending_upload(run) is not None
    context = {
        "run": run,
        "problems": problems,
        "can_import": can_import,
        "expired": mine and not can_import,
        "confirm_form": form or (_confirm_form(run) if can_import else None),
    }
    return render(request, "imports/import_detail.html", context)


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kinds = _importable_kinds(request)
    run = get_object_or_404(ImportRun.objects.select_related("territory"), pk=pk, kind__in=kinds)
    return _detail(request, run)


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the file that the dry run ``pk`` of this user checked (the page's second step)."""
    kinds = _importable_kinds(request)
    run = get_object_or_404(
        ImportRun.objects.select_related("territory"),
        pk=pk,
        kind__in=kinds,
        status="dry_run",
        actor_id=request.user.pk,
    )
    form = _confirm_form(run, request.POST)
    path = pending.pending_upload(run)
    if path is None or not form.is_valid():
        return _detail(request, run, form if path is not None else None)
    if jobs.runs_as_job(path):  # a large file: imported by the worker
        confirm = form.cleaned_data["confirm_closing"]
        job = jobs.queue_import(dry_run=run, actor=request.user, confirm_closing=confirm)
        return redirect("jobs:job-detail", pk=job.pk)
    done = import_file(
        territory=run.territory,
        kind=run.kind,
        path=path,
        actor=request.user,
        mapping_name=run.mapping,
        display_name=run.file_name,
        effective_day=run.effective_day,
        complete_list=run.complete_list,
        confirm_closing=form.cleaned_data["confirm_closing"],
    )
    if done.is_dry_run:  # the data changed since the dry run: check (and confirm) again
        pending.keep_upload(done, path)
    pending.discard(run)
    return redirect("imports:import-detail", pk=done.pk)
