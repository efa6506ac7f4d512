"""Start page and the page about data sources."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
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
        for territory in Territory.objects.order_by("name"):
            totals = facility_totals(user=request.user, territory=territory)
            territories.append(
                {
                    "territory": territory,
                    "areas": territory.areas.filter(valid_to__isnull=True).count(),
                    **totals,
                }
            )
        context["territories"] = territories
    return render(request, "core/home.html", context)


@login_not_required
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html", {"territories": Territory.objects.order_by("name")})
