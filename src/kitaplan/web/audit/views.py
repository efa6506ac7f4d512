"""The audit trail page (planners and administrators)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.tables import AUDIT_COLUMNS
from kitaplan.web.core import access
from kitaplan.web.core.exports import EXPORT_FORMATS, export_response


def event_list(request: HttpRequest) -> HttpResponse:
    if not access.can_view_audit(request.user):
        raise PermissionDenied
    # a territory-scoped user sees the events of their territories, not those of none
    events = access.within_territories(AuditEvent.objects.all(), request.user)
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        return export_response(
            export_format=export_format,
            columns=AUDIT_COLUMNS,
            objects=events,
            base_name="aenderungsprotokoll",
        )
    actions = (
        access.within_territories(AuditEvent.objects.all(), request.user)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
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
            "export_url": reverse("audit:event-list"),
        },
    )
