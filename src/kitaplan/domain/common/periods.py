"""Validity periods (de: Gültigkeitszeitraum): half-open date ranges with an open end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ValidityPeriod:
    """The days on which a record holds: ``valid_from`` .. ``valid_to`` inclusive.

    ``valid_from is None`` means "since always", ``valid_to is None`` means "until further
    notice" (open-ended).
    """

    valid_from: date | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(f"period ends ({self.valid_to}) before it starts ({self.valid_from})")

    def contains(self, day: date) -> bool:
        """True when the record is valid on ``day``."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    def overlaps(self, other: ValidityPeriod) -> bool:
        """True when both periods share at least one day."""
        starts_before_other_ends = (
            self.valid_from is None or other.valid_to is None or self.valid_from <= other.valid_to
        )
        ends_after_other_starts = (
            self.valid_to is None or other.valid_from is None or self.valid_to >= other.valid_from
        )
        return starts_before_other_ends and ends_after_other_starts
