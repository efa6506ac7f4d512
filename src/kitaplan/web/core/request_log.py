"""One log line per request (logger ``kitaplan.request``; docs/operations.md "Health and logs").

The line holds the method, the path without its query string, the status, the duration in
milliseconds, the user's id (or ``-``) and a request id, which the response also carries as
``X-Request-ID`` (a proxy's own id is kept when it sends one). Nothing else: no query strings,
form values, user names or addresses, because these may hold personal data.
``KITAPLAN_LOG_FORMAT=json`` writes JSON lines instead of ``key=value`` text.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

logger = logging.getLogger("kitaplan.request")

#: The fields of a request line, in this order.
FIELDS = ("method", "path", "status", "duration_ms", "user", "request_id")
_PROXY_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _user_id(request: HttpRequest) -> str:
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return "-"  # the request never looked at its user: do not load it only for the log
    return str(user.pk) if user.is_authenticated else "-"


class RequestLogMiddleware:
    """Outermost middleware: times the whole request, including the other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _PROXY_REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        fields = {
            "method": request.method or "-",
            "path": request.path,  # never the query string
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user": _user_id(request),
            "request_id": request_id,
        }
        logger.info(
            "%(method)s %(path)s %(status)s %(duration_ms)sms", fields, extra={"request": fields}
        )
        return response


class TextFormatter(logging.Formatter):
    """``key=value`` pairs after the time, one request per line."""

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] | None = getattr(record, "request", None)
        if fields is None:
            return super().format(record)
        pairs = " ".join(f"{key}={fields[key]}" for key in FIELDS)
        return f"{self.formatTime(record)} {record.levelname} {pairs}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line.

    Our own dozen lines rather than python-json-logger: the fields are fixed and few, and the
    standard library's ``json`` writes them; a dependency would add nothing here.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "request", None)
        if fields is not None:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
