"""The API's own page: the user's tokens, the endpoints (from the OpenAPI schema), the schema;
and, for administrators, every user's tokens.

Server-rendered with the KERN layout; nothing is loaded from a CDN (the app runs offline).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken

from kitaplan.web.api import tokens
from kitaplan.web.api.forms import TokenForm
from kitaplan.web.api.views import ApiPagination
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


def token_rows(queryset: Any) -> list[dict[str, Any]]:
    """What the token tables show: never the key, only the last characters of its prefix."""
    now = timezone.now()
    return [
        {
            "number": token.kitaplan_label.pk,
            "label": token.kitaplan_label.label,
            "user": token.user.get_username(),
            "created": token.created,
            "expiry": token.expiry,
            "expired": tokens.is_expired(token, now),
            "key_hint": tokens.key_hint(token),
        }
        for token in queryset
    ]


def _render(
    request: HttpRequest, *, form: TokenForm | None = None, new_token: str = ""
) -> HttpResponse:
    # drf-spectacular leaves SchemaGenerator's __init__ and get_schema unannotated.
    generator = SchemaGenerator()  # type: ignore[no-untyped-call]
    schema = generator.get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    return render(
        request,
        "api/api_docs.html",
        {
            "endpoints": endpoints_from_schema(schema),
            "api_version": schema.get("info", {}).get("version", ""),
            "tokens": token_rows(tokens.tokens_of(request.user)),
            "form": form or TokenForm(),
            "max_days": tokens.max_lifetime_days(),
            "new_token": new_token,
            "is_token_admin": tokens.can_manage_all_tokens(request.user),
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
    """Create a token for the user's own account, with a label and a lifetime.

    The new key is shown once, in the answer to this POST (knox keeps only its digest).
    """
    _require_staff(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form)
    _, key = tokens.create_token(
        actor=request.user, label=form.cleaned_data["label"], days=form.cleaned_data["days"]
    )
    return _render(request, new_token=key)


@never_cache
@require_POST
def api_token_revoke(request: HttpRequest, number: int) -> HttpResponse:
    """Revoke a token: one's own, or anyone's for an administrator (others: 404)."""
    _require_staff(request)
    try:
        token = tokens.revoke_token(actor=request.user, number=number)
    except AuthToken.DoesNotExist as exc:
        raise Http404 from exc
    label = token.kitaplan_label.label or f"#{number}"
    if token.user_id == request.user.pk:
        messages.success(
            request,
            _("The token “%(label)s” has been revoked. Requests with it are refused from now on.")
            % {"label": label},
        )
    else:
        messages.success(
            request,
            _("The token “%(label)s” of %(user)s has been revoked.")
            % {"label": label, "user": token.user.get_username()},
        )
    back = "api-token-list" if request.POST.get("back") == "list" else "api-docs"
    return redirect(back)


@never_cache
def api_token_list(request: HttpRequest) -> HttpResponse:
    """Every user's tokens, for administrators: who has one, until when; revoke any of them."""
    if not tokens.can_manage_all_tokens(request.user):
        raise PermissionDenied
    return render(
        request,
        "api/token_list.html",
        {"tokens": token_rows(tokens.all_tokens(request.user))},
    )
