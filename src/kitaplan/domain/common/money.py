"""Amounts of money in cents (de: Beträge in Cent), and their German written form.

Every engine computes in integer cents (or exact fractions of cents); only presentation turns
them into text. ``babel`` could format currencies, but it would be a dependency for one function
whose German form (``1.234,56 €``) is fixed by the Jugendamt's letters.
"""

from __future__ import annotations

from fractions import Fraction


def format_euros(cents: int | Fraction | None, *, symbol: bool = True) -> str:
    """``12345678`` → ``"123.456,78 €"``; ``None`` → ``"–"``. Fractions of a cent are rounded
    as Python's ``round`` does (half to even), as the budget's letters always have."""
    if cents is None:
        return "–"
    value = Fraction(cents)
    sign = "-" if value < 0 else ""
    whole_cents = round(abs(value))
    euros, rest = divmod(whole_cents, 100)
    text = f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d}"
    return f"{text} €" if symbol else text


def plain_euros(cents: int) -> str:
    """``-12345`` → ``"-123.45"``: a machine-readable decimal (CSV, SEPA), no grouping."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
