"""The start page (de: Übersicht): the territories with their areas and facilities today.

It keeps its URL name ``core:home`` (routed in the root URL configuration).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kitaplan.web.core import access
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.selectors import facility_totals
from kitaplan.web.territory.models import Territory


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "territories": [],
        "is_parent": Role.PARENT in access.roles_of(request.user),
    }
    if access.is_staff_user(request.user):
        territories = []
        mine = access.within_territories(Territory.objects.all(), request.user, "")
        for territory in mine.order_by("name"):
            totals = facility_totals(user=request.user, territory=territory)
            territories.append(
                {
                    "territory": territory,
                    "areas": territory.areas.filter(valid_to__isnull=True).count(),
                    **totals,
                }
            )
        context["territories"] = territories
    return render(request, "facilities/home.html", context)
