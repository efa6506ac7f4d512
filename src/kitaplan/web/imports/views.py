"""Import page (upload with validation report) and import history."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, export_response
from kitaplan.web.imports.forms import ImportForm
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.imports.tables import IMPORT_COLUMNS


def _require_steward(request: HttpRequest) -> None:
    if not access.can_import_data(request.user):
        raise PermissionDenied


def import_list(request: HttpRequest) -> HttpResponse:
    _require_steward(request)
    runs = ImportRun.objects.select_related("territory").order_by("-started_at", "-pk")
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
    _require_steward(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
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
        form = ImportForm()
    return render(request, "imports/import_new.html", {"form": form})


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_steward(request)
    run = get_object_or_404(ImportRun.objects.select_related("territory"), pk=pk)
    problems = [describe_problem(problem_from_dict(p)) for p in run.problems]
    return render(request, "imports/import_detail.html", {"run": run, "problems": problems})
