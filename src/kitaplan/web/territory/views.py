"""The page about kitaplan and the data sources of each territory."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kitaplan.web.territory.models import Territory


@login_not_required
def about(request: HttpRequest) -> HttpResponse:
    return render(
        request, "territory/about.html", {"territories": Territory.objects.order_by("name")}
    )
