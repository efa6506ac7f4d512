"""Import page (upload with validation report) and import history."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from kitaplan.web.core.exports import EXPORT_FORMATS, export_response
from kitaplan.web.imports.forms import ImportForm
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
        ImportRun.objects.filter(kind__in=kinds)
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
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(upload.name).name
                with path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                run = import_file(
                    territory=form.cleaned_data["territory"],
                    kind=form.cleaned_data["kind"],
                    path=path,
                    actor=request.user,
                    mapping_name=form.cleaned_data["mapping"] or None,
                    display_name=upload.name,
                    effective_day=form.cleaned_data["effective_day"],
                )
            return redirect("imports:import-detail", pk=run.pk)
    else:
        form = ImportForm(user=request.user)
    return render(request, "imports/import_new.html", {"form": form})


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kinds = _importable_kinds(request)
    run = get_object_or_404(ImportRun.objects.select_related("territory"), pk=pk, kind__in=kinds)
    problems = [describe_problem(problem_from_dict(p)) for p in run.problems]
    return render(request, "imports/import_detail.html", {"run": run, "problems": problems})
