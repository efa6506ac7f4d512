"""Sums of counts computed as 64-bit integers in SQL.

PostgreSQL adds and multiplies ``integer`` columns in 32 bits: ``places_u3 + places_ue3`` or
``count * year`` overflows (a 500 for every page that shows the figure) long before the sum
itself would. :func:`sum64` casts each value to ``bigint`` first, so every sum of places or
children is exact up to 2^63 on every database.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Expression, F, Sum
from django.db.models.functions import Cast


def int64(expression: str | Expression) -> Cast:
    """``expression`` (a field name or an expression) as a 64-bit integer."""
    value = F(expression) if isinstance(expression, str) else expression
    return Cast(value, output_field=BigIntegerField())


def sum64(expression: str | Expression, **extra: Any) -> Sum:
    """``Sum`` of ``expression`` with every value cast to 64 bits first (``filter=`` etc. pass)."""
    return Sum(int64(expression), output_field=BigIntegerField(), **extra)
