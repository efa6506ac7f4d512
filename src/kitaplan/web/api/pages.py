"""The API's own page: how to get a token, the endpoints (from the OpenAPI schema), the schema.

Server-rendered with the KERN layout; nothing is loaded from a CDN (the app runs offline).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from kitaplan.web.api.views import ApiPagination
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core import access

API_PREFIX = "/api/v1/"
_METHODS = ("get", "post", "put", "patch", "delete")


def endpoints_from_schema(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per operation of API v1, in the schema's order: method, path, texts, parameters."""
    rows = []
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
                    ],
                    "operation_id": operation.get("operationId", ""),
                }
            )
    return rows


def _require_staff(request: HttpRequest) -> None:
    if not access.is_staff_user(request.user):
        raise PermissionDenied


def _render(
    request: HttpRequest, *, new_token: str = "", token_deleted: bool = False
) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    token = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "api/api_docs.html",
        {
            "endpoints": endpoints_from_schema(schema),
            "api_version": schema.get("info", {}).get("version", ""),
            "token": token,
            "new_token": new_token,
            "token_deleted": token_deleted,
            "schema_yaml_url": reverse("api-schema") + "?format=yaml",
            "schema_json_url": reverse("api-schema") + "?format=json",
            "example_url": request.build_absolute_uri(reverse("api-facility-list")),
            "max_limit": ApiPagination.max_limit,
            "username": request.user.get_username(),
        },
    )


@never_cache
def api_docs(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return _render(request)


@never_cache
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create or replace (``action=create``) or delete (``action=delete``) the user's own token.

    The new key is shown once, in the answer to this POST (not stored anywhere else for display).
    """
    _require_staff(request)
    delete = request.POST.get("action") == "delete"
    with transaction.atomic():
        Token.objects.filter(user=request.user).delete()
        token = None if delete else Token.objects.create(user=request.user)
        record_audit_event(
            actor=request.user,
            action=AuditAction.API_TOKEN_CHANGED,
            target=request.user,
            details={"operation": "deleted" if delete else "created"},  # never the key itself
        )
    return _render(request, new_token=token.key if token else "", token_deleted=delete)
