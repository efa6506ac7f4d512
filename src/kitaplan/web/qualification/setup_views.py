"""Set-up pages of the qualification programmes: a programme (code, name, kind, courses planned
per year) and its required parts (units, internships, test, deadline).

Advisers and administrators only, as for courses (:func:`.selectors.can_edit`; 403 for everyone
else before any form is read). Every write goes through :mod:`.services` (one transaction,
audited as ``qualification.changed``). A programme's code is what the ``courses`` import names
in its ``programme`` column, so a new territory sets its programmes up here before it imports
courses.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kitaplan.web.qualification import selectors, services
from kitaplan.web.qualification.forms import ProgrammeForm, ProgrammePartForm
from kitaplan.web.qualification.messages import error_text
from kitaplan.web.qualification.models import ProgrammePart


def _require_setup(request: HttpRequest) -> None:
    if not selectors.can_edit(request.user):
        raise PermissionDenied


def setup(request: HttpRequest) -> HttpResponse:
    """The programmes with their parts, and the form for a new programme."""
    _require_setup(request)
    form = ProgrammeForm(request.POST if request.method == "POST" else None, prefix="programme")
    if form.is_valid():
        try:
            programme = services.save_programme(
                programme=form.save(commit=False), actor=request.user
            )
        except services.QualificationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("qualification:setup-programme", pk=programme.pk)
    programmes = (
        selectors.programmes_visible_to(request.user)
        .annotate(course_count=Count("courses"))
        .order_by("territory__name", "code")
    )
    return render(request, "qualification/setup.html", {"programmes": programmes, "form": form})


def setup_programme(request: HttpRequest, pk: int) -> HttpResponse:
    """One programme: change it, add a part or change a part (``part`` = its id)."""
    _require_setup(request)
    programme = get_object_or_404(selectors.programmes_visible_to(request.user), pk=pk)
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data is not None else None
    form = ProgrammeForm(data if action == "programme" else None, instance=programme)
    part_id = data.get("part") if data is not None and action == "part" else None
    part = get_object_or_404(ProgrammePart, pk=part_id, programme=programme) if part_id else None
    part_form = ProgrammePartForm(
        data if action == "part" else None,
        instance=part or ProgrammePart(programme=programme),
        prefix="part",
    )
    bound = form if action == "programme" else part_form if action == "part" else None
    if bound is not None and bound.is_valid():
        try:
            if bound is form:
                services.save_programme(programme=form.save(commit=False), actor=request.user)
            else:
                services.save_programme_part(part=part_form.save(commit=False), actor=request.user)
        except services.QualificationError as error:
            bound.add_error(None, error_text(error))
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("qualification:setup-programme", pk=programme.pk)
    context = {"programme": programme, "form": form, "part_form": part_form}
    return render(request, "qualification/setup_programme.html", context)
