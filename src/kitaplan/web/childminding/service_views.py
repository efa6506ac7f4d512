"""Set-up page of the advisory services (Fachberatungen) and the advisers who work in them.

Administrators only (403 for everyone else before any form is read); writes go through
:func:`.services.save_advisory_service` (one transaction, audited). Without a service an
adviser sees no childminder of a new territory, and the childminders import names the service
of each row (``service``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.web.childminding import services
from kitaplan.web.childminding.models import AdvisoryService
from kitaplan.web.core.access import within_territories
from kitaplan.web.core.roles import Role


class AdvisoryServiceForm(forms.ModelForm):  # type: ignore[type-arg]
    advisers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=gettext_lazy("Advisers"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AdvisoryService
        fields = ["territory", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(
            role_assignments__role=Role.CHILDMINDER_ADVISER.value, is_active=True
        )
        field = self.fields["advisers"]
        field.queryset = users.distinct().order_by("username")  # type: ignore[attr-defined]
        if self.instance.pk is not None:
            del self.fields["territory"]
            field.initial = list(self.instance.advisers.values_list("pk", flat=True))


def _require(request: HttpRequest) -> None:
    if not services.can_set_up_services(request.user):
        raise PermissionDenied


def service_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The services with their advisers, and the form for a new one (or ``pk``'s)."""
    _require(request)
    service = get_object_or_404(AdvisoryService, pk=pk) if pk is not None else None
    data = request.POST if request.method == "POST" else None
    form = AdvisoryServiceForm(data, instance=service)
    if form.is_valid():
        services.save_advisory_service(
            service=form.save(commit=False),
            advisers=[user.pk for user in form.cleaned_data["advisers"]],
            actor=request.user,
        )
        messages.success(request, _("The advisory service was saved."))
        return redirect("childminding:service-list")
    rows = (
        within_territories(AdvisoryService.objects.all(), request.user)
        .select_related("territory")
        .prefetch_related("advisers")
        .annotate(childminder_count=Count("childminders", distinct=True))
        .order_by("territory__name", "name")
    )
    context = {"rows": rows, "form": form, "service": service}
    return render(request, "childminding/services.html", context)
