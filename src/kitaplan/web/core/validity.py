"""Records valid on a day (de: gültig am Stichtag), as one query helper.

Facilities, their places, care contracts, permits and areas carry ``valid_from`` / ``valid_to``
(inclusive, ``NULL`` = open). :func:`valid_on` is the one filter for "valid on this day";
:class:`ValidityQuerySet` offers it as ``Model.objects.valid_on(day)``. The same rule in plain
Python is :class:`kitaplan.domain.common.periods.ValidityPeriod`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.db import models
from django.db.models import Q


def valid_on(day: dt.date, prefix: str = "", *, open_start: bool = True) -> Q:
    """``Q`` for records valid on ``day``: started (``valid_from <= day``, or no start when
    ``open_start``) and not ended (``valid_to`` empty or ``>= day``). ``prefix`` reaches a related
    record: ``valid_on(day, "places_history__")``."""
    started = Q(**{f"{prefix}valid_from__lte": day})
    if open_start:
        started |= Q(**{f"{prefix}valid_from__isnull": True})
    not_ended = Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    return started & not_ended


def valid_from_on(day: dt.date, prefix: str = "") -> Q:
    """``Q`` for records not ended by ``day`` (``valid_to`` empty or ``>= day``), whatever their
    start: current and future records."""
    return Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})


class ValidityQuerySet(models.QuerySet[Any]):
    """A queryset for models with ``valid_from`` / ``valid_to``."""

    def valid_on(self, day: dt.date, *, open_start: bool = True) -> Self:
        return self.filter(valid_on(day, open_start=open_start))

    def not_ended_on(self, day: dt.date) -> Self:
        return self.filter(valid_from_on(day))
