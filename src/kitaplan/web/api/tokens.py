"""API tokens (django-rest-knox): create, list and revoke; every change audited, never the key.

A token belongs to one user account and acts with its roles. knox keeps only a digest of the
key, so the key is shown once, in the answer that created it. Every token has an expiry: its
owner picks a lifetime of 30, 90 or 365 days, capped by ``REST_KNOX["TOKEN_TTL"]``
(``KITAPLAN_API_TOKEN_DAYS``); an expired token answers 401 (knox then deletes it).

Staff manage their own tokens; administrators (:attr:`Role.ADMIN`) see and revoke everyone's,
for example when someone leaves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import knox_settings

from kitaplan.web.api.models import ApiTokenLabel
from kitaplan.web.audit.services import AuditAction, record_audit_event
from kitaplan.web.core import access
from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.roles import Role

#: The lifetimes offered on the page, in days (those above the configured maximum are left out).
LIFETIME_DAYS = (30, 90, 365)
#: How many characters of knox's ``token_key`` (the key's first characters) the lists show.
KEY_HINT_LENGTH = 8


def max_lifetime_days() -> int:
    """The longest lifetime a new token may get (``KITAPLAN_API_TOKEN_DAYS``), at least 1 day."""
    ttl = knox_settings.TOKEN_TTL
    return max(1, ttl.days) if ttl is not None else max(LIFETIME_DAYS)


def lifetime_choices() -> list[int]:
    """The lifetimes (days) a user may choose: 30/90/365 up to the maximum, else the maximum."""
    cap = max_lifetime_days()
    return [days for days in LIFETIME_DAYS if days <= cap] or [cap]


def can_manage_all_tokens(user: AnyUser) -> bool:
    """Administrators see and revoke every user's tokens."""
    return access.has_any_role(user, {Role.ADMIN})


def key_hint(token: AuthToken) -> str:
    """The last characters of knox's ``token_key`` prefix, enough to recognise a key."""
    key: str = token.token_key  # knox has no type hints
    return key[-KEY_HINT_LENGTH:]


def is_expired(token: AuthToken, now: dt.datetime | None = None) -> bool:
    return token.expiry is not None and token.expiry <= (now or timezone.now())


def _tokens() -> QuerySet[AuthToken]:
    tokens: QuerySet[AuthToken] = AuthToken.objects.select_related(  # knox has no type hints
        "kitaplan_label", "user"
    ).order_by("-created", "pk")
    return tokens


def tokens_of(user: AnyUser) -> QuerySet[AuthToken]:
    """The user's own tokens, newest first (expired ones too, until knox deletes them)."""
    return _tokens().filter(user=user)


def all_tokens(actor: AnyUser) -> QuerySet[AuthToken]:
    """Every user's tokens, for administrators only."""
    if not can_manage_all_tokens(actor):
        raise PermissionDenied
    return _tokens().order_by("user__username", "-created", "pk")


def create_token(*, actor: AnyUser, label: str, days: int) -> tuple[AuthToken, str]:
    """A new token for ``actor``'s own account; returns it and the key (shown once, never kept)."""
    if not isinstance(actor, User) or not access.is_staff_user(actor):
        raise PermissionDenied
    if days not in lifetime_choices():
        raise ValueError(f"lifetime {days} days is not offered")
    with transaction.atomic():
        token, key = AuthToken.objects.create(user=actor, expiry=dt.timedelta(days=days))
        record, _ = ApiTokenLabel.objects.update_or_create(
            token=token, defaults={"label": label.strip()}
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.API_TOKEN_CHANGED,
            target=actor,
            details=_details("created", token, record),  # never the key itself
        )
    return token, key


def revoke_token(*, actor: AnyUser, number: int) -> AuthToken:
    """Delete the token with this number: the actor's own, or anyone's for an administrator.

    Raises ``AuthToken.DoesNotExist`` for a token the actor may not revoke, so that other
    users' numbers look like missing ones.
    """
    if not access.is_staff_user(actor):
        raise PermissionDenied
    scope = AuthToken.objects.all() if can_manage_all_tokens(actor) else tokens_of(actor)
    with transaction.atomic():
        token = (
            scope.select_for_update(of=("self",))
            .select_related("kitaplan_label", "user")
            .get(kitaplan_label__pk=number)
        )
        owner, record = token.user, token.kitaplan_label
        details = _details("revoked", token, record)
        if owner.pk != actor.pk:
            details["owner"] = owner.get_username()
        token.delete()
        record_audit_event(
            actor=actor, action=AuditAction.API_TOKEN_CHANGED, target=owner, details=details
        )
    return token


def _details(operation: str, token: AuthToken, record: ApiTokenLabel) -> dict[str, Any]:
    return {
        "operation": operation,
        "token": record.pk,
        "label": record.label,
        "expiry": token.expiry.isoformat() if token.expiry else None,
    }


def give_every_token_a_label(
    sender: Any, instance: AuthToken, created: bool, **kwargs: Any
) -> None:
    """``post_save`` of ``knox.AuthToken``: a new token gets its (empty) label and number."""
    if created and not kwargs.get("raw"):
        ApiTokenLabel.objects.get_or_create(token=instance)
