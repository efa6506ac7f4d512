"""Small template helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """``{{ mapping|get_item:key }}``: a dictionary value by a variable key."""
    return mapping.get(key)


@register.filter
def sum_values(values: Any) -> Any:
    """``{{ counts.values|sum_values }}``: the sum of an iterable of numbers."""
    return sum(values)


@register.filter
def has_any_role(user: AnyUser, roles: str) -> bool:
    """``{% if user|has_any_role:"admin,childminder_adviser" %}`` – for links only; every view
    checks access itself."""
    from kitaplan.web.core.access import has_any_role as check
    from kitaplan.web.core.roles import Role

    return check(user, {Role(r.strip()) for r in roles.split(",") if r.strip()})


@register.filter
def in_scope_of(territories: Any, user: AnyUser) -> list[Any]:
    """``{% for t in territories|in_scope_of:user %}``: only the territories of the user's
    scope (``access.territory_ids_of``), for the territory choosers; every view still
    refuses another territory itself (404)."""
    from kitaplan.web.core.access import territory_ids_of

    ids = territory_ids_of(user)
    return [t for t in territories if ids is None or t.pk in ids]
