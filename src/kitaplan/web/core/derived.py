"""The cache of data derived from a territory's stored inputs (balance, targets, monitoring …).

A derived result is cached under a key that carries the territory's **data version**, a random
token stored in :class:`~kitaplan.web.core.models.DerivedVersion`. Every change of an input
bumps the version (a new token), so that older entries are never read again and expire by
themselves. The token lives in the database, not in the cache: a bump inside a write's
transaction commits with the write (no other process sees new data under an old version, nor a
new version before the data), a flushed or re-created database starts with new tokens, and any
cache backend (database, file, Redis: ``settings.CACHES``) can hold the entries.

Who bumps: the apps owning the inputs connect their models with :func:`watch` in ``ready()``
(``post_save``/``post_delete``); bulk writes, which send no signals, call :func:`bump` in their
transaction (the import service does for every successful import).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import models
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

#: The alias in ``settings.CACHES`` that holds derived data.
CACHE_ALIAS = "default"
#: Seconds an entry lives at most (a bump makes it unreachable earlier).
TIMEOUT = 24 * 3600


def _new_token() -> str:
    return secrets.token_hex(8)


def data_version(territory_id: int) -> str:
    """The current data version of a territory (created on first use)."""
    from kitaplan.web.core.models import DerivedVersion

    token = (
        DerivedVersion.objects.filter(territory_id=territory_id)
        .values_list("token", flat=True)
        .first()
    )
    if token is None:
        token = _new_token()
        DerivedVersion.objects.bulk_create(
            [DerivedVersion(territory_id=territory_id, token=token)], ignore_conflicts=True
        )
        token = DerivedVersion.objects.values_list("token", flat=True).get(
            territory_id=territory_id
        )
    return token


def bump(territory_id: int | None) -> None:
    """Mark every derived result of a territory stale (inside the caller's transaction)."""
    from kitaplan.web.core.models import DerivedVersion

    if territory_id is None:
        return
    token = _new_token()
    if not DerivedVersion.objects.filter(territory_id=territory_id).update(token=token):
        DerivedVersion.objects.bulk_create(
            [DerivedVersion(territory_id=territory_id, token=token)], ignore_conflicts=True
        )


def bump_all() -> None:
    """Mark the derived results of every territory stale (an input shared by all of them)."""
    from kitaplan.web.core.models import DerivedVersion

    DerivedVersion.objects.update(token=_new_token())


def cached(territory_id: int, name: str, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()`` for the territory's current data, from the cache when already computed.

    ``name`` names the result (e.g. ``planning.balance``), ``parts`` its parameters (year, day …);
    both must be ``repr()``-stable. The result must pickle.
    """
    # the parameters hashed: a key stays short (the database cache keeps 255 characters)
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"derived:{name}:{territory_id}:{data_version(territory_id)}:{digest}"
    return _get_or_compute(key, compute)


def cached_immutable(name: str, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
    """``compute()`` of a record that never changes (e.g. a stored allocation run), from the
    cache when already computed; ``parts`` must identify the record for good (its primary key
    and creation time, so that a key reused after a rollback does not match)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return _get_or_compute(f"immutable:{name}:{digest}", compute)


def _get_or_compute(key: str, compute: Callable[[], T]) -> T:
    cache = caches[CACHE_ALIAS]
    missing = object()
    found: Any = cache.get(key, missing)
    if found is not missing:
        return found  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, TIMEOUT)
    return value


def watch(model: type[models.Model], via: str | None = "territory") -> None:
    """Bump the territory of every saved or deleted instance of ``model``.

    ``via`` is the path from the model to its territory: ``territory`` (a foreign key on the
    model) or ``<foreign key>__<path on the related model>``, e.g. ``area__territory``; ``None``:
    a model shared by every territory (e.g. an indicator definition).
    """
    first, _, rest = (via or "").partition("__")

    def receiver(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
        if via is None:
            bump_all()
            return
        related_id = getattr(instance, f"{first}_id")
        if not rest or related_id is None:
            bump(related_id)
            return
        related = model._meta.get_field(first).related_model
        assert related is not None and not isinstance(related, str)
        for territory_id in related._default_manager.filter(pk=related_id).values_list(
            rest, flat=True
        ):
            bump(territory_id)

    uid = f"kitaplan.derived.{model._meta.label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
