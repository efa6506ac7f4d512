"""Complete-list imports: when closing what a file does not list needs a confirmation.

An import adds and updates by default and closes nothing. Only a file declared the complete
list of its scope closes (end-dates or deletes) the stored records of that scope it does not
list. Closing more than :data:`CONFIRM_CLOSING_ABOVE` of the scope's stored records is almost
always a partial file imported by mistake (a one-row facilities file closing 2,880 Kitas), so
it needs an explicit confirmation after a dry run has shown the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["CONFIRM_CLOSING_ABOVE", "SHOWN_CLOSING_KEYS", "ClosingCheck", "check_closing"]

#: Closing more than this share of a scope's stored records needs a confirmation (5 %).
CONFIRM_CLOSING_ABOVE = Fraction(5, 100)
#: How many keys of the records that would close a dry run shows (and a run keeps).
SHOWN_CLOSING_KEYS = 20


@dataclass(frozen=True, slots=True)
class ClosingCheck:
    """How many stored records of the scope an import closes, out of how many."""

    closing: int
    stored: int  # the scope's stored records before the import (kept + closing)

    @property
    def share(self) -> Fraction:
        return Fraction(self.closing, self.stored) if self.stored else Fraction(0)

    @property
    def needs_confirmation(self) -> bool:
        return self.share > CONFIRM_CLOSING_ABOVE

    @property
    def percent(self) -> int:
        """The share in whole percent, rounded up (0.1 % shows as 1 %, never as 0 %)."""
        if not self.closing:
            return 0
        whole, rest = divmod(self.share * 100, 1)
        return int(whole) + (1 if rest else 0)


def check_closing(*, closing: int, kept: int) -> ClosingCheck:
    """The check for an import that closes ``closing`` and keeps ``kept`` stored records.

    ``kept`` counts the scope's stored records that the file lists (changed or unchanged);
    records the file adds are not part of the scope before the import.
    """
    if closing < 0 or kept < 0:
        raise ValueError("counts cannot be negative")
    return ClosingCheck(closing=closing, stored=closing + kept)
