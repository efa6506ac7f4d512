"""The audit trail page (planners and administrators)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core import access


def event_list(request: HttpRequest) -> HttpResponse:
    if not access.can_view_audit(request.user):
        raise PermissionDenied
    events = AuditEvent.objects.all()
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "page_obj": page,
            "actions": actions,
            "action": action,
            "querystring": query.urlencode(),
        },
    )
