"""Signals of the childminder registry for the apps that keep records about a childminder
(payments, substitute care): the registry sits below them and must not import them, so they
answer these signals, connected in their ``AppConfig.ready()``. Every signal is sent with
``sender=Childminder`` and ``childminder=``; receivers return their part of the answer.

- :data:`childminder_erasing` (``actor=`` too): sent inside the transaction of
  :func:`kitaplan.web.childminding.erasure.erase_childminder`, after her own row was anonymised.
  Receivers erase what they hold about her (keeping what payments law requires) and return a
  dict of audit details: counts and flags, never personal values.
- :data:`childminder_exporting`: receivers return a dict of sections for her own-records export
  (GDPR Art. 15/20), JSON-ready.
- :data:`childminder_last_paid`: receivers return the last day their kept records refer to
  (the end of the last month paid), or ``None``; her retention period runs from the latest.
- :data:`childminder_kept_records`: receivers return a dict of counts of the records an erasure
  keeps (e.g. ``{"released_payment_runs": 2}``), shown on the erasure page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import Signal

from kitaplan.web.childminding.models import Childminder

childminder_erasing = Signal()
childminder_exporting = Signal()
childminder_last_paid = Signal()
childminder_kept_records = Signal()


def _answers(signal: Signal, childminder: Childminder, **kwargs: Any) -> list[Any]:
    return [
        answer
        for _receiver, answer in signal.send(sender=Childminder, childminder=childminder, **kwargs)
        if answer is not None
    ]


def merged(signal: Signal, childminder: Childminder, **kwargs: Any) -> dict[str, Any]:
    """The receivers' dicts, merged (receivers name distinct keys)."""
    result: dict[str, Any] = {}
    for answer in _answers(signal, childminder, **kwargs):
        result.update(answer)
    return result


def latest_day(signal: Signal, childminder: Childminder) -> dt.date | None:
    """The latest of the receivers' days (``None`` when none answers one)."""
    days = [day for day in _answers(signal, childminder) if isinstance(day, dt.date)]
    return max(days) if days else None
