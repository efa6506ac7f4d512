"""Wording of job steps and errors (codes in the database, German text on the page).

Apps that register a job kind register the wording of their own step and error codes here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = ["register_wording", "word_error", "word_step"]

_STEPS: dict[str, str | Promise] = {
    "": _("Waiting for the worker …"),
    "started": _("Started …"),
    "requeued": _("The worker stopped; the job is queued again …"),
    "done": _("Done."),
}

ErrorWording = Callable[[Mapping[str, Any]], str]

_ERRORS: dict[str, str | Promise | ErrorWording] = {
    "interrupted": _(
        "The job was interrupted because its worker stopped (attempts: %(attempts)s). "
        "Nothing of it was stored."
    ),
    "restart": _("The job was interrupted by a restart of the server. Nothing of it was stored."),
    "internal": _(
        "The job failed because of an unexpected error. Nothing of it was stored; the error "
        "is in the server's log."
    ),
    "no_result": _("The job ended without a result. Nothing of it was stored."),
    "unknown_kind": _("This kind of job (%(kind)s) is not known to this installation."),
    "input_missing": _("The file handed to the job is no longer there. Please upload it again."),
}


def register_wording(
    *,
    steps: Mapping[str, str | Promise] | None = None,
    errors: Mapping[str, str | Promise | ErrorWording] | None = None,
) -> None:
    """Word an app's step codes and error codes (``%(name)s`` placeholders for parameters)."""
    _STEPS.update(steps or {})
    _ERRORS.update(errors or {})


def word_step(code: str) -> str:
    wording = _STEPS.get(code)
    return str(wording) if wording is not None else code


def word_error(code: str, params: Mapping[str, Any]) -> str:
    wording = _ERRORS.get(code)
    if wording is None:
        return gettext("The job failed (%(code)s).") % {"code": code}
    if callable(wording):
        return wording(params)
    text = str(wording)
    try:
        return text % dict(params) if "%(" in text else text
    except (KeyError, TypeError, ValueError):
        return text
