"""Small template helpers."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """``{{ mapping|get_item:key }}``: a dictionary value by a variable key."""
    return mapping.get(key)


@register.filter
def sum_values(values: Any) -> Any:
    """``{{ counts.values|sum_values }}``: the sum of an iterable of numbers."""
    return sum(values)
